package ical_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/ical"
)

// invitation returns a valid invitation for the tests to change.
func invitation() ical.Invitation {
	return ical.Invitation{
		UID:       "0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk",
		Sequence:  3,
		Stamp:     time.Date(2026, 2, 2, 9, 30, 15, 0, time.UTC),
		First:     exchange.MustDate("2026-03-02"),
		Last:      exchange.MustDate("2026-03-06"),
		Organizer: ical.Person{Name: "Programme office", Email: "office@stars.example"},
		Attendee:  ical.Person{Name: "Anna Nowak", Email: "anna@gapr.example"},
		Details:   ical.VisitorInvitation(visit),
	}
}

// lines returns the content lines of a calendar, still folded.
func lines(t *testing.T, cal []byte) []string {
	t.Helper()
	if !bytes.HasSuffix(cal, []byte("\r\n")) {
		t.Fatalf("calendar does not end with CRLF: %q", cal)
	}
	if bytes.Contains(bytes.ReplaceAll(cal, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatalf("calendar has a bare LF: %q", cal)
	}
	return strings.Split(strings.TrimSuffix(string(cal), "\r\n"), "\r\n")
}

func unfold(cal []byte) string { return strings.ReplaceAll(string(cal), "\r\n ", "") }

func parse(t *testing.T, cal []byte) goical.Event {
	t.Helper()
	c, err := ical.Parse(cal)
	if err != nil {
		t.Fatalf("go-ical cannot read what we wrote: %v\n%s", err, cal)
	}
	events := c.Events()
	if len(events) != 1 {
		t.Fatalf("got %d events, want 1", len(events))
	}
	return events[0]
}

func TestFolding(t *testing.T) {
	tests := []struct {
		name        string
		description string
	}{
		{"a short description stays on one line", "Bring your passport."},
		{"a long ASCII description is folded", strings.Repeat("Meet the cluster managers and visit the labs. ", 12)},
		{"two-octet letters are never split", strings.Repeat("Größenordnung Überprüfung äöü ß ", 20)},
		{"three-octet characters are never split", strings.Repeat("€ – “quoted” … ", 30)},
		{"four-octet emoji are never split", strings.Repeat("🚆🏭🔬", 40)},
		{"Polish and Greek text folds and unfolds", strings.Repeat("Zażółć gęślą jaźń — Καλημέρα κόσμε. ", 10)},
		{"line breaks, commas and semicolons survive", "Day 1: labs; day 2, visits\nDay 3: report\n" + strings.Repeat("ą", 100)},
		{"a character straddling octet 75 moves to the next line", strings.Repeat("x", 75-len("DESCRIPTION:")-1) + "€€€"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := invitation()
			inv.Description = tt.description
			cal, err := ical.Request(inv)
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range lines(t, cal) {
				if len(l) > 75 {
					t.Errorf("line %d has %d octets: %q", i, len(l), l)
				}
				if !utf8.ValidString(l) {
					t.Errorf("line %d splits a UTF-8 sequence: %q", i, l)
				}
			}
			got, err := parse(t, cal).Props.Text(goical.PropDescription)
			if err != nil {
				t.Fatal(err)
			}
			if got != strings.TrimSpace(tt.description) {
				t.Errorf("description after unfolding\n got %q\nwant %q", got, strings.TrimSpace(tt.description))
			}
			if !strings.Contains(unfold(cal), "DESCRIPTION:") {
				t.Errorf("no DESCRIPTION line in\n%s", cal)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		build  func(ical.Invitation) ([]byte, error)
		method string
		status string
		inv    func(*ical.Invitation)
	}{
		{"a visitor invitation is a confirmed request", ical.Request, "REQUEST", "CONFIRMED", func(*ical.Invitation) {}},
		{"a host availability request is tentative", ical.Request, "REQUEST", "TENTATIVE", func(i *ical.Invitation) { i.Tentative = true }},
		{"an update keeps the UID with a higher sequence", ical.Request, "REQUEST", "CONFIRMED", func(i *ical.Invitation) { i.Sequence = 4; i.Last = i.Last.AddDays(3) }},
		{"a cancellation is cancelled even when tentative", ical.Cancel, "CANCEL", "CANCELLED", func(i *ical.Invitation) { i.Sequence = 5; i.Tentative = true }},
		{"a one-day stay ends the next day", ical.Request, "REQUEST", "CONFIRMED", func(i *ical.Invitation) { i.Last = i.First }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := invitation()
			tt.inv(&inv)
			cal, err := tt.build(inv)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ical.Parse(cal)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := c.Props.Text(goical.PropMethod); got != tt.method {
				t.Errorf("METHOD = %q, want %q", got, tt.method)
			}
			if got, _ := c.Props.Text(goical.PropProductID); got != ical.ProductID {
				t.Errorf("PRODID = %q", got)
			}
			ev := parse(t, cal)
			if got, _ := ev.Props.Text(goical.PropUID); got != inv.UID {
				t.Errorf("UID = %q, want %q", got, inv.UID)
			}
			if seqs := ev.Props.Values(goical.PropSequence); len(seqs) != 1 {
				t.Errorf("%d SEQUENCE properties, want exactly 1", len(seqs))
			} else if n, err := seqs[0].Int(); err != nil || n != inv.Sequence {
				t.Errorf("SEQUENCE = %v (%v), want %d", n, err, inv.Sequence)
			}
			if n := strings.Count(unfold(cal), "\r\nSEQUENCE:"); n != 1 {
				t.Errorf("%d SEQUENCE lines, want 1", n)
			}
			if got, _ := ev.Props.Text(goical.PropStatus); got != tt.status {
				t.Errorf("STATUS = %q, want %q", got, tt.status)
			}
			start, err := ev.DateTimeStart(nil)
			if err != nil || exchange.DateOf(start) != inv.First {
				t.Errorf("DTSTART = %v (%v), want %s", start, err, inv.First)
			}
			end, err := ev.DateTimeEnd(nil)
			if err != nil || exchange.DateOf(end) != inv.Last.Next() {
				t.Errorf("DTEND = %v (%v), want %s", end, err, inv.Last.Next())
			}
			for _, name := range []string{goical.PropDateTimeStart, goical.PropDateTimeEnd} {
				p := ev.Props.Get(name)
				if p.ValueType() != goical.ValueDate || p.Params.Get(goical.ParamTimezoneID) != "" {
					t.Errorf("%s is not a floating VALUE=DATE: %+v", name, p)
				}
			}
			stamp, err := ev.Props.DateTime(goical.PropDateTimeStamp, nil)
			if err != nil || !stamp.Equal(inv.Stamp) || !strings.Contains(unfold(cal), "DTSTAMP:20260202T093015Z\r\n") {
				t.Errorf("DTSTAMP = %v (%v), want %v in UTC", stamp, err, inv.Stamp)
			}
			if org := ev.Props.Get(goical.PropOrganizer); org == nil || org.Value != "mailto:"+inv.Organizer.Email {
				t.Errorf("ORGANIZER = %+v", org)
			}
			att := ev.Props.Get(goical.PropAttendee)
			if att == nil || att.Value != "mailto:"+inv.Attendee.Email || att.Params.Get(goical.ParamCommonName) != inv.Attendee.Name ||
				att.Params.Get(goical.ParamParticipationStatus) != "NEEDS-ACTION" || att.Params.Get(goical.ParamRole) != "REQ-PARTICIPANT" {
				t.Errorf("ATTENDEE = %+v", att)
			}
			if wantRSVP := tt.method == "REQUEST"; (att.Params.Get(goical.ParamRSVP) == "TRUE") != wantRSVP {
				t.Errorf("ATTENDEE RSVP = %q, want RSVP=TRUE only on a request", att.Params.Get(goical.ParamRSVP))
			}
			if got, _ := ev.Props.Text(goical.PropTransparency); got != "TRANSPARENT" {
				t.Errorf("TRANSP = %q", got)
			}
			if s := string(cal); strings.Contains(s, "TZID") || strings.Contains(s, "VTIMEZONE") {
				t.Errorf("all-day calendar mentions a time zone:\n%s", s)
			}
		})
	}
}

func TestEndIsTheDayAfterTheLastDay(t *testing.T) {
	tests := []struct {
		name        string
		first, last string
		dtend       string
	}{
		{"a stay ending mid-month", "2026-03-02", "2026-03-06", "20260307"},
		{"a stay ending on the last day of April", "2026-04-27", "2026-04-30", "20260501"},
		{"a stay ending on 31 December", "2026-12-14", "2026-12-31", "20270101"},
		{"a stay ending on 28 February in a common year", "2027-02-22", "2027-02-28", "20270301"},
		{"a stay ending on 28 February in a leap year", "2028-02-21", "2028-02-28", "20280229"},
		{"a stay ending on 29 February", "2028-02-23", "2028-02-29", "20280301"},
		{"a stay across the new year", "2026-12-28", "2027-01-08", "20270109"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := invitation()
			inv.First, inv.Last = exchange.MustDate(tt.first), exchange.MustDate(tt.last)
			for _, build := range []func(ical.Invitation) ([]byte, error){ical.Request, ical.Cancel} {
				cal, err := build(inv)
				if err != nil {
					t.Fatal(err)
				}
				s := unfold(cal)
				wantStart := "\r\nDTSTART;VALUE=DATE:" + strings.ReplaceAll(tt.first, "-", "") + "\r\n"
				if !strings.Contains(s, wantStart) {
					t.Errorf("no %q in\n%s", wantStart, s)
				}
				if !strings.Contains(s, "\r\nDTEND;VALUE=DATE:"+tt.dtend+"\r\n") {
					t.Errorf("want DTEND;VALUE=DATE:%s in\n%s", tt.dtend, s)
				}
			}
		})
	}
}

func TestInvalidInvitations(t *testing.T) {
	tests := []struct {
		name  string
		field string
		rule  string
		edit  func(*ical.Invitation)
	}{
		{"an empty UID is refused", "uid", exchange.RuleRequired, func(i *ical.Invitation) { i.UID = " " }},
		{"a UID of two lines is refused", "uid", exchange.RuleFormat, func(i *ical.Invitation) { i.UID = "a\r\nb" }},
		{"a negative sequence is refused", "sequence", exchange.RuleFormat, func(i *ical.Invitation) { i.Sequence = -1 }},
		{"a missing stamp is refused", "stamp", exchange.RuleRequired, func(i *ical.Invitation) { i.Stamp = time.Time{} }},
		{"a missing first day is refused", "first", exchange.RuleRequired, func(i *ical.Invitation) { i.First = exchange.Date{} }},
		{"a missing last day is refused", "last", exchange.RuleRequired, func(i *ical.Invitation) { i.Last = exchange.Date{} }},
		{"a last day before the first is refused", "last", exchange.RuleDateOrder, func(i *ical.Invitation) { i.Last = i.First.AddDays(-1) }},
		{"an organiser without an address is refused", "organizer", exchange.RuleRequired, func(i *ical.Invitation) { i.Organizer.Email = "" }},
		{"an organiser address with a name in it is refused", "organizer", exchange.RuleFormat, func(i *ical.Invitation) { i.Organizer.Email = "Office <office@stars.example>" }},
		{"an attendee without an address is refused", "attendee", exchange.RuleRequired, func(i *ical.Invitation) { i.Attendee.Email = "" }},
		{"a malformed attendee address is refused", "attendee", exchange.RuleFormat, func(i *ical.Invitation) { i.Attendee.Email = "anna@" }},
		{"an event without a summary is refused", "summary", exchange.RuleRequired, func(i *ical.Invitation) { i.Summary = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := invitation()
			tt.edit(&inv)
			for _, build := range []func(ical.Invitation) ([]byte, error){ical.Request, ical.Cancel} {
				cal, err := build(inv)
				if err == nil {
					t.Fatalf("no error; calendar:\n%s", cal)
				}
				if !strings.HasPrefix(err.Error(), "ical: ") {
					t.Errorf("error %q has no package prefix", err)
				}
				v := exchange.Violations(err)
				if len(v) != 1 || v[0].Field != tt.field || v[0].Rule != tt.rule {
					t.Errorf("violations = %v, want one %s/%s", v, tt.field, tt.rule)
				}
			}
		})
	}
}

func TestOutputIsDeterministic(t *testing.T) {
	inv := invitation()
	first, err := ical.Request(inv)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		again, err := ical.Request(inv)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("run %d differs:\n%s\n---\n%s", i, first, again)
		}
	}
}

