package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange/oauth"
	"github.com/xchangedesk/xchangedesk/store"
)

// signInSettings is the OAuth2 sign-in of the organiser's mailbox, for Microsoft 365 and
// Google Workspace: the client id (and for Microsoft the tenant) that the organisation
// registered, a sign-in in the system browser, and who is signed in until when. One sign-in
// serves SMTP and IMAP. A custom provider is set up with `xchange oauth`; once it is, the card
// signs in with it too.
type signInSettings struct {
	desk    *Desk
	data    mailData
	content fyne.CanvasObject

	clientID, tenant, secret  *widget.Entry
	microsoft, google, custom *widget.Button
	signOut, cancel           *widget.Button
	stop                      context.CancelFunc // ends the sign-in under way
	errs                      fieldErrors
	problem, said, signedIn   *widget.Label
	settings                  store.OAuthSettings // as last read
	set                       bool
	organiser                 string // the organiser's address: the mailbox, when the provider does not name it
	expiry                    time.Time
	expiryOf                  string // the account expiry is about
	gone                      bool   // the provider no longer takes the sign-in
	busy                      bool

	// open opens the sign-in address in the system browser; tests set it to follow the address.
	open func(address string) error
}

func newSignInSettings(d *Desk, data mailData) *signInSettings {
	s := &signInSettings{desk: d, data: data, errs: fieldErrors{}}
	s.open = func(address string) error {
		u, err := url.Parse(address)
		if err != nil {
			return err
		}
		return fyne.CurrentApp().OpenURL(u)
	}
	s.clientID = newEntry("the application (client) id your organisation registered")
	s.secret = newEntry("Google only: the client secret of the desktop client")
	s.tenant = newEntry("Microsoft only: the tenant id or domain (default: organizations)")
	s.problem, s.said, s.signedIn = errorLine(), wrapped(""), wrapped("Not signed in.")
	s.microsoft = widget.NewButtonWithIcon("Sign in with Microsoft", theme.LoginIcon(), func() { s.signIn(oauth.Microsoft) })
	s.google = widget.NewButtonWithIcon("Sign in with Google", theme.LoginIcon(), func() { s.signIn(oauth.Google) })
	s.custom = widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), func() { s.signIn(oauth.Custom) })
	s.custom.Hide()
	s.signOut = widget.NewButtonWithIcon("Sign out", theme.LogoutIcon(), s.doSignOut)
	s.signOut.Hide()
	s.cancel = widget.NewButtonWithIcon("Cancel sign-in", theme.CancelIcon(), func() {
		if s.stop != nil {
			s.stop()
		}
	})
	s.cancel.Hide()
	s.content = widget.NewCard("Sign in (Microsoft 365, Google Workspace)", "", container.NewVBox(
		wrapped("Microsoft 365 and Google take no passwords for mail: sign the organiser's mailbox in here, once, in the browser. "+
			"One sign-in serves the mail server and the mailbox. The sign-in is kept in the system keyring, never in the data file; "+
			"your administrator gives you the client id (see the README's Microsoft 365 and Google Workspace sections)."),
		s.errs.grid(row{"Client id", s.clientID, "client-id"}, row{"Tenant", s.tenant, "tenant"}, row{"Client secret", s.secret, "client-secret"}),
		container.NewHBox(s.microsoft, s.google, s.custom),
		s.signedIn, container.NewHBox(s.signOut, s.cancel), s.problem, s.said))
	return s
}

