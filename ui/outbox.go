package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/store"
	"github.com/xchangedesk/xchangedesk/store/outbox"
)

// outboxScreen lists every message with its status, and holds the mail settings: the
// organiser who sends, and the SMTP server.
type outboxScreen struct {
	desk    *Desk
	content fyne.CanvasObject
	pane    *listPane[store.Message]
	chosen  store.Message

	detail  *widget.Label
	retry   *widget.Button
	view    *widget.Button
	summary *widget.Label

	orgName, orgEmail          *widget.Entry
	host, port, user, password *widget.Entry
	tlsMode                    *widget.Select
	testTo                     *widget.Entry
	errs                       fieldErrors
	settingsErr, settingsSaid  *widget.Label
}

var tlsLabels = []struct {
	label string
	mode  mail.TLSMode
}{
	{"STARTTLS (required)", mail.StartTLS},
	{"TLS from the start (port 465)", mail.ImplicitTLS},
	{"None (only this computer, 127.0.0.1)", mail.NoTLS},
}

func newOutboxScreen(d *Desk) *outboxScreen {
	s := &outboxScreen{desk: d, errs: fieldErrors{}}
	export := widget.NewButtonWithIcon("Export .eml…", theme.DocumentSaveIcon(), s.exportDialog)
	s.pane = newListPane("Search recipient, subject, kind, status…", export,
		func(m store.Message) exchange.ID { return m.ID },
		func(m store.Message) (string, string) {
			line := fmt.Sprintf("%s · %s · %s", strings.ToUpper(string(m.Status)), m.Kind, m.To)
			if m.Attempts > 0 {
				line += fmt.Sprintf(" · %d %s", m.Attempts, plural(m.Attempts, "try", "tries"))
			}
			if m.LastError != "" {
				line += " · " + m.LastError
			}
			return m.Subject, line
		},
		func(m store.Message) string {
			return strings.Join([]string{m.To, m.ToName, m.Subject, string(m.Kind), string(m.Status), m.Method, m.LastError}, " ")
		},
		s.choose)
	s.detail = wrapped("Select a message to see it.")
	s.retry = widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), s.retryChosen)
	s.view = widget.NewButtonWithIcon("Open message text", theme.DocumentIcon(), s.viewChosen)
	s.retry.Hide()
	s.view.Hide()
	s.summary = wrapped("")

	s.orgName, s.orgEmail = newEntry("e.g. STARS exchange desk"), newEntry("the mailbox that sends invitations and gets replies")
	s.host, s.port, s.user = newEntry("smtp.example.org"), newEntry("587"), newEntry("login, often the mailbox address")
	s.password = widget.NewPasswordEntry()
	s.password.SetPlaceHolder("kept in the system keyring, never in the data file")
	var labels []string
	for _, t := range tlsLabels {
		labels = append(labels, t.label)
	}
	s.tlsMode = widget.NewSelect(labels, nil)
	s.tlsMode.SetSelected(labels[0])
	s.testTo = newEntry("where to send a test message")
	s.settingsErr, s.settingsSaid = errorLine(), wrapped("")
	saveOrg := widget.NewButton("Save organiser", s.saveOrganiser)
	saveSMTP := widget.NewButtonWithIcon("Save mail server", theme.DocumentSaveIcon(), s.saveSMTP)
	saveSMTP.Importance = widget.HighImportance
	test := widget.NewButtonWithIcon("Send test message", theme.MailSendIcon(), s.sendTest)
	settings := container.NewVBox(
		widget.NewCard("Organiser", "", container.NewVBox(
			wrapped("Invitations come from this address, and hosts' answers go back to it."),
			s.errs.grid(row{"Name", s.orgName, "name"}, row{"E-mail", s.orgEmail, "email"}),
			container.NewHBox(saveOrg))),
		widget.NewCard("Mail server (SMTP)", "", container.NewVBox(
			wrapped("Without a mail server the outbox keeps its messages; export them as .eml to send by hand."),
			s.errs.grid(row{"Server", s.host, "smtp"}, row{"Port", s.port, "port"}, row{"Security", s.tlsMode, "tls"},
				row{"User", s.user, "user"}, row{"Password", s.password, "password"}),
			container.NewHBox(saveSMTP),
			s.errs.grid(row{"Test to", s.testTo, "test"}), container.NewHBox(test),
			s.settingsErr, s.settingsSaid)),
	)
	left := container.NewBorder(nil, container.NewVBox(s.summary, s.detail, container.NewHBox(s.retry, s.view)), nil, nil, s.pane.content)
	split := container.NewHSplit(left, container.NewVScroll(settings))
	split.Offset = 0.55
	s.content = split
	return s
}

func (s *outboxScreen) apply(ms []store.Message, prog exchange.Programme, smtp store.SMTPSettings, smtpSet bool) {
	s.pane.setItems(ms)
	queued, failed := 0, 0
	for _, m := range ms {
		switch m.Status {
		case store.Queued:
			queued++
		case store.Failed:
			failed++
		}
	}
	text := fmt.Sprintf("%d messages: %d waiting, %d failed.", len(ms), queued, failed)
	if !smtpSet {
		text += " No mail server is set, so messages wait here."
	}
	s.summary.SetText(text)
	if s.orgEmail.Text == "" && s.orgName.Text == "" {
		s.orgName.SetText(prog.OrganiserName)
		s.orgEmail.SetText(prog.OrganiserEmail)
	}
	if smtpSet && s.host.Text == "" {
		s.host.SetText(smtp.Host)
		if smtp.Port > 0 {
			s.port.SetText(strconv.Itoa(smtp.Port))
		}
		s.user.SetText(smtp.User)
		for _, t := range tlsLabels {
			if string(t.mode) == smtp.TLS {
				s.tlsMode.SetSelected(t.label)
			}
		}
	}
	for _, m := range ms {
		if m.ID == s.chosen.ID {
			s.choose(m)
		}
	}
}

