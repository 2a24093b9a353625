package ical_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/ical"
)

// hostRequest is the availability request the host answered: SEQUENCE 0, tentative.
func hostRequest() ical.Invitation {
	return ical.Invitation{
		UID:       "0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk",
		Sequence:  0,
		Stamp:     time.Date(2026, 2, 2, 9, 30, 0, 0, time.UTC),
		First:     exchange.MustDate("2026-03-02"),
		Last:      exchange.MustDate("2026-03-06"),
		Organizer: ical.Person{Name: "S3martMed programme office", Email: "office@s3martmed.example"},
		Attendee:  visit.Contact,
		Tentative: true,
		Details:   ical.Details{Summary: "S3martMed ClusterXchange: Visitor Anna Nowak (GAPR-Medsilesia)"},
	}
}

// After the host accepted, their copy becomes confirmed: same UID and SEQUENCE, a newer
// DTSTAMP, their own answer recorded and no further question (RSVP=FALSE).
func ExampleConfirmed() {
	inv := hostRequest()
	inv.Stamp = time.Date(2026, 2, 3, 16, 5, 0, 0, time.UTC) // when the acceptance was read
	cal, err := ical.Confirmed(inv, "MAILTO:Weber@BioRegio-Stern.example")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(strings.ReplaceAll(string(cal), "\r\n", "\n"))
	// Output:
	// BEGIN:VCALENDAR
	// CALSCALE:GREGORIAN
	// METHOD:REQUEST
	// PRODID:-//Xchange Desk//Xchange Desk//EN
	// VERSION:2.0
	// BEGIN:VEVENT
	// ATTENDEE;CN=Jürgen Weber;CUTYPE=INDIVIDUAL;PARTSTAT=ACCEPTED;ROLE=REQ-PART
	//  ICIPANT;RSVP=FALSE:mailto:weber@bioregio-stern.example
	// DTEND;VALUE=DATE:20260307
	// DTSTAMP:20260203T160500Z
	// DTSTART;VALUE=DATE:20260302
	// ORGANIZER;CN=S3martMed programme office:mailto:office@s3martmed.example
	// SEQUENCE:0
	// STATUS:CONFIRMED
	// SUMMARY:S3martMed ClusterXchange: Visitor Anna Nowak (GAPR-Medsilesia)
	// TRANSP:TRANSPARENT
	// UID:0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk
	// END:VEVENT
	// END:VCALENDAR
}

// The host proposed other dates and staff refused: the DECLINECOUNTER names the event by
// UID and SEQUENCE and says why; the stay stays as it was.
func ExampleDeclineCounter() {
	inv := hostRequest()
	inv.Stamp = time.Date(2026, 2, 4, 10, 0, 0, 0, time.UTC)
	cal, err := ical.DeclineCounter(inv, "weber@bioregio-stern.example",
		"The visitor cannot travel in April; please accept the dates in March, or decline.")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(strings.ReplaceAll(string(cal), "\r\n", "\n"))
	// Output:
	// BEGIN:VCALENDAR
	// CALSCALE:GREGORIAN
	// METHOD:DECLINECOUNTER
	// PRODID:-//Xchange Desk//Xchange Desk//EN
	// VERSION:2.0
	// BEGIN:VEVENT
	// ATTENDEE;CN=Jürgen Weber:mailto:weber@bioregio-stern.example
	// COMMENT:The visitor cannot travel in April\; please accept the dates in Mar
	//  ch\, or decline.
	// DTSTAMP:20260204T100000Z
	// ORGANIZER;CN=S3martMed programme office:mailto:office@s3martmed.example
	// SEQUENCE:0
	// UID:0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk
	// END:VEVENT
	// END:VCALENDAR
}

func TestConfirmedAndDeclineCounter(t *testing.T) {
	t.Run("a confirmation for someone who is not the attendee is refused", func(t *testing.T) {
		_, err := ical.Confirmed(hostRequest(), "someone.else@example.org")
		if err == nil || !strings.Contains(err.Error(), "is not the attendee") {
			t.Fatalf("err = %v, want a refusal naming the attendee", err)
		}
		var re *exchange.RuleError
		if !errors.As(err, &re) || re.Field != "attendee" {
			t.Errorf("err = %#v, want a RuleError on attendee", err)
		}
	})
	t.Run("a confirmation is what go-ical reads back as the confirmed event", func(t *testing.T) {
		inv := hostRequest()
		inv.Sequence = 3
		inv.Stamp = time.Date(2026, 2, 3, 16, 5, 0, 0, time.UTC)
		b, err := ical.Confirmed(inv, inv.Attendee.Email)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := ical.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		ev := cal.Events()[0]
		if s, _ := ev.Props.Text(goical.PropStatus); s != "CONFIRMED" {
			t.Errorf("STATUS = %q", s)
		}
		if seq := ev.Props.Get(goical.PropSequence).Value; seq != "3" {
			t.Errorf("SEQUENCE = %s, want the request's 3", seq)
		}
		att := ev.Props.Get(goical.PropAttendee)
		if att.Params.Get("PARTSTAT") != "ACCEPTED" || att.Params.Get("RSVP") != "FALSE" {
			t.Errorf("ATTENDEE params = %v", att.Params)
		}
	})
	t.Run("a decline to another address than the invited one carries no name", func(t *testing.T) {
		b, err := ical.DeclineCounter(hostRequest(), "MAILTO:deputy@bioregio-stern.example", "")
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if !strings.Contains(text, "ATTENDEE:mailto:deputy@bioregio-stern.example\r\n") || strings.Contains(text, "COMMENT") {
			t.Errorf("got\n%s", text)
		}
	})
	t.Run("a decline to no address is refused", func(t *testing.T) {
		if _, err := ical.DeclineCounter(hostRequest(), " ", "no"); err == nil {
			t.Error("no error")
		}
	})
}
