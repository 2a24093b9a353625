package mail_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mail/keyringtest"
	"github.com/xchangedesk/xchangedesk/exchange/mail/mailtest"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
	"github.com/xchangedesk/xchangedesk/exchange/oauth/oauthtest"
)

// recordingTokens is a mail.TokenSource over an *oauth.Source that remembers every access
// token it handed out and every refusal, so a test can look for the tokens where they must
// not be.
type recordingTokens struct {
	mail.TokenSource
	mu      sync.Mutex
	handed  []string
	refused []string
}

func (r *recordingTokens) AccessToken(ctx context.Context) (string, error) {
	tok, err := r.TokenSource.AccessToken(ctx)
	if err == nil {
		r.mu.Lock()
		r.handed = append(r.handed, tok)
		r.mu.Unlock()
	}
	return tok, err
}

func (r *recordingTokens) Refused(tok string) {
	r.mu.Lock()
	r.refused = append(r.refused, tok)
	r.mu.Unlock()
	r.TokenSource.Refused(tok)
}

func (r *recordingTokens) tokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.handed...)
}

// oauthWorld is a keyring, an authorisation server, a signed-in source and an SMTP server
// that checks bearer tokens with the authorisation server, as Exchange Online does.
type oauthWorld struct {
	idp    *oauthtest.Server
	src    *oauth.Source
	smtp   *mailtest.Server
	tokens *recordingTokens
	cfg    mail.SMTPConfig
}

func newOAuthWorld(t *testing.T, mechanisms ...string) *oauthWorld {
	t.Helper()
	keyringtest.Start(t)
	w := &oauthWorld{idp: oauthtest.Start(t), smtp: mailtest.Start(t, mail.StartTLS)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := oauth.SignIn(ctx, w.idp.Provider(), playBrowser(t))
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if w.src, err = oauth.NewSource(w.idp.Provider(), tok); err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	w.smtp.OAuth2(func(user, token string) bool {
		in := w.idp.Introspect(t, token)
		return in.Active && in.Username == user
	}, mechanisms...)
	w.tokens = &recordingTokens{TokenSource: mail.OAuth2Tokens(w.src)}
	w.cfg = w.smtp.Config()
	w.cfg.User, w.cfg.Password, w.cfg.OAuth2 = w.src.Account(), "", w.tokens
	return w
}

// playBrowser follows the sign-in address and its redirects, as the system browser would.
func playBrowser(t *testing.T) func(string) error {
	return func(u string) error {
		resp, err := http.Get(u)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("the browser ends on %s: %s", resp.Status, body)
		}
		return nil
	}
}

func (w *oauthWorld) send(t *testing.T, ids ...string) []mail.Result {
	t.Helper()
	var msgs []mail.Outgoing
	for _, id := range ids {
		msgs = append(msgs, outgoing(t, id, host.Email))
	}
	results := mail.Send(t.Context(), w.cfg, msgs)
	w.noTokens(t, results)
	return results
}

// noTokens fails the test if a result or the settings show an access token in any form.
func (w *oauthWorld) noTokens(t *testing.T, results []mail.Result) {
	t.Helper()
	var seen []string
	for _, r := range results {
		seen = append(seen, r.Reply, fmt.Sprint(r), fmt.Sprintf("%+v", r), fmt.Sprintf("%#v", r))
		if r.Err != nil {
			seen = append(seen, r.Err.Error())
		}
	}
	seen = append(seen, w.cfg.String(), fmt.Sprintf("%v", w.cfg), fmt.Sprintf("%+v", w.cfg), fmt.Sprintf("%#v", w.cfg))
	for _, tok := range w.tokens.tokens() {
		forms := []string{tok, base64.StdEncoding.EncodeToString(oauth.XOAUTH2(w.cfg.User, tok))}
		for _, s := range seen {
			for _, f := range forms {
				if strings.Contains(s, f) {
					t.Errorf("an access token shows in %q", s)
				}
			}
		}
	}
}

func TestOAuth2SendsWithXOAUTH2(t *testing.T) {
	w := newOAuthWorld(t, mailtest.XOAUTH2)
	results := w.send(t, "0191-a", "0191-b")
	for _, r := range results {
		if r.Status != mail.Sent || r.Err != nil {
			t.Fatalf("result %+v, want sent", r)
		}
	}
	got := w.smtp.Received()
	if len(got) != 2 || got[0].Auth != mailtest.XOAUTH2 || got[1].Conn != got[0].Conn {
		t.Fatalf("received %+v, want two messages on one XOAUTH2 connection", got)
	}
	if logins := w.smtp.Logins(); len(logins) != 1 || !logins[0].OK || logins[0].User != oauthtest.Account {
		t.Errorf("logins %+v, want one good one as %s", logins, oauthtest.Account)
	}
	if !strings.Contains(w.cfg.String(), "(oauth2)") {
		t.Errorf("the settings read %q, without saying they sign in with OAuth2", w.cfg)
	}
}

func TestOAuth2PrefersOAUTHBEARERWhereOffered(t *testing.T) {
	w := newOAuthWorld(t) // both mechanisms
	if r := w.send(t, "0192-a")[0]; r.Status != mail.Sent {
		t.Fatalf("result %+v, want sent", r)
	}
	if got := w.smtp.Received(); len(got) != 1 || got[0].Auth != "OAUTHBEARER" {
		t.Fatalf("received %+v, want one message over OAUTHBEARER", got)
	}
}

