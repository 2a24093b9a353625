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
	"github.com/xchangedesk/xchangedesk/store"
	"github.com/xchangedesk/xchangedesk/store/outbox"
)

// mailSettings holds the organiser who sends, and the SMTP server; it sits beside the outbox.
type mailSettings struct {
	desk    *Desk
	data    mailData
	prog    exchange.Programme // as last read
	content fyne.CanvasObject

	orgName, orgEmail          *widget.Entry
	host, port, user, password *widget.Entry
	tlsMode, auth              *widget.Select
	testTo                     *widget.Entry
	errs                       fieldErrors
	settingsErr, settingsSaid  *widget.Label
	mailbox                    *mailboxSettings
	signin                     *signInSettings
}

var tlsLabels = []struct {
	label string
	mode  mail.TLSMode
}{
	{"STARTTLS (required)", mail.StartTLS},
	{"TLS from the start (port 465)", mail.ImplicitTLS},
	{"None (only this computer, 127.0.0.1)", mail.NoTLS},
}

func newMailSettings(d *Desk, data mailData) *mailSettings {
	s := &mailSettings{desk: d, data: data, errs: fieldErrors{}, mailbox: newMailboxSettings(d, data), signin: newSignInSettings(d, data)}
	s.orgName, s.orgEmail = newEntry("e.g. STARS exchange desk"), newEntry("the mailbox that sends invitations and gets replies")
	s.host, s.port, s.user = newEntry("smtp.example.org"), newEntry("587"), newEntry("login, often the mailbox address")
	s.password = widget.NewPasswordEntry()
	s.password.SetPlaceHolder("kept in the system keyring, never in the data file")
	var labels []string
	for _, t := range tlsLabels {
		labels = append(labels, t.label)
	}
	s.auth = newAuthSelect(s.password)
	s.tlsMode = widget.NewSelect(labels, nil)
	s.tlsMode.SetSelected(labels[0])
	s.testTo = newEntry("where to send a test message")
	s.settingsErr, s.settingsSaid = errorLine(), wrapped("")
	saveOrg := widget.NewButton("Save organiser", s.saveOrganiser)
	saveSMTP := widget.NewButtonWithIcon("Save mail server", theme.DocumentSaveIcon(), s.saveSMTP)
	saveSMTP.Importance = widget.HighImportance
	test := widget.NewButtonWithIcon("Send test message", theme.MailSendIcon(), s.sendTest)
	s.content = container.NewVScroll(container.NewVBox(
		widget.NewCard("Organiser", "", container.NewVBox(
			wrapped("Invitations come from this address, and hosts' answers go back to it."),
			s.errs.grid(row{"Name", s.orgName, "name"}, row{"E-mail", s.orgEmail, "email"}),
			container.NewHBox(saveOrg))),
		s.signin.content,
		widget.NewCard("Mail server (SMTP)", "", container.NewVBox(
			wrapped("Without a mail server the outbox keeps its messages; export them as .eml to send by hand."),
			s.errs.grid(row{"Server", s.host, "host"}, row{"Port", s.port, "port"}, row{"Security", s.tlsMode, "tls"},
				row{"Sign in with", s.auth, "auth"}, row{"User", s.user, "user"}, row{"Password", s.password, "password"}),
			container.NewHBox(saveSMTP),
			s.errs.grid(row{"Test to", s.testTo, "test"}), container.NewHBox(test),
			s.settingsErr, s.settingsSaid)),
		s.mailbox.content,
	))
	return s
}

// apply shows the settings as read, unless the person has started typing their own.
func (s *mailSettings) apply(m store.Mail) {
	s.prog = m.Programme
	s.mailbox.apply(m)
	s.signin.apply(m)
	if s.orgEmail.Text == "" && s.orgName.Text == "" {
		s.orgName.SetText(m.Programme.OrganiserName)
		s.orgEmail.SetText(m.Programme.OrganiserEmail)
	}
	if m.SMTPSet && s.host.Text == "" {
		s.host.SetText(m.SMTP.Host)
		if m.SMTP.Port > 0 {
			s.port.SetText(strconv.Itoa(m.SMTP.Port))
		}
		s.user.SetText(m.SMTP.User)
		showAuth(s.auth, m.SMTP.Auth)
		for _, t := range tlsLabels {
			if string(t.mode) == m.SMTP.TLS {
				s.tlsMode.SetSelected(t.label)
			}
		}
	}
}

