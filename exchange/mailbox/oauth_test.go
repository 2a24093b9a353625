package mailbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange/mail/keyringtest"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox/mailboxtest"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
	"github.com/xchangedesk/xchangedesk/exchange/oauth/oauthtest"
)

// The OAuth2 tests put the real parts together: gnome-keyring for the refresh token,
// zitadel's OP as the authorisation server, and Dovecot with an oauth2 passdb that asks
// that server about every access token (introspection).

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

// signedIn starts a keyring and an authorisation server and signs in once, as the user
// would with the browser.
func signedIn(t *testing.T) (*oauthtest.Server, *oauth.Source) {
	t.Helper()
	keyringtest.Start(t)
	idp := oauthtest.Start(t)
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := oauth.SignIn(c, idp.Provider(), browser(t))
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	src, err := oauth.NewSource(idp.Provider(), tok)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	if src.Account() != oauthtest.Account {
		t.Fatalf("signed in as %q, want %q", src.Account(), oauthtest.Account)
	}
	return idp, src
}

// oauthDovecot starts Dovecot taking the tokens of idp for oauthtest.Account, offering
// the OAuth2 mechanisms given (both if none).
func oauthDovecot(t *testing.T, idp *oauthtest.Server, mechanisms ...string) *mailboxtest.Server {
	t.Helper()
	return mailboxtest.Start(t, mailboxtest.OAuth2(idp.IntrospectURLWithCredentials(), oauthtest.Account, mechanisms...))
}

// oauthConfig is how the app reaches srv with the tokens of src: no password.
func oauthConfig(srv *mailboxtest.Server, src *oauth.Source) mailbox.Config {
	cfg := srv.Config()
	cfg.User = "" // the signed-in mailbox
	return cfg.WithOAuth2(src)
}

func TestTheIntrospectionNamesTheMailboxDovecotChecks(t *testing.T) {
	idp, src := signedIn(t)
	tok, err := src.Token()
	if err != nil {
		t.Fatal(err)
	}
	in := idp.Introspect(t, tok.AccessToken)
	if !in.Active || in.Username != oauthtest.Account {
		t.Fatalf("introspection %+v: Dovecot's username_attribute = username and active_attribute = active need active and %s", in, oauthtest.Account)
	}
}

func TestWithOAuth2DialSignsInWithXOAUTH2OrOAUTHBEARERAndFetches(t *testing.T) {
	idp, src := signedIn(t)
	for _, tt := range []struct {
		name       string
		mechanisms []string // offered by the server
		want       string   // used by the app
	}{
		{"a server with OAUTHBEARER", nil, "OAUTHBEARER"},
		{"a server with XOAUTH2 only", []string{"xoauth2"}, "XOAUTH2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := oauthDovecot(t, idp, tt.mechanisms...)
			srv.Append("INBOX", hostReply)
			cfg := oauthConfig(srv, src)
			if cfg.User != oauthtest.Account || cfg.Password != "" {
				t.Fatalf("config %v: the user is the signed-in mailbox, and there is no password", cfg)
			}
			if s := cfg.String(); !strings.Contains(s, "(oauth2)") {
				t.Errorf("String %q does not say oauth2", s)
			}
			c, err := mailbox.Dial(ctx(t), cfg)
			if err != nil {
				t.Fatalf("Dial: %v\n%s", err, srv.Log())
			}
			defer c.Close()
			msgs, err := c.Fetch(ctx(t), nil)
			if err != nil || len(msgs) != 1 || !strings.Contains(string(msgs[0].Raw), "method=REPLY") {
				t.Fatalf("Fetch: %d messages, %v", len(msgs), err)
			}
			if log := srv.Log(); !strings.Contains(log, "method="+tt.want) {
				t.Errorf("Dovecot's log shows no login with %s:\n%s", tt.want, log)
			}
		})
	}
}

