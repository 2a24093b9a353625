package ical_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/ical"
)

// visit is the placement the examples talk about.
var visit = ical.Visit{
	Programme:   "S3martMed ClusterXchange",
	Visitor:     "Anna Nowak",
	VisitorOrg:  "GAPR-Medsilesia",
	Host:        "BioRegio STERN",
	HostAddress: "Friedrichstraße 10, 70174 Stuttgart, Germany",
	Contact:     ical.Person{Name: "Jürgen Weber", Email: "weber@bioregio-stern.example"},
	LumpSum:     exchange.Euros(1100),
	Goals:       "Meet three med-tech SMEs and the clinical trials team.",
	Documents:   []string{"Passport or ID card", "European Health Insurance Card", "Signed mobility agreement"},
}

// The host's availability request: the host contact is the attendee and answers from
// their calendar client. The event is tentative until they accept.
func ExampleRequest_hostAvailability() {
	cal, err := ical.Request(ical.Invitation{
		UID:       "0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk",
		Sequence:  0,
		Stamp:     time.Date(2026, 2, 2, 9, 30, 0, 0, time.UTC),
		First:     exchange.MustDate("2026-03-02"),
		Last:      exchange.MustDate("2026-03-06"),
		Organizer: ical.Person{Name: "S3martMed programme office", Email: "office@s3martmed.example"},
		Attendee:  visit.Contact,
		Tentative: true,
		Details:   ical.HostRequest(visit),
	})
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
	// ATTENDEE;CN=Jürgen Weber;CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;ROLE=REQ-
	//  PARTICIPANT;RSVP=TRUE:mailto:weber@bioregio-stern.example
	// DESCRIPTION:Availability request from S3martMed ClusterXchange.\n\nVisitor:
	//   Anna Nowak (GAPR-Medsilesia)\nHost: BioRegio STERN\, Friedrichstraße 10\
	//  , 70174 Stuttgart\, Germany\nHost contact: Jürgen Weber <weber@bioregio-s
	//  tern.example>\nGoals: Meet three med-tech SMEs and the clinical trials tea
	//  m.\n\nPlease accept or decline this invitation to tell the organiser wheth
	//  er you can receive the visitor on these days.
	// DTEND;VALUE=DATE:20260307
	// DTSTAMP:20260202T093000Z
	// DTSTART;VALUE=DATE:20260302
	// LOCATION:BioRegio STERN\, Friedrichstraße 10\, 70174 Stuttgart\, Germany
	// ORGANIZER;CN=S3martMed programme office:mailto:office@s3martmed.example
	// SEQUENCE:0
	// STATUS:TENTATIVE
	// SUMMARY:S3martMed ClusterXchange: Visitor Anna Nowak (GAPR-Medsilesia)
	// TRANSP:TRANSPARENT
	// UID:0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk
	// END:VEVENT
	// END:VCALENDAR
}

// The visitor's invitation after the host accepted: confirmed, with the lump sum and the
// documents to bring.
func ExampleRequest_visitorInvitation() {
	cal, err := ical.Request(ical.Invitation{
		UID:       "0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk",
		Sequence:  1,
		Stamp:     time.Date(2026, 2, 9, 14, 0, 0, 0, time.UTC),
		First:     exchange.MustDate("2026-03-02"),
		Last:      exchange.MustDate("2026-03-06"),
		Organizer: ical.Person{Name: "S3martMed programme office", Email: "office@s3martmed.example"},
		Attendee:  ical.Person{Name: "Anna Nowak", Email: "anna.nowak@gapr.example"},
		Details:   ical.VisitorInvitation(visit),
	})
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
	// ATTENDEE;CN=Anna Nowak;CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PAR
	//  TICIPANT;RSVP=TRUE:mailto:anna.nowak@gapr.example
	// DESCRIPTION:Your visit with S3martMed ClusterXchange.\n\nHost: BioRegio STE
	//  RN\, Friedrichstraße 10\, 70174 Stuttgart\, Germany\nContact on site: Jü
	//  rgen Weber <weber@bioregio-stern.example>\nLump sum: EUR 1\,100.00\nGoals:
	//   Meet three med-tech SMEs and the clinical trials team.\nDocuments to brin
	//  g:\n- Passport or ID card\n- European Health Insurance Card\n- Signed mobi
	//  lity agreement
	// DTEND;VALUE=DATE:20260307
	// DTSTAMP:20260209T140000Z
	// DTSTART;VALUE=DATE:20260302
	// LOCATION:BioRegio STERN\, Friedrichstraße 10\, 70174 Stuttgart\, Germany
	// ORGANIZER;CN=S3martMed programme office:mailto:office@s3martmed.example
	// SEQUENCE:1
	// STATUS:CONFIRMED
	// SUMMARY:S3martMed ClusterXchange: Visit to BioRegio STERN
	// TRANSP:TRANSPARENT
	// UID:0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk
	// END:VEVENT
	// END:VCALENDAR
}

// A cancellation carries the same UID and a SEQUENCE no lower than the last request's.
func ExampleCancel() {
	cal, err := ical.Cancel(ical.Invitation{
		UID:       "0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk",
		Sequence:  2,
		Stamp:     time.Date(2026, 2, 20, 8, 0, 0, 0, time.UTC),
		First:     exchange.MustDate("2026-03-02"),
		Last:      exchange.MustDate("2026-03-06"),
		Organizer: ical.Person{Name: "S3martMed programme office", Email: "office@s3martmed.example"},
		Attendee:  ical.Person{Name: "Anna Nowak", Email: "anna.nowak@gapr.example"},
		Details:   ical.Details{Summary: "S3martMed ClusterXchange: Visit to BioRegio STERN"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(strings.ReplaceAll(string(cal), "\r\n", "\n"))
	// Output:
	// BEGIN:VCALENDAR
	// CALSCALE:GREGORIAN
	// METHOD:CANCEL
	// PRODID:-//Xchange Desk//Xchange Desk//EN
	// VERSION:2.0
	// BEGIN:VEVENT
	// ATTENDEE;CN=Anna Nowak;CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PAR
	//  TICIPANT:mailto:anna.nowak@gapr.example
	// DTEND;VALUE=DATE:20260307
	// DTSTAMP:20260220T080000Z
	// DTSTART;VALUE=DATE:20260302
	// ORGANIZER;CN=S3martMed programme office:mailto:office@s3martmed.example
	// SEQUENCE:2
	// STATUS:CANCELLED
	// SUMMARY:S3martMed ClusterXchange: Visit to BioRegio STERN
	// TRANSP:TRANSPARENT
	// UID:0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk
	// END:VEVENT
	// END:VCALENDAR
}

func ExampleRequest_invalid() {
	_, err := ical.Request(ical.Invitation{
		UID:       "p1@xchangedesk",
		Stamp:     time.Date(2026, 2, 2, 9, 30, 0, 0, time.UTC),
		First:     exchange.MustDate("2026-03-06"),
		Last:      exchange.MustDate("2026-03-02"),
		Organizer: ical.Person{Email: "office@s3martmed.example"},
		Details:   ical.Details{Summary: "Visit"},
	})
	fmt.Println(err)
	for _, v := range exchange.Violations(err) {
		fmt.Printf("%s: %s\n", v.Field, v.Rule)
	}
	// Output:
	// ical: request: last: last day (2026-03-02) is before the first day (2026-03-06); attendee: is required
	// last: date-order
	// attendee: required
}