// focusOrganiser puts the cursor in the organiser's name, for a refusal that needs one.
func (s *mailSettings) focusOrganiser() {
	if c := s.desk.win.Canvas(); c != nil {
		c.Focus(s.orgName)
	}
}

func (s *mailSettings) saveOrganiser() {
	s.errs.clear()
	if err := s.data.SetOrganiser(s.orgName.Text, s.orgEmail.Text); err != nil {
		setLine(s.settingsErr, s.errs.show(err))
		return
	}
	setLine(s.settingsErr, nil)
	s.desk.say("Invitations now come from " + s.orgEmail.Text + ".")
	s.desk.refresh()
}

func (s *mailSettings) settings() (store.SMTPSettings, error) {
	st := store.SMTPSettings{Host: strings.TrimSpace(s.host.Text), User: strings.TrimSpace(s.user.Text), Auth: authValue(s.auth)}
	for _, t := range tlsLabels {
		if t.label == s.tlsMode.Selected {
			st.TLS = string(t.mode)
		}
	}
	if p := strings.TrimSpace(s.port.Text); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return st, &exchange.RuleError{Field: "port", Rule: exchange.RuleFormat, Reason: "write the port as a number, like 587"}
		}
		st.Port = n
	}
	return st, nil
}

func (s *mailSettings) saveSMTP() {
	s.errs.clear()
	st, err := s.settings()
	if err == nil {
		err = s.data.SetSMTP(st)
	}
	if err != nil {
		setLine(s.settingsErr, s.errs.show(err))
		return
	}
	setLine(s.settingsErr, nil)
	savePassword(s.desk, s.password, s.errs, s.settingsSaid, "Saved. Waiting messages go out now.",
		func(pw string) error { return mail.SavePassword(st.Host, st.User, pw) }, s.desk.changed)
}

// savePassword puts what the password field holds in the keyring, off the UI goroutine (the
// keyring may ask the system to unlock it), empties the field, and says how it went in said;
// done follows a save that worked. An empty field keeps the password as it is.
func savePassword(d *Desk, field *widget.Entry, errs fieldErrors, said *widget.Label, saved string,
	save func(password string) error, done func()) {
	password := field.Text
	field.SetText("")
	if password == "" {
		said.SetText(saved)
		done()
		return
	}
	said.SetText("Saving the password in the system keyring…")
	d.bridge.work(func() func() {
		err := save(password)
		return func() {
			if err != nil {
				errs.show(&exchange.RuleError{Field: "password", Rule: exchange.RuleKeyring, Reason: err.Error()})
				said.SetText("Saved the server, not the password.")
				return
			}
			said.SetText(saved)
			done()
		}
	})
}

// sendTest sends a test message off the UI goroutine and says how it went.
func (s *mailSettings) sendTest() {
	s.errs.clear()
	to := strings.TrimSpace(s.testTo.Text)
	if err := exchange.CheckEmail("test", to); err != nil {
		s.errs.show(err)
		return
	}
	prog := s.prog
	if prog.OrganiserEmail == "" {
		setLine(s.settingsErr, []string{"Set and save the organiser first: the test comes from that address."})
		return
	}
	sender := &outbox.Sender{Outbox: s.desk.data}
	s.settingsSaid.SetText("Sending a test message to " + to + "…")
	s.desk.bridge.work(func() func() {
		cfg, ok, err := sender.Config()
		if err == nil && !ok {
			err = fmt.Errorf("save the mail server first")
		}
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err = mail.SendTest(ctx, cfg, mail.Address{Name: prog.OrganiserName, Email: prog.OrganiserEmail}, to)
			cancel()
		}
		return func() {
			if err != nil {
				s.settingsSaid.SetText("")
				setLine(s.settingsErr, []string{"The test message was not sent: " + message(err)})
				return
			}
			setLine(s.settingsErr, nil)
			s.settingsSaid.SetText("Sent a test message to " + to + ".")
		}
	})
}
