package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
	"golang.org/x/oauth2"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// The refresh token is kept in the operating system's keyring under the same service as
// exchange/mail's passwords, and nowhere else: not in the data file, the settings or a log.
const keyringService = "Xchange Desk"

// RefreshEarly is how long before its expiry an access token is replaced, so that a token
// handed to the SMTP or IMAP server does not run out on its way there.
const RefreshEarly = 60 * time.Second

// refreshTimeout bounds a refresh started by Token, which has no context of its own.
const refreshTimeout = 30 * time.Second

var (
	// ErrSignInAgain means the provider refused the refresh token (RFC 6749 invalid_grant:
	// revoked, expired, or the password changed). Only a new sign-in helps. Errors that
	// match it read "sign in again: …".
	ErrSignInAgain = errors.New("sign in again")

	// ErrNotSignedIn means the keyring holds no sign-in for the account.
	ErrNotSignedIn = &Problem{Text: "not signed in"}

	// ErrNoKeyring means the system has no keyring to keep the sign-in in. There is no
	// fallback: a refresh token is too valuable for a file or an environment variable.
	ErrNoKeyring = &Problem{Text: "no keyring on this system to keep the sign-in in"}
)

// SignInAgainError is the refusal of a refresh token; it matches ErrSignInAgain.
type SignInAgainError struct {
	Account string
	Reason  string // the provider's words
}

func (e *SignInAgainError) Error() string {
	return "sign in again: the provider no longer accepts the sign-in of " + e.Account + " (" + e.Reason + ")"
}

func (e *SignInAgainError) Is(target error) bool { return target == ErrSignInAgain }

// Sentence is the error for people: it is one already.
func (e *SignInAgainError) Sentence() string { return e.Error() }

// keyringAvailable is false where asking would only fail or hang: on Linux without a
// session bus (no desktop session, so no Secret Service). As in exchange/mail.
func keyringAvailable() bool {
	return runtime.GOOS != "linux" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

// Source hands out access tokens for one signed-in account, refreshing them RefreshEarly
// before they expire. It is safe for concurrent use, and meant to be shared: the sender
// and the mailbox reader use one Source, so that one refresh serves both and a rotated
// refresh token is never used twice.
//
// Once the provider has refused the refresh token, every call returns the same
// *SignInAgainError without contacting the provider again, until Replace gives it a new
// sign-in.
type Source struct {
	p Provider

	mu      sync.Mutex
	account string
	tok     *oauth2.Token // access and refresh token; nil after SignOut
	refused error         // the *SignInAgainError, once the refresh token was refused
}

// NewSource keeps t's refresh token in the keyring and returns a Source that starts with
// its access token. t.Account must be set. It returns ErrNoKeyring without a keyring.
func NewSource(p Provider, t Token) (*Source, error) {
	s := &Source{p: p}
	if err := s.Replace(t); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenSource returns a Source for the account signed in earlier, from the refresh token in
// the keyring; its first Token call refreshes. It returns ErrNotSignedIn when the keyring
// has no sign-in for account, ErrNoKeyring when there is no keyring.
func OpenSource(p Provider, account string) (*Source, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(account) == "" {
		return nil, &exchange.RuleError{Field: "account", Rule: exchange.RuleRequired,
			Reason: "the mailbox signed in to is required"}
	}
	if !keyringAvailable() {
		return nil, ErrNoKeyring
	}
	refresh, err := keyring.Get(keyringService, p.keyringUser(account))
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return nil, &Problem{Text: ErrNotSignedIn.Text + " as " + account, err: ErrNotSignedIn}
	case err != nil:
		return nil, &Problem{Text: fmt.Sprintf("%s (%v)", ErrNoKeyring.Text, err), err: ErrNoKeyring}
	}
	return &Source{p: p, account: account, tok: &oauth2.Token{RefreshToken: refresh}}, nil
}

// Replace takes a new sign-in, perhaps of another account: it keeps t's refresh token in
// the keyring, forgets the previous account's, and ends a refusal. t.Account must be set.
func (s *Source) Replace(t Token) error {
	if err := s.p.Validate(); err != nil {
		return err
	}
	if t.t == nil {
		return ErrNotSignedIn
	}
	if strings.TrimSpace(t.Account) == "" {
		return &exchange.RuleError{Field: "account", Rule: exchange.RuleRequired,
			Reason: "the mailbox signed in to is required: the provider did not name it"}
	}
	if t.t.RefreshToken == "" {
		return problemf("the provider gave no refresh token (for Microsoft, the scopes need offline_access)")
	}
	if !keyringAvailable() {
		return ErrNoKeyring
	}
	if err := keyring.Set(keyringService, s.p.keyringUser(t.Account), t.t.RefreshToken); err != nil {
		return &Problem{Text: fmt.Sprintf("%s (%v)", ErrNoKeyring.Text, err), err: ErrNoKeyring}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.account != "" && s.account != t.Account {
		keyring.Delete(keyringService, s.p.keyringUser(s.account))
	}
	s.account, s.tok, s.refused = t.Account, t.t, nil
	return nil
}

// Account returns the signed-in mailbox, the SASL user for SMTP and IMAP.
func (s *Source) Account() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.account
}

// Expiry returns when the current access token runs out; zero before the first refresh of
// an opened Source and after SignOut.
func (s *Source) Expiry() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil {
		return time.Time{}
	}
	return s.tok.Expiry
}

