package mail_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/emersion/go-message"
	gomessagemail "github.com/emersion/go-message/mail"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/ical"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
)

var (
	organiser = mail.Address{Name: "Marta Kowalczyk", Email: "office@s3martmed.example"}
	host      = mail.Address{Name: "Jürgen Weber", Email: "weber@bioregio-stern.example"}
	visitor   = mail.Address{Name: "Anna Nowak", Email: "anna.nowak@gapr.example"}
	sentAt    = time.Date(2026, 2, 2, 9, 30, 0, 0, time.UTC)
)

const uid = "0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk"

// invitation builds the calendar for one recipient of the example placement.
func invitation(t testing.TB, method string, seq int, to mail.Address) []byte {
	t.Helper()
	inv := ical.Invitation{
		UID: uid, Sequence: seq, Stamp: sentAt,
		First: facts.First, Last: facts.Last,
		Organizer: ical.Person(organiser), Attendee: ical.Person(to),
		Tentative: to == host,
		Details:   ical.VisitorInvitation(facts.Visit),
	}
	if to == host {
		inv.Details = ical.HostRequest(facts.Visit)
	}
	build := ical.Request
	if method == ical.MethodCancel {
		build = ical.Cancel
	}
	cal, err := build(inv)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// hostRequest is a complete host availability request.
func hostRequest(t testing.TB) mail.Message {
	t.Helper()
	f := facts
	f.Recipient = host.Name
	c, err := mail.HostRequest(f)
	if err != nil {
		t.Fatal(err)
	}
	return mail.Message{
		MessageID: "<0190f3c2-0000-7000-8000-00000000000a@xchangedesk>",
		Date:      sentAt,
		From:      organiser,
		To:        host,
		Content:   c,
		Calendar:  invitation(t, ical.MethodRequest, 0, host),
		Method:    ical.MethodRequest,
	}
}

// part is one leaf of a message as go-message reads it, decoded.
type part struct {
	path        string // "1.2" style, from the root
	contentType string
	params      map[string]string
	disposition string
	filename    string
	body        []byte
}

// received is a message read back with go-message.
type received struct {
	header     gomessagemail.Header
	structure  []string // content types of every entity, depth-first, indented by depth
	leaves     []part
	rawHeaders string
}

func read(t *testing.T, raw []byte) received {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("message has a bare LF")
	}
	for i, l := range strings.Split(string(raw), "\r\n") {
		if len(l) > 998 {
			t.Errorf("line %d is %d octets, over RFC 5322's 998", i, len(l))
		}
	}
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message cannot read the message: %v", err)
	}
	r := received{header: gomessagemail.Header{Header: e.Header}}
	r.rawHeaders, _, _ = strings.Cut(string(raw), "\r\n\r\n")
	err = e.Walk(func(path []int, e *message.Entity, err error) error {
		if err != nil {
			return err
		}
		ct, params, _ := e.Header.ContentType()
		r.structure = append(r.structure, strings.Repeat("  ", len(path))+ct)
		if strings.HasPrefix(ct, "multipart/") {
			return nil
		}
		disp, dparams, _ := e.Header.ContentDisposition()
		body, err := io.ReadAll(e.Body)
		if err != nil {
			return err
		}
		p := make([]string, len(path))
		for i, n := range path {
			p[i] = string(rune('1' + n))
		}
		r.leaves = append(r.leaves, part{strings.Join(p, "."), ct, params, disp, dparams["filename"], body})
		return nil
	})
	if err != nil {
		t.Fatalf("walking the message: %v", err)
	}
	return r
}

func (r received) leaf(t *testing.T, contentType string) part {
	t.Helper()
	for _, p := range r.leaves {
		if p.contentType == contentType {
			return p
		}
	}
	t.Fatalf("no %s part; structure:\n%s", contentType, strings.Join(r.structure, "\n"))
	return part{}
}