// apply shows the settings as read, unless the person has started typing their own.
func (s *signInSettings) apply(m store.Mail) {
	s.settings, s.set, s.organiser = m.OAuth, m.OAuthSet, m.Programme.OrganiserEmail
	if s.set && s.clientID.Text == "" && s.settings.Kind != string(oauth.Custom) {
		s.clientID.SetText(s.settings.ClientID)
		s.tenant.SetText(s.settings.Tenant)
		s.secret.SetText(s.settings.Secret)
	}
	if s.set && s.settings.Kind == string(oauth.Custom) {
		s.custom.SetText("Sign in with " + hostOf(s.settings.AuthURL))
		s.custom.Show()
	} else {
		s.custom.Hide()
	}
	s.showSignedIn()
	if s.set && s.settings.Account != "" && !s.busy {
		// Ask the shared source each time: it knows until when the access lasts since its last
		// refresh, and whether the provider still takes the sign-in.
		account := s.settings.Account
		s.desk.bridge.work(func() func() {
			var exp time.Time
			src, err := s.data.OAuthSource()
			if err == nil {
				exp = src.Expiry()
			}
			return func() {
				if s.settings.Account != account {
					return
				}
				s.gone = errors.Is(err, oauth.ErrSignInAgain)
				if !exp.IsZero() || s.gone {
					s.expiry, s.expiryOf = exp, account
				}
				s.showSignedIn()
			}
		})
	}
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "the configured provider"
}

// showSignedIn says who is signed in, and until when the access lasts.
func (s *signInSettings) showSignedIn() {
	if !s.set || s.settings.Account == "" {
		s.signedIn.SetText("Not signed in.")
		s.signOut.Hide()
		return
	}
	if s.gone {
		s.signedIn.SetText("The sign-in of " + s.settings.Account + " is no longer accepted: sign in again.")
		s.signOut.Show()
		return
	}
	text := "Signed in as " + s.settings.Account
	if s.expiryOf == s.settings.Account && !s.expiry.IsZero() {
		text += " until " + s.expiry.Local().Format("15:04") + " (the access is renewed automatically before then)."
	} else {
		text += " (the access is renewed automatically)."
	}
	s.signedIn.SetText(text)
	s.signOut.Show()
}

// wanted is the settings a sign-in with kind uses: the stored ones for the same provider and
// client (keeping their scopes), else new ones from the form.
func (s *signInSettings) wanted(kind oauth.Kind) store.OAuthSettings {
	if kind == oauth.Custom {
		return s.settings
	}
	o := store.OAuthSettings{Kind: string(kind), ClientID: strings.TrimSpace(s.clientID.Text)}
	if kind == oauth.Microsoft {
		o.Tenant = strings.TrimSpace(s.tenant.Text)
	}
	if kind == oauth.Google {
		o.Secret = strings.TrimSpace(s.secret.Text)
	}
	if s.set && s.settings.Kind == o.Kind && s.settings.ClientID == o.ClientID && s.settings.Tenant == o.Tenant {
		o.Scopes, o.Account = s.settings.Scopes, s.settings.Account
	}
	return o
}

// sameProvider says whether a and b sign in at the same place as the same client.
func sameProvider(a, b store.OAuthSettings) bool {
	return a.Kind == b.Kind && a.ClientID == b.ClientID && a.Tenant == b.Tenant && a.TokenURL == b.TokenURL &&
		strings.Join(a.Scopes, " ") == strings.Join(b.Scopes, " ")
}

