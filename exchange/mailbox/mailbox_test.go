package mailbox_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox/mailboxtest"
)

// The tests talk to a real IMAP server: Debian's Dovecot, which mailboxtest starts for
// each test on 127.0.0.1 (and which fails the tests under CI=true when it is missing).

// What lands in the organiser's mailbox: a host's iTIP reply, mail that is not a reply,
// and junk (a message cut off in the middle of its calendar).
var (
	hostReply = crlf(`From: Claire Martin <claire@lyonbiopole.example.org>
To: STARS exchange desk <desk@stars.example.eu>
Subject: Accepted: Availability request: Jan Peeters, 9-13 March 2026
Date: Mon, 2 Feb 2026 10:15:00 +0100
Message-ID: <reply-1@lyonbiopole.example.org>
MIME-Version: 1.0
Content-Type: text/calendar; method=REPLY; charset=UTF-8

BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Host calendar//EN
METHOD:REPLY
BEGIN:VEVENT
UID:placement-1@xchangedesk
DTSTAMP:20260202T091500Z
DTSTART;VALUE=DATE:20260309
DTEND;VALUE=DATE:20260314
SEQUENCE:0
ATTENDEE;PARTSTAT=ACCEPTED;CN=Claire Martin:mailto:claire@lyonbiopole.example.org
END:VEVENT
END:VCALENDAR
`)
	newsletter = crlf(`From: BSR Stars <news@bsrstars.example.eu>
To: desk@stars.example.eu
Subject: StarDust newsletter, February
Date: Mon, 2 Feb 2026 08:00:00 +0100
Message-ID: <news-2026-02@bsrstars.example.eu>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

Dear partners, the next matchmaking day is in Riga.
`)
	junk = crlf(`Content-Type: multipart/mixed; boundary="never-closed"

--never-closed
Content-Type: text/calendar; method=REPLY

BEGIN:VCALENDAR
BEGIN:VEVENT
UID:cut-off
`)
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// googleReply is a real Google Calendar reply from the interop corpus, read at test time
// (its licence stays with its origin, so it is never copied into the project). Under CI the
// corpus must be there.
func googleReply(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "interop", "imip", "bluemind", "google.reply.accept.eml"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the interop corpus is missing: %v", err)
		}
		t.Logf("no interop corpus (%v): the Google reply is left out", err)
		return nil
	}
	return b
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func has(flags []imap.Flag, f imap.Flag) bool {
	return slices.ContainsFunc(flags, func(g imap.Flag) bool { return strings.EqualFold(string(g), string(f)) })
}

