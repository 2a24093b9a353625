// Package oauthtest runs a real OAuth2 and OpenID Connect authorisation server on
// 127.0.0.1 for tests: zitadel/oidc's OP (github.com/zitadel/oidc/v3/pkg/op), with an
// in-memory store, one public client, one mailbox user and a mail server's introspection
// client. It serves the code flow with PKCE (loopback redirects on any port), the device
// flow, refresh with rotating refresh tokens, revocation (RFC 7009) and introspection
// (RFC 7662) — what Dovecot's oauth2 passdb and an SMTP server's SASL check ask.
//
// The test plays the user: a sign-in page approves at once as Account (a test's "browser"
// just follows the redirects), ApproveDevice types the user code, and ExpireAccessTokens,
// RevokeRefreshTokens and SetAccessTokenLifetime play the provider's side of things going
// wrong. Requests counts what reached each endpoint.
package oauthtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/xchangedesk/xchangedesk/exchange/oauth"
)

// The server's fixed names. The secret guards nothing outside the test.
const (
	ClientID       = "xchange-desk-test" // the public client the app signs in as
	Account        = "organiser@example.org"
	ResourceID     = "mail-server" // introspection client for Dovecot or an SMTP server
	ResourceSecret = "mail-server-secret"
	Scopes         = "openid email offline_access"
)

// Server is a running authorisation server.
type Server struct {
	URL string // the issuer, http://127.0.0.1:port

	// Endpoints, absolute.
	AuthURL, TokenURL, DeviceURL, RevokeURL, IntrospectURL string

	st       *store
	mu       sync.Mutex
	requests map[string]int
}

// Start starts the server for the test and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	issuer := "http://" + hs.Listener.Addr().String()
	st := newStore(key)
	var crypto [32]byte
	rand.Read(crypto[:])
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:             crypto,
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
		DeviceAuthorization: op.DeviceAuthorizationConfig{
			Lifetime:     5 * time.Minute,
			PollInterval: 1 * time.Second, // x/oauth2 polls no faster than this
			UserFormPath: "/device",
			UserCode:     op.UserCodeBase20,
		},
	}, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		URL:           issuer,
		AuthURL:       provider.AuthorizationEndpoint().Absolute(issuer),
		TokenURL:      provider.TokenEndpoint().Absolute(issuer),
		DeviceURL:     provider.DeviceAuthorizationEndpoint().Absolute(issuer),
		RevokeURL:     provider.RevocationEndpoint().Absolute(issuer),
		IntrospectURL: provider.IntrospectionEndpoint().Absolute(issuer),
		st:            st,
		requests:      map[string]int{},
	}
	callback := op.AuthCallbackURL(provider)
	mux := http.NewServeMux()
	// The sign-in page: the user is Account and approves at once.
	mux.Handle("/login", op.NewIssuerInterceptor(provider.IssuerFromRequest).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		if err := st.approve(id); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
	}))
	mux.Handle("/", provider)
	hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.URL.Path]++
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
	hs.Start()
	t.Cleanup(hs.Close)
	return s
}

// Provider returns the settings of a custom provider for this server, with Scopes.
func (s *Server) Provider() oauth.Provider {
	return oauth.Provider{
		Kind: oauth.Custom, ClientID: ClientID, Scopes: strings.Fields(Scopes),
		AuthURL: s.AuthURL, TokenURL: s.TokenURL, DeviceURL: s.DeviceURL, RevokeURL: s.RevokeURL,
	}
}

// Requests returns how many requests reached the endpoint whose absolute URL or path is
// given, e.g. s.Requests(s.TokenURL).
func (s *Server) Requests(endpoint string) int {
	if u, err := url.Parse(endpoint); err == nil {
		endpoint = u.Path
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[endpoint]
}

// ApproveDevice approves the device sign-in with userCode as Account, as the user would
// on the verification page. It fails the test for an unknown code.
func (s *Server) ApproveDevice(t testing.TB, userCode string) {
	t.Helper()
	if err := s.st.CompleteDeviceAuthorization(context.Background(), userCode, Account); err != nil {
		t.Fatalf("oauthtest: approving device code %s: %v", userCode, err)
	}
}

// SetAccessTokenLifetime sets how long access tokens issued from now on last (an hour at
// first, as Microsoft's and Google's do).
func (s *Server) SetAccessTokenLifetime(d time.Duration) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.lifetime = d
}

