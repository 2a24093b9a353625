package store

import (
	"errors"
	"testing"

	"github.com/xchangedesk/xchangedesk/exchange/mail/keyringtest"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

func TestASignInNoLongerKeptAsksToSignInAgain(t *testing.T) {
	keyringtest.Start(t)
	s := openTemp(t)
	tokens.forget()
	t.Cleanup(tokens.forget)
	if err := s.SetOAuth(OAuthSettings{Kind: "microsoft", ClientID: "11111111-2222-3333-4444-555555555555", Account: "desk@stars.example.eu"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.OAuthSource()
	if !errors.Is(err, oauth.ErrSignInAgain) || !errors.Is(err, oauth.ErrNotSignedIn) {
		t.Fatalf("%v", err)
	}
	if got := wording.Error(err); got[:14] != "Sign in again:" {
		t.Fatalf("people read %q", got)
	}
}
