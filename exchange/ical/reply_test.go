package ical_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/ical"
)

// calendar joins lines with CRLF, as clients write them.
func calendar(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n") + "\r\n") }

// reply is a REPLY from the host, with extra event lines in place of the attendee line when
// given.
func reply(method string, event ...string) []byte {
	lines := []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"}
	if method != "" {
		lines = append(lines, "METHOD:"+method)
	}
	lines = append(lines, "BEGIN:VEVENT", "UID:p1@xchangedesk", "DTSTAMP:20260203T101500Z")
	lines = append(lines, event...)
	return calendar(append(lines, "END:VEVENT", "END:VCALENDAR")...)
}

const hostAccepts = "ATTENDEE;CN=Jürgen Weber;PARTSTAT=ACCEPTED:mailto:weber@bioregio-stern.example"

func TestReadReply(t *testing.T) {
	for _, tc := range []struct {
		name string
		text []byte
		want ical.Reply
	}{
		{"a plain REPLY gives its UID, attendee, answer and stamp",
			reply("REPLY", "SEQUENCE:2", hostAccepts, "ORGANIZER:mailto:office@s3martmed.example"),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Sequence: 2, Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", Name: "Jürgen Weber", PartStat: "ACCEPTED", Organizer: "office@s3martmed.example"}},
		{"no SEQUENCE is SEQUENCE 0 and no ORGANIZER is allowed, as Outlook sends",
			reply("REPLY", hostAccepts),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", Name: "Jürgen Weber", PartStat: "ACCEPTED"}},
		{"an upper-case MAILTO, a mixed-case address and a lower-case method are normalised",
			reply("reply", "ATTENDEE;PARTSTAT=declined:MAILTO: Weber@BioRegio-Stern.Example "),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", PartStat: "DECLINED"}},
		{"a quoted CN folded in the middle is unfolded",
			reply("REPLY", "ATTENDEE;ROLE=OPT-PARTICIPANT;CN=\"Jürgen", "  Weber\";PARTSTAT=TENTATIVE:MAILTO:weber@bioregio-stern.example"),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", Name: "Jürgen Weber", PartStat: "TENTATIVE"}},
		{"of several attendees, the one who answered is taken",
			reply("REPLY", "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:visitor@gapr.example", hostAccepts),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", Name: "Jürgen Weber", PartStat: "ACCEPTED"}},
		{"the organizer listed as an accepted attendee does not count as the one answering",
			reply("REPLY", "ORGANIZER:mailto:office@s3martmed.example", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:office@s3martmed.example", "ATTENDEE;PARTSTAT=DECLINED:mailto:weber@bioregio-stern.example"),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", PartStat: "DECLINED", Organizer: "office@s3martmed.example"}},
		{"an attendee without PARTSTAT has not answered yet",
			reply("REPLY", "ATTENDEE:mailto:weber@bioregio-stern.example"),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", PartStat: "NEEDS-ACTION"}},
		{"COMMENT is the comment, unescaped, commas and all",
			reply("REPLY", hostAccepts, `COMMENT:See you then\, and bring slides, please.\nJürgen`),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", Name: "Jürgen Weber", PartStat: "ACCEPTED", Comment: "See you then, and bring slides, please.\nJürgen"}},
		{"Apple's private comment stands in for a missing COMMENT",
			reply("REPLY", hostAccepts, `X-CALENDARSERVER-PRIVATE-COMMENT:Annotation\n`),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", Name: "Jürgen Weber", PartStat: "ACCEPTED", Comment: "Annotation"}},
		{"Google's X-RESPONSE-COMMENT parameter stands in for a missing COMMENT",
			reply("REPLY", `ATTENDEE;PARTSTAT=DECLINED;X-RESPONSE-COMMENT="Abgelehnt\, weil ich außer Haus bin":mailto:weber@bioregio-stern.example`),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", PartStat: "DECLINED", Comment: "Abgelehnt, weil ich außer Haus bin"}},
		{"a REPLY carries the event's days when it has them",
			reply("REPLY", hostAccepts, "DTSTART;VALUE=DATE:20260302", "DTEND;VALUE=DATE:20260307"),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", Name: "Jürgen Weber", PartStat: "ACCEPTED",
				First: exchange.MustDate("2026-03-02"), Last: exchange.MustDate("2026-03-06")}},
		{"a REPLY with unreadable dates is still a reply",
			reply("REPLY", hostAccepts, "DTSTART:soon"),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", Name: "Jürgen Weber", PartStat: "ACCEPTED"}},
		{"an occurrence's reply speaks for the event when nothing else does",
			reply("REPLY", hostAccepts, "RECURRENCE-ID:20260302T090000Z"),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", Name: "Jürgen Weber", PartStat: "ACCEPTED"}},
		{"a UTF-8 byte order mark and LF line ends are read",
			[]byte("\uFEFF" + strings.ReplaceAll(string(reply("REPLY", hostAccepts)), "\r\n", "\n")),
			ical.Reply{Method: "REPLY", UID: "p1@xchangedesk", Stamp: time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC),
				Attendee: "weber@bioregio-stern.example", Name: "Jürgen Weber", PartStat: "ACCEPTED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ical.ReadReply(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestReadCounterDates(t *testing.T) {
	for _, tc := range []struct {
		name        string
		dates       []string
		first, last string
	}{
		{"an all-day DTEND is exclusive", []string{"DTSTART;VALUE=DATE:20260413", "DTEND;VALUE=DATE:20260418"}, "2026-04-13", "2026-04-17"},
		{"a date without VALUE=DATE is a date", []string{"DTSTART:20260413", "DTEND:20260418"}, "2026-04-13", "2026-04-17"},
		{"an all-day event with no end is one day", []string{"DTSTART;VALUE=DATE:20260413"}, "2026-04-13", "2026-04-13"},
		{"an all-day DTEND equal to DTSTART is one day", []string{"DTSTART;VALUE=DATE:20260413", "DTEND;VALUE=DATE:20260413"}, "2026-04-13", "2026-04-13"},
		{"a DURATION of five days ends after the fifth", []string{"DTSTART;VALUE=DATE:20260413", "DURATION:P5D"}, "2026-04-13", "2026-04-17"},
		{"times in a Windows zone are their calendar dates", []string{`DTSTART;TZID=W. Europe Standard Time:20260413T090000`, `DTEND;TZID=W. Europe Standard Time:20260417T170000`}, "2026-04-13", "2026-04-17"},
		{"times in a quoted Windows zone are their calendar dates", []string{`DTSTART;TZID="Sarajevo, Skopje, Warsaw, Zagreb":20260413T093000`, `DTEND;TZID="Sarajevo, Skopje, Warsaw, Zagreb":20260417T133000`}, "2026-04-13", "2026-04-17"},
		{"an end at midnight does not count that day", []string{"DTSTART;TZID=Europe/Berlin:20260413T000000", "DTEND;TZID=Europe/Berlin:20260418T000000"}, "2026-04-13", "2026-04-17"},
		{"UTC times are their UTC dates", []string{"DTSTART:20260413T184500Z", "DTEND:20260413T194500Z"}, "2026-04-13", "2026-04-13"},
		{"a DURATION in hours stays within the day", []string{"DTSTART:20260413T090000", "DURATION:PT8H"}, "2026-04-13", "2026-04-13"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ical.ReadReply(reply("COUNTER", append([]string{"ATTENDEE;PARTSTAT=TENTATIVE:mailto:weber@bioregio-stern.example"}, tc.dates...)...))
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != ical.MethodCounter || r.First.String() != tc.first || r.Last.String() != tc.last {
				t.Errorf("%s %s … %s, want COUNTER %s … %s", r.Method, r.First, r.Last, tc.first, tc.last)
			}
		})
	}
}

func TestReadReplyRefuses(t *testing.T) {
	notAReply := []struct {
		name string
		text []byte
	}{
		{"a REQUEST is not a reply", reply("REQUEST", hostAccepts)},
		{"a CANCEL is not a reply", reply("CANCEL", hostAccepts)},
		{"a PUBLISH is not a reply", reply("PUBLISH", hostAccepts)},
		{"a calendar with no METHOD is not a reply", reply("", hostAccepts)},
		{"a REPLY about free/busy time is not a reply to an event", calendar("BEGIN:VCALENDAR", "METHOD:REPLY", "BEGIN:VFREEBUSY", "UID:x", "END:VFREEBUSY", "END:VCALENDAR")},
	}
	for _, tc := range notAReply {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ical.ReadReply(tc.text)
			if !errors.Is(err, ical.ErrNotAReply) {
				t.Fatalf("err = %v, want ErrNotAReply", err)
			}
			t.Log(err)
		})
	}
	broken := []struct {
		name, text, says string
	}{
		{"an empty text is refused", "", "empty"},
		{"a text that is no calendar is refused", "Hello,\r\nI accept.\r\n", "not a calendar"},
		{"a bare VEVENT is refused", "BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n", "bare VEVENT"},
		{"a calendar cut short is refused", "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\n", "ends before END:VCALENDAR"},
		{"a REPLY without an event is refused", string(calendar("BEGIN:VCALENDAR", "METHOD:REPLY", "END:VCALENDAR")), "holds no event"},
		{"a REPLY with two events is refused", string(calendar("BEGIN:VCALENDAR", "METHOD:REPLY", "BEGIN:VEVENT", "UID:a", "END:VEVENT", "BEGIN:VEVENT", "UID:b", "END:VEVENT", "END:VCALENDAR")), "holds 2 events"},
		{"a REPLY without UID is refused", string(calendar("BEGIN:VCALENDAR", "METHOD:REPLY", "BEGIN:VEVENT", "DTSTAMP:20260203T101500Z", hostAccepts, "END:VEVENT", "END:VCALENDAR")), "no UID"},
		{"a REPLY without DTSTAMP is refused", string(calendar("BEGIN:VCALENDAR", "METHOD:REPLY", "BEGIN:VEVENT", "UID:x", hostAccepts, "END:VEVENT", "END:VCALENDAR")), "no DTSTAMP"},
		{"a REPLY with a DTSTAMP that is no time is refused", string(calendar("BEGIN:VCALENDAR", "METHOD:REPLY", "BEGIN:VEVENT", "UID:x", "DTSTAMP:yesterday", hostAccepts, "END:VEVENT", "END:VCALENDAR")), "DTSTAMP \"yesterday\""},
		{"a REPLY with a SEQUENCE that is no number is refused", string(reply("REPLY", "SEQUENCE:two", hostAccepts)), "SEQUENCE \"two\""},
		{"a REPLY with a negative SEQUENCE is refused", string(reply("REPLY", "SEQUENCE:-1", hostAccepts)), "SEQUENCE \"-1\""},
		{"a REPLY without ATTENDEE is refused", string(reply("REPLY")), "no ATTENDEE"},
		{"a REPLY whose ATTENDEE has no address is refused", string(reply("REPLY", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:")), "no address"},
		{"a REPLY where two attendees answered is refused as ambiguous", string(reply("REPLY", hostAccepts, "ATTENDEE;PARTSTAT=DECLINED:mailto:visitor@gapr.example")), "2 attendees who answered"},
		{"a REPLY where none of several attendees answered is refused", string(reply("REPLY", "ATTENDEE:mailto:a@example.org", "ATTENDEE:mailto:b@example.org")), "none of them has answered"},
		{"a PARTSTAT for tasks is no answer to an event", string(reply("REPLY", "ATTENDEE;PARTSTAT=COMPLETED:mailto:weber@bioregio-stern.example")), "PARTSTAT COMPLETED"},
		{"a COUNTER without dates is refused", string(reply("COUNTER", hostAccepts)), "no readable dates"},
		{"a COUNTER with a start that is no date is refused", string(reply("COUNTER", hostAccepts, "DTSTART:2026-04-13")), "DTSTART \"2026-04-13\" is not a date"},
		{"a malformed parameter is refused, not a panic", "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nATTENDEE;CN=\"a\"b:mailto:x@y\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "malformed"},
		{"components nested very deep are refused before go-ical recurses", "BEGIN:VCALENDAR\r\n" + strings.Repeat("BEGIN:X\r\n", 100), "nests components"},
		{"a parameter longer than 16 KiB is refused before go-ical builds it", "BEGIN:VCALENDAR\r\nATTENDEE;CN=" + strings.Repeat("a", 20<<10) + ":mailto:x@y\r\nEND:VCALENDAR\r\n", "parameters longer than 16 KiB"},
	}
	for _, tc := range broken {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ical.ReadReply([]byte(tc.text))
			if err == nil || errors.Is(err, ical.ErrNotAReply) {
				t.Fatalf("err = %v, want a malformed-reply error", err)
			}
			if !strings.HasPrefix(err.Error(), "ical: ") || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %q, want it to say %q after \"ical: \"", err, tc.says)
			}
		})
	}
	t.Run("a calendar cut short is ErrNoCalendar", func(t *testing.T) {
		_, err := ical.ReadReply([]byte("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n"))
		if !errors.Is(err, ical.ErrNoCalendar) {
			t.Errorf("err = %v", err)
		}
	})
}

func ExampleReadReply() {
	r, err := ical.ReadReply([]byte("BEGIN:VCALENDAR\r\n" +
		"METHOD:REPLY\r\n" +
		"PRODID:-//Microsoft Corporation//Outlook for Mac MIMEDIR//EN\r\n" +
		"BEGIN:VEVENT\r\n" +
		"UID:0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk\r\n" +
		"DTSTAMP:20260203T101500Z\r\n" +
		"SEQUENCE:0\r\n" +
		"ATTENDEE;CN=\"Weber,\r\n" +
		"  Jürgen\";PARTSTAT=ACCEPTED:MAILTO:Weber@BioRegio-Stern.example\r\n" +
		"END:VEVENT\r\n" +
		"END:VCALENDAR\r\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Method, r.PartStat, r.Attendee, r.Name, r.Sequence, r.Stamp.Format(time.RFC3339))
	fmt.Printf("organizer %q\n", r.Organizer)

	_, err = ical.ReadReply(reply("REQUEST", hostAccepts))
	fmt.Println(err, errors.Is(err, ical.ErrNotAReply))
	// Output:
	// REPLY ACCEPTED weber@bioregio-stern.example Weber, Jürgen 0 2026-02-03T10:15:00Z
	// organizer ""
	// ical: not a reply: the calendar's METHOD is REQUEST true
}
