package ical

import (
	"fmt"
	"strings"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// MethodDeclineCounter is how the organizer refuses an attendee's COUNTER (RFC 5546
// § 3.2.8).
const MethodDeclineCounter = "DECLINECOUNTER"

// Confirmed returns the REQUEST that goes back to the host once they accepted: the same UID
// and SEQUENCE as the request they answered, a newer DTSTAMP (inv.Stamp), STATUS:CONFIRMED,
// and the attendee whose address is accepted with PARTSTAT=ACCEPTED;RSVP=FALSE. Their
// calendar then shows the stay confirmed and asks them nothing more; a client that already
// holds the event at this SEQUENCE takes it as the organizer's latest copy (RFC 5546
// § 2.1.5). accepted is compared as ReadReply gives it: mailto: stripped, in any case.
func Confirmed(inv Invitation, accepted string) ([]byte, error) {
	if address(accepted) != address(inv.Attendee.Email) {
		return nil, fmt.Errorf("ical: request: %w", &exchange.RuleError{
			Field: "attendee", Rule: exchange.RuleFormat,
			Reason: fmt.Sprintf("%q who accepted is not the attendee of this invitation (%s)", strings.TrimSpace(accepted), inv.Attendee.Email),
		})
	}
	return build(inv, shape{method: MethodRequest, whole: true, status: "CONFIRMED", partStat: PartStatAccepted, rsvp: "FALSE"})
}

// DeclineCounter returns the METHOD:DECLINECOUNTER that refuses the dates the attendee to
// proposed in a COUNTER, for inv's UID and SEQUENCE, with comment as the COMMENT people read
// (none when empty). The event stays as inv has it; like RFC 5546 § 3.2.8, the calendar names
// the event and carries no dates or text of its own.
func DeclineCounter(inv Invitation, to string, comment string) ([]byte, error) {
	if address(to) != address(inv.Attendee.Email) {
		inv.Attendee = Person{Email: address(to)} // someone else proposed: no name known
	}
	return build(inv, shape{method: MethodDeclineCounter, comment: comment})
}
