// Package ical builds the iTIP calendars (RFC 5546) that Xchange Desk sends for a placement:
// a REQUEST that asks a host for availability or invites a visitor, the same REQUEST again with
// a higher SEQUENCE when the dates change, and a CANCEL when the placement is cancelled.
//
// Placements are day-granular, so every event is an all-day event: DTSTART;VALUE=DATE is the
// first day and DTEND;VALUE=DATE the day after the last day (DTEND is exclusive). There is no
// TZID and no VTIMEZONE. The output is deterministic for the same input: properties come in
// go-ical's fixed (alphabetical) order, and lines are folded at 75 octets, never inside a
// UTF-8 sequence, so the same Invitation always gives the same bytes.
//
// Once the host accepted, Confirmed is the same REQUEST with their answer recorded; a host's
// proposal of other dates that staff refuse is answered with DeclineCounter.
//
// The package builds on github.com/emersion/go-ical. Parse reads what other clients send
// without letting a malformed file panic; ReadReply reads an attendee's REPLY or COUNTER
// from it, as Google, Outlook, Exchange, Apple and Android clients write them.
package ical

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// ProductID is the PRODID of every calendar this package writes.
const ProductID = "-//Xchange Desk//Xchange Desk//EN"

// The iTIP methods this package writes (RFC 5546 § 1.4). The MIME part that carries the
// calendar must name the same method in its method= parameter.
const (
	MethodRequest = "REQUEST"
	MethodCancel  = "CANCEL"
)

// Person is a calendar user: the organiser or an attendee.
type Person struct {
	Name  string // the common name (CN) clients show; may be empty
	Email string // a bare address such as ana@example.org
}

// Invitation is one all-day event for one attendee, as it goes out in one message.
type Invitation struct {
	// UID identifies the placement's event in every calendar, forever: updates and
	// cancellations carry the same UID.
	UID string
	// Sequence goes up by one on every change that matters (dates, host, location), and for
	// a cancellation (RFC 5546 § 2.1.4); clients ignore a message whose SEQUENCE is lower
	// than the one they already have.
	Sequence int
	// Stamp is when this message was created (DTSTAMP, written in UTC): new on every
	// message, supplied by the caller so the output is reproducible.
	Stamp time.Time
	// First and Last are the first and last day of the stay, both included.
	First, Last exchange.Date
	// Organizer is the programme's organiser: the From address of the message, and where
	// replies go.
	Organizer Person
	// Attendee is the one person this message is for: the host contact for an
	// availability request, the visitor for an invitation.
	Attendee Person
	// Tentative marks an event whose placement still waits for the host's answer (an
	// availability request, or an update sent before the host accepted): STATUS:TENTATIVE
	// instead of STATUS:CONFIRMED. It does not apply to a CANCEL.
	Tentative bool
	// Details are the SUMMARY, LOCATION and DESCRIPTION people read; HostRequest and
	// VisitorInvitation write them from a Visit.
	Details
}

// Details is the text of an event: what, where and with whom.
type Details struct {
	Summary     string // the event's title
	Location    string // the host's name and address
	Description string // several lines of plain text
}

// Request returns the iCalendar text of a METHOD:REQUEST for inv: a new invitation, or an
// update when an earlier one with the same UID and a lower Sequence was sent. The attendee is
// asked to reply (RSVP=TRUE, PARTSTAT=NEEDS-ACTION), so accepting in a calendar client sends
// an iTIP REPLY to the organiser. The event is TRANSP:TRANSPARENT: a placement does not mark
// the attendee busy for whole days in their calendar.
func Request(inv Invitation) ([]byte, error) {
	status := "CONFIRMED"
	if inv.Tentative {
		status = "TENTATIVE"
	}
	return build(inv, shape{method: MethodRequest, whole: true, status: status, partStat: PartStatNeedsAction, rsvp: "TRUE"})
}

// Cancel returns the iCalendar text of a METHOD:CANCEL with STATUS:CANCELLED for inv. It
// must carry the UID of the invitation it cancels and a Sequence no lower than that
// invitation's; calendar clients then remove the event.
func Cancel(inv Invitation) ([]byte, error) {
	return build(inv, shape{method: MethodCancel, whole: true, status: "CANCELLED", partStat: PartStatNeedsAction})
}

// shape is what tells the calendars this package writes apart; build writes them all.
type shape struct {
	method string
	// whole writes the whole event (dates, SUMMARY, LOCATION, DESCRIPTION, TRANSP, the
	// attendee's CUTYPE and ROLE); without it the event is only named, by UID, SEQUENCE,
	// DTSTAMP, ORGANIZER and ATTENDEE, as RFC 5546 § 3.2.8 has a DECLINECOUNTER.
	whole    bool
	status   string // STATUS; "" writes none
	partStat string // the attendee's PARTSTAT; "" writes none
	rsvp     string // the attendee's RSVP; "" writes none
	comment  string // COMMENT; "" writes none
}

func build(inv Invitation, s shape) ([]byte, error) {
	if err := inv.validate(); err != nil {
		return nil, fmt.Errorf("ical: %s: %w", strings.ToLower(s.method), err)
	}

	event := goical.NewEvent()
	event.Props.SetText(goical.PropUID, inv.UID)
	seq := goical.NewProp(goical.PropSequence)
	seq.Value = fmt.Sprint(inv.Sequence)
	event.Props.Set(seq)
	event.Props.SetDateTime(goical.PropDateTimeStamp, inv.Stamp.UTC().Truncate(time.Second))
	if s.whole {
		event.Props.SetDate(goical.PropDateTimeStart, inv.First.Time())
		event.Props.SetDate(goical.PropDateTimeEnd, inv.Last.Next().Time())
		event.Props.SetText(goical.PropSummary, cleanText(inv.Summary))
		if loc := cleanText(inv.Location); loc != "" {
			event.Props.SetText(goical.PropLocation, loc)
		}
		if desc := cleanText(inv.Description); desc != "" {
			event.Props.SetText(goical.PropDescription, desc)
		}
		event.Props.SetText(goical.PropTransparency, "TRANSPARENT")
	}
	if s.status != "" {
		event.Props.SetText(goical.PropStatus, s.status)
	}
	if c := cleanText(s.comment); c != "" {
		event.Props.SetText(goical.PropComment, c)
	}

	organizer := goical.NewProp(goical.PropOrganizer)
	organizer.Value = "mailto:" + inv.Organizer.Email
	if cn := cleanName(inv.Organizer.Name); cn != "" {
		organizer.Params.Set(goical.ParamCommonName, cn)
	}
	event.Props.Set(organizer)

	attendee := goical.NewProp(goical.PropAttendee)
	attendee.Value = "mailto:" + inv.Attendee.Email
	if cn := cleanName(inv.Attendee.Name); cn != "" {
		attendee.Params.Set(goical.ParamCommonName, cn)
	}
	if s.whole {
		attendee.Params.Set(goical.ParamCalendarUserType, "INDIVIDUAL")
		attendee.Params.Set(goical.ParamRole, "REQ-PARTICIPANT")
	}
	if s.partStat != "" {
		attendee.Params.Set(goical.ParamParticipationStatus, s.partStat)
	}
	if s.rsvp != "" {
		attendee.Params.Set(goical.ParamRSVP, s.rsvp)
	}
	event.Props.Set(attendee)

	cal := goical.NewCalendar()
	cal.Props.SetText(goical.PropProductID, ProductID)
	cal.Props.SetText(goical.PropVersion, "2.0")
	cal.Props.SetText(goical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(goical.PropMethod, s.method)
	cal.Children = append(cal.Children, event.Component)

	var buf bytes.Buffer
	if err := goical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("ical: %s: %w", strings.ToLower(s.method), err)
	}
	return fold(buf.Bytes()), nil
}

// validate checks what the calendar needs; problems are *exchange.RuleError values joined,
// named after the Invitation's fields.
func (inv Invitation) validate() error {
	var errs []error
	add := func(field, rule, format string, args ...any) {
		errs = append(errs, &exchange.RuleError{Field: field, Rule: rule, Reason: fmt.Sprintf(format, args...)})
	}
	switch {
	case strings.TrimSpace(inv.UID) == "":
		add("uid", exchange.RuleRequired, "is required")
	case strings.ContainsAny(inv.UID, "\r\n"):
		add("uid", exchange.RuleFormat, "must be one line")
	}
	if inv.Sequence < 0 {
		add("sequence", exchange.RuleFormat, "must not be negative (got %d)", inv.Sequence)
	}
	if inv.Stamp.IsZero() {
		add("stamp", exchange.RuleRequired, "is required")
	}
	switch {
	case inv.First.IsZero():
		add("first", exchange.RuleRequired, "is required")
	case inv.Last.IsZero():
		add("last", exchange.RuleRequired, "is required")
	case inv.Last.Before(inv.First):
		add("last", exchange.RuleDateOrder, "last day (%s) is before the first day (%s)", inv.Last, inv.First)
	}
	if err := exchange.CheckEmail("organizer", inv.Organizer.Email); err != nil {
		errs = append(errs, err)
	}
	if err := exchange.CheckEmail("attendee", inv.Attendee.Email); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(inv.Summary) == "" {
		add("summary", exchange.RuleRequired, "is required")
	}
	return exchange.Join(errs...)
}

// cleanText prepares a TEXT value: line breaks become LF, which go-ical escapes as \n (a CR
// would make the encoder fail), and trailing space goes.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

// cleanName prepares a CN parameter, which cannot hold a double quote or a control
// character (RFC 5545 § 3.1, param-value).
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r < ' ' || r == 0x7f:
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
