package exchange

import (
	"fmt"
	"strings"
	"time"
)

// TravelDays says which ends of a stay are spent travelling rather than at the host.
type TravelDays string

// By default the first and the last day of a stay are travel days.
const (
	TravelBoth  TravelDays = "both"
	TravelFirst TravelDays = "first"
	TravelLast  TravelDays = "last"
	TravelNone  TravelDays = "none"
)

// ParseTravelDays reads both, first, last or none; "" is both.
func ParseTravelDays(s string) (TravelDays, error) {
	switch t := TravelDays(strings.ToLower(strings.TrimSpace(s))); t {
	case "":
		return TravelBoth, nil
	case TravelBoth, TravelFirst, TravelLast, TravelNone:
		return t, nil
	}
	e := ruleErr("travel_days", RuleFormat, "%q is not one of both, first, last, none", s)
	e.Value = s
	return "", e
}

// Placement is one visitor's stay at one host, from First to Last inclusive.
type Placement struct {
	ID        ID
	HostID    ID
	VisitorID ID
	First     Date
	Last      Date
	Travel    TravelDays
	Status    Status
	Goals     string
	UID       string // the iCalendar UID of every invitation about this placement
	Sequence  int    // the iCalendar SEQUENCE, raised on every change that matters
	Created   time.Time
	History   []Event

	// GreenTravel says the visitor travels by low-emission means (train, bus, car-sharing);
	// ExtraTravelDays are travel days funded beyond the stay's own, which green travel allows.
	GreenTravel     bool
	ExtraTravelDays int

	Price       *Breakdown    // the lump sum and how it was worked out; nil until priced
	Checklist   map[Item]Date // ticked items and the day they were ticked
	CompletedOn Date
	PaidOn      Date

	// HostAnswer and VisitorAnswer are the latest answers their calendars sent to the
	// invitation; nil until one came. Counter is a proposal of other dates from the host that
	// waits for staff to accept or refuse it.
	HostAnswer, VisitorAnswer *Answer
	Counter                   *Proposal
}

// Answer is an attendee's answer to an invitation, as their calendar sent it.
type Answer struct {
	Address  string    // the attendee, lower-case
	PartStat string    // ACCEPTED, DECLINED, TENTATIVE …
	Comment  string    // what they wrote, if anything
	Sequence int       // the SEQUENCE of the invitation they answered
	Stamp    time.Time // when their calendar wrote the answer (DTSTAMP)
	Read     time.Time // when the desk read it
	Source   string    // the file or the mailbox message it came from
}

// Proposal is a host's proposal of other dates (an iTIP COUNTER).
type Proposal struct {
	First, Last Date
	Comment     string
	Address     string
	Sequence    int
	Stamp       time.Time
	Source      string
}

// Period is the stay from first to last day.
func (p Placement) Period() Period { return Period{p.First, p.Last} }

// IsTravelDay reports whether day is one the booking spends travelling.
func (p Placement) IsTravelDay(day Date) bool {
	t := p.Travel
	if t == "" {
		t = TravelBoth
	}
	switch {
	case day == p.First && (t == TravelBoth || t == TravelFirst):
		return true
	case day == p.Last && (t == TravelBoth || t == TravelLast):
		return true
	}
	return false
}

// WorkingDays counts the days from first to last, inclusive, on which the visitor works at
// the host: Monday to Friday, outside the host's closed periods, and not a travel day.
func (p Placement) WorkingDays(h Host) int {
	if p.First.IsZero() || p.Last.IsZero() {
		return 0
	}
	n := 0
	for d := p.First; !d.After(p.Last); d = d.Next() {
		if !d.IsWeekend() && !h.ClosedOn(d) && !p.IsTravelDay(d) {
			n++
		}
	}
	return n
}

// TravelDayCount is the number of the stay's own days spent travelling (0 to 2).
func (p Placement) TravelDayCount() int {
	n := 0
	if p.IsTravelDay(p.First) {
		n++
	}
	if p.Last != p.First && p.IsTravelDay(p.Last) {
		n++
	}
	return n
}

// Apply takes action a on the placement, recording it in the history. It refuses actions the
// status flow does not allow, and completing a stay whose last day has not passed.
func (p *Placement) Apply(a Action, at time.Time, by, detail string) error {
	t, ok := transitions[a]
	if !ok || !p.Status.Allows(a) {
		return &TransitionError{From: p.Status, Action: a}
	}
	if a == Complete && !DateOf(at).After(p.Last) {
		e := ruleErr("status", RuleStayNotOver, "the stay ends on %s; it can be completed from the day after", p.Last)
		e.First, e.Last, e.NextFree = p.First, p.Last, p.Last.Next()
		return e
	}
	if a == Complete && !p.Ticked(ClosingReport) {
		return ruleErr("status", RuleClosingReport, "a placement is completed once its closing report is received and validated (tick closing-report)")
	}
	if a == Pay {
		if m := p.Missing(); len(m) > 0 {
			e := ruleErr("status", RuleChecklist, "the lump sum is paid once every document is in: %s", missingText(m))
			var labels []string
			for _, it := range m {
				labels = append(labels, it.Label())
			}
			e.Value, e.Count = strings.Join(labels, "; "), len(m)
			return e
		}
	}
	switch a {
	case Complete:
		p.CompletedOn = DateOf(at)
	case Pay:
		p.PaidOn = DateOf(at)
	}
	p.Status = t.to
	if !p.Status.Movable() {
		p.Counter = nil // a stay that cannot move has no proposal of other dates to answer
	}
	p.record(a, at, by, detail)
	return nil
}

func (p *Placement) record(a Action, at time.Time, by, detail string) {
	p.History = append(p.History, Event{At: at.UTC().Truncate(time.Second), By: by, Action: a, Detail: detail})
}

// NewPlacement prepares a draft placement booked at time at.
func NewPlacement(host, visitor ID, first, last Date, travel TravelDays, at time.Time, by string) Placement {
	if travel == "" {
		travel = TravelBoth
	}
	id := NewID()
	p := Placement{
		ID:        id,
		HostID:    host,
		VisitorID: visitor,
		First:     first,
		Last:      last,
		Travel:    travel,
		Status:    Draft,
		UID:       id.String() + "@xchangedesk",
		Created:   at.UTC().Truncate(time.Second),
	}
	p.record(Book, at, by, fmt.Sprintf("%s … %s, travel days: %s", first, last, travel))
	return p
}
