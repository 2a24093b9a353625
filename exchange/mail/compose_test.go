package mail_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/ical"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
)

func TestComposeAnAvailabilityRequest(t *testing.T) {
	m := hostRequest(t)
	raw, err := mail.Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	r := read(t, raw)
	checkInvitation(t, r, "REQUEST", 0, host, facts.First, facts.Last)

	if id, err := r.header.MessageID(); err != nil || "<"+id+">" != m.MessageID {
		t.Errorf("Message-ID = %q (%v), want %s", id, err, m.MessageID)
	}
	if d, err := r.header.Date(); err != nil || !d.Equal(sentAt) {
		t.Errorf("Date = %v (%v), want %v", d, err, sentAt)
	}
	if s, err := r.header.Subject(); err != nil || s != m.Subject {
		t.Errorf("Subject = %q (%v), want %q", s, err, m.Subject)
	}
	if got := string(r.leaf(t, "text/plain").body); got != strings.ReplaceAll(m.Text, "\n", "\r\n") {
		t.Errorf("text/plain body:\n%q\nwant\n%q", got, m.Text)
	}
	if html := string(r.leaf(t, "text/html").body); !strings.Contains(html, "Friedrichstraße 10") {
		t.Errorf("text/html body lacks the host address:\n%s", html)
	}
	if got := r.leaf(t, "text/calendar").body; !bytes.Equal(got, m.Calendar) {
		t.Errorf("calendar changed on the way:\n%s\nwant\n%s", got, m.Calendar)
	}
	for _, h := range []string{"User-Agent", "X-Mailer"} {
		if r.header.Get(h) != "" {
			t.Errorf("%s header %q: it would change the bytes with go-mail's version", h, r.header.Get(h))
		}
	}
}

func TestComposeACancellation(t *testing.T) {
	f := facts
	f.Recipient = visitor.Name
	c, err := mail.Cancellation(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := mail.Compose(mail.Message{
		MessageID: "<c-1@xchangedesk>", Date: sentAt, From: organiser, To: visitor, Content: c,
		Calendar: invitation(t, ical.MethodCancel, 2, visitor), Method: ical.MethodCancel,
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := checkInvitation(t, read(t, raw), "CANCEL", 2, visitor, facts.First, facts.Last)
	if s, _ := ev.Props.Text("STATUS"); s != "CANCELLED" {
		t.Errorf("STATUS = %q, want CANCELLED", s)
	}
}

func TestComposeAConfirmationWithoutCalendar(t *testing.T) {
	f := facts
	f.Recipient = visitor.Name
	c, err := mail.Confirmation(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := mail.Compose(mail.Message{MessageID: "c-2@xchangedesk", Date: sentAt, From: organiser, To: visitor, Content: c})
	if err != nil {
		t.Fatal(err)
	}
	r := read(t, raw)
	want := "multipart/alternative\n  text/plain\n  text/html"
	if got := strings.Join(r.structure, "\n"); got != want {
		t.Errorf("structure:\n%s\nwant:\n%s", got, want)
	}
	if id, _ := r.header.MessageID(); id != "c-2@xchangedesk" {
		t.Errorf("Message-ID = %q", id)
	}
}

func TestComposeIsDeterministic(t *testing.T) {
	m := hostRequest(t)
	first, err := mail.Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		again, err := mail.Compose(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("composition %d differs from the first", i+2)
		}
	}
	local := m
	local.Date = sentAt.In(time.FixedZone("CET", 3600))
	if again, _ := mail.Compose(local); !bytes.Equal(first, again) {
		t.Errorf("the same instant in another zone gives other bytes")
	}
	other := m
	other.MessageID = "<another@xchangedesk>"
	again, err := mail.Compose(other)
	if err != nil {
		t.Fatal(err)
	}
	if b1, b2 := boundary(first), boundary(again); b1 == b2 {
		t.Errorf("two different messages share the boundary %q", b1)
	}
}

func boundary(raw []byte) string {
	_, after, _ := strings.Cut(string(raw), "boundary=")
	b, _, _ := strings.Cut(after, "\r\n")
	return b
}

func TestComposeRefuses(t *testing.T) {
	tests := []struct {
		name  string
		field string
		edit  func(*mail.Message)
	}{
		{"a message without Message-ID", "message-id", func(m *mail.Message) { m.MessageID = "" }},
		{"a Message-ID without a domain", "message-id", func(m *mail.Message) { m.MessageID = "<outbox-1>" }},
		{"a Message-ID with spaces", "message-id", func(m *mail.Message) { m.MessageID = "<a b@xchangedesk>" }},
		{"a message without date", "date", func(m *mail.Message) { m.Date = time.Time{} }},
		{"a sender without address", "from", func(m *mail.Message) { m.From.Email = "" }},
		{"a malformed recipient", "to", func(m *mail.Message) { m.To.Email = "weber@" }},
		{"a message without subject", "subject", func(m *mail.Message) { m.Subject = " " }},
		{"a message without text", "text", func(m *mail.Message) { m.Text = "" }},
		{"a REQUEST calendar sent as method=CANCEL", "method", func(m *mail.Message) { m.Method = "CANCEL" }},
		{"a calendar without method", "method", func(m *mail.Message) { m.Method = "" }},
		{"a lower-case method", "method", func(m *mail.Message) { m.Method = "request" }},
		{"a method without calendar", "method", func(m *mail.Message) { m.Calendar = nil }},
		{"a calendar that is not iCalendar", "calendar", func(m *mail.Message) { m.Calendar = []byte("hello") }},
		{"a calendar organised by someone else", "from", func(m *mail.Message) { m.From = mail.Address{Email: "other@s3martmed.example"} }},
		{"a calendar for another attendee", "to", func(m *mail.Message) { m.To = visitor }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := hostRequest(t)
			tt.edit(&m)
			raw, err := mail.Compose(m)
			if err == nil {
				t.Fatalf("composed:\n%s", raw)
			}
			if !errors.Is(err, mail.ErrInvalid) || !strings.HasPrefix(err.Error(), "mail: ") {
				t.Errorf("error %q is not a mail.ErrInvalid", err)
			}
			v := exchange.Violations(err)
			if len(v) != 1 || v[0].Field != tt.field {
				t.Errorf("violations %v, want one on %q", v, tt.field)
			}
		})
	}
}

func TestNonASCIIHeadersSurvive(t *testing.T) {
	m := hostRequest(t)
	m.Subject = "Besuch bei BioRegio STERN – Größe, Zażółć gęślą jaźń, " + strings.Repeat("lange Betreffzeile ", 8)
	m.From.Name = "Bureau du programme « S3martMed », Lyon"
	raw, err := mail.Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	r := read(t, raw)
	if s, err := r.header.Subject(); err != nil || s != m.Subject {
		t.Errorf("Subject = %q (%v), want %q", s, err, m.Subject)
	}
	from, err := r.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != m.From.Name {
		t.Errorf("From = %v (%v), want %q", from, err, m.From.Name)
	}
	for i, l := range strings.Split(r.rawHeaders, "\r\n") {
		if len(l) > 78 {
			t.Errorf("header line %d has %d characters: %q", i, len(l), l)
		}
		for _, c := range []byte(l) {
			if c > 127 {
				t.Errorf("header line %d is not ASCII: %q", i, l)
				break
			}
		}
	}
}
