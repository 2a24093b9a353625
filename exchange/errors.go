package exchange

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned when a host, visitor or placement does not exist.
var ErrNotFound = errors.New("exchange: not found")

// RuleError is a broken booking or validation rule. Field names the input it concerns
// ("last", "capacity", "email" …) so a screen can show the message next to it; Rule is a
// stable short name of the rule (one of the Rule* constants).
//
// Reason is the English text that Error returns, for logs and scripts. What a person reads
// is built by package exchange/wording from Rule and the fields below, which carry what the
// message names: people and organisations by name, never by id, and dates as dates.
type RuleError struct {
	Field  string
	Rule   string
	Reason string

	Value        string // the input refused, or the character found in it (RuleControlChars)
	Host         string // the host's name
	Visitor      string // the visitor's name
	Organisation string // the visitor's organisation
	First, Last  Date   // the stay or period concerned
	NextFree     Date   // where one exists, the next day a stay of the same length could start
	Count, Limit int    // e.g. visitors booked and the host's capacity; working days and the minimum
	Amount       Cents  // the sum asked for
	Remaining    Cents  // what is left of the envelope
	Envelope     Cents  // the programme's budget
	Others       []Booked
}

// Booked names another placement that a rule refers to: who, where, when, in what status.
type Booked struct {
	Visitor, Host string
	First, Last   Date
	Status        Status
}

func (e *RuleError) Error() string { return e.Field + ": " + e.Reason }

func ruleErr(field, rule, format string, args ...any) *RuleError {
	return &RuleError{Field: field, Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

// Stable names of the rules, as RuleError.Rule.
const (
	RuleRequired         = "required"
	RuleFormat           = "format"
	RuleDateOrder        = "date-order"
	RuleMinWorkingDays   = "min-working-days"
	RuleMaxDuration      = "max-one-month"
	RuleCapacity         = "host-capacity"
	RuleClosedPeriod     = "host-closed"
	RuleVisitorBusy      = "visitor-overlap"
	RuleVisitOnce        = "organisation-visits-once"
	RuleControlChars     = "control-characters" // a control character in a field of text
	RuleDateRange        = "date-range"         // a date outside MinDate … MaxDate
	RuleBudget           = "budget"             // the lump sum would go over the envelope
	RuleEnvelopeFloor    = "envelope-floor"     // an envelope below what is committed and paid
	RuleAmountRange      = "amount-range"       // an amount outside 0 … MaxAmount
	RuleTransition       = "status-transition"  // a step the status flow does not allow
	RuleOrganiserMissing = "organiser-missing"  // mail needs the programme's organiser
	RuleCoordinates      = "coordinates"        // missing or impossible coordinates
	RuleStayNotOver      = "stay-not-over"      // completing a stay before its last day has passed
	RuleClosingReport    = "closing-report"     // completing without the closing report
	RuleChecklist        = "checklist"          // paying before every document is in
	RuleChecklistClosed  = "checklist-closed"   // ticking on a placement whose checklist is settled
	RuleNotMovable       = "reschedule"         // re-dating a placement whose status keeps its dates
	RuleSameDates        = "same-dates"         // re-dating to the dates it has
	RuleNotRepriceable   = "reprice"            // re-pricing a placement whose status keeps its price
	RuleUnknownCity      = "unknown-city"       // a city the gazetteer does not know
	RuleAmbiguousCity    = "ambiguous-city"     // a city name the gazetteer knows more than once
	RuleCountryGroup     = "country-group"      // a host country in no Erasmus+ country group
	RuleBackupTarget     = "backup"             // a backup onto the data file itself
	RuleRetry            = "retry"              // retrying a message that has not failed, or was superseded
	RuleKeyring          = "keyring"            // no keyring to keep a password in
)

// Problems are several errors reported together, usually *RuleError values: every broken
// rule of one form or booking. Error joins them with "; " on one line, so a command line
// prints them as one message; errors.Is, errors.As and Violations see each of them.
type Problems []error

func (p Problems) Error() string {
	s := make([]string, len(p))
	for i, e := range p {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

func (p Problems) Unwrap() []error { return p }

// Join returns nil for no errors, the error itself for one, and Problems for several. Nil
// errors are dropped.
func Join(errs ...error) error {
	var out Problems
	for _, e := range errs {
		if e != nil {
			out = append(out, e)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

// Violations returns every RuleError in err, which may be a single *RuleError or several
// joined with errors.Join or Join. It returns nil when err holds no rule errors.
func Violations(err error) []*RuleError {
	if err == nil {
		return nil
	}
	var out []*RuleError
	var walk func(error)
	walk = func(e error) {
		if re, ok := e.(*RuleError); ok {
			out = append(out, re)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			if x := u.Unwrap(); x != nil {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

// TransitionError refuses a status change that the flow does not allow. Visitor, Host,
// First and Last name the placement when the caller knows them (the store fills them in).
type TransitionError struct {
	From   Status
	Action Action

	Visitor, Host string
	First, Last   Date
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("status: a %s placement cannot be %s", e.From, e.Action.Past())
}

// Rule is RuleTransition, so a refused step can be told apart like a broken rule.
func (e *TransitionError) Rule() string { return RuleTransition }

// NotFoundError says which record was looked for and not found; it matches ErrNotFound.
type NotFoundError struct {
	Field string // the input that named it: "host", "visitor", "placement"
	ID    string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s: no %s with id %s", e.Field, e.Field, e.ID)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }
