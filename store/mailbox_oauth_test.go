package store

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail/keyringtest"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox/mailboxtest"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
	"github.com/xchangedesk/xchangedesk/exchange/oauth/oauthtest"
)

func TestMailboxSettingsSayHowTheyAreSignedIn(t *testing.T) {
	ok := IMAPSettings{Host: "outlook.office365.com", TLS: "tls", Auth: "OAuth2"}
	if err := ok.Validate(); err != nil {
		t.Errorf("oauth2 without a user (the signed-in mailbox): %v", err)
	}
	if !ok.OAuth2() {
		t.Error("OAuth2() is false for oauth2")
	}
	noUser := IMAPSettings{Host: "imap.example.org", Auth: "password"}
	bad := IMAPSettings{Host: "imap.example.org", User: "desk@example.org", Auth: "kerberos"}
	for _, tt := range []struct {
		in    IMAPSettings
		field string
	}{{noUser, "user"}, {bad, "auth"}} {
		err := tt.in.Validate()
		v := exchange.Violations(err)
		if !errors.Is(err, mailbox.ErrConfig) || len(v) != 1 || v[0].Field != tt.field {
			t.Errorf("%+v: %v, want the field %s refused", tt.in, err, tt.field)
		}
	}
	s := openTemp(t)
	if err := s.SetIMAP(IMAPSettings{Host: "imap.example.org", User: "desk@example.org", Auth: " Password "}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.IMAP(); got.Auth != "" || got.OAuth2() {
		t.Errorf("password is kept as the default, empty: %+v", got)
	}
}

// browser plays the system browser for the sign-in: it follows the address and its
// redirects back to the app's loopback address.
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

func TestTheMailboxPollerSignsInWithTheSharedOAuth2Source(t *testing.T) {
	keyringtest.Start(t)
	idp := oauthtest.Start(t)
	srv := mailboxtest.Start(t, mailboxtest.OAuth2(idp.IntrospectURLWithCredentials(), oauthtest.Account))
	srv.Append("INBOX", []byte(strings.ReplaceAll(`From: BSR Stars <news@bsrstars.example.eu>
To: organiser@example.org
Subject: StarDust newsletter
Date: Mon, 2 Feb 2026 08:00:00 +0100
Message-ID: <news-oauth@bsrstars.example.eu>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

The next matchmaking day is in Riga.
`, "\n", "\r\n")))

	// Sign in once, as `xchange signin` does: the refresh token goes to the keyring, the
	// provider and the account to the settings.
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := oauth.SignIn(c, idp.Provider(), browser(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oauth.NewSource(idp.Provider(), tok); err != nil {
		t.Fatal(err)
	}
	s := openTemp(t)
	p := idp.Provider()
	if err := s.SetOAuth(OAuthSettings{Kind: string(p.Kind), ClientID: p.ClientID, Scopes: p.Scopes, AuthURL: p.AuthURL,
		TokenURL: p.TokenURL, DeviceURL: p.DeviceURL, RevokeURL: p.RevokeURL, Account: tok.Account}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetIMAP(IMAPSettings{Host: mailboxtest.Host, Port: srv.Port(), TLS: "none", Auth: AuthOAuth2}); err != nil {
		t.Fatal(err)
	}

	var got []Fetched
	r := s.MailboxPoller(func(f Fetched) { got = append(got, f) }).Once(t.Context())
	if r.Err != nil || r.Fetched != 1 || len(got) != 1 || got[0].Result.Outcome != NotReply {
		t.Fatalf("round %+v, fetched %+v\n%s", r, got, srv.Log())
	}
	if !strings.Contains(srv.Log(), "user=<"+oauthtest.Account+">, method=OAUTHBEARER") {
		t.Errorf("Dovecot's log shows no OAUTHBEARER login as %s:\n%s", oauthtest.Account, srv.Log())
	}
	// The round refreshed through the one shared source: the sender's next token is the
	// poller's, without another refresh.
	src, err := s.OAuthSource()
	if err != nil {
		t.Fatal(err)
	}
	if src.Expiry().IsZero() {
		t.Error("the shared source was not the one the poller used: it has no access token yet")
	}
	refreshes := idp.Requests(idp.TokenURL)
	access, err := src.Token()
	if err != nil {
		t.Fatal(err)
	}
	if n := idp.Requests(idp.TokenURL) - refreshes; n != 0 {
		t.Errorf("%d more token requests for the sender, want none", n)
	}
	s.Close()
	b, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), access.AccessToken) {
		t.Error("the access token is in the data file")
	}
}
