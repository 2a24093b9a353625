package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
	"github.com/xchangedesk/xchangedesk/store"
)

// The OAuth2 sign-in of the organiser's mailbox: `oauth` chooses the provider, `signin`
// signs in (the browser on this machine, or --device on another one) and keeps the refresh
// token in the system keyring, `signout` forgets it. No verb ever prints a token.

// oauthVerb shows or changes the sign-in settings. Everything is checked before anything
// is written: a refused command leaves the settings as they were.
func (c *cli) oauthVerb(args []string) error {
	fs := flags("oauth")
	kind := fs.String("provider", "", "")
	clientID := fs.String("client-id", "", "")
	clientSecret := fs.String("client-secret", "", "")
	tenant := fs.String("tenant", "", "")
	authURL := fs.String("auth-url", "", "")
	tokenURL := fs.String("token-url", "", "")
	deviceURL := fs.String("device-url", "", "")
	revokeURL := fs.String("revoke-url", "", "")
	scopes := fs.String("scopes", "", "")
	account := fs.String("account", "", "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	s, err := c.open()
	if err != nil {
		return err
	}
	cur, ok, err := s.OAuth()
	if err != nil {
		return err
	}
	if len(set) > 0 {
		if set["provider"] && *kind != cur.Kind {
			// Another provider: nothing of the old one's applies, and its sign-in is not this one's.
			cur = store.OAuthSettings{Kind: *kind}
		}
		if !set["provider"] && !ok {
			return usagef("give --provider microsoft, google or custom first")
		}
		str := func(name string, v *string, field *string) {
			if set[name] {
				*field = strings.TrimSpace(*v)
			}
		}
		str("client-id", clientID, &cur.ClientID)
		str("client-secret", clientSecret, &cur.Secret)
		str("tenant", tenant, &cur.Tenant)
		str("auth-url", authURL, &cur.AuthURL)
		str("token-url", tokenURL, &cur.TokenURL)
		str("device-url", deviceURL, &cur.DeviceURL)
		str("revoke-url", revokeURL, &cur.RevokeURL)
		if set["scopes"] {
			cur.Scopes = strings.Fields(*scopes)
		}
		if set["account"] {
			cur.Account = strings.TrimSpace(*account)
			if cur.Account != "" {
				if err := exchange.CheckEmail("account", cur.Account); err != nil {
					return err
				}
			}
		}
		if cur.Kind != string(oauth.Custom) && (cur.AuthURL != "" || cur.TokenURL != "" || cur.DeviceURL != "" || cur.RevokeURL != "") {
			return usagef("--auth-url, --token-url, --device-url and --revoke-url are for --provider custom")
		}
		if cur.Kind != string(oauth.Microsoft) && cur.Tenant != "" {
			return usagef("--tenant is for --provider microsoft")
		}
		if cur.Kind == string(oauth.Microsoft) && cur.Secret != "" {
			return usagef("--client-secret is for Google and custom providers: Microsoft's public clients have none")
		}
		if err := s.SetOAuth(cur); err != nil { // checks first; writes nothing when refused
			return err
		}
		ok = true
	}
	if !ok {
		fmt.Fprintln(c.stdout, "no OAuth2 sign-in set up: the mail servers are signed in to with passwords (xchange oauth --provider microsoft|google|custom --client-id ID)")
		return nil
	}
	c.printOAuth(cur)
	return nil
}

func (c *cli) printOAuth(o store.OAuthSettings) {
	p := o.Provider()
	fmt.Fprintf(c.stdout, "provider %s\nclient-id %s\n", o.Kind, o.ClientID)
	switch p.Kind {
	case oauth.Microsoft:
		t := o.Tenant
		if t == "" {
			t = oauth.DefaultTenant + " (the default: any work or school account)"
		}
		fmt.Fprintf(c.stdout, "tenant %s\n", t)
	case oauth.Custom:
		fmt.Fprintf(c.stdout, "auth-url %s\ntoken-url %s\n", o.AuthURL, o.TokenURL)
		if o.DeviceURL != "" {
			fmt.Fprintf(c.stdout, "device-url %s\n", o.DeviceURL)
		}
		if o.RevokeURL != "" {
			fmt.Fprintf(c.stdout, "revoke-url %s\n", o.RevokeURL)
		}
	}
	fmt.Fprintf(c.stdout, "scopes %s\n", strings.Join(p.RequestedScopes(), " "))
	if o.Secret != "" {
		fmt.Fprintln(c.stdout, "client-secret set (not shown)")
	}
	if o.Account == "" {
		fmt.Fprintln(c.stdout, "account not signed in (xchange signin)")
		return
	}
	fmt.Fprintf(c.stdout, "account %s (the sign-in is kept in the system keyring)\n", o.Account)
}

// signinTimeout is how long signin waits for the browser or the other device.
const signinTimeout = oauth.SignInTimeout

// errNoKeyringForSignIn is signin's refusal where there is no keyring to keep the sign-in in.
var errNoKeyringForSignIn = cliError{
	msg: "This system has no keyring (no Secret Service on a D-Bus session) to keep the sign-in in, so nothing was signed in. Run it in a desktop session, or under dbus-run-session with gnome-keyring-daemon unlocked.",
	err: oauth.ErrNoKeyring,
}

// cliError is a refusal in the command line's own words, still matching the error it stands for.
type cliError struct {
	msg string
	err error
}

func (e cliError) Error() string { return e.msg }
func (e cliError) Unwrap() error { return e.err }

// Sentence is the refusal as people read it (see wording.Error).
func (e cliError) Sentence() string { return e.msg }

// keyringPresent says whether asking the keyring can work: on Linux it needs a session bus.
// As package oauth (and exchange/mail) decide it.
func keyringPresent() bool {
	return runtime.GOOS != "linux" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

func (c *cli) signin(args []string) error {
	fs := flags("signin")
	device := fs.Bool("device", false, "")
	noBrowser := fs.Bool("no-browser", false, "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *device && *noBrowser {
		return usagef("--device signs in on another device: --no-browser is for the browser sign-in")
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	cur, ok, err := s.OAuth()
	if err != nil {
		return err
	}
	if !ok {
		return cliError{msg: "No OAuth2 provider is set up; choose it first: xchange oauth --provider microsoft|google|custom --client-id ID.", err: store.ErrNoOAuth}
	}
	p := cur.Provider()
	if err := p.Validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), signinTimeout)
	defer cancel()
	if *device && (p.Kind == oauth.Google || p.Endpoint().DeviceAuthURL == "") {
		_, err := oauth.SignInDevice(ctx, p, func(string, string) {}) // refuses at once, saying why
		if err == nil {
			err = oauth.ErrNoDeviceFlow
		}
		return err
	}
	if !keyringPresent() {
		return errNoKeyringForSignIn
	}
	prog, err := s.Programme()
	if err != nil {
		return err
	}
	if cur.Account == "" && prog.OrganiserEmail == "" && !hasScope(p.RequestedScopes(), "openid") {
		return cliError{msg: "The provider does not say which mailbox signs in; name it first: xchange oauth --account ADDRESS (or set the organiser)."}
	}

	var tok oauth.Token
	if *device {
		tok, err = oauth.SignInDevice(ctx, p, func(uri, code string) {
			fmt.Fprintf(c.stdout, "On any device, open this address: %s\nand enter this code: %s\n", uri, code)
			fmt.Fprintf(c.stderr, "Waiting up to %d minutes for the sign-in there…\n", int(signinTimeout/time.Minute))
		})
	} else {
		tok, err = oauth.SignIn(ctx, p, func(u string) error {
			fmt.Fprintf(c.stdout, "Open this address to sign in: %s\n", u)
			if !*noBrowser {
				if err := openBrowser(u); err != nil {
					fmt.Fprintf(c.stderr, "xchange signin: the browser did not open (%v); open the address by hand\n", err)
				}
			}
			fmt.Fprintf(c.stderr, "Waiting up to %d minutes for the browser…\n", int(signinTimeout/time.Minute))
			return nil
		})
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return cliError{msg: fmt.Sprintf("No sign-in arrived within %d minutes, so nothing was kept; run xchange signin again.", int(signinTimeout/time.Minute)), err: err}
		}
		return err
	}
	if tok.Account == "" {
		tok.Account = cur.Account
	}
	if tok.Account == "" {
		tok.Account = prog.OrganiserEmail
	}
	if err := keep(s, cur, p, tok); err != nil {
		return err
	}
	if cur.Account != tok.Account {
		cur.Account = tok.Account
		if err := s.SetOAuth(cur); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.stdout, "Signed in as %s until %s (renewed automatically); the sign-in is kept in the system keyring and serves both SMTP and IMAP.\n",
		tok.Account, tok.Expiry.Local().Format("15:04"))
	return nil
}

