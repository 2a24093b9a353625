package outbox

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail/keyringtest"
	"github.com/xchangedesk/xchangedesk/exchange/mail/mailtest"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
	"github.com/xchangedesk/xchangedesk/exchange/oauth/oauthtest"
	"github.com/xchangedesk/xchangedesk/store"
)

// oauthWorld is a world whose SMTP server takes only OAuth2 bearer tokens, checked with a
// real authorisation server, and whose organiser signed in once, in the browser.
type oauthWorld struct {
	*world
	idp *oauthtest.Server

	mu   sync.Mutex
	seen []string // every access token the SMTP server was given
}

func newOAuthWorld(t *testing.T) *oauthWorld {
	t.Helper()
	keyringtest.Start(t)
	w := &oauthWorld{world: newWorld(t, "jana.weber@hhi.example.de"), idp: oauthtest.Start(t)}
	w.srv.OAuth2(func(user, token string) bool {
		w.mu.Lock()
		w.seen = append(w.seen, token)
		w.mu.Unlock()
		in := w.idp.Introspect(t, token)
		return in.Active && in.Username == user
	}, mailtest.XOAUTH2)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := oauth.SignIn(ctx, w.idp.Provider(), func(u string) error { // the test plays the browser
		resp, err := http.Get(u)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return nil
	})
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if _, err := oauth.NewSource(w.idp.Provider(), tok); err != nil { // keeps the refresh token in the keyring
		t.Fatalf("NewSource: %v", err)
	}
	p := w.idp.Provider()
	if err := w.st.SetOAuth(store.OAuthSettings{Kind: string(p.Kind), ClientID: p.ClientID, Scopes: p.Scopes,
		AuthURL: p.AuthURL, TokenURL: p.TokenURL, DeviceURL: p.DeviceURL, RevokeURL: p.RevokeURL, Account: tok.Account}); err != nil {
		t.Fatal(err)
	}
	if err := w.st.SetSMTP(store.SMTPSettings{Host: "127.0.0.1", Port: w.srv.Port(), TLS: "starttls", Auth: "oauth2"}); err != nil {
		t.Fatal(err)
	}
	w.sender.Tokens = w.st.OAuthSource
	w.sender.Password = func(host, user string) string {
		t.Errorf("the password of %s at %s was looked up for an OAuth2 sign-in", user, host)
		return ""
	}
	return w
}

func (w *oauthWorld) tokenRequests() int { return w.idp.Requests(w.idp.TokenURL) }

// noTokens fails the test when an access token the server saw shows in any of texts, the
// outbox's messages or the data file.
func (w *oauthWorld) noTokens(t *testing.T, texts ...string) {
	t.Helper()
	ms, err := w.st.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		texts = append(texts, string(m.Raw), m.LastError)
	}
	for _, d := range w.srv.Received() {
		texts = append(texts, string(d.Data))
	}
	data, err := os.ReadFile(w.path)
	if err != nil {
		t.Fatal(err)
	}
	texts = append(texts, string(data))
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.seen) == 0 {
		t.Fatal("the SMTP server saw no token")
	}
	for _, tok := range w.seen {
		for _, s := range texts {
			if strings.Contains(s, tok) {
				t.Errorf("an access token shows in %.200q", s)
			}
		}
	}
}

func TestTheOutboxGoesOutWithOAuth2(t *testing.T) {
	w := newOAuthWorld(t)
	p := w.book(t)
	if _, err := w.st.Act(p.ID, exchange.Request, ""); err != nil {
		t.Fatal(err)
	}
	if r := w.send(t); r.Sent != 1 || r.Failed+r.Retrying != 0 {
		t.Fatalf("%v %v", r, r.Problems)
	}
	got := w.srv.Received()
	if len(got) != 1 || got[0].Auth != mailtest.XOAUTH2 {
		t.Fatalf("received %+v, want one message over XOAUTH2", got)
	}
	if l := w.srv.Logins(); len(l) != 1 || l[0].User != oauthtest.Account || !l[0].OK {
		t.Errorf("logins %+v, want one as the signed-in mailbox %s", l, oauthtest.Account)
	}

	// The provider ends the access token early: the next send refreshes it and delivers.
	before := w.tokenRequests()
	w.idp.ExpireAccessTokens()
	if _, err := w.st.Act(p.ID, exchange.Confirm, "accepted"); err != nil {
		t.Fatal(err)
	}
	if r := w.send(t); r.Sent != 2 || r.Failed+r.Retrying != 0 || len(r.Problems) != 0 {
		t.Fatalf("after the expiry: %v %v", r, r.Problems)
	}
	if n := w.tokenRequests() - before; n != 1 {
		t.Errorf("%d token requests, want the one refresh", n)
	}
	ms, _ := w.st.Messages(p.ID)
	for _, m := range ms {
		if m.Status != store.Sent || m.Attempts != 1 || m.LastError != "" {
			t.Errorf("%s to %s: %s after %d attempts (%q)", m.Kind, m.To, m.Status, m.Attempts, m.LastError)
		}
	}
	w.noTokens(t)
}