func (s *outboxScreen) choose(m store.Message) {
	s.chosen = m
	text := fmt.Sprintf("%s to %s <%s>\n%s, sequence %d. Queued %s.", m.Kind, m.ToName, m.To, methodText(m.Method), m.Sequence,
		m.Created.Local().Format("2 Jan 2006 15:04"))
	switch m.Status {
	case store.Sent:
		text += " Sent " + m.SentAt.Local().Format("2 Jan 2006 15:04") + "."
	case store.Failed:
		text += " Failed: " + m.LastError
	case store.Queued:
		if m.Attempts > 0 {
			text += fmt.Sprintf(" Tried %d times; next try %s. Last error: %s", m.Attempts, m.NextAttempt.Local().Format("15:04"), m.LastError)
		}
	}
	s.detail.SetText(text)
	s.view.Show()
	if m.Status == store.Failed {
		s.retry.Show()
	} else {
		s.retry.Hide()
	}
}

func methodText(method string) string {
	if method == "" {
		return "E-mail without a calendar"
	}
	return "Calendar " + method
}

func (s *outboxScreen) retryChosen() {
	if err := s.desk.data.Retry(s.chosen.ID); err != nil {
		s.desk.fail(err)
		return
	}
	s.desk.say("The message is queued again.")
	s.desk.changed()
}

func (s *outboxScreen) viewChosen() {
	text := widget.NewMultiLineEntry()
	text.SetText(string(s.chosen.Raw))
	text.Wrapping = fyne.TextWrapBreak
	text.TextStyle = fyne.TextStyle{Monospace: true}
	dlg := dialog.NewCustom(s.chosen.Subject, "Close", container.NewGridWrap(fyne.NewSize(760, 520), text), s.desk.win)
	dlg.Show()
}

// exportDialog asks for a folder and writes every message as <id>.eml.
func (s *outboxScreen) exportDialog() {
	dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil || dir == nil {
			return
		}
		n, err := s.exportTo(dir.Path())
		if err != nil {
			s.desk.fail(err)
			return
		}
		s.desk.say(fmt.Sprintf("Wrote %d messages to %s.", n, dir.Path()))
	}, s.desk.win)
}

func (s *outboxScreen) exportTo(dir string) (int, error) {
	for _, m := range s.pane.all {
		if err := os.WriteFile(filepath.Join(dir, m.ID.String()+".eml"), m.Raw, 0o644); err != nil {
			return 0, err
		}
	}
	return len(s.pane.all), nil
}

func (s *outboxScreen) saveOrganiser() {
	s.errs.clear()
	if err := s.desk.data.SetOrganiser(s.orgName.Text, s.orgEmail.Text); err != nil {
		setLine(s.settingsErr, s.errs.show(err))
		return
	}
	setLine(s.settingsErr, nil)
	s.desk.say("Invitations now come from " + s.orgEmail.Text + ".")
	s.desk.reload()
}

func (s *outboxScreen) settings() (store.SMTPSettings, error) {
	st := store.SMTPSettings{Host: strings.TrimSpace(s.host.Text), User: strings.TrimSpace(s.user.Text)}
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

func (s *outboxScreen) saveSMTP() {
	s.errs.clear()
	st, err := s.settings()
	if err == nil {
		err = s.desk.data.SetSMTP(st)
	}
	if err != nil {
		setLine(s.settingsErr, s.errs.show(err))
		return
	}
	setLine(s.settingsErr, nil)
	password := s.password.Text
	s.password.SetText("")
	if password == "" {
		s.settingsSaid.SetText("Saved. Waiting messages go out now.")
		s.desk.changed()
		return
	}
	// The keyring may ask the system to unlock it: not on the UI goroutine.
	s.settingsSaid.SetText("Saving the password in the system keyring…")
	s.desk.background(func() {
		perr := mail.SavePassword(st.Host, st.User, password)
		fyne.Do(func() {
			if perr != nil {
				s.errs.show(&exchange.RuleError{Field: "password", Rule: "keyring", Reason: perr.Error()})
				s.settingsSaid.SetText("Saved the server, not the password.")
				return
			}
			s.settingsSaid.SetText("Saved. Waiting messages go out now.")
			s.desk.changed()
		})
	})
}

// sendTest sends a test message off the UI goroutine and says how it went.
func (s *outboxScreen) sendTest() {
	s.errs.clear()
	to := strings.TrimSpace(s.testTo.Text)
	if err := exchange.CheckEmail("test", to); err != nil {
		s.errs.show(err)
		return
	}
	prog := s.desk.snap.Programme
	if prog.OrganiserEmail == "" {
		setLine(s.settingsErr, []string{"Set and save the organiser first: the test comes from that address."})
		return
	}
	sender := &outbox.Sender{Outbox: s.desk.data}
	s.settingsSaid.SetText("Sending a test message to " + to + "…")
	s.desk.background(func() {
		cfg, ok, err := sender.Config()
		if err == nil && !ok {
			err = fmt.Errorf("save the mail server first")
		}
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err = mail.SendTest(ctx, cfg, mail.Address{Name: prog.OrganiserName, Email: prog.OrganiserEmail}, to)
			cancel()
		}
		fyne.Do(func() {
			if err != nil {
				s.settingsSaid.SetText("")
				setLine(s.settingsErr, []string{"The test message was not sent: " + message(err)})
				return
			}
			setLine(s.settingsErr, nil)
			s.settingsSaid.SetText("Sent a test message to " + to + ".")
		})
	})
}