// ExpireAccessTokens ends every access token issued so far: introspection calls them
// inactive, although the clients still believe them valid.
func (s *Server) ExpireAccessTokens() {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for _, a := range s.st.access {
		a.expires = time.Now().Add(-time.Second)
	}
}

// RevokeRefreshTokens revokes every refresh token, as an administrator or a password
// change does: the next refresh gets invalid_grant. Access tokens stay valid until they expire.
func (s *Server) RevokeRefreshTokens() {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	clear(s.st.refresh)
}

// RefreshTokens returns how many refresh tokens are valid: none after a sign-out that revoked.
func (s *Server) RefreshTokens() int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return len(s.st.refresh)
}

// Introspection is what the server says about an access token (RFC 7662).
type Introspection struct {
	Active   bool   `json:"active"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Scope    string `json:"scope"`
	ClientID string `json:"client_id"`
}

// Introspect asks the introspection endpoint about token, as a mail server does.
func (s *Server) Introspect(t testing.TB, token string) Introspection {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.IntrospectURL, strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ResourceID, ResourceSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var in Introspection
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("oauthtest: introspection answered %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&in); err != nil {
		t.Fatal(err)
	}
	return in
}

// IntrospectURLWithCredentials is IntrospectURL with the introspection client's id and
// secret in it, as Dovecot's introspection_url takes them.
func (s *Server) IntrospectURLWithCredentials() string {
	u, _ := url.Parse(s.IntrospectURL)
	u.User = url.UserPassword(ResourceID, ResourceSecret)
	return u.String()
}

// store is the OP's storage (op.Storage and op.DeviceAuthorizationStorage) in memory.
type store struct {
	key   *rsa.PrivateKey
	keyID string

	mu       sync.Mutex
	lifetime time.Duration
	requests map[string]*authRequest  // by id
	codes    map[string]string        // code → request id
	access   map[string]*accessToken  // by id
	refresh  map[string]*refreshToken // by token
	devices  map[string]*device       // by device code
	users    map[string]string        // user code → device code
}

func newStore(key *rsa.PrivateKey) *store {
	sum := sha256.Sum256(key.N.Bytes())
	return &store{
		key: key, keyID: base64.RawURLEncoding.EncodeToString(sum[:8]),
		lifetime: time.Hour,
		requests: map[string]*authRequest{}, codes: map[string]string{},
		access: map[string]*accessToken{}, refresh: map[string]*refreshToken{},
		devices: map[string]*device{}, users: map[string]string{},
	}
}

func newID() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var errNotFound = errors.New("oauthtest: not found")

type authRequest struct {
	oidc.AuthRequest
	id       string
	subject  string
	authTime time.Time
	done     bool
}

func (a *authRequest) GetID() string                      { return a.id }
func (a *authRequest) GetACR() string                     { return "" }
func (a *authRequest) GetAMR() []string                   { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string              { return []string{a.ClientID} }
func (a *authRequest) GetAuthTime() time.Time             { return a.authTime }
func (a *authRequest) GetClientID() string                { return a.ClientID }
func (a *authRequest) GetNonce() string                   { return a.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.Scopes }
func (a *authRequest) GetState() string                   { return a.State }
func (a *authRequest) GetSubject() string                 { return a.subject }
func (a *authRequest) Done() bool                         { return a.done }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.CodeChallenge, Method: a.CodeChallengeMethod}
}

type accessToken struct {
	id, subject, clientID, refreshToken string
	scopes, audience                    []string
	expires                             time.Time
}

type refreshToken struct {
	token, subject, clientID string
	scopes, audience, amr    []string
	authTime                 time.Time
	accessID                 string
}

// refreshRequest is a refresh token as op.RefreshTokenRequest.
type refreshRequest struct{ r refreshToken }

func (r *refreshRequest) GetAMR() []string                 { return r.r.amr }
func (r *refreshRequest) GetAudience() []string            { return r.r.audience }
func (r *refreshRequest) GetAuthTime() time.Time           { return r.r.authTime }
func (r *refreshRequest) GetClientID() string              { return r.r.clientID }
func (r *refreshRequest) GetScopes() []string              { return r.r.scopes }
func (r *refreshRequest) GetSubject() string               { return r.r.subject }
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.r.scopes = scopes }

type device struct {
	state    op.DeviceAuthorizationState
	userCode string
}

func (s *store) approve(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return errNotFound
	}
	a.subject, a.authTime, a.done = Account, time.Now(), true
	return nil
}

func (s *store) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &authRequest{AuthRequest: *req, id: newID(), subject: userID}
	s.requests[a.id] = a
	return a, nil
}

func (s *store) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[id]; ok {
		return a, nil
	}
	return nil, errNotFound
}

func (s *store) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[s.codes[code]]; ok {
		return a, nil
	}
	return nil, errNotFound
}

func (s *store) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

func (s *store) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

func clientOf(r op.TokenRequest) string {
	if c, ok := r.(interface{ GetClientID() string }); ok {
		return c.GetClientID()
	}
	return ""
}

// newAccess stores a new access token; the caller holds s.mu.
func (s *store) newAccess(r op.TokenRequest, refresh string) *accessToken {
	a := &accessToken{id: newID(), subject: r.GetSubject(), clientID: clientOf(r), refreshToken: refresh,
		scopes: r.GetScopes(), audience: r.GetAudience(), expires: time.Now().Add(s.lifetime)}
	s.access[a.id] = a
	return a
}

func (s *store) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.newAccess(r, "")
	return a.id, a.expires, nil
}

// CreateAccessAndRefreshTokens issues both; a refresh rotates the refresh token: the one
// used is spent, as with Microsoft.
func (s *store) CreateAccessAndRefreshTokens(_ context.Context, r op.TokenRequest, current string) (string, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := refreshToken{token: newID(), subject: r.GetSubject(), clientID: clientOf(r),
		scopes: r.GetScopes(), audience: r.GetAudience(), authTime: time.Now(), amr: []string{"pwd"}}
	if current != "" {
		old, ok := s.refresh[current]
		if !ok {
			return "", "", time.Time{}, op.ErrInvalidRefreshToken
		}
		rt.authTime, rt.amr = old.authTime, old.amr
		delete(s.refresh, current)
	}
	a := s.newAccess(r, rt.token)
	rt.accessID = a.id
	s.refresh[rt.token] = &rt
	return a.id, rt.token, a.expires, nil
}

func (s *store) TokenRequestByRefreshToken(_ context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	if !ok {
		return nil, op.ErrInvalidRefreshToken
	}
	return &refreshRequest{*rt}, nil
}

func (s *store) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, rt := range s.refresh {
		if rt.subject == userID && rt.clientID == clientID {
			delete(s.refresh, k)
		}
	}
	return nil
}

func (s *store) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	if !ok || rt.clientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return rt.subject, rt.token, nil
}

// RevokeToken revokes a refresh token with the access tokens issued from it, or one access
// token. An unknown token is no error (RFC 7009, 2.2).
func (s *store) RevokeToken(_ context.Context, tokenOrID, _, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt, ok := s.refresh[tokenOrID]; ok {
		if rt.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("the token belongs to another client")
		}
		delete(s.refresh, tokenOrID)
		for id, a := range s.access {
			if a.refreshToken == tokenOrID {
				delete(s.access, id)
			}
		}
		return nil
	}
	if a, ok := s.access[tokenOrID]; ok && a.clientID == clientID {
		delete(s.access, tokenOrID)
	}
	return nil
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

type publicKey struct{ signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func (s *store) SigningKey(context.Context) (op.SigningKey, error) {
	return signingKey{s.keyID, s.key}, nil
}

func (s *store) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *store) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{signingKey{s.keyID, s.key}}}, nil
}

func (s *store) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	switch id {
	case ClientID:
		return publicClient{}, nil
	case ResourceID:
		return resourceClient{}, nil
	}
	return nil, errNotFound
}

func (s *store) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id == ResourceID && secret == ResourceSecret {
		return nil
	}
	return errors.New("oauthtest: wrong client id or secret")
}

func (s *store) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

func (s *store) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, _ op.IDTokenRequest, scopes []string) error {
	setUserinfo(info, scopes)
	return nil
}

func setUserinfo(info *oidc.UserInfo, scopes []string) {
	info.Subject = Account
	if slices.Contains(scopes, oidc.ScopeEmail) {
		info.Email, info.EmailVerified = Account, true
	}
	info.PreferredUsername = Account
}

func (s *store) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, _, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.access[tokenID]
	if !ok || time.Now().After(a.expires) {
		return errors.New("oauthtest: token is not active")
	}
	setUserinfo(info, a.scopes)
	return nil
}

func (s *store) SetIntrospectionFromToken(_ context.Context, in *oidc.IntrospectionResponse, tokenID, _, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.access[tokenID]
	if !ok || time.Now().After(a.expires) {
		return errors.New("oauthtest: token is not active")
	}
	in.Subject, in.Username, in.Email, in.EmailVerified = a.subject, a.subject, a.subject, true
	in.ClientID, in.Scope, in.Audience = a.clientID, a.scopes, a.audience
	in.Expiration = oidc.FromTime(a.expires)
	in.TokenType = oidc.BearerToken
	return nil
}

func (s *store) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *store) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotFound
}

func (s *store) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

func (s *store) Health(context.Context) error { return nil }

func (s *store) StoreDeviceAuthorization(_ context.Context, clientID, deviceCode, userCode string, expires time.Time, scopes []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[userCode]; ok {
		return op.ErrDuplicateUserCode
	}
	s.devices[deviceCode] = &device{userCode: userCode, state: op.DeviceAuthorizationState{
		ClientID: clientID, Scopes: scopes, Audience: []string{clientID}, Expires: expires}}
	s.users[userCode] = deviceCode
	return nil
}

func (s *store) GetDeviceAuthorizatonState(_ context.Context, clientID, deviceCode string) (*op.DeviceAuthorizationState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[deviceCode]
	if !ok || d.state.ClientID != clientID {
		return nil, errNotFound
	}
	st := d.state
	return &st, nil
}

func (s *store) GetDeviceAuthorizationByUserCode(_ context.Context, userCode string) (*op.DeviceAuthorizationState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[s.users[userCode]]
	if !ok {
		return nil, errNotFound
	}
	st := d.state
	return &st, nil
}

func (s *store) CompleteDeviceAuthorization(_ context.Context, userCode, subject string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[s.users[userCode]]
	if !ok {
		return errNotFound
	}
	d.state.Done, d.state.Subject, d.state.AuthTime, d.state.AMR = true, subject, time.Now(), []string{"pwd"}
	return nil
}

func (s *store) DenyDeviceAuthorization(_ context.Context, userCode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[s.users[userCode]]
	if !ok {
		return errNotFound
	}
	d.state.Denied = true
	return nil
}

// publicClient is the app: native, no secret, PKCE, loopback redirects on any port.
type publicClient struct{}

func (publicClient) GetID() string                       { return ClientID }
func (publicClient) RedirectURIs() []string              { return []string{"http://127.0.0.1/"} }
func (publicClient) PostLogoutRedirectURIs() []string    { return nil }
func (publicClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeNative }
func (publicClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodNone }
func (publicClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (publicClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeDeviceCode}
}
func (publicClient) LoginURL(id string) string            { return "/login?id=" + url.QueryEscape(id) }
func (publicClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (publicClient) IDTokenLifetime() time.Duration       { return time.Hour }
func (publicClient) DevMode() bool                        { return false }
func (publicClient) IsScopeAllowed(string) bool           { return false }
func (publicClient) IDTokenUserinfoClaimsAssertion() bool { return true } // the email in the ID token
func (publicClient) ClockSkew() time.Duration             { return 0 }
func (publicClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (publicClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// resourceClient is the mail server: it only introspects, with a secret.
type resourceClient struct{ publicClient }

func (resourceClient) GetID() string                       { return ResourceID }
func (resourceClient) RedirectURIs() []string              { return nil }
func (resourceClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (resourceClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (resourceClient) GrantTypes() []oidc.GrantType        { return nil }
