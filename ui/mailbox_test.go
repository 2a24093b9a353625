package ui

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
)

func TestTheMailboxSettingsAreCheckedTestedAndShowEachLook(t *testing.T) {
	t.Setenv("XCHANGE_IMAP_PASSWORD", "secret")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(4)
	m := d.outbox.settings.mailbox
	shows(t, d.win, "Mailbox for replies (IMAP)")

	// No TLS to a server elsewhere is refused under Security, and nothing is saved.
	m.host.SetText("imap.example.org")
	m.user.SetText("desk@stars.example.eu")
	m.tlsMode.SetSelectedIndex(2)
	test.Tap(button(t, d.win, "Save mailbox"))
	if m.errs.text("tls") == "" {
		t.Fatalf("no TLS to another machine was not refused: %s", onScreen(d.win))
	}
	if _, ok, _ := s.IMAP(); ok {
		t.Fatal("refused settings were saved")
	}

	// A port where nothing listens: the test says so in words.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	m.host.SetText("127.0.0.1")
	m.port.SetText(strconv.Itoa(port))
	test.Tap(button(t, d.win, "Test"))
	shows(t, d.win, "The test did not sign in:", "nothing listens on port "+strconv.Itoa(port))

	test.Tap(button(t, d.win, "Save mailbox"))
	if st, ok, _ := s.IMAP(); !ok || st.Port != port || st.Folder != "INBOX" {
		t.Fatalf("saved %+v", st)
	}
	shows(t, d.win, "Saved. The mailbox is read from now on.")

	// What each look at the mailbox found shows under the settings and in the status bar.
	now := time.Date(2026, 11, 22, 10, 5, 0, 0, time.Local)
	d.mailboxRound(mailbox.Round{End: now, Next: now.Add(30 * time.Second), Err: errors.New("the mail server 127.0.0.1 did not answer within 30 s")}, 0)
	shows(t, d.win, "⚠ Last check 10:05:", "did not answer within 30 s", "Trying again at 10:05.")
	d.mailboxRound(mailbox.Round{End: now, Next: now.Add(5 * time.Minute), Fetched: 3, Replies: 1}, 1)
	shows(t, d.win, "Last check 10:05: 3 new messages, 1 reply. Next check at 10:10.", "Mailbox: 3 new messages, 1 reply read.")
}

func TestTheMailServersCanSignInWithTheOAuth2SignIn(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(4)
	m := d.outbox.settings.mailbox
	m.host.SetText("127.0.0.1")
	m.tlsMode.SetSelectedIndex(2)
	m.auth.SetSelected(authOAuth2Label)
	if !m.password.Disabled() {
		t.Fatal("the password field is open for an OAuth2 sign-in")
	}
	test.Tap(button(t, d.win, "Save mailbox"))
	if st, ok, _ := s.IMAP(); !ok || !st.OAuth2() {
		t.Fatalf("saved %+v: %s", st, onScreen(d.win))
	}
	o := d.outbox.settings
	o.host.SetText("127.0.0.1")
	o.port.SetText("2525")
	o.tlsMode.SetSelected(tlsLabels[2].label)
	o.auth.SetSelected(authOAuth2Label)
	test.Tap(button(t, d.win, "Save mail server"))
	if st, ok, _ := s.SMTP(); !ok || st.Auth != "oauth2" {
		t.Fatalf("saved %+v: %s", st, onScreen(d.win))
	}
	// Read again, the forms show it.
	d2 := build(d.app, s, d.today, &bridge{now: true, latest: map[string]int{}})
	d2.Start()
	d2.win.Resize(d.win.Canvas().Size())
	d2.tabs.SelectIndex(4)
	if n := strings.Count(onScreen(d2.win), authOAuth2Label); n != 2 {
		t.Fatalf("the stored OAuth2 choice shows %d times, want for SMTP and IMAP: %s", n, onScreen(d2.win))
	}
}
