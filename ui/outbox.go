package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

// mailData is what the outbox screen and the mail settings read and change.
type mailData interface {
	Mail() (store.Mail, error)
	Retry(exchange.ID) error
	SetSMTP(store.SMTPSettings) error
	SetOrganiser(name, email string) error
	SetOAuth(store.OAuthSettings) error // the OAuth2 provider and the account signed in
	mailboxData                         // and the one token source of the organiser's mailbox
}

// outboxScreen lists every message with its status, beside the mail settings.
type outboxScreen struct {
	desk     *Desk
	data     mailData
	content  fyne.CanvasObject
	pane     *listPane[store.Message]
	replies  *listPane[store.ReplyRead]
	chosen   store.Message
	settings *mailSettings

	detail  *widget.Label
	retry   *widget.Button
	view    *widget.Button
	summary *widget.Label
}

func newOutboxScreen(d *Desk, data mailData) *outboxScreen {
	s := &outboxScreen{desk: d, data: data, settings: newMailSettings(d, data)}
	export := widget.NewButtonWithIcon("Export .eml…", theme.DocumentSaveIcon(), s.exportDialog)
	s.pane = newListPane("Search recipient, subject, kind, status…", export,
		func(m store.Message) exchange.ID { return m.ID },
		messageLines,
		func(m store.Message) string {
			title, line := messageLines(m)
			return title + " " + line + " " + m.ToName + " " + string(m.Kind) + " " + m.Method
		},
		s.choose)
	s.detail = wrapped("Select a message to see it.")
	s.retry = widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), s.retryChosen)
	s.view = widget.NewButtonWithIcon("Open message text", theme.DocumentIcon(), s.viewChosen)
	s.retry.Hide()
	s.view.Hide()
	s.summary = wrapped("")
	messages := container.NewBorder(nil, container.NewVBox(s.summary, s.detail, container.NewHBox(s.retry, s.view)), nil, nil, s.pane.content)
	importReplies := widget.NewButtonWithIcon("Import replies…", theme.FolderOpenIcon(), d.importDialog)
	s.replies = newListPane("Search source, outcome, who answered…", importReplies,
		func(r store.ReplyRead) exchange.ID { return r.PlacementID },
		replyLines,
		func(r store.ReplyRead) string { title, sub := replyLines(r); return title + " " + sub },
		func(r store.ReplyRead) {
			if !r.PlacementID.IsZero() {
				d.tabs.SelectIndex(0)
				d.placements.reveal(r.PlacementID)
				d.placements.reload()
			}
		})
	left := container.NewAppTabs(container.NewTabItem("Messages", messages), container.NewTabItem("Replies read", s.replies.content))
	split := container.NewHSplit(left, s.settings.content)
	split.Offset = 0.55
	s.content = split
	return s
}

// messageLines is what a message's row shows: its subject, then its status, kind, recipient,
// tries and last error.
func messageLines(m store.Message) (string, string) {
	line := fmt.Sprintf("%s · %s · %s", strings.ToUpper(string(m.Status)), kindText(m.Kind), m.To)
	if m.Attempts > 0 {
		line += fmt.Sprintf(" · %d %s", m.Attempts, plural(m.Attempts, "try", "tries"))
	}
	if m.LastError != "" {
		line += " · " + m.LastError
	}
	return m.Subject, line
}

// reload reads the outbox and the mail settings again.
func (s *outboxScreen) reload() { load(s.desk.bridge, "mail", s.data.Mail, s.apply) }

func (s *outboxScreen) apply(m store.Mail, err error) {
	if err != nil {
		s.desk.fail(err)
		return
	}
	s.desk.setOutboxCount(m.Waiting())
	// Newest first: what was just queued or sent is what staff look for.
	newest := slices.Clone(m.Messages)
	slices.Reverse(newest)
	s.pane.setItems(newest)
	queued, failed := 0, 0
	for _, msg := range m.Messages {
		switch msg.Status {
		case store.Queued:
			queued++
		case store.Failed:
			failed++
		}
	}
	text := fmt.Sprintf("%d messages: %d waiting, %d failed.", len(m.Messages), queued, failed)
	if !m.SMTPSet {
		text += " No mail server is set, so messages wait here."
	}
	s.summary.SetText(text)
	s.replies.setItems(m.Replies)
	s.settings.apply(m)
	for _, msg := range m.Messages {
		if msg.ID == s.chosen.ID {
			s.choose(msg)
		}
	}
}

func (s *outboxScreen) choose(m store.Message) {
	s.chosen = m
	text := fmt.Sprintf("%s to %s <%s>\n%s, sequence %d. Queued %s.", kindText(m.Kind), m.ToName, m.To, methodText(m.Method), m.Sequence,
		wording.Stamp(m.Created))
	switch m.Status {
	case store.Sent:
		text += " Sent " + wording.Stamp(m.SentAt) + "."
	case store.Failed:
		text += " Failed: " + m.LastError
	case store.Superseded:
		text += " Not sent: " + m.LastError
	case store.Queued:
		if m.Attempts > 0 {
			text += fmt.Sprintf(" Tried %d times; next try %s. Last error: %s", m.Attempts, wording.Stamp(m.NextAttempt), m.LastError)
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

// replyLines is what a reply's row shows: its outcome and source, then what became of it.
func replyLines(r store.ReplyRead) (string, string) {
	detail := r.Detail
	if detail == "" {
		detail = "Read " + wording.Stamp(r.Read)
	}
	return outcomeText(r.Outcome) + " · " + r.Source, detail
}

func methodText(method string) string {
	if method == "" {
		return "E-mail without a calendar"
	}
	return "Calendar " + method
}

func (s *outboxScreen) retryChosen() {
	if err := s.data.Retry(s.chosen.ID); err != nil {
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
	dlg.Resize(fyne.NewSize(800, 600))
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

// exportTo writes the messages as .eml files that only the user can read: they hold names
// and addresses.
func (s *outboxScreen) exportTo(dir string) (int, error) {
	for _, m := range s.pane.all {
		if err := writePrivate(filepath.Join(dir, m.ID.String()+".eml"), m.Raw); err != nil {
			return 0, err
		}
	}
	return len(s.pane.all), nil
}

// writePrivate writes a file that only the user can read, also when it existed before.
func writePrivate(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
