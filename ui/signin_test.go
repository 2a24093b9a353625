package ui

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/xchangedesk/xchangedesk/exchange/mail/keyringtest"
	"github.com/xchangedesk/xchangedesk/exchange/oauth/oauthtest"
	"github.com/xchangedesk/xchangedesk/store"
)

// followBrowser plays the system browser: it follows the sign-in address and its redirects,
// to the authorisation server's sign-in page (which approves at once) and back to the desk.
func followBrowser(t *testing.T, opened *int) func(string) error {
	return func(address string) error {
		*opened++
		resp, err := http.Get(address)
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

func TestSigningInShowsWhoUntilWhenAndSigningOutRevokes(t *testing.T) {
	keyringtest.Start(t)
	srv := oauthtest.Start(t)
	d, s := newDesk(t, true)
	p := srv.Provider()
	if err := s.SetOAuth(store.OAuthSettings{Kind: string(p.Kind), ClientID: p.ClientID, Scopes: p.Scopes,
		AuthURL: p.AuthURL, TokenURL: p.TokenURL, DeviceURL: p.DeviceURL, RevokeURL: p.RevokeURL}); err != nil {
		t.Fatal(err)
	}
	d.refresh()
	d.tabs.SelectIndex(4)
	card := d.outbox.settings.signin
	opened := 0
	card.open = followBrowser(t, &opened)
	shows(t, d.win, "Sign in (Microsoft 365, Google Workspace)", "Not signed in.", "Sign in with Microsoft", "Sign in with Google")

	test.Tap(button(t, d.win, "Sign in with "+strings.TrimPrefix(srv.URL, "http://")))
	if opened != 1 {
		t.Fatalf("the browser was opened %d times", opened)
	}
	shows(t, d.win, "Signed in as "+oauthtest.Account+" until ", "renewed automatically")
	if o, _, _ := s.OAuth(); o.Account != oauthtest.Account {
		t.Errorf("the settings keep the account %q", o.Account)
	}
	src, err := s.OAuthSource()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Token()
	if err != nil {
		t.Fatal(err)
	}
	if in := srv.Introspect(t, tok.AccessToken); !in.Active {
		t.Errorf("the kept sign-in gives an access token the server does not honour: %+v", in)
	}
	if strings.Contains(onScreen(d.win), tok.AccessToken) {
		t.Error("the window shows the access token")
	}

	test.Tap(button(t, d.win, "Sign out"))
	shows(t, d.win, "Signed out of "+oauthtest.Account+"; the provider revoked the sign-in.", "Not signed in.")
	if srv.Requests(srv.RevokeURL) != 1 || srv.RefreshTokens() != 0 {
		t.Errorf("%d revocations, %d refresh tokens left", srv.Requests(srv.RevokeURL), srv.RefreshTokens())
	}
	if o, _, _ := s.OAuth(); o.Account != "" {
		t.Errorf("after signing out the settings keep the account %q", o.Account)
	}
}

func TestSignInWithMicrosoftNeedsTheClientID(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(4)
	card := d.outbox.settings.signin
	opened := 0
	card.open = followBrowser(t, &opened)
	test.Tap(button(t, d.win, "Sign in with Microsoft"))
	if card.errs.text("client-id") == "" || opened != 0 {
		t.Fatalf("no client id was not refused (browser opened %d times): %s", opened, onScreen(d.win))
	}
	card.clientID.SetText("0f1e2d3c-aaaa-bbbb-cccc-123456789abc")
	card.tenant.SetText("not a tenant")
	test.Tap(button(t, d.win, "Sign in with Microsoft"))
	if card.errs.text("tenant") == "" || opened != 0 {
		t.Fatalf("a broken tenant was not refused: %s", onScreen(d.win))
	}
	if _, ok, _ := s.OAuth(); ok {
		t.Error("refused settings were saved")
	}
}

func TestACancelledSignInKeepsNothing(t *testing.T) {
	keyringtest.Start(t)
	srv := oauthtest.Start(t)
	d, s := newDesk(t, true)
	p := srv.Provider()
	if err := s.SetOAuth(store.OAuthSettings{Kind: string(p.Kind), ClientID: p.ClientID, Scopes: p.Scopes,
		AuthURL: p.AuthURL, TokenURL: p.TokenURL}); err != nil {
		t.Fatal(err)
	}
	d.refresh()
	d.tabs.SelectIndex(4)
	card := d.outbox.settings.signin
	card.open = func(string) error { // the person gives up instead of signing in
		test.Tap(button(t, d.win, "Cancel sign-in"))
		return nil
	}
	test.Tap(button(t, d.win, "Sign in with "+strings.TrimPrefix(srv.URL, "http://")))
	shows(t, d.win, "The sign-in was cancelled; nothing was kept.", "Not signed in.")
	if o, _, _ := s.OAuth(); o.Account != "" {
		t.Errorf("a cancelled sign-in kept the account %q", o.Account)
	}
	if srv.Requests(srv.TokenURL) != 0 {
		t.Errorf("%d token requests after a cancelled sign-in", srv.Requests(srv.TokenURL))
	}
}
