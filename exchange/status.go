package exchange

import (
	"fmt"
	"time"
)

// Status is where a placement stands in the flow
//
//	draft ─request─▶ requested ─confirm─▶ confirmed ─complete─▶ completed ─pay─▶ paid
//	  │                 │  └─decline─▶ declined
//	  └─────cancel──────┴──────cancel (also from confirmed)──────▶ cancelled
type Status string

// The statuses a placement can have.
const (
	Draft     Status = "draft"
	Requested Status = "requested"
	Confirmed Status = "confirmed"
	Declined  Status = "declined"
	Cancelled Status = "cancelled"
	Completed Status = "completed"
	Paid      Status = "paid"
)

// Statuses lists every status in flow order.
var Statuses = []Status{Draft, Requested, Confirmed, Completed, Paid, Declined, Cancelled}

// ParseStatus reads a status name.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", &RuleError{Field: "status", Rule: RuleFormat, Value: s, Reason: fmt.Sprintf("%q is not a status (want one of draft, requested, confirmed, completed, paid, declined, cancelled)", s)}
}

// HoldsPlace reports whether a placement in this status occupies a place at its host and
// in its visitor's calendar. Everything but declined and cancelled does, drafts included, so
// two drafts can never be confirmed into a double booking.
func (s Status) HoldsPlace() bool { return s != Declined && s != Cancelled }

// Action is a step in the status flow.
type Action string

// The actions staff (or a host's reply) can take on a placement.
const (
	Book     Action = "book"
	Request  Action = "request"
	Confirm  Action = "confirm"
	Decline  Action = "decline"
	Cancel   Action = "cancel"
	Complete Action = "complete"
	Pay      Action = "pay"
	// Not status changes, but recorded in the history too.
	Check         Action = "check"
	Uncheck       Action = "uncheck"
	Reschedule    Action = "reschedule"
	Reprice       Action = "reprice"
	HostChanged   Action = "host-changed"   // the host's name or address changed; calendars were updated
	Reply         Action = "reply"          // a host's or visitor's answer was read, applied or not
	Counter       Action = "counter"        // the host proposed other dates
	RefuseCounter Action = "refuse-counter" // staff refused the host's proposal; the dates stay
)

// Past is the action as a past participle, for messages and history.
func (a Action) Past() string {
	switch a {
	case Book:
		return "booked"
	case Request:
		return "requested"
	case Confirm:
		return "confirmed"
	case Decline:
		return "declined"
	case Cancel:
		return "cancelled"
	case Complete:
		return "completed"
	case Pay:
		return "paid"
	case Check:
		return "ticked"
	case Uncheck:
		return "unticked"
	case Reschedule:
		return "re-dated"
	case Reprice:
		return "re-priced"
	case HostChanged:
		return "updated with the host's new details"
	case Reply:
		return "answer read"
	case Counter:
		return "other dates proposed"
	case RefuseCounter:
		return "proposal refused"
	}
	return string(a)
}

// transitions says, for each action, which statuses it may start from and where it leads.
var transitions = map[Action]struct {
	from []Status
	to   Status
}{
	Request:  {[]Status{Draft}, Requested},
	Confirm:  {[]Status{Requested}, Confirmed},
	Decline:  {[]Status{Requested}, Declined},
	Cancel:   {[]Status{Draft, Requested, Confirmed}, Cancelled},
	Complete: {[]Status{Confirmed}, Completed},
	Pay:      {[]Status{Completed}, Paid},
}

// Allows reports whether action a may be taken on a placement in status s.
func (s Status) Allows(a Action) bool {
	t, ok := transitions[a]
	if !ok {
		return false
	}
	for _, f := range t.from {
		if f == s {
			return true
		}
	}
	return false
}

// Movable reports whether a placement in this status may be re-dated: one that holds a place
// and has not yet taken place (draft, requested, confirmed).
func (s Status) Movable() bool { return s.HoldsPlace() && s != Completed && s != Paid }

// Repriceable reports whether a placement in this status may be priced again: one that holds
// a place and has not been paid (draft, requested, confirmed, completed).
func (s Status) Repriceable() bool { return s.HoldsPlace() && s != Paid }

// Event is one line of a placement's history.
type Event struct {
	At     time.Time
	By     string // who did it: a staff member's login, or the mailbox a reply came from
	Action Action
	Detail string
}