func TestStampIsWrittenInUTC(t *testing.T) {
	inv := invitation()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	inv.Stamp = time.Date(2026, 7, 1, 10, 0, 0, 123, paris)
	cal, err := ical.Request(inv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cal), "\r\nDTSTAMP:20260701T080000Z\r\n") {
		t.Errorf("DTSTAMP not in UTC:\n%s", cal)
	}
}

func TestNamesAreSafeParameters(t *testing.T) {
	inv := invitation()
	inv.Attendee.Name = "Dr. \"Ana\" Pérez; Railgrup, Barcelona:\nSpain"
	cal, err := ical.Request(inv)
	if err != nil {
		t.Fatal(err)
	}
	att := parse(t, cal).Props.Get(goical.PropAttendee)
	if got, want := att.Params.Get(goical.ParamCommonName), "Dr. 'Ana' Pérez; Railgrup, Barcelona: Spain"; got != want {
		t.Errorf("CN = %q, want %q", got, want)
	}
	if att.Value != "mailto:"+inv.Attendee.Email {
		t.Errorf("ATTENDEE value = %q", att.Value)
	}
}

func TestDetails(t *testing.T) {
	host := ical.HostRequest(visit)
	guest := ical.VisitorInvitation(visit)
	tests := []struct {
		name string
		text string
		want []string
		not  []string
	}{
		{"the host's summary names the visitor", host.Summary, []string{"Anna Nowak", "GAPR-Medsilesia", "S3martMed"}, nil},
		{"the host reads who comes and from where", host.Description, []string{"Visitor: Anna Nowak (GAPR-Medsilesia)", "Host: BioRegio STERN, Friedrichstraße 10", "Goals: Meet three", "accept or decline"}, []string{"EUR"}},
		{"the visitor's summary names the host", guest.Summary, []string{"Visit to BioRegio STERN"}, nil},
		{"the visitor reads where, whom to ask, the lump sum and what to bring", guest.Description, []string{
			"Host: BioRegio STERN, Friedrichstraße 10, 70174 Stuttgart, Germany",
			"Contact on site: Jürgen Weber <weber@bioregio-stern.example>",
			"Lump sum: EUR 1,100.00",
			"Documents to bring:\n- Passport or ID card\n- European Health Insurance Card\n",
		}, nil},
		{"the location is the host and its address", guest.Location, []string{"BioRegio STERN, Friedrichstraße 10, 70174 Stuttgart, Germany"}, nil},
		{"a visit without lump sum or documents says nothing of them", ical.VisitorInvitation(ical.Visit{Host: "Biowin"}).Description, []string{"Host: Biowin"}, []string{"Lump sum", "Documents", "Contact"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range tt.want {
				if !strings.Contains(tt.text, w) {
					t.Errorf("%q\ndoes not contain %q", tt.text, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(tt.text, n) {
					t.Errorf("%q\ncontains %q", tt.text, n)
				}
			}
		})
	}
}

func TestParseRefusesWhatIsNotACalendar(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"an empty text", ""},
		{"a truncated calendar", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"},
		{"a parameter without a colon, which makes go-ical panic", "BEGIN:VCALENDAR\r\nX-FOO;A=b\r\nEND:VCALENDAR\r\n"},
		{"a bare event", "BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n"},
		{"mail text", "Hello,\r\nsee you on Monday.\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := ical.Parse([]byte(tt.text))
			if err == nil {
				t.Fatalf("no error, got %+v", cal)
			}
			if !strings.HasPrefix(err.Error(), "ical: ") {
				t.Errorf("error %q has no package prefix", err)
			}
		})
	}
	if _, err := ical.Parse(nil); !errors.Is(err, ical.ErrNoCalendar) {
		t.Errorf("empty text: %v, want ErrNoCalendar", err)
	}
}

func TestParseSkipsAByteOrderMark(t *testing.T) {
	cal, err := ical.Request(invitation())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ical.Parse(append([]byte("\uFEFF"), cal...)); err != nil {
		t.Fatal(err)
	}
}
