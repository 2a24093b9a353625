// Package wording turns the desk's values and errors into the text a person reads: dates in
// the locale's style, and refusals built from the fields of *exchange.RuleError and the other
// typed errors, one sentence each, starting with a capital letter and naming people and dates
// rather than ids. The GUI and the command line both say things through this package, so they
// say them alike; a later translation replaces the sentences here.
//
// What programs read keeps ISO dates and plain numbers: command-line input, --json, CSV and
// XLSX never go through this package.
package wording

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// style is how one locale writes days, runs of days and moments.
type style struct {
	date      string // one day
	sameMonth func(f, l time.Time) string
	sameYear  func(f, l time.Time) string
	stamp     string
}

var (
	// British English, the default: 2 Jan 2006, 15–19 Mar 2027, 30 Nov – 4 Dec 2026.
	british = &style{
		date:      "2 Jan 2006",
		sameMonth: func(f, l time.Time) string { return f.Format("2") + "–" + l.Format("2 Jan 2006") },
		sameYear:  func(f, l time.Time) string { return f.Format("2 Jan") + " – " + l.Format("2 Jan 2006") },
		stamp:     "2 Jan 2006 15:04",
	}
	// American English: Jan 2, 2006, Mar 15–19, 2027, Nov 30 – Dec 4, 2026.
	american = &style{
		date:      "Jan 2, 2006",
		sameMonth: func(f, l time.Time) string { return f.Format("Jan 2") + "–" + l.Format("2, 2006") },
		sameYear:  func(f, l time.Time) string { return f.Format("Jan 2") + " – " + l.Format("Jan 2, 2006") },
		stamp:     "Jan 2, 2006 3:04 PM",
	}
	// Day.month.year, as most of central and northern Europe writes dates: 2.1.2006,
	// 15.–19.3.2027, 30.11. – 4.12.2026. Numbers need no translation of month names.
	dotted = &style{
		date:      "2.1.2006",
		sameMonth: func(f, l time.Time) string { return f.Format("2.") + "–" + l.Format("2.1.2006") },
		sameYear:  func(f, l time.Time) string { return f.Format("2.1.") + " – " + l.Format("2.1.2006") },
		stamp:     "2.1.2006 15:04",
	}
)

// dottedLanguages write dates day.month.year.
var dottedLanguages = map[string]bool{"de": true, "pl": true, "cs": true, "sk": true, "fi": true, "nb": true,
	"nn": true, "no": true, "da": true, "ro": true, "hr": true, "sl": true, "et": true, "tr": true, "ru": true,
	"uk": true, "sr": true, "bg": true}

var current atomic.Pointer[style]

func init() { current.Store(british) }

func now() *style { return current.Load() }

// SetLocale picks the date style from a locale tag such as en_GB.UTF-8, en-US or de_DE. An
// empty tag reads the environment as the C library does: LC_ALL, then LC_TIME, then LANG.
// American English writes "Mar 15–19, 2027"; German, Polish, Czech, the Nordic languages and
// their neighbours write "15.–19.3.2027"; everything else, "C" included, the British
// "15–19 Mar 2027". It is safe to call while other goroutines format.
func SetLocale(tag string) {
	if tag == "" {
		for _, v := range []string{"LC_ALL", "LC_TIME", "LANG"} {
			if tag = os.Getenv(v); tag != "" {
				break
			}
		}
	}
	current.Store(styleOf(tag))
}

func styleOf(tag string) *style {
	tag, _, _ = strings.Cut(tag, ".")
	tag, _, _ = strings.Cut(tag, "@")
	lang, region, _ := strings.Cut(strings.ReplaceAll(tag, "-", "_"), "_")
	lang, region = strings.ToLower(lang), strings.ToUpper(region)
	switch {
	case lang == "en" && region == "US":
		return american
	case dottedLanguages[lang]:
		return dotted
	}
	return british
}

// Date writes one day: "2 Jan 2006" (in the British style); "" for the zero Date.
func Date(d exchange.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format(now().date)
}

// Range writes a run of days briefly: "15–19 Mar 2027", "30 Nov – 4 Dec 2026",
// "28 Dec 2026 – 3 Jan 2027", or one date when first and last are the same day.
func Range(first, last exchange.Date) string {
	switch {
	case first.IsZero() && last.IsZero():
		return ""
	case first.IsZero():
		return Date(last)
	case last.IsZero(), first == last:
		return Date(first)
	}
	st := now()
	f, l := first.Time(), last.Time()
	switch {
	case f.Year() != l.Year():
		return f.Format(st.date) + " – " + l.Format(st.date)
	case f.Month() != l.Month():
		return st.sameYear(f, l)
	}
	return st.sameMonth(f, l)
}

