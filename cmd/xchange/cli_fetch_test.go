package main

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox/mailboxtest"
)

// fetch-replies and imap against a real IMAP server: Debian's Dovecot, started for each
// test by mailboxtest on 127.0.0.1 (a missing Dovecot fails the tests under CI=true). The
// organiser's mailbox holds what a real one does: a host's acceptance, sent by a real client
// (a corpus fixture rewritten to answer our placement, as import-reply's tests do), a real
// invitation, a newsletter and junk.

// A newsletter: mail, but no calendar at all.
var fetchNewsletter = []byte("From: BSR Stars <news@bsrstars.example.eu>\r\n" +
	"To: desk@stars.example.eu\r\n" +
	"Subject: StarDust newsletter, February\r\n" +
	"Date: Mon, 2 Feb 2026 08:00:00 +0100\r\n" +
	"Message-ID: <news-2026-02@bsrstars.example.eu>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"\r\n" +
	"Dear partners, the next matchmaking day is in Riga.\r\n")

// Junk: a message cut off in the middle of its calendar, its multipart never closed.
var fetchJunk = []byte("From: " + hostEmail + "\r\n" +
	"Message-ID: <cut-off@hhi.example.de>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"never-closed\"\r\n" +
	"\r\n" +
	"--never-closed\r\n" +
	"Content-Type: text/calendar; method=REPLY\r\n" +
	"\r\n" +
	"BEGIN:VCALENDAR\r\n" +
	"BEGIN:VEVENT\r\n" +
	"UID:cut-off\r\n")

// imapWorld is a requested placement (requestedPlacement) whose data file reads the test's
// Dovecot, with the password from the environment and no keyring.
func imapWorld(t *testing.T) (world, string, *mailboxtest.Server) {
	t.Helper()
	t.Setenv(mail.IMAPPasswordVariable, mailboxtest.Password)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "") // no keyring here: the variable it is
	srv := mailboxtest.Start(t)
	w, id := requestedPlacement(t)
	mustRun(t, w.db, "imap", "--host", mailboxtest.Host, "--port", strconv.Itoa(srv.Port()), "--tls", "none",
		"--user", mailboxtest.User, "--folder", "INBOX")
	return w, id, srv
}

// fetchReplies runs fetch-replies --json and returns the exit status and one object a
// message read, with every field as the command wrote it.
func fetchReplies(t *testing.T, db string) (int, []map[string]string, string) {
	t.Helper()
	code, out, errs := xchange(t, db, "fetch-replies", "--json")
	var rs []map[string]string
	if err := json.Unmarshal([]byte(out), &rs); err != nil || rs == nil {
		t.Fatalf("fetch-replies --json printed %q (%v), exit %d, stderr %q", out, err, code, errs)
	}
	return code, rs, errs
}

func source(uid int) string { return "mailbox INBOX, UID " + strconv.Itoa(uid) }

