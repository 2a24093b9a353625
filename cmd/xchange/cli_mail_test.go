package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mail/mailtest"
)

func TestMessagesGoOutThroughTheOutbox(t *testing.T) {
	t.Setenv(mail.PasswordVariable, mailtest.Password)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "") // no keyring here: the variable it is
	srv := mailtest.Start(t, mail.NoTLS)
	w := newWorld(t)
	id := mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.ana, "--first", "2027-03-01", "--last", "2027-03-05")
	mustRun(t, w.db, "request", id)

	// Without settings the message waits, and can be exported.
	if got := mustRun(t, w.db, "smtp"); !strings.Contains(got, "no SMTP settings") {
		t.Fatalf("smtp says %q", got)
	}
	code, _, errs := xchange(t, w.db, "send")
	if code != 1 || !strings.Contains(errs, "1 messages wait") {
		t.Fatalf("send without settings: %d %q", code, errs)
	}
	dir := t.TempDir()
	mustRun(t, w.db, "export-eml", dir)

	mustRun(t, w.db, "smtp", "--host", "127.0.0.1", "--port", strconv.Itoa(srv.Port()), "--tls", "none", "--user", mailtest.User)
	if got := mustRun(t, w.db, "send"); !strings.HasPrefix(got, "1 sent") {
		t.Fatalf("send said %q", got)
	}
	got := srv.Received()
	if len(got) != 1 || got[0].To != "jana.weber@hhi.example.de" {
		t.Fatalf("received %+v", got)
	}
	var ms []map[string]any
	json.Unmarshal([]byte(mustRun(t, w.db, "outbox", "--json")), &ms)
	for _, k := range []string{"id", "placement_id", "kind", "to", "subject", "status", "attempts", "last_error", "sequence", "method"} {
		if _, ok := ms[0][k]; !ok {
			t.Errorf("outbox JSON lacks %s", k)
		}
	}
	if _, ok := ms[0]["next_attempt"]; ok {
		t.Errorf("a sent message has a next_attempt: %v", ms[0])
	}
	if ms[0]["status"] != "sent" || ms[0]["method"] != "REQUEST" || ms[0]["placement_id"] != id || ms[0]["kind"] != "host-request" {
		t.Fatalf("outbox %v", ms[0])
	}
	// The exported .eml is byte for byte what the server received.
	eml, err := os.ReadFile(filepath.Join(dir, ms[0]["id"].(string)+".eml"))
	if err != nil || !bytes.Equal(eml, got[0].Data) {
		t.Fatalf("the exported message differs from the one sent (%v)", err)
	}

	// New dates: an update to the host, who was invited.
	if out := mustRun(t, w.db, "reschedule", id, "--first", "2027-03-08", "--last", "2027-03-12"); !strings.Contains(out, "sequence 1") {
		t.Fatalf("reschedule said %q", out)
	}
	mustRun(t, w.db, "send")
	json.Unmarshal([]byte(mustRun(t, w.db, "outbox", "--json")), &ms)
	if got := srv.Received(); len(got) != 2 || len(ms) != 2 || ms[1]["kind"] != "update" || ms[1]["sequence"].(float64) != 1 || ms[1]["status"] != "sent" {
		t.Fatalf("%d received; outbox %v", len(got), ms)
	}
	code, _, errs = xchange(t, w.db, "reschedule", id, "--first", "2027-03-08", "--last", "2027-03-09")
	if code != 1 || !strings.Contains(errs, "8–9 Mar 2027 gives 0 working days") {
		t.Fatalf("a too short reschedule: %d %q", code, errs)
	}

	// The password is nowhere: not in the data file, not in what the commands print.
	db, _ := os.ReadFile(w.db)
	out := mustRun(t, w.db, "smtp")
	if bytes.Contains(db, []byte(mailtest.Password)) || strings.Contains(out, mailtest.Password) {
		t.Fatal("the password leaked")
	}
	if !strings.Contains(out, "password set") {
		t.Fatalf("smtp says %q", out)
	}
}