// Period is Range of a period.
func Period(p exchange.Period) string { return Range(p.From, p.To) }

// Stamp writes a moment in the local time zone: "2 Jan 2006 15:04".
func Stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(now().stamp)
}

// Error says err in sentences: every broken rule it holds, a refused status change, a missing
// record, in words built from the errors' fields. Anything else is said as its own message.
// The result is one line.
func Error(err error) string {
	if err == nil {
		return ""
	}
	var out []string
	if vs := exchange.Violations(err); len(vs) > 0 {
		for _, v := range vs {
			out = append(out, Violation(v))
		}
		return oneLine(strings.Join(out, " "))
	}
	var te *exchange.TransitionError
	var nf *exchange.NotFoundError
	var said interface{ Sentence() string } // an error that says itself for people
	switch {
	case errors.As(err, &te):
		return oneLine(Transition(te))
	case errors.As(err, &said):
		return oneLine(sentence(said.Sentence()))
	case errors.As(err, &nf):
		return oneLine(sentence(fmt.Sprintf("there is no %s with the id %s", strings.TrimPrefix(noun(nf.Field), "the "), nf.ID)))
	case errors.Is(err, exchange.ErrOverflow):
		return "The amounts add up to more than the desk can count."
	}
	return oneLine(sentence(err.Error()))
}

// Transition says why a status change was refused.
func Transition(te *exchange.TransitionError) string {
	past := te.Action.Past()
	if te.Visitor != "" && te.Host != "" {
		return sentence(fmt.Sprintf("%s at %s (%s) is %s, so it cannot be %s", te.Visitor, te.Host,
			Range(te.First, te.Last), te.From, past))
	}
	return sentence(fmt.Sprintf("a %s placement cannot be %s", te.From, past))
}

