package exchange

import (
	"fmt"
	"time"
)

// Date is a calendar day with no time and no zone. The zero Date is "no date".
type Date struct {
	t time.Time // always midnight UTC
}

// DateLayout is how dates are written everywhere: in files, on the command line and in JSON.
const DateLayout = "2006-01-02"

// NewDate returns the given calendar day; out-of-range values normalise like time.Date.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD)", s)
	}
	return Date{t}, nil
}

// MustDate is ParseDate for constants in tests and seed data; it panics on a bad date.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// String returns YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(DateLayout)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time returns midnight UTC of the day.
func (d Date) Time() time.Time { return d.t }

// Weekday is the day of the week.
func (d Date) Weekday() time.Weekday { return d.t.Weekday() }

// IsWeekend reports whether d is a Saturday or a Sunday.
func (d Date) IsWeekend() bool {
	w := d.t.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// AddDays returns the day n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// Next returns the following day.
func (d Date) Next() Date { return d.AddDays(1) }

// SameDayNextMonth returns the same day of the following month, or that month's last day
// when it is shorter (31 January → 28 or 29 February).
func (d Date) SameDayNextMonth() Date {
	y, m, day := d.t.Date()
	firstOfNext := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)
	last := firstOfNext.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return NewDate(firstOfNext.Year(), firstOfNext.Month(), day)
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// DaysUntil is the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.t.Sub(d.t).Hours() / 24) }

// MarshalText writes YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD; an empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Period is a run of days from From to To, both included.
type Period struct {
	From, To Date
}

// Contains reports whether day lies in the period.
func (p Period) Contains(day Date) bool { return !day.Before(p.From) && !day.After(p.To) }

// Overlaps reports whether the two periods share at least one day.
func (p Period) Overlaps(q Period) bool { return !p.To.Before(q.From) && !q.To.Before(p.From) }

// Days is the number of days in the period.
func (p Period) Days() int { return p.From.DaysUntil(p.To) + 1 }

func (p Period) String() string { return p.From.String() + " … " + p.To.String() }

// The dates the desk accepts: a programme runs this century. A year outside it is a typing
// error, and would break the calendar formats (a DTEND of 10000-01-01, a year 0).
var (
	MinDate = NewDate(2000, time.January, 1)
	MaxDate = NewDate(2099, time.December, 31)
)

// InRange reports whether d lies from MinDate to MaxDate.
func (d Date) InRange() bool { return !d.Before(MinDate) && !d.After(MaxDate) }

// CheckDate refuses a date outside MinDate … MaxDate, naming field. The zero Date is left to
// the rules that require one.
func CheckDate(field string, d Date) error {
	if d.IsZero() || d.InRange() {
		return nil
	}
	return &RuleError{Field: field, Rule: RuleDateRange, Value: d.String(), First: MinDate, Last: MaxDate,
		Reason: fmt.Sprintf("%s is out of range: dates go from %s to %s", d, MinDate, MaxDate)}
}

// ParseDateInRange reads a YYYY-MM-DD date as a person typed it, and refuses one outside
// MinDate … MaxDate. Unlike ParseDate it never returns the zero Date without an error, so
// 0001-01-01 is out of range, not missing.
func ParseDateInRange(field, s string) (Date, error) {
	d, err := ParseDate(s)
	if err != nil {
		return Date{}, &RuleError{Field: field, Rule: RuleFormat, Value: s, Reason: err.Error()}
	}
	if d.IsZero() || !d.InRange() {
		return Date{}, &RuleError{Field: field, Rule: RuleDateRange, Value: s, First: MinDate, Last: MaxDate,
			Reason: fmt.Sprintf("%s is out of range: dates go from %s to %s", s, MinDate, MaxDate)}
	}
	return d, nil
}
