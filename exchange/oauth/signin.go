package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// SignInTimeout is how long SignIn waits for the browser to come back when ctx has no
// deadline of its own: long enough to type a password and approve a second factor.
const SignInTimeout = 5 * time.Minute

var (
	// ErrNoDeviceFlow means the provider offers no device sign-in for the mail scopes.
	ErrNoDeviceFlow = &Problem{Text: "no sign-in on another device"}
)

// Token is the outcome of a sign-in: who signed in, until when the access token lasts,
// and the tokens themselves, which never leave this package except through a Source and
// the keyring. String and GoString print no token.
type Token struct {
	// Account is the mailbox signed in to, from the ID token's email or preferred_username
	// claim (the default scopes ask for openid and email so that one comes). Without an ID
	// token it is "", and the caller sets it to the mailbox the user named.
	Account string
	Expiry  time.Time // when the access token runs out; the refresh token lasts longer

	t *oauth2.Token
}

func (t Token) String() string {
	return fmt.Sprintf("oauth.Token{Account: %q, Expiry: %s}", t.Account, t.Expiry.Format(time.RFC3339))
}

// GoString keeps %#v from printing the tokens.
func (t Token) GoString() string { return t.String() }

func newToken(t *oauth2.Token) Token {
	return Token{Account: accountOf(t), Expiry: t.Expiry, t: t}
}

// accountOf reads the mailbox from the ID token, if any. The signature is not checked: the
// token came straight from the token endpoint over TLS (OpenID Connect Core, 3.1.3.7), and
// the account is only shown and used as the SASL user, which the mail server checks anyway.
func accountOf(t *oauth2.Token) string {
	raw, _ := t.Extra("id_token").(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Email             string `json:"email"`
		PreferredUsername string `json:"preferred_username"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return ""
	}
	if c.Email != "" {
		return c.Email
	}
	return c.PreferredUsername
}

// SignIn signs in with the authorisation code flow, PKCE (S256) and a loopback redirect
// (RFC 8252): it listens on 127.0.0.1 on a free port, passes the provider's sign-in address
// to open (which opens the system browser, or prints the address), waits for the browser to
// come back with the code, checks the state and exchanges the code for tokens. It waits
// until ctx ends, or SignInTimeout when ctx has no deadline.
//
// An answer with another state (another sign-in's, or forged) is refused and the wait goes
// on. It returns a *exchange.RuleError from Validate for broken settings, and the provider's
// words when it refuses.
func SignIn(ctx context.Context, p Provider, open func(url string) error) (Token, error) {
	if err := p.Validate(); err != nil {
		return Token{}, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, SignInTimeout)
		defer cancel()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Token{}, problemf("listening for the browser on 127.0.0.1: %w", err)
	}
	defer ln.Close()
	conf := p.config("http://" + ln.Addr().String() + "/")
	state, verifier := randomString(), oauth2.GenerateVerifier()

	type answer struct {
		code string
		err  error
	}
	answers := make(chan answer, 1)
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if r.URL.Path != "/" || !q.Has("state") && !q.Has("code") && !q.Has("error") {
				http.NotFound(w, r) // a favicon, a stray request: not the answer
				return
			}
			if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
				// Not the answer to this sign-in (another program, an old tab): refused, and
				// the sign-in goes on waiting for its own answer.
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, page("Not this sign-in", "This answer does not belong to the sign-in Xchange Desk is waiting for (wrong state)."))
				return
			}
			var a answer
			switch {
			case q.Get("error") != "":
				a.err = problemf("the sign-in was refused: %s", describe(q.Get("error"), q.Get("error_description")))
			case q.Get("code") == "":
				a.err = problemf("the provider sent no authorisation code")
			default:
				a.code = q.Get("code")
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if a.err != nil {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, page("Sign-in failed", "Xchange Desk could not sign in. You may close this window and try again."))
			} else {
				fmt.Fprint(w, page("Signed in", "Xchange Desk is signed in. You may close this window."))
			}
			select {
			case answers <- a:
			default: // a second answer after the first: the first counts
			}
		}),
	}
	go srv.Serve(ln)
	defer srv.Close()

	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if p.Kind == Google {
		opts = append(opts, oauth2.AccessTypeOffline)
	}
	if err := open(conf.AuthCodeURL(state, opts...)); err != nil {
		return Token{}, problemf("opening the sign-in page: %w", err)
	}
	var a answer
	select {
	case a = <-answers:
	case <-ctx.Done():
		return Token{}, problemf("no answer from the browser: %w", ctx.Err())
	}
	if a.err != nil {
		return Token{}, a.err
	}
	t, err := conf.Exchange(ctx, a.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Token{}, problemf("exchanging the authorisation code: %w", retrieveError(err))
	}
	return newToken(t), nil
}

// SignInDevice signs in with the device authorisation grant (RFC 8628), for a machine
// without a browser: show is given the address to visit on another device and the code to
// type there, and SignInDevice polls until the user has approved, refused, or ctx ends.
//
// Google does not allow its mail scope in the device flow, and a custom provider may have
// no device endpoint: both give an error matching ErrNoDeviceFlow.
func SignInDevice(ctx context.Context, p Provider, show func(verificationURI, userCode string)) (Token, error) {
	if err := p.Validate(); err != nil {
		return Token{}, err
	}
	switch {
	case p.Kind == Google:
		return Token{}, &Problem{Text: ErrNoDeviceFlow.Text + ": Google does not allow its mail scope (https://mail.google.com/) in the device flow; sign in with the browser instead", err: ErrNoDeviceFlow}
	case p.Endpoint().DeviceAuthURL == "":
		return Token{}, &Problem{Text: ErrNoDeviceFlow.Text + ": the provider has no device authorisation endpoint; sign in with the browser instead", err: ErrNoDeviceFlow}
	}
	conf := p.config("")
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		return Token{}, problemf("asking for a device code: %w", retrieveError(err))
	}
	show(da.VerificationURI, da.UserCode)
	t, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		return Token{}, problemf("waiting for the sign-in on the other device: %w", retrieveError(err))
	}
	return newToken(t), nil
}

// retrieveError gives the server's words (RFC 6749 error and error_description) in place of
// x/oauth2's dump of the whole response, keeping the *oauth2.RetrieveError for errors.As.
func retrieveError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return serverError{re}
	}
	return err
}

type serverError struct{ *oauth2.RetrieveError }

func (e serverError) Error() string {
	return "the server said " + describe(e.ErrorCode, e.ErrorDescription)
}
func (e serverError) Unwrap() error { return e.RetrieveError }
func describe(code, text string) string {
	if text == "" {
		return code
	}
	return code + ": " + text
}

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func page(title, text string) string {
	return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + title +
		"</title></head><body><h1>" + title + "</h1><p>" + text + "</p></body></html>"
}