// Violation says one broken rule as a sentence, or two when there is a way out to suggest.
func Violation(v *exchange.RuleError) string {
	if v == nil {
		return ""
	}
	label := noun(v.Field)
	switch v.Rule {
	case exchange.RuleRequired:
		switch v.Field {
		case "host", "visitor":
			return sentence("choose " + article(v.Field))
		case "first", "last":
			return sentence(label + " is required")
		case "closed":
			return "A closed period needs a first and a last day."
		}
	case exchange.RuleControlChars:
		var r rune
		fmt.Sscanf(v.Value, "U+%X", &r)
		switch r {
		case '\n', 0x85, 0x2028, 0x2029:
			return sentence(fmt.Sprintf("%s must be one line: it holds a line break", label))
		}
		return sentence(fmt.Sprintf("%s holds %s (%s), which cannot be saved; type it again in plain characters",
			label, exchange.ControlName(r), v.Value))
	case exchange.RuleFormat:
		if w := formatWords(v, label); w != "" {
			return w
		}
	case exchange.RuleDateRange:
		return sentence(fmt.Sprintf("%s, %s, is out of range: dates go from %s to %s", label, v.Value,
			Date(exchange.MinDate), Date(exchange.MaxDate)))
	case exchange.RuleDateOrder:
		if v.Field == "closed" {
			return sentence(fmt.Sprintf("the closed period ends on %s, before it starts on %s", Date(v.Last), Date(v.First)))
		}
		return sentence(fmt.Sprintf("the last day, %s, comes before the first day, %s", Date(v.Last), Date(v.First)))
	case exchange.RuleMaxDuration:
		return sentence(fmt.Sprintf("a stay lasts at most one month: starting on %s, the last day can be %s at the latest",
			Date(v.First), Date(v.Last)))
	case exchange.RuleMinWorkingDays:
		return sentence(fmt.Sprintf("%s gives %d working %s at %s, not counting weekends, closed days or travel days; at least %d are needed",
			Range(v.First, v.Last), v.Count, plural(v.Count, "day", "days"), orThe(v.Host, "host"), v.Limit)) + nextFree(v)
	case exchange.RuleCapacity:
		if v.Field == "capacity" {
			return sentence(fmt.Sprintf("%d visitors are booked at %s on %s, so the capacity cannot be lower",
				v.Count, orThe(v.Host, "host"), Date(v.First)))
		}
		return sentence(fmt.Sprintf("%s is full on %s (%s)", v.Host, Range(v.First, v.Last), who(v.Others))) + nextFree(v)
	case exchange.RuleClosedPeriod:
		if v.Field == "closed" && len(v.Others) > 0 {
			o := v.Others[0]
			stay := "a stay"
			if o.Visitor != "" {
				stay = o.Visitor + "’s stay"
			}
			advice := "cancel or move it first"
			if o.Status == exchange.Completed || o.Status == exchange.Paid {
				advice = "the stay took place then"
			}
			return sentence(fmt.Sprintf("the closed period %s falls on %s, %s (%s): %s",
				Range(v.First, v.Last), stay, Range(o.First, o.Last), o.Status, advice))
		}
		why := ""
		if v.Value != "" {
			why = " (" + v.Value + ")"
		}
		return sentence(fmt.Sprintf("%s is closed on %s%s", v.Host, Range(v.First, v.Last), why)) + nextFree(v)
	case exchange.RuleVisitorBusy:
		var where []string
		for _, o := range v.Others {
			where = append(where, fmt.Sprintf("at %s on %s (%s)", o.Host, Range(o.First, o.Last), o.Status))
		}
		return sentence(fmt.Sprintf("%s is already booked %s", v.Visitor, strings.Join(where, " and "))) + nextFree(v)
	case exchange.RuleVisitOnce:
		if len(v.Others) > 0 {
			o := v.Others[0]
			return sentence(fmt.Sprintf("%s already has a visit in the scheme: %s at %s, %s (%s)", v.Organisation,
				o.Visitor, o.Host, Range(o.First, o.Last), o.Status)) + " An organisation visits only once."
		}
		return sentence(fmt.Sprintf("%s already has a visit in the scheme, and so has %s", v.Organisation,
			orThe(v.Visitor, "visitor"))) + " An organisation visits only once."
	case exchange.RuleBudget:
		return sentence(fmt.Sprintf("this needs %s, but only %s of the programme’s %s remains: %s is missing",
			v.Amount, v.Remaining, v.Envelope, v.Amount-v.Remaining))
	case exchange.RuleEnvelopeFloor:
		if v.Envelope == 0 {
			return sentence(fmt.Sprintf("%s is already committed or paid, so the envelope cannot be removed", v.Amount))
		}
		return sentence(fmt.Sprintf("%s is already committed or paid, so the envelope cannot be %s", v.Amount, v.Envelope))
	case exchange.RuleAmountRange:
		what := label
		if v.Field == "rates" && v.Value != "" {
			what = "the rate tables’ " + v.Value
		}
		if v.Amount < 0 {
			return sentence(what + " cannot be negative")
		}
		if v.Field != "rates" && v.Value != "" {
			what += ", " + strings.TrimSpace(v.Value) + ","
		}
		return sentence(fmt.Sprintf("%s is too large: amounts go up to %s", what, exchange.MaxAmount))
	case exchange.RuleOrganiserMissing:
		return "Set the organiser first: the name and e-mail address of the mailbox that sends the invitations."
	case exchange.RuleCoordinates:
		switch {
		case v.Host != "":
			return sentence(v.Host + " has no coordinates: edit the host’s city, or give its latitude and longitude")
		case v.Visitor != "":
			return sentence(fmt.Sprintf("%s (%s) has no coordinates: edit the visitor’s city, or give its latitude and longitude",
				v.Visitor, v.Organisation))
		case v.Value == "":
			return "Coordinates must be numbers in decimal degrees."
		case v.Field == "lat":
			return sentence(fmt.Sprintf("the latitude %s is not between -90 and 90", v.Value))
		case v.Field == "lon":
			return sentence(fmt.Sprintf("the longitude %s is not between -180 and 180", v.Value))
		}
	case exchange.RuleStayNotOver:
		return sentence(fmt.Sprintf("the stay ends on %s; it can be completed from %s", Date(v.Last), Date(v.NextFree)))
	case exchange.RuleClosingReport:
		return sentence(fmt.Sprintf("a placement is completed once its closing report is received and validated: tick “%s” first",
			exchange.ClosingReport.Label()))
	case exchange.RuleChecklist:
		return sentence("the lump sum is paid once every document is in; still missing: " + v.Value)
	case exchange.RuleNotMovable:
		return sentence(fmt.Sprintf("%s is %s, so its dates cannot change", stay(v), v.Value))
	case exchange.RuleNotRepriceable:
		return sentence(fmt.Sprintf("%s is %s, so it keeps its price", stay(v), v.Value))
	case exchange.RuleSameDates:
		return sentence(fmt.Sprintf("the placement is on %s already", Range(v.First, v.Last)))
	case exchange.RuleCountryGroup:
		return sentence(fmt.Sprintf("%s is in no Erasmus+ country group: add it to the rate tables", exchange.CountryName(v.Value)))
	}
	if v.Field == "rates" && v.Value != "" {
		return sentence("in the rate tables, " + v.Reason)
	}
	return fallback(v, label)
}