// Token returns a valid access token, refreshing it first when it runs out within
// RefreshEarly. It implements oauth2.TokenSource. The token returned carries no refresh
// token.
func (s *Source) Token() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	defer cancel()
	return s.TokenContext(ctx)
}

// TokenContext is Token with a context for the refresh.
//
// It returns a *SignInAgainError (ErrSignInAgain) once the provider refused the refresh
// token, and ErrNotSignedIn after SignOut. Other errors (the network, the provider's own
// failures) are returned as they come, and the next call tries again.
func (s *Source) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refused != nil {
		return nil, s.refused
	}
	if s.tok == nil {
		return nil, ErrNotSignedIn
	}
	if s.tok.AccessToken == "" || !s.tok.Expiry.IsZero() && time.Until(s.tok.Expiry) < RefreshEarly {
		if err := s.refresh(ctx); err != nil {
			return nil, err
		}
	}
	return &oauth2.Token{AccessToken: s.tok.AccessToken, TokenType: s.tok.Type(), Expiry: s.tok.Expiry}, nil
}

// refresh swaps the refresh token for a new access token. A provider that rotates refresh
// tokens (Microsoft, most others) sends a new one, which replaces the old in the keyring at
// once: the old one is spent. If the keyring refuses, the new one is still used in memory.
func (s *Source) refresh(ctx context.Context) error {
	conf := s.p.config("")
	t, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: s.tok.RefreshToken}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
			s.refused = &SignInAgainError{Account: s.account, Reason: describe(re.ErrorCode, re.ErrorDescription)}
			s.tok = nil
			if keyringAvailable() {
				keyring.Delete(keyringService, s.p.keyringUser(s.account)) // dead: forget it
			}
			return s.refused
		}
		return problemf("refreshing the access token of %s: %w", s.account, retrieveError(err))
	}
	if t.RefreshToken != s.tok.RefreshToken && keyringAvailable() {
		keyring.Set(keyringService, s.p.keyringUser(s.account), t.RefreshToken)
	}
	s.tok = t
	return nil
}

// Refused tells the Source that a server turned accessToken down (an SMTP 535, an IMAP NO
// after AUTHENTICATE): the provider may have ended it early. The next Token refreshes. A
// token other than the current one is ignored, so that one stale refusal costs one refresh.
func (s *Source) Refused(accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.tok.AccessToken == accessToken {
		s.tok.AccessToken = ""
	}
}

// SignOut forgets the sign-in: the refresh token leaves the keyring and the access token
// memory, and where the provider has a revocation endpoint (Google, a custom provider that
// names one) the grant is revoked there (RFC 7009), so that a copy is worthless too. The
// sign-in is forgotten even when revocation fails; the error then says so.
func (s *Source) SignOut(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var refresh string
	if s.tok != nil {
		refresh = s.tok.RefreshToken
	}
	s.tok, s.refused = nil, nil
	if s.account != "" && keyringAvailable() {
		err := keyring.Delete(keyringService, s.p.keyringUser(s.account))
		if err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return problemf("forgetting the sign-in of %s: %w", s.account, err)
		}
	}
	if refresh == "" || s.p.Revocation() == "" {
		return nil
	}
	if err := revoke(ctx, s.p, refresh); err != nil {
		return problemf("signed out of %s here, but the provider did not revoke the sign-in: %w", s.account, err)
	}
	return nil
}

// revoke asks the provider to revoke the refresh token, and with it the grant (RFC 7009).
func revoke(ctx context.Context, p Provider, refresh string) error {
	form := url.Values{"token": {refresh}, "token_type_hint": {"refresh_token"}, "client_id": {p.ClientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Revocation(), strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the revocation endpoint answered %s", resp.Status)
	}
	return nil
}
