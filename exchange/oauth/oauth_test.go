package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail/keyringtest"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
	"github.com/xchangedesk/xchangedesk/exchange/oauth/oauthtest"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		p      oauth.Provider
		fields []string // the fields refused, in order
	}{
		{"microsoft with a client id is enough", oauth.Provider{Kind: oauth.Microsoft, ClientID: "11111111-2222-3333-4444-555555555555"}, nil},
		{"a tenant may be a domain", oauth.Provider{Kind: oauth.Microsoft, ClientID: "c", Tenant: "contoso.onmicrosoft.com"}, nil},
		{"google with a client id is enough", oauth.Provider{Kind: oauth.Google, ClientID: "c.apps.googleusercontent.com"}, nil},
		{"no client id is ever shipped", oauth.Provider{Kind: oauth.Google}, []string{"client-id"}},
		{"an unknown provider is refused", oauth.Provider{Kind: "yahoo", ClientID: "c"}, []string{"kind"}},
		{"a tenant is no path", oauth.Provider{Kind: oauth.Microsoft, ClientID: "c", Tenant: "../common"}, []string{"tenant"}},
		{"custom needs its endpoints and scopes", oauth.Provider{Kind: oauth.Custom, ClientID: "c"}, []string{"auth-url", "token-url", "scopes"}},
		{"custom endpoints are https", oauth.Provider{Kind: oauth.Custom, ClientID: "c", Scopes: []string{"mail"},
			AuthURL: "http://idp.example.org/auth", TokenURL: "https://idp.example.org/token", DeviceURL: "ftp://idp.example.org/device"},
			[]string{"auth-url", "device-url"}},
		{"plain http only to this machine", oauth.Provider{Kind: oauth.Custom, ClientID: "c", Scopes: []string{"mail"},
			AuthURL: "http://127.0.0.1:8080/auth", TokenURL: "http://localhost:8080/token"}, nil},
		{"a scope is one word", oauth.Provider{Kind: oauth.Google, ClientID: "c", Scopes: []string{"a b"}}, []string{"scopes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, v := range exchange.Violations(tt.p.Validate()) {
				got = append(got, v.Field)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.fields) {
				t.Errorf("fields refused %v, want %v (%v)", got, tt.fields, tt.p.Validate())
			}
		})
	}
}

func TestProviderEndpoints(t *testing.T) {
	ms := oauth.Provider{Kind: oauth.Microsoft, ClientID: "c"}
	if got, want := ms.Endpoint().TokenURL, "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"; got != want {
		t.Errorf("token URL %s, want %s", got, want)
	}
	ms.Tenant = "contoso.onmicrosoft.com"
	if got, want := ms.Endpoint().DeviceAuthURL, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode"; got != want {
		t.Errorf("device URL %s, want %s", got, want)
	}
	if got, want := strings.Join(ms.RequestedScopes(), " "),
		"https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access openid email"; got != want {
		t.Errorf("Microsoft scopes %q, want %q", got, want)
	}
	if ms.Revocation() != "" {
		t.Errorf("Microsoft has no revocation endpoint, got %s", ms.Revocation())
	}
	g := oauth.Provider{Kind: oauth.Google, ClientID: "c"}
	if g.Endpoint().AuthURL != "https://accounts.google.com/o/oauth2/v2/auth" || g.Endpoint().TokenURL != "https://oauth2.googleapis.com/token" ||
		g.Revocation() != "https://oauth2.googleapis.com/revoke" || strings.Join(g.RequestedScopes(), " ") != "https://mail.google.com/ openid email" {
		t.Errorf("Google's settings are wrong: %+v, %s, %v", g.Endpoint(), g.Revocation(), g.RequestedScopes())
	}
}