func TestFetchRepliesAppliesTheHostsAcceptanceFromTheMailboxAndASecondRunDoesNothing(t *testing.T) {
	w, id, srv := imapWorld(t)
	acceptance := rewriteFixture(t, fixture(t, "imip/bluemind/google.reply.accept.eml"), ours(id))
	invitation := fixture(t, "imip/bluemind/outlook.invite.new.eml")
	srv.Append("INBOX", acceptance, invitation, fetchNewsletter, fetchJunk) // UIDs 1 to 4

	code, rs, errs := fetchReplies(t, w.db)
	if len(rs) != 4 {
		t.Fatalf("fetch-replies read %d messages, want the 4 in the mailbox: %v (%s)", len(rs), rs, errs)
	}
	for i, r := range rs {
		if _, ok := r["file"]; ok {
			t.Errorf("a message read from the mailbox has a file: %v", r)
		}
		if r["source"] != source(i+1) {
			t.Errorf("record %d: source %q, want %q", i, r["source"], source(i+1))
		}
	}
	checkReplyJSON(t, rs[0], map[string]string{"outcome": "applied", "placement_id": id, "method": "REPLY",
		"partstat": "ACCEPTED", "reason": ""})
	for _, r := range rs[1:3] {
		checkReplyJSON(t, r, map[string]string{"outcome": "not-a-reply", "placement_id": "", "partstat": "", "reason": ""})
	}
	checkReplyJSON(t, rs[3], map[string]string{"outcome": "error", "placement_id": "", "partstat": ""})
	if strings.TrimSpace(rs[3]["reason"]) == "" {
		t.Errorf("the junk gives an error without a reason: %v", rs[3])
	}
	// import-reply exits 1 for a file that cannot be read; fetch-replies reads a mailbox,
	// where junk arrives from strangers: it says what the junk is and exits 0, or 1.
	// The junk could not be read: exit 1, as import-reply gives for an unreadable file.
	if code != 1 || !strings.Contains(errs, "1 message was refused or could not be read") {
		t.Errorf("exit %d: %s", code, errs)
	}

	if s := placementStatus(t, w.db, id); s != "confirmed" {
		t.Errorf("the placement is %s, want confirmed", s)
	}
	want := []string{"host-request " + hostEmail, "visitor-invitation " + visitorEmail,
		"confirmation " + visitorEmail, "host-confirmed " + hostEmail}
	if got := outboxOf(t, w.db, id); !slices.Equal(got, want) {
		t.Errorf("outbox %q, want %q", got, want)
	}
	if h := mustRun(t, w.db, "history", id); !strings.Contains(h, "Jana Weber accepted by e-mail") || !strings.Contains(h, "(mailbox INBOX, UID 1, Message-ID <") {
		t.Errorf("the history does not say who accepted, and where it was read:\n%s", h)
	}

	// Reading leaves every message unread and where it was; the reply is marked processed.
	flags := srv.Flags("INBOX")
	if len(flags) != 4 {
		t.Errorf("the mailbox holds %d messages after the round, want the 4 delivered: %v", len(flags), flags)
	}
	for uid, f := range flags {
		if mailboxtest.HasFlag(f, imap.FlagSeen) || mailboxtest.HasFlag(f, imap.FlagDeleted) {
			t.Errorf("UID %d has flags %v: the app must not mark mail read or deleted", uid, f)
		}
	}
	// Each message read is processed, reply or not (store.MailboxPoller), and so labelled.
	for uid, f := range flags {
		if !mailboxtest.HasFlag(f, mailbox.Keyword) {
			t.Errorf("UID %d has flags %v, want the keyword %s", uid, f, mailbox.Keyword)
		}
	}

	// A second run finds nothing new and writes nothing.
	before := sum(t, w.db)
	code, rs, errs = fetchReplies(t, w.db)
	if code != 0 || len(rs) != 0 {
		t.Errorf("the second run: exit %d, %v (%s), want no records and exit 0", code, rs, errs)
	}
	if sum(t, w.db) != before {
		t.Error("the second run changed the data file")
	}
	if got := mustRun(t, w.db, "fetch-replies"); got != "0 new messages, 0 replies" {
		t.Errorf("fetch-replies with nothing new says %q", got)
	}
	if sum(t, w.db) != before {
		t.Error("the third run changed the data file")
	}
	if got := outboxOf(t, w.db, id); !slices.Equal(got, want) {
		t.Errorf("after the second run the outbox is %q, want %q", got, want)
	}
	for uid, f := range srv.Flags("INBOX") {
		if mailboxtest.HasFlag(f, imap.FlagSeen) || mailboxtest.HasFlag(f, imap.FlagDeleted) {
			t.Errorf("after the second run UID %d has flags %v", uid, f)
		}
	}
}

func TestImapTestWithAWrongPasswordSaysTheServersWordsAndWritesNothing(t *testing.T) {
	t.Setenv(mail.IMAPPasswordVariable, "not the password")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	srv := mailboxtest.Start(t)
	w := newWorld(t)
	before := sum(t, w.db)
	code, out, errs := xchange(t, w.db, "imap", "--host", mailboxtest.Host, "--port", strconv.Itoa(srv.Port()),
		"--tls", "none", "--user", mailboxtest.User, "--folder", "INBOX", "--test")
	if code != 1 {
		t.Errorf("exit %d, want 1 (stdout %q)", code, out)
	}
	// Dovecot's own words, after the app's.
	if !strings.Contains(errs, "refused the login for user "+mailboxtest.User) || !strings.Contains(errs, "Authentication failed.") {
		t.Errorf("stderr %q does not give the server's answer", errs)
	}
	if strings.Contains(errs+out, "not the password") {
		t.Errorf("the password is shown: %q %q", out, errs)
	}
	if sum(t, w.db) != before {
		t.Error("a failed test wrote to the data file")
	}
	if got := mustRun(t, w.db, "imap"); !strings.Contains(got, "no mailbox settings") {
		t.Errorf("after a failed test, imap says %q", got)
	}
}

func TestImapTestWithTheRightPasswordSignsInAndStoresTheSettings(t *testing.T) {
	// A server of its own: after a failed login Dovecot makes the next one wait seconds.
	t.Setenv(mail.IMAPPasswordVariable, mailboxtest.Password)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	srv := mailboxtest.Start(t)
	w := newWorld(t)
	got := mustRun(t, w.db, "imap", "--host", mailboxtest.Host, "--port", strconv.Itoa(srv.Port()),
		"--tls", "none", "--user", mailboxtest.User, "--folder", "INBOX", "--test")
	if !strings.Contains(got, "signed in and opened INBOX") || strings.Contains(got, mailboxtest.Password) {
		t.Errorf("imap --test says %q", got)
	}
	if got := mustRun(t, w.db, "imap"); !strings.Contains(got, "host "+mailboxtest.Host) {
		t.Errorf("after a test that worked, imap says %q", got)
	}
}

