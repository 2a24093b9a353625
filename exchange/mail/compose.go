// Package mail composes the iMIP messages (RFC 6047) that carry Xchange Desk's calendar
// invitations, and delivers them over SMTP.
//
// One message goes to one recipient. Its shape is what Google Calendar sends and what
// Outlook, Gmail, Apple Mail and Thunderbird all understand:
//
//	multipart/mixed
//	├── multipart/alternative
//	│   ├── text/plain; charset=UTF-8                    readable without a calendar client
//	│   ├── text/html; charset=UTF-8                     the same, from html/template
//	│   └── text/calendar; method=REQUEST; charset=UTF-8 the invitation clients act on
//	└── application/ics; name="invite.ics"               the same calendar as a file
//
// A message without a calendar (the visitor's confirmation e-mail) is the
// multipart/alternative alone. The method= parameter always equals the METHOD inside the
// calendar, and the calendar's ORGANIZER is the From address: Compose refuses anything else.
//
// Compose is deterministic: the same Message gives the same bytes, so an exported .eml is
// byte for byte what is sent, and a retry after a crash is the same message with the same
// Message-ID. Send delivers such pre-rendered messages, a batch over one SMTP connection.
//
// Composition and sending use github.com/wneessen/go-mail; tests read the messages back with
// github.com/emersion/go-message, because go-mail's own parser drops method= and nested
// calendar parts.
package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
	gomail "github.com/wneessen/go-mail"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/ical"
)

// Address is a person's name and e-mail address.
type Address struct {
	Name  string // may be empty
	Email string // a bare address such as ana@example.org
}

// Message is one e-mail to one recipient, before it is rendered.
type Message struct {
	// MessageID is stable for the outbox entry the message belongs to, such as
	// "<0190f3c2-…@xchangedesk>", so a retry never looks like a new message. The angle
	// brackets may be left out.
	MessageID string
	// Date is the Date header; it is written in UTC so the output does not depend on the
	// machine's time zone.
	Date time.Time
	// From is the programme's organiser, the calendar's ORGANIZER.
	From Address
	// To is the one recipient, the calendar's ATTENDEE.
	To Address
	// Content is the subject and the readable text; HostRequest, VisitorInvitation,
	// Update, Cancellation and Confirmation write it.
	Content
	// Calendar is the iCalendar text from package ical, or nil for a message without an
	// invitation.
	Calendar []byte
	// Method is the calendar's METHOD ("REQUEST" or "CANCEL"), written as the method=
	// parameter of the calendar part; empty when there is no calendar.
	Method string
}

// Content is what a person reads: the subject and the same text as plain text and HTML.
type Content struct {
	Subject string
	Text    string
	HTML    string // may be empty; the message then has no HTML part
}

// ErrInvalid is wrapped by every error Compose returns for a message it refuses.
var ErrInvalid = errors.New("mail: invalid message")

// The attachment that repeats the calendar, named as Google Calendar names it.
const (
	attachmentName = "invite.ics"
	attachmentType = "application/ics"
)

// Compose renders m as an RFC 5322 message with CRLF line ends, ready to send or to save
// as .eml. It refuses a message whose calendar does not match it: a Method that differs from
// the METHOD inside, an ORGANIZER that is not the From address, a recipient who is not an
// ATTENDEE.
func Compose(m Message) ([]byte, error) {
	id, err := m.check()
	if err != nil {
		return nil, err
	}

	msg := gomail.NewMsg(
		gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(gomail.EncodingQP),
		gomail.WithNoDefaultUserAgent(), // go-mail's own names its version: bytes would change with it
	)
	msg.FromMailAddress(&netmail.Address{Name: m.From.Name, Address: m.From.Email})
	msg.ToMailAddress(&netmail.Address{Name: m.To.Name, Address: m.To.Email})
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(id)
	msg.SetDateWithValue(m.Date.UTC())

	msg.SetBodyString(gomail.TypeTextPlain, crlf(m.Text))
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, crlf(m.HTML))
	}
	if len(m.Calendar) > 0 {
		// Base64 keeps the calendar's folded CRLF lines byte for byte, as Outlook.com does.
		msg.AddAlternativeString(gomail.ContentType("text/calendar; method="+m.Method), string(m.Calendar),
			gomail.WithPartEncoding(gomail.EncodingB64))
		if err := msg.AttachReader(attachmentName, bytes.NewReader(m.Calendar),
			gomail.WithFileContentType(attachmentType)); err != nil {
			return nil, fmt.Errorf("mail: attaching %s: %w", attachmentName, err)
		}
	}

	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("mail: rendering message %s: %w", m.MessageID, err)
	}
	return stableBoundaries(buf.Bytes()), nil
}