func TestARefusedTokenIsToldAndReportedInTheServersWords(t *testing.T) {
	idp, _ := signedIn(t)
	for _, mech := range []string{"OAUTHBEARER", "XOAUTH2"} {
		t.Run(mech, func(t *testing.T) {
			srv := oauthDovecot(t, idp, strings.ToLower(mech))
			var asked int
			var refused []string
			cfg := srv.Config()
			cfg.Password = ""
			cfg.Token = func(context.Context) (string, error) { asked++; return "not-a-token-the-server-knows", nil }
			cfg.Refused = func(tok string) { refused = append(refused, tok) }
			start := time.Now()
			_, err := mailbox.Dial(ctx(t), cfg)
			var e *mailbox.Error
			if !errors.Is(err, mailbox.ErrAuth) || !errors.As(err, &e) {
				t.Fatalf("Dial: %v, want ErrAuth\n%s", err, srv.Log())
			}
			t.Logf("after %v: %v", time.Since(start).Round(time.Millisecond), err)
			if !strings.Contains(e.Text, mech) || !strings.Contains(e.Text, "Authentication failed") {
				t.Errorf("error %q does not give the mechanism and the server's words", e.Text)
			}
			if strings.Contains(e.Text, "not-a-token") {
				t.Errorf("error %q shows the token", e.Text)
			}
			// The same token again is not tried twice: one refusal, one more question.
			if asked != 2 || len(refused) != 1 || refused[0] != "not-a-token-the-server-knows" {
				t.Errorf("Token asked %d times, Refused told %q; want 2 and the token once", asked, refused)
			}
		})
	}
}

func TestAnExpiredAccessTokenIsReplacedSilentlyAndARevokedSignInStopsThePoller(t *testing.T) {
	idp, src := signedIn(t)
	srv := oauthDovecot(t, idp)
	srv.Append("INBOX", hostReply)
	p := &mailbox.Poller{
		Config: func() (mailbox.Config, bool, error) { return oauthConfig(srv, src), true, nil },
		Handle: (&reader{}).handle,
		Every:  time.Hour,
	}
	if r := p.Once(ctx(t)); r.Err != nil || r.Replies != 1 {
		t.Fatalf("first round: %+v\n%s", r, srv.Log())
	}

	// The provider ends the access token early; the app still believes it good. The next
	// round is refused once, refreshes and reads on.
	idp.ExpireAccessTokens()
	before := idp.Requests(idp.TokenURL)
	srv.Append("INBOX", hostReply)
	if r := p.Once(ctx(t)); r.Err != nil || r.Replies != 1 {
		t.Fatalf("round after the access token expired: %+v\n%s", r, srv.Log())
	}
	if n := idp.Requests(idp.TokenURL) - before; n != 1 {
		t.Errorf("%d token requests after the access token expired, want 1 refresh", n)
	}

	// Then the refresh token is revoked (a password change), and the access token ends.
	idp.RevokeRefreshTokens()
	idp.ExpireAccessTokens()
	srv.Append("INBOX", hostReply)
	r := p.Once(ctx(t))
	if !errors.Is(r.Err, oauth.ErrSignInAgain) || !errors.Is(r.Err, mailbox.ErrToken) ||
		!strings.HasPrefix(r.Err.Error(), "sign in again") || r.Fetched != 0 {
		t.Fatalf("round after the revocation: %+v, want one clear \"sign in again\"", r)
	}
	t.Logf("the round says: %v", r.Err)
	tokens, introspections := idp.Requests(idp.TokenURL), idp.Requests(idp.IntrospectURL)
	for i := range 5 {
		if r := p.Once(ctx(t)); !errors.Is(r.Err, oauth.ErrSignInAgain) {
			t.Fatalf("round %d after the revocation: %+v", i+2, r)
		}
	}
	if n := idp.Requests(idp.TokenURL) - tokens; n != 0 {
		t.Errorf("%d token requests in five more rounds, want none", n)
	}
	if n := idp.Requests(idp.IntrospectURL) - introspections; n != 0 {
		t.Errorf("the server tried %d more logins in five more rounds, want none", n)
	}

	// Running, the poller waits its usual interval: no retry brings the sign-in back.
	rounds := make(chan mailbox.Round, 10)
	p.Report = func(r mailbox.Round) { rounds <- r }
	c, cancel := context.WithCancel(context.Background())
	stopped := p.Start(c)
	r = nextRound(t, rounds)
	p.Wake()
	r2 := nextRound(t, rounds)
	cancel()
	<-stopped
	for _, r := range []mailbox.Round{r, r2} {
		if !errors.Is(r.Err, oauth.ErrSignInAgain) || r.Next.Sub(r.End) != time.Hour {
			t.Errorf("round %+v: the next try is in %v, want the usual hour", r, r.Next.Sub(r.End))
		}
	}
	if n := idp.Requests(idp.TokenURL) - tokens; n != 0 {
		t.Errorf("%d token requests while running, want none", n)
	}

	// A new sign-in ends it.
	c2, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	tok, err := oauth.SignIn(c2, idp.Provider(), browser(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Replace(tok); err != nil {
		t.Fatal(err)
	}
	if r := p.Once(ctx(t)); r.Err != nil || r.Replies != 1 {
		t.Fatalf("round after signing in again: %+v", r)
	}
}