// formatWords says that an input is not of the form its field needs, for the inputs people
// type most: addresses, countries, dates, amounts and ids. It returns "" for the others.
func formatWords(v *exchange.RuleError, label string) string {
	if v.Value == "" {
		return ""
	}
	q := fmt.Sprintf("%q", v.Value)
	switch v.Field {
	case "email":
		return sentence(fmt.Sprintf("%s %s is not valid; write it as name@example.org", label, q))
	case "country":
		return sentence(fmt.Sprintf("%s %s is not an ISO 3166-1 country code, such as FR, DE or ES", label, q))
	case "amount", "envelope":
		return sentence(fmt.Sprintf("%s %s is not an amount in euros, such as 40000 or 40,000.00", label, q))
	case "first", "last", "from", "to":
		return sentence(fmt.Sprintf("%s %s is not a date; write it as YYYY-MM-DD", label, q))
	case "host", "visitor", "placement":
		return sentence(fmt.Sprintf("%s is not an id of %s", q, article(v.Field)))
	}
	return ""
}

// fallback says a rule this package has no sentence of its own for, from its Reason: a
// reason that only says what is wrong with the field ("is required", "must be …") is given the
// field's name as its subject.
func fallback(v *exchange.RuleError, label string) string {
	r := strings.TrimSpace(v.Reason)
	for _, verb := range []string{"is ", "must ", "cannot ", "needs ", "has ", "holds "} {
		if strings.HasPrefix(r, verb) {
			return sentence(label + " " + r)
		}
	}
	if r == "" {
		return sentence(label + " is not valid")
	}
	return sentence(r)
}

func nextFree(v *exchange.RuleError) string {
	if v.NextFree.IsZero() {
		return ""
	}
	return " The next free start for a stay of the same length is " + Date(v.NextFree) + "."
}

// who names the placements holding the places: "Martin Kováč, draft; Eva Novak, confirmed".
func who(bs []exchange.Booked) string {
	var out []string
	for _, b := range bs {
		name := b.Visitor
		if name == "" {
			name = "another visitor"
		}
		out = append(out, name+", "+string(b.Status))
	}
	return strings.Join(out, "; ")
}

func stay(v *exchange.RuleError) string {
	if v.Visitor != "" && v.Host != "" {
		return fmt.Sprintf("%s at %s (%s)", v.Visitor, v.Host, Range(v.First, v.Last))
	}
	return "the placement"
}

func orThe(name, thing string) string {
	if name != "" {
		return name
	}
	return "the " + thing
}

// nouns name the fields of forms and commands as a sentence's subject.
var nouns = map[string]string{
	"name": "the name", "email": "the e-mail address", "organisation": "the organisation",
	"contact": "the contact person", "city": "the city", "country": "the country", "address": "the address",
	"partnership": "the partnership", "topics": "a topic", "kind": "the kind of organisation",
	"first": "the first day", "last": "the last day", "closed": "the closed period", "from": "the first closed day",
	"to": "the last closed day", "reason": "the reason", "goals": "the goals", "capacity": "the capacity",
	"envelope": "the envelope", "amount": "the amount", "budget": "the budget", "lump_sum": "the lump sum",
	"host": "the host", "visitor": "the visitor", "placement": "the placement", "status": "the status",
	"travel_days": "the travel days", "extra_travel_days": "the number of extra travel days",
	"lat": "the latitude", "lon": "the longitude", "user": "the user name", "port": "the port",
	"tls": "the connection security", "smtp": "the mail server settings", "password": "the password",
	"file": "the file", "dir": "the folder", "note": "the note", "item": "the checklist item",
	"profile": "the rate profile", "organiser": "the organiser", "rates": "the rate tables",
	"message": "the message", "format": "the format",
}

func noun(field string) string {
	if n, ok := nouns[field]; ok {
		return n
	}
	if field == "" {
		return "the value"
	}
	return "the " + strings.ReplaceAll(field, "_", " ")
}

func article(field string) string { return "a " + field }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// sentence starts s with a capital letter and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[size:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// oneLine keeps a message on one line: any control character becomes a space.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}
