package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
	"github.com/xchangedesk/xchangedesk/store"
)

// mailboxData is what the mailbox settings change.
type mailboxData interface {
	SetIMAP(store.IMAPSettings) error
	OAuthSource() (*oauth.Source, error) // for a mailbox signed in with OAuth2
}

// mailboxSettings holds the organiser's mailbox (IMAP), where hosts' answers arrive, with a
// test and a "check now"; it sits under the mail server's settings.
type mailboxSettings struct {
	desk    *Desk
	data    mailboxData
	content fyne.CanvasObject

	host, port, user, password, folder *widget.Entry
	tlsMode, auth                      *widget.Select
	errs                               fieldErrors
	problem, said, last                *widget.Label
}

func newMailboxSettings(d *Desk, data mailboxData) *mailboxSettings {
	s := &mailboxSettings{desk: d, data: data, errs: fieldErrors{}}
	s.host, s.port, s.user = newEntry("imap.example.org"), newEntry("993 for TLS, 143 otherwise"), newEntry("login, often the mailbox address")
	s.folder = newEntry("INBOX")
	s.password = widget.NewPasswordEntry()
	s.password.SetPlaceHolder("kept in the system keyring, never in the data file")
	var labels []string
	for _, t := range tlsLabels {
		labels = append(labels, strings.Replace(t.label, "(port 465)", "(port 993)", 1))
	}
	s.auth = newAuthSelect(s.password)
	s.tlsMode = widget.NewSelect(labels, nil)
	s.tlsMode.SetSelected(labels[1])
	s.problem, s.said, s.last = errorLine(), wrapped(""), wrapped("")
	save := widget.NewButtonWithIcon("Save mailbox", theme.DocumentSaveIcon(), s.save)
	test := widget.NewButtonWithIcon("Test", theme.ConfirmIcon(), s.test)
	check := widget.NewButtonWithIcon("Check now", theme.ViewRefreshIcon(), func() {
		if d.wakeMailbox != nil {
			s.said.SetText("Checking the mailbox…")
			d.wakeMailbox()
		}
	})
	s.content = widget.NewCard("Mailbox for replies (IMAP)", "", container.NewVBox(
		wrapped("Hosts' answers arrive here. The desk reads them every few minutes without marking them read, and never moves or deletes mail."),
		s.errs.grid(row{"Server", s.host, "host"}, row{"Port", s.port, "port"}, row{"Security", s.tlsMode, "tls"},
			row{"Sign in with", s.auth, "auth"}, row{"User", s.user, "user"}, row{"Password", s.password, "password"}, row{"Folder", s.folder, "folder"}),
		container.NewHBox(save, test, check), s.problem, s.said, s.last))
	return s
}

// apply shows the settings as read, unless the person has started typing their own.
func (s *mailboxSettings) apply(m store.Mail) {
	if !m.IMAPSet || s.host.Text != "" {
		return
	}
	st := m.IMAP
	s.host.SetText(st.Host)
	if st.Port > 0 {
		s.port.SetText(strconv.Itoa(st.Port))
	}
	s.user.SetText(st.User)
	s.folder.SetText(st.Folder)
	showAuth(s.auth, st.Auth)
	for i, t := range tlsLabels {
		if string(t.mode) == st.TLS {
			s.tlsMode.SetSelectedIndex(i)
		}
	}
}

// settings reads the form.
func (s *mailboxSettings) settings() (store.IMAPSettings, error) {
	st := store.IMAPSettings{Host: strings.TrimSpace(s.host.Text), User: strings.TrimSpace(s.user.Text), Folder: strings.TrimSpace(s.folder.Text),
		Auth: authValue(s.auth)}
	st.TLS = string(tlsLabels[max(s.tlsMode.SelectedIndex(), 0)].mode)
	if p := strings.TrimSpace(s.port.Text); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return st, &exchange.RuleError{Field: "port", Rule: exchange.RuleFormat, Reason: "write the port as a number, like 993"}
		}
		st.Port = n
	}
	return st, st.Validate()
}

func (s *mailboxSettings) save() {
	s.errs.clear()
	st, err := s.settings()
	if err == nil {
		err = s.data.SetIMAP(st)
	}
	if err != nil {
		setLine(s.problem, s.errs.show(err))
		return
	}
	setLine(s.problem, nil)
	savePassword(s.desk, s.password, s.errs, s.said, "Saved. The mailbox is read from now on.",
		func(pw string) error { return mail.SaveIMAPPassword(st.Host, st.User, pw) }, s.desk.mailboxChanged)
}

// test signs in and opens the folder with what the form says, off the UI goroutine.
func (s *mailboxSettings) test() {
	s.errs.clear()
	st, err := s.settings()
	if err != nil {
		setLine(s.problem, s.errs.show(err))
		return
	}
	password := s.password.Text
	s.said.SetText("Signing in to " + st.Host + "…")
	s.desk.bridge.work(func() func() {
		if password == "" {
			password = mail.IMAPPassword(st.Host, st.User)
		}
		cfg := st.Config(password)
		var err error
		if st.OAuth2() {
			var src *oauth.Source
			if src, err = s.data.OAuthSource(); err == nil {
				cfg = st.OAuth2Config(src)
			}
		}
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err = mailbox.Test(ctx, cfg)
			cancel()
		}
		return func() {
			if err != nil {
				s.said.SetText("")
				setLine(s.problem, []string{"The test did not sign in: " + message(err)})
				return
			}
			setLine(s.problem, nil)
			folder := st.Folder
			if folder == "" {
				folder = mailbox.DefaultFolder
			}
			s.said.SetText(fmt.Sprintf("Signed in to %s and opened %s.", st.Host, folder))
		}
	})
}

// round shows how the last look at the mailbox went.
func (s *mailboxSettings) round(r mailbox.Round) {
	switch {
	case r.NotSet:
		s.last.SetText("No mailbox is set: hosts' answers are read from files dropped on the window.")
	case r.Err != nil:
		s.last.SetText(fmt.Sprintf("⚠ Last check %s: %s Trying again at %s.", r.End.Local().Format("15:04"), message(r.Err), r.Next.Local().Format("15:04")))
	default:
		s.last.SetText(fmt.Sprintf("Last check %s: %d new %s, %d %s. Next check at %s.", r.End.Local().Format("15:04"),
			r.Fetched, plural(r.Fetched, "message", "messages"), r.Replies, plural(r.Replies, "reply", "replies"), r.Next.Local().Format("15:04")))
	}
}
