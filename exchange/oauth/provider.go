// Package oauth signs the organiser's mailbox in with OAuth2, for SMTP and IMAP on
// Microsoft 365 and Google Workspace, which no longer take (or soon refuse) passwords.
//
// A sign-in runs once, in the system browser (SignIn: the authorisation code flow with
// PKCE and a loopback redirect, RFC 8252) or, where there is no browser, on another device
// (SignInDevice, RFC 8628). Its refresh token lives only in the keyring; access tokens
// live only in memory, in one Source that the sender and the mailbox reader share and that
// refreshes them before they run out. A refused refresh token ends in one ErrSignInAgain,
// never in a loop of failed logins. XOAUTH2 and OAUTHBEARER build what SMTP and IMAP send
// in AUTHENTICATE.
package oauth

import (
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/oauth2"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// Kind names an identity provider.
type Kind string

const (
	Microsoft Kind = "microsoft" // Microsoft Entra ID, for Exchange Online (Microsoft 365)
	Google    Kind = "google"    // Google Workspace and Gmail
	Custom    Kind = "custom"    // any other authorisation server, by its endpoint URLs
)

// DefaultTenant is the Entra ID tenant used when none is given: any work or school
// account, whichever organisation it belongs to.
const DefaultTenant = "organizations"

// The scopes each provider asks for unless Provider.Scopes says otherwise: reading the
// mailbox over IMAP, sending over SMTP, and (Microsoft) a refresh token. Google's one mail
// scope covers both protocols and its installed-app flow returns a refresh token anyway.
var (
	MicrosoftScopes = []string{
		"https://outlook.office.com/IMAP.AccessAsUser.All",
		"https://outlook.office.com/SMTP.Send",
		"offline_access",
		"openid", "email", // an ID token names the mailbox signed in to
	}
	GoogleScopes = []string{"https://mail.google.com/", "openid", "email"} // the ID token names the mailbox
)

// Google's endpoints (https://accounts.google.com/.well-known/openid-configuration).
const (
	googleAuthURL   = "https://accounts.google.com/o/oauth2/v2/auth"
	googleTokenURL  = "https://oauth2.googleapis.com/token"
	googleRevokeURL = "https://oauth2.googleapis.com/revoke"
)

// Provider is where and as what the app signs in: the provider, the organisation's own
// registered client, and the scopes. It holds no secret: the client is a public one (the
// app cannot keep a secret), and each organisation registers its own.
type Provider struct {
	Kind     Kind
	ClientID string // the application (client) id the organisation registered
	// ClientSecret is what Google issues with a desktop client and requires at its token
	// endpoint even with PKCE; for an installed app it is not confidential (Google says so),
	// so it lives with the settings. Empty for Microsoft and most others.
	ClientSecret string

	Tenant string   // Microsoft only: the directory (tenant) id or domain; "" is DefaultTenant
	Scopes []string // nil: the provider's defaults (MicrosoftScopes, GoogleScopes)

	// Custom only: the authorisation and token endpoints, and where the server has them
	// the device authorisation (RFC 8628) and revocation (RFC 7009) endpoints.
	AuthURL, TokenURL, DeviceURL, RevokeURL string
}

var tenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]*$`)

// Validate checks the settings. It returns *exchange.RuleError values naming the field:
// "kind", "client-id", "tenant", "auth-url", "token-url", "device-url", "revoke-url" or
// "scopes", joined with exchange.Join when there are several.
func (p Provider) Validate() error {
	var errs []error
	switch p.Kind {
	case Microsoft, Google, Custom:
	default:
		errs = append(errs, &exchange.RuleError{Field: "kind", Rule: exchange.RuleFormat, Value: string(p.Kind),
			Reason: "the provider is microsoft, google or custom, not " + quote(string(p.Kind))})
	}
	if strings.TrimSpace(p.ClientID) == "" {
		errs = append(errs, &exchange.RuleError{Field: "client-id", Rule: exchange.RuleRequired,
			Reason: "the client id of the application your organisation registered is required"})
	} else if hasControl(p.ClientID) || strings.ContainsAny(p.ClientID, " ") {
		errs = append(errs, &exchange.RuleError{Field: "client-id", Rule: exchange.RuleFormat, Value: p.ClientID,
			Reason: "a client id has no spaces or control characters"})
	}
	if p.Kind == Microsoft && p.Tenant != "" && !tenantPattern.MatchString(p.Tenant) {
		errs = append(errs, &exchange.RuleError{Field: "tenant", Rule: exchange.RuleFormat, Value: p.Tenant,
			Reason: "a tenant is a directory id, a domain such as contoso.onmicrosoft.com, or organizations"})
	}
	if p.Kind == Custom {
		errs = append(errs, checkURL("auth-url", p.AuthURL, true), checkURL("token-url", p.TokenURL, true),
			checkURL("device-url", p.DeviceURL, false), checkURL("revoke-url", p.RevokeURL, false))
		if len(p.Scopes) == 0 {
			errs = append(errs, &exchange.RuleError{Field: "scopes", Rule: exchange.RuleRequired,
				Reason: "a custom provider needs the scopes its mail servers expect"})
		}
	}
	for _, s := range p.Scopes {
		if s == "" || hasControl(s) || strings.ContainsAny(s, " \"\\") {
			errs = append(errs, &exchange.RuleError{Field: "scopes", Rule: exchange.RuleFormat, Value: s,
				Reason: "a scope is one word without spaces, quotes or control characters"})
			break
		}
	}
	return exchange.Join(errs...)
}

// checkURL accepts https, and plain http only to this machine (a test server, a local proxy).
func checkURL(field, raw string, required bool) error {
	if raw == "" {
		if !required {
			return nil
		}
		return &exchange.RuleError{Field: field, Rule: exchange.RuleRequired, Reason: "the endpoint's address is required"}
	}
	u, err := url.Parse(raw)
	ok := err == nil && u.Host != "" && u.User == nil &&
		(u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname()))
	if !ok {
		return &exchange.RuleError{Field: field, Rule: exchange.RuleFormat, Value: raw,
			Reason: "an endpoint is an https:// address (http:// only to 127.0.0.1 or localhost)"}
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func quote(s string) string { return `"` + s + `"` }

// RequestedScopes returns the scopes a sign-in asks for: Scopes, or the provider's defaults.
func (p Provider) RequestedScopes() []string {
	if len(p.Scopes) > 0 {
		return p.Scopes
	}
	switch p.Kind {
	case Microsoft:
		return MicrosoftScopes
	case Google:
		return GoogleScopes
	}
	return nil
}

func (p Provider) tenant() string {
	if p.Tenant == "" {
		return DefaultTenant
	}
	return p.Tenant
}

// Endpoint returns the authorisation, token and device endpoints. Clients authenticate with
// their id in the request body: they are public, with no secret to send.
func (p Provider) Endpoint() oauth2.Endpoint {
	var e oauth2.Endpoint
	switch p.Kind {
	case Microsoft:
		base := "https://login.microsoftonline.com/" + url.PathEscape(p.tenant()) + "/oauth2/v2.0/"
		e = oauth2.Endpoint{AuthURL: base + "authorize", TokenURL: base + "token", DeviceAuthURL: base + "devicecode"}
	case Google:
		e = oauth2.Endpoint{AuthURL: googleAuthURL, TokenURL: googleTokenURL}
	case Custom:
		e = oauth2.Endpoint{AuthURL: p.AuthURL, TokenURL: p.TokenURL, DeviceAuthURL: p.DeviceURL}
	}
	e.AuthStyle = oauth2.AuthStyleInParams
	return e
}

// Revocation returns the token revocation endpoint (RFC 7009), or "" where the provider
// has none: Microsoft revokes sessions only through Entra ID, not per token.
func (p Provider) Revocation() string {
	switch p.Kind {
	case Google:
		return googleRevokeURL
	case Custom:
		return p.RevokeURL
	}
	return ""
}

func (p Provider) config(redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     p.ClientID,
		ClientSecret: p.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  redirectURL,
		Scopes:       p.RequestedScopes(),
	}
}

// keyringUser is the keyring entry of account's refresh token at p: one per provider
// (its token endpoint), client and mailbox, beside exchange/mail's smtp:// and imap://.
func (p Provider) keyringUser(account string) string {
	where := p.Endpoint().TokenURL
	if u, err := url.Parse(where); err == nil {
		where = u.Host + u.Path
	}
	return "oauth2://" + account + "@" + where + "?client_id=" + url.QueryEscape(p.ClientID)
}
