package exchange

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned when a host, visitor or placement does not exist.
var ErrNotFound = errors.New("exchange: not found")

// RuleError is a broken booking or validation rule. Field names the input it concerns
// ("last", "capacity", "email" …) so a screen can show the message next to it; Rule is a
// stable short name of the rule.
type RuleError struct {
	Field  string
	Rule   string
	Reason string
}

func (e *RuleError) Error() string { return e.Field + ": " + e.Reason }

func ruleErr(field, rule, format string, args ...any) *RuleError {
	return &RuleError{Field: field, Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

// Stable names of the rules, as RuleError.Rule.
const (
	RuleRequired       = "required"
	RuleFormat         = "format"
	RuleDateOrder      = "date-order"
	RuleMinWorkingDays = "min-working-days"
	RuleMaxDuration    = "max-one-month"
	RuleCapacity       = "host-capacity"
	RuleClosedPeriod   = "host-closed"
	RuleVisitorBusy    = "visitor-overlap"
	RuleVisitOnce      = "organisation-visits-once"
)

// Violations returns every RuleError in err, which may be a single *RuleError or several
// joined with errors.Join. It returns nil when err holds no rule errors.
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

// TransitionError refuses a status change that the flow does not allow.
type TransitionError struct {
	From   Status
	Action Action
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("status: a %s placement cannot be %s", e.From, e.Action.Past())
}

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