// browser plays the system browser: it follows the sign-in address and its redirects, to
// the authorisation server's sign-in page and back to the app's loopback address.
func browser(t *testing.T) func(string) error {
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

// signIn starts a keyring and a server and signs in with the browser.
func signIn(t *testing.T) (*oauthtest.Server, *oauth.Source) {
	t.Helper()
	keyringtest.Start(t)
	srv := oauthtest.Start(t)
	return srv, signInAt(t, srv)
}

func signInAt(t *testing.T, srv *oauthtest.Server) *oauth.Source {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := oauth.SignIn(ctx, srv.Provider(), browser(t))
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	src, err := oauth.NewSource(srv.Provider(), tok)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	return src
}

func accessToken(t *testing.T, src *oauth.Source) string {
	t.Helper()
	tok, err := src.Token()
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return tok.AccessToken
}

func TestSignInWithTheBrowser(t *testing.T) {
	keyringtest.Start(t)
	srv := oauthtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var asked *url.URL
	tok, err := oauth.SignIn(ctx, srv.Provider(), func(u string) error {
		asked, _ = url.Parse(u)
		return browser(t)(u)
	})
	if err != nil {
		t.Fatal(err)
	}
	q := asked.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" {
		t.Errorf("the sign-in address lacks PKCE or state: %s", asked)
	}
	if r, _ := url.Parse(q.Get("redirect_uri")); r == nil || r.Hostname() != "127.0.0.1" || r.Port() == "" {
		t.Errorf("the redirect is not to a loopback port: %s", q.Get("redirect_uri"))
	}
	if tok.Account != oauthtest.Account {
		t.Errorf("signed in as %q, want %q from the ID token", tok.Account, oauthtest.Account)
	}
	if d := time.Until(tok.Expiry); d < 50*time.Minute || d > time.Hour {
		t.Errorf("the access token lasts %v, want about an hour", d)
	}
	src, err := oauth.NewSource(srv.Provider(), tok)
	if err != nil {
		t.Fatal(err)
	}
	access := accessToken(t, src)
	if in := srv.Introspect(t, access); !in.Active || in.Username != oauthtest.Account {
		t.Errorf("the server says of the access token: %+v", in)
	}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok)} {
		if strings.Contains(s, access) {
			t.Errorf("printing the token shows the access token: %s", s)
		}
	}
	if srv.Requests(srv.TokenURL) != 1 {
		t.Errorf("%d token requests, want the one exchange: a fresh token needs no refresh", srv.Requests(srv.TokenURL))
	}

	// Another process (the CLI's send, the app after a restart) finds the sign-in in the keyring.
	again, err := oauth.OpenSource(srv.Provider(), oauthtest.Account)
	if err != nil {
		t.Fatal(err)
	}
	if in := srv.Introspect(t, accessToken(t, again)); !in.Active {
		t.Errorf("the access token from the kept refresh token is not active: %+v", in)
	}
}

func TestAWrongStateIsRefusedAndTheSignInWaitsForItsOwnAnswer(t *testing.T) {
	srv := oauthtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	server, _ := url.Parse(srv.URL)
	// A browser that stops before the loopback address and comes back with another state.
	client := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host != server.Host {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	_, err := oauth.SignIn(ctx, srv.Provider(), func(u string) error {
		resp, err := client.Get(u)
		if err != nil {
			return err
		}
		resp.Body.Close()
		back, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || back.Query().Get("code") == "" {
			t.Fatalf("the server did not send the browser back with a code: %s %v", resp.Status, back)
		}
		q := back.Query()
		q.Set("state", "forged")
		back.RawQuery = q.Encode()
		resp, err = http.Get(back.String())
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("the app answers a forged state with %s, want 400", resp.Status)
		}
		if n := srv.Requests(srv.TokenURL); n != 0 {
			t.Errorf("%d token requests: the code of a forged answer was exchanged", n)
		}
		// The real answer still signs in.
		q.Set("state", mustState(t, u))
		back.RawQuery = q.Encode()
		resp, err = http.Get(back.String())
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	})
	if err != nil {
		t.Errorf("SignIn after a forged answer = %v, want the real answer to count", err)
	}
	if n := srv.Requests(srv.TokenURL); n != 1 {
		t.Errorf("%d token requests, want the real code exchanged once", n)
	}
}