func TestARevokedSignInStopsSendingOnceAndKeepsTheMessages(t *testing.T) {
	w := newOAuthWorld(t)
	p := w.book(t)
	if _, err := w.st.Act(p.ID, exchange.Request, ""); err != nil {
		t.Fatal(err)
	}
	if r := w.send(t); r.Sent != 1 {
		t.Fatalf("%v %v", r, r.Problems)
	}
	w.idp.RevokeRefreshTokens() // the administrator ended the sign-in
	w.idp.ExpireAccessTokens()
	if _, err := w.st.Act(p.ID, exchange.Confirm, "accepted"); err != nil {
		t.Fatal(err)
	}
	before, logins := w.tokenRequests(), len(w.srv.Logins())

	r, err := w.sender.Once(context.Background())
	if !errors.Is(err, oauth.ErrSignInAgain) || !strings.HasPrefix(err.Error(), "sign in again: ") || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("Once = %v, want sign in again with the provider's words", err)
	}
	if r.SignInAgain != err.Error() || r.Sent+r.Retrying+r.Failed != 0 || r.Waiting != 2 || !strings.HasPrefix(r.String(), "sign in again: ") {
		t.Errorf("report %+v (%s), want nothing sent, two waiting, and sign in again", r, r)
	}
	if n := w.tokenRequests() - before; n != 1 {
		t.Errorf("%d token requests, want the one refused refresh", n)
	}
	if n := len(w.srv.Logins()) - logins; n != 1 {
		t.Errorf("%d logins, want the one with the ended token", n)
	}
	conns := w.srv.Connections()
	texts := []string{err.Error(), r.String()}

	// More rounds, as the CLI run again or the app's sender would: nobody is asked again.
	for range 5 {
		w.now = w.now.Add(2 * time.Hour)
		r, err := w.sender.Once(context.Background())
		if !errors.Is(err, oauth.ErrSignInAgain) || r.Sent != 0 {
			t.Fatalf("Once = %+v, %v; want sign in again", r, err)
		}
		texts = append(texts, err.Error(), r.String())
	}
	// The app's loop says it once, however often it wakes.
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{})
	var reports []error
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.sender.Run(ctx, wake, func(_ Report, err error) { reports = append(reports, err) })
	}()
	for range 5 {
		wake <- struct{}{} // each is taken once the round before it is over
	}
	cancel()
	<-done
	if len(reports) != 1 || !errors.Is(reports[0], oauth.ErrSignInAgain) {
		t.Errorf("Run reported %v, want sign in again once", reports)
	}

	if n := w.tokenRequests() - before; n != 1 {
		t.Errorf("%d token requests over all the rounds, want the one refused", n)
	}
	if w.srv.Connections() != conns {
		t.Errorf("%d more connections to the mail server after the sign-in was refused", w.srv.Connections()-conns)
	}
	ms, _ := w.st.Messages(p.ID)
	for _, m := range ms[1:] {
		if m.Status != store.Queued || m.Attempts != 0 || m.LastError != "" {
			t.Errorf("%s to %s: %s after %d attempts (%q), want queued and untried", m.Kind, m.To, m.Status, m.Attempts, m.LastError)
		}
	}

	// The dead refresh token left the keyring: a new process finds no sign-in either.
	if _, err := oauth.OpenSource(w.idp.Provider(), oauthtest.Account); !errors.Is(err, oauth.ErrNotSignedIn) {
		t.Errorf("OpenSource = %v, want not signed in", err)
	}
	w.st.Close()
	w.open(t)
	w.sender.Tokens = w.st.OAuthSource
	if _, err := w.sender.Once(context.Background()); !errors.Is(err, oauth.ErrSignInAgain) || !strings.HasPrefix(err.Error(), "sign in again: ") {
		t.Errorf("Once after a restart = %v, want sign in again", err)
	}
	if n := w.tokenRequests() - before; n != 1 {
		t.Errorf("%d token requests after the restart, want none more", n)
	}
	w.noTokens(t, texts...)
}

func TestNoSignInIsNoErrorWhileNothingIsDue(t *testing.T) {
	w := newOAuthWorld(t)
	src, err := w.st.OAuthSource()
	if err != nil {
		t.Fatal(err)
	}
	if err := src.SignOut(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.st.Close()
	w.open(t) // no Tokens: the store's own OAuthSource is found
	if r, err := w.sender.Once(context.Background()); err != nil || !r.Configured || r.SignInAgain != "" {
		t.Fatalf("Once with an empty outbox = %+v, %v", r, err)
	}
	p := w.book(t)
	if _, err := w.st.Act(p.ID, exchange.Request, ""); err != nil {
		t.Fatal(err)
	}
	r, err := w.sender.Once(context.Background())
	if !errors.Is(err, oauth.ErrSignInAgain) || !strings.Contains(err.Error(), "not signed in") || r.Waiting != 1 {
		t.Fatalf("Once = %+v, %v; want sign in again, one waiting", r, err)
	}
}

func TestAnUnknownWayToSignInIsRefused(t *testing.T) {
	err := (store.SMTPSettings{Host: "smtp.office365.com", Auth: "kerberos"}).Validate()
	if v := exchange.Violations(err); len(v) != 1 || v[0].Field != "auth" {
		t.Errorf("Validate = %v, want the auth field refused", err)
	}
	for _, auth := range []string{"", "password", "oauth2", "OAuth2"} {
		if err := (store.SMTPSettings{Host: "smtp.office365.com", Auth: auth}).Validate(); err != nil {
			t.Errorf("Validate with auth %q = %v", auth, err)
		}
	}
}