// check validates m and returns its Message-ID without angle brackets.
func (m Message) check() (string, error) {
	var errs []error
	add := func(field, rule, format string, args ...any) {
		errs = append(errs, &exchange.RuleError{Field: field, Rule: rule, Reason: fmt.Sprintf(format, args...)})
	}
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(m.MessageID), "<"), ">")
	switch {
	case id == "":
		add("message-id", exchange.RuleRequired, "is required")
	case !messageID.MatchString(id):
		add("message-id", exchange.RuleFormat, "%q is not a Message-ID such as <id@xchangedesk>", m.MessageID)
	}
	if m.Date.IsZero() {
		add("date", exchange.RuleRequired, "is required")
	}
	addressesOK := true
	for _, err := range []error{exchange.CheckEmail("from", m.From.Email), exchange.CheckEmail("to", m.To.Email)} {
		if err != nil {
			errs = append(errs, err)
			addressesOK = false
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		add("subject", exchange.RuleRequired, "is required")
	}
	if strings.TrimSpace(m.Text) == "" {
		add("text", exchange.RuleRequired, "is required")
	}
	switch {
	case len(m.Calendar) == 0 && m.Method != "":
		add("method", exchange.RuleFormat, "method %s given without a calendar", m.Method)
	case len(m.Calendar) > 0 && addressesOK: // the calendar is checked against the addresses
		if err := m.checkCalendar(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return "", fmt.Errorf("%w %s: %w", ErrInvalid, m.MessageID, exchange.Problems(errs))
	}
	return id, nil
}

// messageID is the dot-atom-text "@" dot-atom-text form of RFC 5322 § 3.6.4, which is all
// this program writes.
var messageID = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_{|}~.-]+@[A-Za-z0-9!#$%&'*+/=?^_{|}~.-]+$`)

// checkCalendar holds the calendar to the rules every client relies on (DESIGN.md § Calendars
// and mail).
func (m Message) checkCalendar() error {
	rule := func(field, format string, args ...any) error {
		return &exchange.RuleError{Field: field, Rule: exchange.RuleFormat, Reason: fmt.Sprintf(format, args...)}
	}
	if m.Method == "" || strings.ContainsAny(m.Method, " ;\"\r\n") {
		return rule("method", "%q is not an iTIP method (want REQUEST or CANCEL)", m.Method)
	}
	cal, err := ical.Parse(m.Calendar)
	if err != nil {
		return rule("calendar", "%v", err)
	}
	method, _ := cal.Props.Text(goical.PropMethod)
	if method != m.Method {
		return rule("method", "method=%s on the part but METHOD:%s in the calendar", m.Method, method)
	}
	events := cal.Events()
	if len(events) != 1 {
		return rule("calendar", "holds %d events, want 1", len(events))
	}
	if org := events[0].Props.Get(goical.PropOrganizer); org == nil || !sameAddress(org.Value, m.From.Email) {
		return rule("from", "the calendar's ORGANIZER is not the sender %s", m.From.Email)
	}
	for _, att := range events[0].Props.Values(goical.PropAttendee) {
		if sameAddress(att.Value, m.To.Email) {
			return nil
		}
	}
	return rule("to", "the recipient %s is not an ATTENDEE of the calendar", m.To.Email)
}

// sameAddress compares a calendar address (mailto:…, any case) with an e-mail address.
func sameAddress(calAddress, email string) bool {
	s := strings.TrimSpace(calAddress)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	return strings.EqualFold(s, email)
}

// crlf gives text CRLF line ends, as a message body has them.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// generatedBoundary matches the boundaries go-mail leaves to mime/multipart: 60 random hex
// digits from crypto/rand. go-mail has no way to choose one per nesting level (its
// WithBoundary puts the same string on every level, which breaks a nested message).
var generatedBoundary = regexp.MustCompile(`boundary=([0-9a-f]{60})\b`)

// stableBoundaries replaces go-mail's random multipart boundaries with ones derived from
// the message itself, so the same Message always renders to the same bytes. The digest
// covers the message with the boundaries blanked out, so a boundary cannot occur in the
// content it separates.
func stableBoundaries(raw []byte) []byte {
	var found []string
	for _, m := range generatedBoundary.FindAllSubmatch(raw, -1) {
		found = append(found, string(m[1]))
	}
	if len(found) == 0 {
		return raw
	}
	blank := raw
	for _, b := range found {
		blank = bytes.ReplaceAll(blank, []byte(b), nil)
	}
	sum := sha256.Sum256(blank)
	digest := hex.EncodeToString(sum[:12])
	for i, b := range found {
		raw = bytes.ReplaceAll(raw, []byte(b), fmt.Appendf(nil, "xchangedesk-%d-%s", i+1, digest))
	}
	return raw
}