// mustState is the state the sign-in address carries.
func mustState(t *testing.T, authURL string) string {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil || u.Query().Get("state") == "" {
		t.Fatalf("no state in %s", authURL)
	}
	return u.Query().Get("state")
}

func TestSignInGivesUpWhenTheBrowserDoesNotComeBack(t *testing.T) {
	srv := oauthtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := oauth.SignIn(ctx, srv.Provider(), func(string) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SignIn = %v, want the deadline", err)
	}
}

func TestSignInOnAnotherDevice(t *testing.T) {
	keyringtest.Start(t)
	srv := oauthtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var shown string
	tok, err := oauth.SignInDevice(ctx, srv.Provider(), func(verificationURI, userCode string) {
		shown = verificationURI
		srv.ApproveDevice(t, userCode) // the user types the code on their phone
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(shown, srv.URL) {
		t.Errorf("verification address %q is not the server's", shown)
	}
	if tok.Account != oauthtest.Account {
		t.Errorf("signed in as %q, want %q", tok.Account, oauthtest.Account)
	}
	src, err := oauth.NewSource(srv.Provider(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if in := srv.Introspect(t, accessToken(t, src)); !in.Active {
		t.Errorf("the device sign-in's access token is not active: %+v", in)
	}
}

func TestGoogleHasNoDeviceFlowForMail(t *testing.T) {
	_, err := oauth.SignInDevice(context.Background(), oauth.Provider{Kind: oauth.Google, ClientID: "c"},
		func(string, string) { t.Error("a code was shown") })
	if !errors.Is(err, oauth.ErrNoDeviceFlow) || !strings.Contains(err.Error(), "Google does not allow its mail scope") {
		t.Errorf("SignInDevice with Google = %v", err)
	}
}

func TestAnAccessTokenAboutToExpireIsRefreshed(t *testing.T) {
	keyringtest.Start(t)
	srv := oauthtest.Start(t)
	srv.SetAccessTokenLifetime(30 * time.Second) // within RefreshEarly: stale at once
	src := signInAt(t, srv)
	first := srv.Requests(srv.TokenURL)
	a, b := accessToken(t, src), accessToken(t, src)
	if a == b {
		t.Error("an access token running out within a minute was handed out again")
	}
	if n := srv.Requests(srv.TokenURL) - first; n != 2 {
		t.Errorf("%d refreshes, want 2", n)
	}
	if in := srv.Introspect(t, b); !in.Active {
		t.Errorf("the refreshed access token is not active: %+v", in)
	}
}

func TestAnAccessTokenEndedEarlyIsRefreshedOnceRefused(t *testing.T) {
	srv, src := signIn(t)
	old := accessToken(t, src)
	srv.ExpireAccessTokens()
	if in := srv.Introspect(t, old); in.Active {
		t.Fatal("the ended access token is still active")
	}
	src.Refused(old) // as the SMTP server's 535 tells the sender
	src.Refused(old) // and the mailbox reader's NO, a moment later
	fresh := accessToken(t, src)
	if in := srv.Introspect(t, fresh); !in.Active {
		t.Errorf("the access token after the refusal is not active: %+v", in)
	}
	if again := accessToken(t, src); again != fresh {
		t.Error("two refusals of one token cost two refreshes")
	}
	if n := srv.Requests(srv.TokenURL); n != 2 {
		t.Errorf("%d token requests, want the exchange and one refresh", n)
	}
}

func TestARevokedRefreshTokenMeansSignInAgainOnce(t *testing.T) {
	keyringtest.Start(t)
	srv := oauthtest.Start(t)
	srv.SetAccessTokenLifetime(30 * time.Second)
	src := signInAt(t, srv)
	srv.RevokeRefreshTokens()
	before := srv.Requests(srv.TokenURL)

	_, err := src.Token()
	var again *oauth.SignInAgainError
	if !errors.Is(err, oauth.ErrSignInAgain) || !errors.As(err, &again) || !strings.HasPrefix(err.Error(), "sign in again: ") {
		t.Fatalf("Token = %v, want sign in again", err)
	}
	if again.Account != oauthtest.Account || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("the error does not name the account and the server's words: %v", err)
	}
	// The sender and the mailbox reader keep asking: nobody asks the provider again.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := src.Token(); !errors.Is(err, oauth.ErrSignInAgain) {
				t.Errorf("Token = %v, want sign in again", err)
			}
		})
	}
	wg.Wait()
	if n := srv.Requests(srv.TokenURL) - before; n != 1 {
		t.Errorf("%d token requests after the revocation, want the one refused", n)
	}
	// The dead refresh token is forgotten: a new process does not try it again.
	if _, err := oauth.OpenSource(srv.Provider(), oauthtest.Account); !errors.Is(err, oauth.ErrNotSignedIn) {
		t.Errorf("OpenSource = %v, want ErrNotSignedIn", err)
	}

	// A new sign-in ends the refusal for the shared Source.
	tok, err := oauth.SignIn(context.Background(), srv.Provider(), browser(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Replace(tok); err != nil {
		t.Fatal(err)
	}
	if in := srv.Introspect(t, accessToken(t, src)); !in.Active {
		t.Errorf("the new sign-in's access token is not active: %+v", in)
	}
}

func TestOneSourceServesTheSenderAndTheReaderAtOnce(t *testing.T) {
	keyringtest.Start(t)
	srv := oauthtest.Start(t)
	srv.SetAccessTokenLifetime(30 * time.Second) // every call refreshes, and rotates
	src := signInAt(t, srv)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			// Two refreshes with one rotating refresh token would end in invalid_grant.
			if _, err := src.Token(); err != nil {
				t.Errorf("Token: %v", err)
			}
		})
	}
	wg.Wait()
	later, err := oauth.OpenSource(srv.Provider(), oauthtest.Account)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := later.Token(); err != nil {
		t.Errorf("the rotated refresh token in the keyring does not work: %v", err)
	}
}