func TestASendThatFailsSaysWhatAndWhy(t *testing.T) {
	t.Setenv(mail.PasswordVariable, mailtest.Password)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	srv := mailtest.Start(t, mail.NoTLS)
	db := filepath.Join(t.TempDir(), "x.db")
	mustRun(t, db, "organiser", "--name", "Desk", "--email", "desk@stars.example.eu")
	host := mustRun(t, db, "add-host", "--name", "Mafex", "--kind", "cluster", "--country", "ES", "--city", "Bilbao",
		"--email", "reject@mafex.example.es", "--contact", "Ane")
	v := mustRun(t, db, "add-visitor", "--name", "Eva", "--organisation", "MedSil", "--country", "PL", "--city", "Katowice", "--email", "eva@medsil.example.pl")
	id := mustRun(t, db, "book", "--host", host, "--visitor", v, "--first", "2027-03-01", "--last", "2027-03-05")
	mustRun(t, db, "request", id)
	mustRun(t, db, "smtp", "--host", "127.0.0.1", "--port", strconv.Itoa(srv.Port()), "--tls", "none", "--user", mailtest.User)
	code, _, errs := xchange(t, db, "send")
	if code != 1 || !strings.Contains(errs, "reject@mafex.example.es") || !strings.Contains(errs, "No such user here") {
		t.Fatalf("exit %d %q", code, errs)
	}
	srv.Stop()
	code, _, errs = xchange(t, db, "smtp", "--tls", "none", "--host", "smtp.example.org")
	if code != 1 || !strings.Contains(errs, "only allowed for a server on this machine") {
		t.Fatalf("no TLS to a provider: %d %q", code, errs)
	}
	if code, _, errs := xchange(t, db, "organiser", "--name", "X", "--email", "not-an-address"); code != 1 || !strings.Contains(errs, `The e-mail address "not-an-address" is not valid`) {
		t.Fatalf("bad organiser: %d %q", code, errs)
	}
}

func TestRequestingWithoutAnOrganiserIsRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	host := mustRun(t, db, "add-host", "--name", "Mafex", "--kind", "cluster", "--country", "ES", "--city", "Bilbao",
		"--email", "ane@mafex.example.es", "--contact", "Ane")
	v := mustRun(t, db, "add-visitor", "--name", "Eva", "--organisation", "MedSil", "--country", "PL", "--city", "Katowice", "--email", "eva@medsil.example.pl")
	id := mustRun(t, db, "book", "--host", host, "--visitor", v, "--first", "2027-03-01", "--last", "2027-03-05")
	before := sum(t, db)
	code, _, errs := xchange(t, db, "request", id)
	if code != 1 || !strings.Contains(errs, "Set the organiser first") || sum(t, db) != before {
		t.Fatalf("exit %d %q", code, errs)
	}
}

func TestSendSaysSoWhileMessagesWaitAfterAFailure(t *testing.T) {
	t.Setenv(mail.PasswordVariable, mailtest.Password)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	srv := mailtest.Start(t, mail.NoTLS)
	w := newWorld(t)
	id := mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.ana, "--first", "2027-03-01", "--last", "2027-03-05")
	mustRun(t, w.db, "request", id)
	mustRun(t, w.db, "smtp", "--host", "127.0.0.1", "--port", strconv.Itoa(srv.Port()), "--tls", "none", "--user", mailtest.User)
	srv.Stop()
	if code, _, errs := xchange(t, w.db, "send"); code != 1 || !strings.Contains(errs, "will retry") {
		t.Fatalf("first send: %d %q", code, errs)
	}
	// Straight away again: nothing is due, but the message still waits.
	if code, _, errs := xchange(t, w.db, "send"); code != 1 || !strings.Contains(errs, "1 messages still wait") {
		t.Fatalf("second send: %d %q", code, errs)
	}
	// The outbox says when it is tried again: 30 seconds after the failure.
	var ms []map[string]any
	json.Unmarshal([]byte(mustRun(t, w.db, "outbox", "--json")), &ms)
	next, err := time.Parse(time.RFC3339, fmt.Sprint(ms[0]["next_attempt"]))
	if err != nil || ms[0]["status"] != "queued" || time.Until(next) <= 0 || time.Until(next) > 30*time.Second {
		t.Fatalf("next_attempt %v (%v) in %v", ms[0]["next_attempt"], err, ms[0])
	}
	if code, _, _ := xchange(t, w.db, "book", "--host", w.host, "--visitor", w.eva, "--first", "2027-03-08",
		"--last", "2027-03-12", "--extra-travel-days", "9223372036854775807"); code != 1 {
		t.Fatal("an absurd number of extra travel days was accepted")
	}
	if code, _, _ := xchange(t, w.db, "reschedule", id, "--first", "2027-03-01", "--last", "2027-03-05"); code != 1 {
		t.Fatal("rescheduling to the same dates was accepted")
	}
	if code, _, _ := xchange(t, w.db, "add-host", "--name", "X", "--kind", "sme", "--country", "DE", "--city", "Berlin",
		"--email", "a@b.example", "--contact", "A", "--lat", "NaN", "--lon", "3"); code != 1 {
		t.Fatal("NaN coordinates were accepted")
	}
	if code, _, _ := xchange(t, w.db, "backup", w.db); code != 1 {
		t.Fatal("a backup over the data file itself was accepted")
	}
}