// keep puts the new sign-in in the keyring: through the shared source when there was a
// sign-in before (Replace forgets the previous account's), or a new one.
func keep(s *store.Store, cur store.OAuthSettings, p oauth.Provider, tok oauth.Token) error {
	var err error
	if src, serr := s.OAuthSource(); cur.Account != "" && serr == nil {
		err = src.Replace(tok)
	} else {
		_, err = oauth.NewSource(p, tok)
	}
	if errors.Is(err, oauth.ErrNoKeyring) {
		return errNoKeyringForSignIn
	}
	if err != nil {
		return err
	}
	return nil
}

func hasScope(scopes []string, want string) bool {
	for _, s := range scopes {
		if s == want {
			return true
		}
	}
	return false
}

// openBrowser opens u in the system browser, without waiting for it.
func openBrowser(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}

func (c *cli) signout(args []string) error {
	if _, err := parse(flags("signout"), args, 0); err != nil {
		return err
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	cur, ok, err := s.OAuth()
	if err != nil {
		return err
	}
	if !ok || cur.Account == "" {
		fmt.Fprintln(c.stdout, "not signed in")
		return nil
	}
	if !keyringPresent() {
		return cliError{msg: "This system has no keyring (no Secret Service on a D-Bus session), so the sign-in kept in it cannot be forgotten from here.", err: oauth.ErrNoKeyring}
	}
	account := cur.Account
	var outErr error
	src, err := s.OAuthSource()
	switch {
	case errors.Is(err, oauth.ErrNotSignedIn):
		// The keyring no longer holds it: only the record is left to forget.
	case err != nil:
		return err
	default:
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		outErr = src.SignOut(ctx)
		cancel()
	}
	cur.Account = ""
	if err := s.SetOAuth(cur); err != nil {
		return err
	}
	if outErr != nil {
		return outErr
	}
	switch p := cur.Provider(); {
	case src == nil:
		fmt.Fprintf(c.stdout, "Signed out of %s (the keyring no longer held the sign-in).\n", account)
	case p.Revocation() != "":
		fmt.Fprintf(c.stdout, "Signed out of %s; the provider revoked the sign-in.\n", account)
	case p.Kind == oauth.Microsoft:
		fmt.Fprintf(c.stdout, "Signed out of %s here. Microsoft cannot revoke one sign-in: to end it everywhere, an administrator revokes the sessions in Entra ID.\n", account)
	default:
		fmt.Fprintf(c.stdout, "Signed out of %s here; the provider has no revocation endpoint (--revoke-url), so it was not asked to revoke the sign-in.\n", account)
	}
	return nil
}
