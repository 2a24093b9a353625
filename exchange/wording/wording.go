// Package wording is a placeholder until the domain branch lands; it will be replaced whole.
package wording

import (
	"errors"
	"strings"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
)

func Date(d exchange.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format("2 Jan 2006")
}

func Range(first, last exchange.Date) string {
	f, l := first.Time(), last.Time()
	switch {
	case f.Year() != l.Year():
		return f.Format("2 Jan 2006") + " – " + l.Format("2 Jan 2006")
	case f.Month() != l.Month():
		return f.Format("2 Jan") + " – " + l.Format("2 Jan 2006")
	}
	return f.Format("2") + "–" + l.Format("2 Jan 2006")
}

func Stamp(t time.Time) string { return t.Local().Format("2 Jan 2006 15:04") }

func Violation(v *exchange.RuleError) string { return sentence(v.Reason) }

func Error(err error) string {
	if err == nil {
		return ""
	}
	if vs := exchange.Violations(err); len(vs) > 0 {
		var out []string
		for _, v := range vs {
			out = append(out, Violation(v))
		}
		return strings.Join(out, " ")
	}
	var te *exchange.TransitionError
	if errors.As(err, &te) {
		return sentence("a " + string(te.From) + " placement cannot be " + te.Action.Past())
	}
	s := err.Error()
	for _, p := range []string{"store: ", "exchange: "} {
		s = strings.TrimPrefix(s, p)
	}
	return sentence(s)
}

func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