// keyringPresent says whether the keyring can be asked: on Linux it needs a session bus.
// As package oauth decides it.
func keyringPresent() bool {
	return runtime.GOOS != "linux" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

func (s *signInSettings) busyNow(on bool) {
	s.busy = on
	if !on {
		s.cancel.Hide()
	}
	for _, b := range []*widget.Button{s.microsoft, s.google, s.custom, s.signOut} {
		if on {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// signIn signs in with kind in the system browser, off the UI goroutine, and keeps the
// sign-in in the keyring and the account in the settings.
func (s *signInSettings) signIn(kind oauth.Kind) {
	if s.busy {
		return
	}
	s.errs.clear()
	setLine(s.problem, nil)
	o := s.wanted(kind)
	p := o.Provider()
	if err := p.Validate(); err != nil {
		setLine(s.problem, s.errs.show(err))
		return
	}
	if !keyringPresent() {
		setLine(s.problem, []string{"This system has no keyring to keep the sign-in in, so the desk cannot sign in here."})
		return
	}
	prev, prevSet := s.settings, s.set
	fallback := s.organiser
	s.busyNow(true)
	ctx, stop := context.WithTimeout(context.Background(), oauth.SignInTimeout)
	s.stop = stop
	s.cancel.Show()
	s.said.SetText("Finish signing in in the browser that opened (the desk waits up to 5 minutes)…")
	s.desk.bridge.work(func() func() {
		tok, err := oauth.SignIn(ctx, p, s.open)
		stop()
		if err == nil {
			if tok.Account == "" {
				tok.Account = o.Account
			}
			if tok.Account == "" {
				tok.Account = fallback
			}
			if tok.Account == "" {
				err = errors.New("the provider did not say which mailbox signed in: set and save the organiser first, then sign in again")
			}
		}
		if err == nil {
			err = s.keep(prev, prevSet, o, tok)
		}
		if err == nil {
			o.Account = tok.Account
			err = s.data.SetOAuth(o)
		}
		return func() {
			s.busyNow(false)
			if err != nil {
				s.said.SetText("")
				setLine(s.problem, s.signInProblems(err))
				return
			}
			s.settings, s.set = o, true
			s.expiry, s.expiryOf, s.gone = tok.Expiry, tok.Account, false
			s.showSignedIn()
			s.said.SetText("Signed in. The mail server and the mailbox use this sign-in when set to OAuth2.")
			s.desk.mailboxChanged()
			if s.desk.Wake != nil {
				s.desk.Wake() // messages that waited for a sign-in go now
			}
		}
	})
}

// keep puts the sign-in in the keyring: through the shared source when it replaces a
// sign-in with the same provider (Replace forgets the previous account's), else a new one.
func (s *signInSettings) keep(prev store.OAuthSettings, prevSet bool, o store.OAuthSettings, tok oauth.Token) error {
	if prevSet && prev.Account != "" && sameProvider(prev, o) {
		if src, err := s.data.OAuthSource(); err == nil {
			return src.Replace(tok)
		}
	}
	_, err := oauth.NewSource(o.Provider(), tok)
	return err
}

// signInProblems says a failed sign-in in the users' words: the field errors under their
// fields, the rest as sentences.
func (s *signInSettings) signInProblems(err error) []string {
	switch {
	case errors.Is(err, oauth.ErrNoKeyring):
		return []string{"This system has no keyring to keep the sign-in in, so it was not kept."}
	case errors.Is(err, context.DeadlineExceeded):
		return []string{"No sign-in came back from the browser within 5 minutes; try again."}
	case errors.Is(err, context.Canceled):
		return []string{"The sign-in was cancelled; nothing was kept."}
	}
	return s.errs.show(err)
}

func (s *signInSettings) doSignOut() {
	if s.busy || !s.set || s.settings.Account == "" {
		return
	}
	o := s.settings
	account := o.Account
	s.busyNow(true)
	s.errs.clear()
	setLine(s.problem, nil)
	s.said.SetText("Signing out…")
	s.desk.bridge.work(func() func() {
		var outErr error
		src, err := s.data.OAuthSource()
		switch {
		case err == nil:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			outErr = src.SignOut(ctx)
			cancel()
		case errors.Is(err, oauth.ErrNotSignedIn):
		default:
			outErr = err
		}
		o.Account = ""
		err = s.data.SetOAuth(o)
		return func() {
			s.busyNow(false)
			if err != nil {
				s.said.SetText("")
				setLine(s.problem, []string{message(err)})
				return
			}
			s.settings = o
			s.expiry, s.expiryOf = time.Time{}, ""
			s.showSignedIn()
			if outErr != nil {
				s.said.SetText("")
				setLine(s.problem, s.signInProblems(outErr))
			} else if o.Provider().Revocation() != "" {
				s.said.SetText(fmt.Sprintf("Signed out of %s; the provider revoked the sign-in.", account))
			} else {
				s.said.SetText(fmt.Sprintf("Signed out of %s here.", account))
			}
			s.desk.mailboxChanged()
		}
	})
}
