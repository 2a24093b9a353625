package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
)

// keyOAuth holds the sign-in provider of the organiser's mailbox, in meta. Tokens are never
// here: the refresh token lives in the keyring (package exchange/oauth), access tokens only in
// memory.
var keyOAuth = []byte("oauth")

// OAuthSettings are how the organiser's mailbox is signed in to with OAuth2: the provider,
// the client the organisation registered, and the account signed in (empty until a sign-in).
// One sign-in serves SMTP and IMAP, because the mailbox is one account.
type OAuthSettings struct {
	Kind      string   `json:"kind"` // microsoft, google or custom
	ClientID  string   `json:"client_id"`
	Secret    string   `json:"client_secret,omitempty"` // Google's desktop clients: not confidential
	Tenant    string   `json:"tenant,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	AuthURL   string   `json:"auth_url,omitempty"`
	TokenURL  string   `json:"token_url,omitempty"`
	DeviceURL string   `json:"device_url,omitempty"`
	RevokeURL string   `json:"revoke_url,omitempty"`
	Account   string   `json:"account,omitempty"` // the mailbox signed in, after signin
}

// Provider is what package oauth signs in with.
func (o OAuthSettings) Provider() oauth.Provider {
	return oauth.Provider{Kind: oauth.Kind(o.Kind), ClientID: strings.TrimSpace(o.ClientID), ClientSecret: strings.TrimSpace(o.Secret),
		Tenant: strings.TrimSpace(o.Tenant),
		Scopes: o.Scopes, AuthURL: o.AuthURL, TokenURL: o.TokenURL, DeviceURL: o.DeviceURL, RevokeURL: o.RevokeURL}
}

// Validate checks the settings as SetOAuth does.
func (o OAuthSettings) Validate() error {
	if err := exchange.CheckLine("account", o.Account); err != nil {
		return err
	}
	return o.Provider().Validate()
}

// OAuth returns the sign-in settings; ok is false when none are set.
func (s *Store) OAuth() (settings OAuthSettings, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		ok, err = get(tx, bucketMeta, keyOAuth, &settings)
		return err
	})
	return settings, ok && settings.Kind != "", err
}

// SetOAuth stores the sign-in settings, checked first. Changing the provider or the client
// forgets the shared token source, so that the next use signs in afresh.
func (s *Store) SetOAuth(settings OAuthSettings) error {
	if err := settings.Validate(); err != nil {
		return err
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return put(tx, bucketMeta, keyOAuth, settings) }); err != nil {
		return err
	}
	tokens.forget()
	return nil
}

// ErrNoOAuth says no OAuth2 provider is set: `xchange oauth`, or the mail settings' sign-in.
var ErrNoOAuth = errors.New("store: no OAuth2 sign-in is set up; choose the provider and sign in first")

// OAuthSource is the one token source of the organiser's mailbox, shared by the sender and
// the mailbox poller of this process: both refresh through it, so a rotated refresh token is
// never spent twice. It reads the refresh token from the keyring on first use; a new sign-in
// replaces it (Source.Replace).
func (s *Store) OAuthSource() (*oauth.Source, error) {
	settings, ok, err := s.OAuth()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNoOAuth
	}
	src, err := tokens.get(settings)
	if errors.Is(err, oauth.ErrNotSignedIn) && settings.Account != "" {
		// Signed in once, and the sign-in is gone from the keyring: the provider refused it
		// (its refresh token is deleted then) or it was removed. Either way: sign in again.
		again := &oauth.SignInAgainError{Account: settings.Account, Reason: "no sign-in of it is kept on this computer any more"}
		return nil, fmt.Errorf("%w: %w", again, err) // still matches oauth.ErrNotSignedIn
	}
	return src, err
}

// tokens keeps the shared source for the settings it was made for.
var tokens sourceCache

type sourceCache struct {
	mu       sync.Mutex
	settings string // the settings the source was opened with, as a key
	src      *oauth.Source
}

func (c *sourceCache) get(o OAuthSettings) (*oauth.Source, error) {
	key := strings.Join(append([]string{o.Kind, o.ClientID, o.Tenant, o.AuthURL, o.TokenURL, o.Account}, o.Scopes...), "\x00")
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.src != nil && c.settings == key {
		return c.src, nil
	}
	src, err := oauth.OpenSource(o.Provider(), o.Account)
	if err != nil {
		return nil, err
	}
	c.settings, c.src = key, src
	return src, nil
}

func (c *sourceCache) forget() {
	c.mu.Lock()
	c.settings, c.src = "", nil
	c.mu.Unlock()
}