func TestSignOutRevokes(t *testing.T) {
	srv, src := signIn(t)
	if srv.RefreshTokens() != 1 {
		t.Fatalf("%d refresh tokens at the server, want 1", srv.RefreshTokens())
	}
	if err := src.SignOut(context.Background()); err != nil {
		t.Fatal(err)
	}
	if srv.Requests(srv.RevokeURL) != 1 || srv.RefreshTokens() != 0 {
		t.Errorf("%d revocations, %d refresh tokens left: the grant was not revoked",
			srv.Requests(srv.RevokeURL), srv.RefreshTokens())
	}
	if _, err := src.Token(); !errors.Is(err, oauth.ErrNotSignedIn) {
		t.Errorf("Token after sign-out = %v, want ErrNotSignedIn", err)
	}
	if _, err := oauth.OpenSource(srv.Provider(), oauthtest.Account); !errors.Is(err, oauth.ErrNotSignedIn) {
		t.Errorf("OpenSource after sign-out = %v, want ErrNotSignedIn", err)
	}
}

func TestWithoutAKeyringNothingIsKept(t *testing.T) {
	keyringtest.StartBus(t) // a session bus with no Secret Service on it
	srv := oauthtest.Start(t)
	tok, err := oauth.SignIn(context.Background(), srv.Provider(), browser(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oauth.NewSource(srv.Provider(), tok); !errors.Is(err, oauth.ErrNoKeyring) {
		t.Errorf("NewSource without a keyring = %v, want ErrNoKeyring", err)
	}
}