func TestFetchReturnsWhatIsNotProcessedAndMarkingProcessedEndsThat(t *testing.T) {
	d := mailboxtest.Start(t)
	msgs := [][]byte{hostReply, newsletter, junk}
	if g := googleReply(t); g != nil {
		msgs = append(msgs, g)
	}
	d.Append("INBOX", msgs...)

	c, err := mailbox.Dial(ctx(t), d.Config())
	if err != nil {
		t.Fatalf("dial: %v\n%s", err, d.Log())
	}
	if !c.KeywordsAllowed() {
		t.Fatal("Dovecot's INBOX keeps keywords, but the client thinks not")
	}
	got, err := c.Fetch(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(msgs) {
		t.Fatalf("fetched %d messages, want %d", len(got), len(msgs))
	}
	for i, m := range got {
		// The server hands back each message byte for byte, CRLF line ends included.
		want := bytes.ReplaceAll(bytes.ReplaceAll(msgs[i], []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		if !bytes.Equal(m.Raw, want) {
			t.Errorf("message %d (UID %d) came back as\n%q\nwant\n%q", i, m.UID, m.Raw, want)
		}
		if m.UIDValidity != c.UIDValidity() || m.UIDValidity == 0 {
			t.Errorf("message %d: UIDVALIDITY %d, folder's %d", i, m.UIDValidity, c.UIDValidity())
		}
	}
	for uid, flags := range d.Flags("INBOX") {
		if has(flags, imap.FlagSeen) || has(flags, mailbox.Keyword) {
			t.Errorf("after fetching, UID %d has flags %v: reading must leave messages unread and unmarked", uid, flags)
		}
	}

	// The handler dealt with all but the last one.
	var uids []uint32
	for _, m := range got[:len(got)-1] {
		uids = append(uids, m.UID)
	}
	ok, err := c.MarkProcessed(ctx(t), uids)
	if err != nil || !ok {
		t.Fatalf("MarkProcessed: %v, %v", ok, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	flags := d.Flags("INBOX")
	for _, m := range got {
		f := flags[m.UID]
		if want := slices.Contains(uids, m.UID); has(f, mailbox.Keyword) != want {
			t.Errorf("UID %d has flags %v; keyword expected: %v", m.UID, f, want)
		}
		if has(f, imap.FlagSeen) || has(f, imap.FlagDeleted) {
			t.Errorf("UID %d has flags %v: \\Seen and \\Deleted are never the app's to set", m.UID, f)
		}
	}

	c, err = mailbox.Dial(ctx(t), d.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	again, err := c.Fetch(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 1 || again[0].UID != got[len(got)-1].UID {
		t.Fatalf("second fetch returned %d messages, want only the one not processed (UID %d)", len(again), got[len(got)-1].UID)
	}
	ok, err = c.MarkProcessed(ctx(t), []uint32{again[0].UID})
	if err != nil || !ok {
		t.Fatalf("MarkProcessed: %v, %v", ok, err)
	}
	if rest, err := c.Fetch(ctx(t), nil); err != nil || len(rest) != 0 {
		t.Fatalf("after marking everything, fetch returned %d messages, %v", len(rest), err)
	}
}

func TestFetchLeavesOutWhatTheCallerRemembers(t *testing.T) {
	d := mailboxtest.Start(t)
	d.Append("INBOX", hostReply, newsletter, junk)
	c, err := mailbox.Dial(ctx(t), d.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var asked []uint32
	got, err := c.Fetch(ctx(t), func(v, uid uint32) bool {
		if v != c.UIDValidity() {
			t.Errorf("done asked about UIDVALIDITY %d, folder's is %d", v, c.UIDValidity())
		}
		asked = append(asked, uid)
		return uid == 2
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []uint32{1, 2, 3}) {
		t.Errorf("done was asked about %v", asked)
	}
	if len(got) != 2 || got[0].UID != 1 || got[1].UID != 3 {
		t.Fatalf("fetched %v, want UIDs 1 and 3", got)
	}
}

func TestWhereTheFolderKeepsNoKeywordsMarkProcessedSaysSoAndChangesNothing(t *testing.T) {
	d := mailboxtest.Start(t)
	d.Append(mailboxtest.NoKeywords, hostReply, newsletter, junk)
	cfg := d.Config()
	cfg.Folder = mailboxtest.NoKeywords
	c, err := mailbox.Dial(ctx(t), cfg)
	if err != nil {
		t.Fatalf("dial: %v\n%s", err, d.Log())
	}
	defer c.Close()
	if c.KeywordsAllowed() {
		t.Fatal("the folder's PERMANENTFLAGS leave keywords out, but the client thinks they are kept")
	}
	got, err := c.Fetch(ctx(t), nil)
	if err != nil || len(got) != 3 {
		t.Fatalf("fetched %d, %v", len(got), err)
	}
	ok, err := c.MarkProcessed(ctx(t), []uint32{got[0].UID, got[1].UID, got[2].UID})
	if err != nil || ok {
		t.Fatalf("MarkProcessed in a folder without keywords: %v, %v; want false, nil", ok, err)
	}
	for uid, f := range d.Flags(mailboxtest.NoKeywords) {
		if len(f) != 0 && !(len(f) == 1 && f[0] == `\Recent`) {
			t.Errorf("UID %d has flags %v, want none", uid, f)
		}
	}
}

func TestAWrongPasswordGivesTheServersWords(t *testing.T) {
	d := mailboxtest.Start(t)
	cfg := d.Config()
	cfg.Password = "not the password"
	err := mailbox.Test(ctx(t), cfg)
	if !errors.Is(err, mailbox.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	// Dovecot's own words: "[AUTHENTICATIONFAILED] Authentication failed."
	want := "the server refused the login for user " + mailboxtest.User + ": Authentication failed."
	if err.Error() != want {
		t.Errorf("error %q\nwant  %q", err, want)
	}
	if strings.Contains(err.Error(), cfg.Password) {
		t.Error("the error shows the password")
	}
}

func TestAFolderThatIsNotThereIsNamed(t *testing.T) {
	d := mailboxtest.Start(t)
	cfg := d.Config()
	cfg.Folder = "Replies"
	err := mailbox.Test(ctx(t), cfg)
	if !errors.Is(err, mailbox.ErrFolder) || !strings.Contains(err.Error(), `"Replies"`) {
		t.Fatalf("err = %v, want ErrFolder naming the folder", err)
	}
	t.Log(err)
}

func TestTheSettingsFormsTestWorksWithEveryTLSMode(t *testing.T) {
	d := mailboxtest.Start(t)
	for _, tc := range []struct {
		name string
		mode mail.TLSMode
		port int
	}{
		{"none, for a server on this machine", mail.NoTLS, d.Port()},
		{"starttls upgrades the plain port", mail.StartTLS, d.Port()},
		{"tls from the first byte", mail.ImplicitTLS, d.TLSPort()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := d.Config()
			cfg.TLS, cfg.Port, cfg.InsecureSkipVerify = tc.mode, tc.port, tc.mode != mail.NoTLS
			if err := mailbox.Test(ctx(t), cfg); err != nil {
				t.Fatalf("%v\n%s", err, d.Log())
			}
		})
	}
	t.Run("a certificate this computer does not trust is said so", func(t *testing.T) {
		cfg := d.Config()
		cfg.TLS, cfg.Port = mail.ImplicitTLS, d.TLSPort()
		err := mailbox.Test(ctx(t), cfg)
		if !errors.Is(err, mailbox.ErrUnreachable) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v", err)
		}
		t.Log(err)
	})
}

func TestAPortWhereNothingListensFailsAtOnce(t *testing.T) {
	port := mailboxtest.FreePort(t) // free, so nothing listens there
	start := time.Now()
	err := mailbox.Test(ctx(t), mailbox.Config{Host: "127.0.0.1", Port: port, TLS: mail.NoTLS, User: mailboxtest.User})
	if !errors.Is(err, mailbox.ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	if want := "the mail server 127.0.0.1:" + strconv.Itoa(port) + " refused the connection"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start %q", err, want)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

// silentServer accepts connections and never says a word, as a server that hangs does.
func silentServer(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().(*net.TCPAddr).Port
}

func TestAServerThatDoesNotAnswerTimesOutInWords(t *testing.T) {
	port := silentServer(t)
	cfg := mailbox.Config{Host: "127.0.0.1", Port: port, TLS: mail.NoTLS, User: mailboxtest.User, Timeout: 300 * time.Millisecond}
	for _, mode := range []mail.TLSMode{mail.NoTLS, mail.StartTLS, mail.ImplicitTLS} {
		cfg.TLS = mode
		start := time.Now()
		err := mailbox.Test(ctx(t), cfg)
		if !errors.Is(err, mailbox.ErrTimeout) {
			t.Fatalf("%s: err = %v, want ErrTimeout", mode, err)
		}
		if want := "the mail server 127.0.0.1:" + strconv.Itoa(port) + " did not answer within 0.3 s"; err.Error() != want {
			t.Errorf("%s: error %q, want %q", mode, err, want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v for a timeout of 0.3 s", mode, d)
		}
	}
}

func TestCancellingStopsAConnectionAtOnce(t *testing.T) {
	port := silentServer(t)
	c, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := mailbox.Test(c, mailbox.Config{Host: "127.0.0.1", Port: port, TLS: mail.NoTLS, User: mailboxtest.User})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestSettingsThatCannotWorkAreRefusedByField(t *testing.T) {
	ok := mailbox.Config{Host: "imap.stars.example.eu", TLS: mail.ImplicitTLS, User: mailboxtest.User}
	for _, tc := range []struct {
		name  string
		edit  func(*mailbox.Config)
		field string
	}{
		{"a host is required", func(c *mailbox.Config) { c.Host = " " }, "host"},
		{"a host is a name, not an address with a path", func(c *mailbox.Config) { c.Host = "imap.example.org/inbox" }, "host"},
		{"a port is at most 65535", func(c *mailbox.Config) { c.Port = 70000 }, "port"},
		{"a TLS mode is one of three", func(c *mailbox.Config) { c.TLS = "ssl" }, "tls"},
		{"no TLS is only for this machine", func(c *mailbox.Config) { c.TLS = mail.NoTLS }, "tls"},
		{"skipping certificate checks is only for this machine", func(c *mailbox.Config) { c.InsecureSkipVerify = true }, "tls"},
		{"a user is required", func(c *mailbox.Config) { c.User = "" }, "user"},
		{"a folder name is one line", func(c *mailbox.Config) { c.Folder = "INBOX\r\nA1 DELETE INBOX" }, "folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			err := cfg.Validate()
			if !errors.Is(err, mailbox.ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
			v := exchange.Violations(err)
			if len(v) != 1 || v[0].Field != tc.field {
				t.Fatalf("violations %v, want one for %s", v, tc.field)
			}
			if _, err := mailbox.Dial(ctx(t), cfg); !errors.Is(err, mailbox.ErrConfig) {
				t.Errorf("Dial: %v, want ErrConfig before connecting", err)
			}
		})
	}
	t.Run("none is fine for a server on this machine", func(t *testing.T) {
		for _, host := range []string{"127.0.0.1", "::1", "localhost"} {
			cfg := ok
			cfg.Host, cfg.TLS = host, mail.NoTLS
			if err := cfg.Validate(); err != nil {
				t.Errorf("%s: %v", host, err)
			}
		}
	})
}

func TestSettingsNeverShowThePassword(t *testing.T) {
	cfg := mailbox.Config{Host: "imap.stars.example.eu", User: mailboxtest.User, Password: "s3cret!"}
	for _, s := range []string{cfg.String(), cfg.GoString()} {
		if strings.Contains(s, "s3cret") {
			t.Errorf("%q shows the password", s)
		}
	}
	if want := "imap.stars.example.eu:143 starttls user " + mailboxtest.User + " (password set) folder INBOX"; cfg.String() != want {
		t.Errorf("String() = %q, want %q", cfg.String(), want)
	}
}

func TestWithoutAKeyringTheMailboxPasswordComesFromItsOwnVariable(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "") // no desktop session: no Secret Service
	t.Setenv(mail.PasswordVariable, "the SMTP password")
	t.Setenv(mail.IMAPPasswordVariable, "the IMAP password")
	err := mail.SaveIMAPPassword("imap.stars.example.eu", mailboxtest.User, "secret")
	if !errors.Is(err, mail.ErrNoKeyring) || !strings.Contains(err.Error(), mail.IMAPPasswordVariable) {
		t.Fatalf("saving without a keyring: %v", err)
	}
	if got := mail.IMAPPassword("imap.stars.example.eu", mailboxtest.User); got != "the IMAP password" {
		t.Fatalf("password %q", got)
	}
}