func TestAnExpiredAccessTokenIsRefreshedWithoutAnyoneNoticing(t *testing.T) {
	for _, mech := range []string{mailtest.XOAUTH2, "OAUTHBEARER"} {
		t.Run(mech, func(t *testing.T) {
			w := newOAuthWorld(t, mech)
			if r := w.send(t, "0193-a")[0]; r.Status != mail.Sent {
				t.Fatalf("first send: %+v", r)
			}
			before := w.idp.Requests(w.idp.TokenURL)
			w.idp.ExpireAccessTokens() // the client still believes its token good for an hour
			if r := w.send(t, "0193-b")[0]; r.Status != mail.Sent || r.Err != nil {
				t.Fatalf("after the expiry: %+v, want sent", r)
			}
			if n := w.idp.Requests(w.idp.TokenURL) - before; n != 1 {
				t.Errorf("%d token requests, want the one refresh", n)
			}
			logins := w.smtp.Logins()
			if len(logins) != 3 || !logins[0].OK || logins[1].OK || !logins[2].OK {
				t.Errorf("logins %+v, want good, refused (the stale token), good", logins)
			}
			if len(w.tokens.refused) != 1 || w.tokens.refused[0] != w.tokens.handed[0] {
				t.Errorf("the source was told of %d refusals, want the stale token's", len(w.tokens.refused))
			}
			if len(w.smtp.Received()) != 2 {
				t.Errorf("%d messages arrived, want 2", len(w.smtp.Received()))
			}
		})
	}
}

func TestARevokedSignInFailsOnceWithSignInAgain(t *testing.T) {
	w := newOAuthWorld(t, mailtest.XOAUTH2)
	if r := w.send(t, "0194-a")[0]; r.Status != mail.Sent {
		t.Fatalf("first send: %+v", r)
	}
	w.idp.RevokeRefreshTokens() // an administrator ended the sign-in, or the password changed
	w.idp.ExpireAccessTokens()
	before, logins := w.idp.Requests(w.idp.TokenURL), len(w.smtp.Logins())

	results := w.send(t, "0194-b", "0194-c")
	for _, r := range results {
		if r.Status != mail.Temporary || !errors.Is(r.Err, oauth.ErrSignInAgain) || !errors.Is(r.Err, mail.ErrToken) ||
			!strings.Contains(r.Err.Error(), "sign in again: ") || !strings.Contains(r.Err.Error(), "invalid_grant") {
			t.Fatalf("result %+v (%v), want a temporary failure saying sign in again", r, r.Err)
		}
	}
	if n := w.idp.Requests(w.idp.TokenURL) - before; n != 1 {
		t.Errorf("%d token requests, want the one refused refresh", n)
	}
	if n := len(w.smtp.Logins()) - logins; n != 1 {
		t.Errorf("%d logins, want the one with the stale token", n)
	}
	conns := w.smtp.Connections()

	// Sending again and again asks nobody: neither the provider nor the mail server.
	for range 5 {
		for _, r := range w.send(t, "0194-b") {
			if !errors.Is(r.Err, oauth.ErrSignInAgain) {
				t.Fatalf("result %+v, want sign in again", r)
			}
		}
	}
	if n := w.idp.Requests(w.idp.TokenURL) - before; n != 1 {
		t.Errorf("%d token requests over six sends, want the one refused", n)
	}
	if w.smtp.Connections() != conns {
		t.Errorf("%d connections more to the mail server after the sign-in was refused", w.smtp.Connections()-conns)
	}
	if len(w.smtp.Received()) != 1 {
		t.Errorf("%d messages arrived, want the first only", len(w.smtp.Received()))
	}
}

func TestATokenTheServerKeepsRefusingFailsWithItsWords(t *testing.T) {
	w := newOAuthWorld(t, mailtest.XOAUTH2)
	w.smtp.OAuth2(func(string, string) bool { return false }, mailtest.XOAUTH2) // SMTP AUTH disabled for the tenant
	before := w.idp.Requests(w.idp.TokenURL)
	r := w.send(t, "0195-a")[0]
	if r.Status != mail.Permanent || !errors.Is(r.Err, mail.ErrAuth) || r.Code != 535 || !strings.Contains(r.Reply, "Authentication failed") {
		t.Fatalf("result %+v (%v), want the 535 with the server's words", r, r.Err)
	}
	if n := len(w.smtp.Logins()); n != 2 {
		t.Errorf("%d logins, want two: the token, and one fresh one after the refusal", n)
	}
	if n := w.idp.Requests(w.idp.TokenURL) - before; n != 1 {
		t.Errorf("%d token requests, want one refresh", n)
	}
}

func TestOAuth2ToAServerWithoutItSaysSo(t *testing.T) {
	w := newOAuthWorld(t, mailtest.XOAUTH2)
	plain := mailtest.Start(t, mail.StartTLS) // PLAIN only
	cfg := plain.Config()
	cfg.User, cfg.Password, cfg.OAuth2 = w.cfg.User, "", w.tokens
	r := mail.Send(t.Context(), cfg, []mail.Outgoing{outgoing(t, "0196-a", host.Email)})[0]
	if r.Status != mail.Permanent || !errors.Is(r.Err, mail.ErrConfig) || !strings.Contains(r.Err.Error(), "offers no OAuth2 sign-in") {
		t.Fatalf("result %+v (%v), want a settings error naming what the server offers", r, r.Err)
	}
	if len(plain.Logins()) != 0 {
		t.Errorf("logins %+v: a token was sent to a server that does not take one", plain.Logins())
	}
}

func TestOAuth2NeedsTheMailbox(t *testing.T) {
	cfg := mail.SMTPConfig{Host: "smtp.office365.com", OAuth2: mail.OAuth2Tokens(nil)}
	if err := cfg.Validate(); !errors.Is(err, mail.ErrConfig) || !strings.Contains(err.Error(), "OAuth2") {
		t.Errorf("Validate = %v, want the user required", err)
	}
}