// checkInvitation checks what a calendar client relies on in a received iMIP message:
// method= equals METHOD, one SEQUENCE line, the organiser and the attendee, all-day dates
// and the UID. It returns the event.
func checkInvitation(t *testing.T, r received, method string, seq int, to mail.Address, first, last exchange.Date) goical.Event {
	t.Helper()
	want := []string{
		"multipart/mixed",
		"  multipart/alternative",
		"    text/plain",
		"    text/html",
		"    text/calendar",
		"  application/ics",
	}
	if got := strings.Join(r.structure, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("structure:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	for _, ct := range []string{"text/plain", "text/html", "text/calendar"} {
		if cs := r.leaf(t, ct).params["charset"]; !strings.EqualFold(cs, "utf-8") {
			t.Errorf("%s charset = %q, want UTF-8", ct, cs)
		}
	}
	calPart := r.leaf(t, "text/calendar")
	if calPart.params["method"] != method {
		t.Errorf("text/calendar method=%q, want %q", calPart.params["method"], method)
	}
	att := r.leaf(t, "application/ics")
	if att.disposition != "attachment" || att.filename != "invite.ics" || att.params["name"] != "invite.ics" {
		t.Errorf("attachment: disposition %q, filename %q, name %q; want an attachment invite.ics", att.disposition, att.filename, att.params["name"])
	}
	if !bytes.Equal(att.body, calPart.body) {
		t.Errorf("invite.ics differs from the text/calendar part")
	}

	cal, err := ical.Parse(calPart.body)
	if err != nil {
		t.Fatalf("calendar part: %v", err)
	}
	if got, _ := cal.Props.Text(goical.PropMethod); got != method || got != calPart.params["method"] {
		t.Errorf("METHOD:%s inside, method=%s on the part, want %s", got, calPart.params["method"], method)
	}
	unfolded := strings.ReplaceAll(string(calPart.body), "\r\n ", "")
	if n := strings.Count(unfolded, "\r\nSEQUENCE:"); n != 1 {
		t.Errorf("%d SEQUENCE lines, want exactly 1", n)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events, want 1", len(events))
	}
	ev := events[0]
	if got, _ := ev.Props.Text(goical.PropUID); got != uid {
		t.Errorf("UID = %q, want %q", got, uid)
	}
	if n, err := ev.Props.Get(goical.PropSequence).Int(); err != nil || n != seq {
		t.Errorf("SEQUENCE = %d (%v), want %d", n, err, seq)
	}
	if org := ev.Props.Get(goical.PropOrganizer); org == nil || org.Value != "mailto:"+organiser.Email {
		t.Errorf("ORGANIZER = %+v, want mailto:%s", org, organiser.Email)
	}
	from, err := r.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != organiser.Email {
		t.Errorf("From = %v (%v), want the organiser %s", from, err, organiser.Email)
	}
	a := ev.Props.Get(goical.PropAttendee)
	if a == nil || a.Value != "mailto:"+to.Email || a.Params.Get("CN") != to.Name {
		t.Errorf("ATTENDEE = %+v, want %s", a, to.Email)
	}
	if method == ical.MethodRequest && a.Params.Get(goical.ParamRSVP) != "TRUE" {
		t.Errorf("ATTENDEE without RSVP=TRUE: %+v", a)
	}
	rcpt, err := r.header.AddressList("To")
	if err != nil || len(rcpt) != 1 || rcpt[0].Address != to.Email || rcpt[0].Name != to.Name {
		t.Errorf("To = %v (%v), want %s", rcpt, err, to.Email)
	}
	for name, want := range map[string]exchange.Date{goical.PropDateTimeStart: first, goical.PropDateTimeEnd: last.Next()} {
		p := ev.Props.Get(name)
		wantLine := "\r\n" + name + ";VALUE=DATE:" + strings.ReplaceAll(want.String(), "-", "") + "\r\n"
		if p == nil || !strings.Contains(unfolded, wantLine) {
			t.Errorf("want %q in the calendar:\n%s", strings.TrimSpace(wantLine), unfolded)
		}
	}
	return ev
}