func TestImapWithoutFlagsShowsTheSettingsButNeverThePassword(t *testing.T) {
	w, _, srv := imapWorld(t)
	before := sum(t, w.db)
	got := mustRun(t, w.db, "imap")
	for _, line := range []string{"host " + mailboxtest.Host, "port " + strconv.Itoa(srv.Port()), "tls none",
		"user " + mailboxtest.User, "folder INBOX", "password set"} {
		if !strings.Contains(got, line+"\n") && !strings.HasSuffix(got, line) && !strings.Contains(got, line+" ") {
			t.Errorf("imap does not show %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, mailboxtest.Password) {
		t.Errorf("imap shows the password:\n%s", got)
	}
	if sum(t, w.db) != before {
		t.Error("showing the settings changed the data file")
	}
	db, err := os.ReadFile(w.db)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(db, []byte(mailboxtest.Password)) {
		t.Error("the password is in the data file")
	}
}

func TestFetchRepliesWithoutAMailboxSaysSoAndWritesNothing(t *testing.T) {
	t.Setenv(mail.IMAPPasswordVariable, mailboxtest.Password)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	w, _ := requestedPlacement(t)
	before := sum(t, w.db)
	for _, args := range [][]string{{"fetch-replies"}, {"fetch-replies", "--json"}} {
		code, out, errs := xchange(t, w.db, args...)
		if code != 1 || !strings.Contains(strings.ToLower(errs), "no mailbox is set") {
			t.Errorf("%s: exit %d, stderr %q, want 1 and that no mailbox is set", strings.Join(args, " "), code, errs)
		}
		if strings.TrimSpace(out) != "" {
			t.Errorf("%s printed %q", strings.Join(args, " "), out)
		}
	}
	if sum(t, w.db) != before {
		t.Error("fetch-replies without a mailbox changed the data file")
	}
}

func TestFetchRepliesWhereTheFolderKeepsNoKeywordsRemembersWhatItRead(t *testing.T) {
	w, id, srv := imapWorld(t)
	mustRun(t, w.db, "imap", "--folder", mailboxtest.NoKeywords)
	acceptance := rewriteFixture(t, fixture(t, "imip/bluemind/outlook.reply.accept.eml"), ours(id))
	srv.Append(mailboxtest.NoKeywords, acceptance, fetchNewsletter)

	code, rs, errs := fetchReplies(t, w.db)
	if code != 0 || len(rs) != 2 {
		t.Fatalf("exit %d, %v (%s)", code, rs, errs)
	}
	checkReplyJSON(t, rs[0], map[string]string{"outcome": "applied", "placement_id": id, "method": "REPLY", "partstat": "ACCEPTED"})
	checkReplyJSON(t, rs[1], map[string]string{"outcome": "not-a-reply"})
	if rs[0]["source"] != "mailbox "+mailboxtest.NoKeywords+", UID 1" {
		t.Errorf("source %q", rs[0]["source"])
	}
	if s := placementStatus(t, w.db, id); s != "confirmed" {
		t.Errorf("the placement is %s, want confirmed", s)
	}
	for uid, f := range srv.Flags(mailboxtest.NoKeywords) {
		if mailboxtest.HasFlag(f, imap.FlagSeen) || mailboxtest.HasFlag(f, imap.FlagDeleted) || mailboxtest.HasFlag(f, mailbox.Keyword) {
			t.Errorf("UID %d has flags %v in a folder that keeps no keywords", uid, f)
		}
	}
	before := sum(t, w.db)
	if code, rs, errs := fetchReplies(t, w.db); code != 0 || len(rs) != 0 {
		t.Errorf("the second run: exit %d, %v (%s), want nothing read again", code, rs, errs)
	}
	if sum(t, w.db) != before {
		t.Error("the second run changed the data file")
	}
}

func TestFetchRepliesRefusesASpoofedReplyAndExits1(t *testing.T) {
	w, id, srv := imapWorld(t)
	e := ours(id)
	e.From = spoofer
	srv.Append("INBOX", rewriteFixture(t, fixture(t, "imip/bluemind/outlook.reply.accept.eml"), e))

	code, rs, errs := fetchReplies(t, w.db)
	if code != 1 || len(rs) != 1 {
		t.Fatalf("exit %d, %v (%s), want 1 and one record", code, rs, errs)
	}
	checkReplyJSON(t, rs[0], map[string]string{"outcome": "refused", "placement_id": id, "method": "REPLY", "partstat": "ACCEPTED",
		"reason": "names " + hostEmail + " but the mail comes from " + spoofer})
	if !strings.Contains(errs, "1 message was refused") {
		t.Errorf("stderr %q", errs)
	}
	if s := placementStatus(t, w.db, id); s != "requested" {
		t.Errorf("the placement is %s, want requested", s)
	}
	if got := outboxOf(t, w.db, id); !slices.Equal(got, []string{"host-request " + hostEmail}) {
		t.Errorf("outbox %q", got)
	}
	// Refused is an outcome, recorded: the message is not read again.
	if code, rs, errs := fetchReplies(t, w.db); code != 0 || len(rs) != 0 {
		t.Errorf("the second run: exit %d, %v (%s)", code, rs, errs)
	}
}
