package ical

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// The iTIP methods an attendee answers with (RFC 5546 § 1.4).
const (
	MethodReply   = "REPLY"
	MethodCounter = "COUNTER"
)

// The participation statuses an attendee can answer an event with (RFC 5545 § 3.2.12).
const (
	PartStatAccepted    = "ACCEPTED"
	PartStatDeclined    = "DECLINED"
	PartStatTentative   = "TENTATIVE"
	PartStatDelegated   = "DELEGATED"
	PartStatNeedsAction = "NEEDS-ACTION"
)

// ErrNotAReply means a calendar is readable but is not an attendee's answer to an event: a
// REQUEST, a CANCEL, a PUBLISH, a calendar with no METHOD, or a REPLY about free/busy time
// rather than an event. Such a file changes nothing and is not a mistake.
var ErrNotAReply = problemf("not a reply")

// Reply is an attendee's answer to an event, as ReadReply finds it in a calendar.
type Reply struct {
	Method   string    // MethodReply or MethodCounter
	UID      string    // the event's UID, as written
	Sequence int       // the SEQUENCE the attendee answered (0 when absent, RFC 5545 § 3.8.7.4)
	Stamp    time.Time // DTSTAMP, in UTC: with equal SEQUENCE, the newer answer wins
	// Attendee is the answering attendee's address: mailto: (in any case) stripped,
	// trimmed and lower-cased, ready to compare with an invited address.
	Attendee string
	Name     string // the attendee's CN, if any
	PartStat string // one of the PartStat constants
	// Comment is what the attendee wrote: COMMENT, or else Apple's
	// X-CALENDARSERVER-PRIVATE-COMMENT or Google's X-RESPONSE-COMMENT.
	Comment string
	// First and Last are the days of the event as the attendee has it, both included: for a
	// COUNTER, the stay they propose. An all-day DTEND is exclusive, so Last is the day
	// before it; a DATE-TIME, in whatever TZID (Windows names such as "W. Europe Standard
	// Time" included, which no time-zone database knows), counts as the calendar date
	// written. For a REPLY they are zero when the reply carries no readable dates.
	First, Last exchange.Date
	// Organizer is the ORGANIZER's address, normalised as Attendee; "" when absent, as in
	// Outlook's and Exchange's replies.
	Organizer string
}

// Limits on what ReadReply hands to go-ical, which recurses once per nested component and
// builds parameter values a byte at a time: a real reply is a few kilobytes, two levels
// deep, with parameters well under a kilobyte.
const (
	maxReplyBytes = 4 << 20
	maxNesting    = 16
	maxParamBytes = 16 << 10
)

// ReadReply reads an iTIP REPLY or COUNTER from the text of one calendar: an .ics file, or
// one of mail.Incoming's Calendars. It never panics.
//
// The method is the calendar's METHOD property (the MIME part's method= parameter is not
// trusted: Google's COUNTER arrives in a part marked method=REPLY). A calendar that is
// readable but is no reply to an event gives an error that errors.Is ErrNotAReply. Any other
// error means the text is broken and says how, in a sentence after "ical: "; a text cut
// short also matches ErrNoCalendar.
//
// The reply's event is the one VEVENT that answers the whole event (a VEVENT with a
// RECURRENCE-ID answers one occurrence and is used only when there is nothing else). Its
// attendee is the one ATTENDEE that has answered, that is whose PARTSTAT is not
// NEEDS-ACTION; a reply with several answered attendees (the organizer listed among them
// aside) is refused as ambiguous rather than guessed at.
func ReadReply(raw []byte) (r Reply, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = Reply{}, problemf("the calendar cannot be read (internal error: %v)", p)
		}
	}()
	if err := precheck(raw); err != nil {
		return Reply{}, err
	}
	cal, err := Parse(raw)
	switch {
	case errors.Is(err, ErrNoCalendar):
		return Reply{}, &Problem{"the calendar ends before END:VCALENDAR", err}
	case err != nil:
		return Reply{}, &Problem{"the calendar is malformed: " + strings.TrimPrefix(err.Error(), "ical: "), err}
	}

	method, _ := cal.Props.Text(goical.PropMethod)
	method = strings.ToUpper(strings.TrimSpace(method))
	switch method {
	case MethodReply, MethodCounter:
	case "":
		return Reply{}, fmt.Errorf("%w: the calendar has no METHOD", ErrNotAReply)
	default:
		return Reply{}, fmt.Errorf("%w: the calendar's METHOD is %s", ErrNotAReply, oneWord(method))
	}

	event, err := replyEvent(cal.Component, method)
	if err != nil {
		return Reply{}, err
	}
	r = Reply{Method: method}
	if r.UID, err = uid(event); err != nil {
		return Reply{}, err
	}
	if r.Sequence, err = sequence(event); err != nil {
		return Reply{}, err
	}
	if r.Stamp, err = stamp(event); err != nil {
		return Reply{}, err
	}
	if p := event.Props.Get(goical.PropOrganizer); p != nil {
		r.Organizer = address(p.Value)
	}
	attendee, err := answeringAttendee(event, r.Organizer)
	if err != nil {
		return Reply{}, err
	}
	r.Attendee = address(attendee.Value)
	if r.Attendee == "" {
		return Reply{}, problemf("the reply's ATTENDEE has no address")
	}
	r.Name = strings.TrimSpace(attendee.Params.Get(goical.ParamCommonName))
	r.PartStat = partStat(attendee)
	switch r.PartStat {
	case PartStatAccepted, PartStatDeclined, PartStatTentative, PartStatDelegated, PartStatNeedsAction:
	default:
		return Reply{}, problemf("the attendee's PARTSTAT %s is not an answer to an event", oneWord(r.PartStat))
	}
	r.Comment = comment(event, attendee)

	first, last, err := stay(event)
	switch {
	case err != nil && method == MethodCounter:
		return Reply{}, problemf("the COUNTER proposes no readable dates: %w", err)
	case err == nil:
		r.First, r.Last = first, last
	}
	return r, nil
}

// precheck refuses, before go-ical sees them, texts that would cost it much (too long,
// nested too deep, parameters too long) and texts that are not a VCALENDAR at all.
func precheck(raw []byte) error {
	if len(raw) > maxReplyBytes {
		return problemf("the calendar is larger than %d MiB", maxReplyBytes>>20)
	}
	raw = bytes.TrimPrefix(raw, []byte("\uFEFF"))
	depth, first := 0, true
	for line := range logicalLines(raw) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		switch {
		case first && !bytes.EqualFold(line, []byte("BEGIN:VCALENDAR")):
			if bytes.EqualFold(name, []byte("BEGIN")) {
				return problemf("the text is a bare %s, not a calendar (it does not start with BEGIN:VCALENDAR)", oneWord(string(value)))
			}
			return problemf("the text is not a calendar (it does not start with BEGIN:VCALENDAR)")
		case bytes.EqualFold(name, []byte("BEGIN")):
			if depth++; depth > maxNesting {
				return problemf("the calendar nests components more than %d deep", maxNesting)
			}
		case bytes.EqualFold(name, []byte("END")):
			depth--
		}
		first = false
		if n := paramLength(line); n > maxParamBytes {
			return problemf("a %s line has parameters longer than %d KiB", oneWord(string(propertyName(line))), maxParamBytes>>10)
		}
	}
	if first {
		return &Problem{"the text is empty", ErrNoCalendar}
	}
	return nil
}

// logicalLines yields the content lines of b with folding undone as go-ical undoes it: a
// line break (CRLF or LF) followed by one space or tab continues the line.
func logicalLines(b []byte) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		var cur []byte
		started := false
		for phys := range bytes.Lines(b) {
			phys = bytes.TrimRight(phys, "\r\n")
			if started && len(phys) > 0 && (phys[0] == ' ' || phys[0] == '\t') {
				cur = append(cur, phys[1:]...)
				continue
			}
			if started && !yield(cur) {
				return
			}
			cur, started = append(cur[:0], phys...), true
		}
		if started {
			yield(cur)
		}
	}
}

// paramLength is how long the name and parameters of a content line are: everything before
// the first colon outside double quotes.
func paramLength(line []byte) int {
	quoted := false
	for i, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ':' && !quoted:
			return i
		}
	}
	return len(line)
}

func propertyName(line []byte) []byte {
	if i := bytes.IndexAny(line, ";:"); i >= 0 {
		return line[:i]
	}
	return line
}

// replyEvent finds the one VEVENT a reply answers with.
func replyEvent(cal *goical.Component, method string) (*goical.Component, error) {
	var events, masters []*goical.Component
	var others []string
	for _, c := range cal.Children {
		switch c.Name {
		case goical.CompEvent:
			events = append(events, c)
			if c.Props.Get(goical.PropRecurrenceID) == nil {
				masters = append(masters, c)
			}
		case goical.CompTimezone:
		default:
			others = append(others, c.Name)
		}
	}
	switch {
	case len(masters) == 1:
		return masters[0], nil
	case len(masters) > 1:
		return nil, problemf("the %s holds %d events; a reply answers one", method, len(masters))
	case len(events) > 0:
		return events[0], nil // answers to occurrences only: the first speaks for the event
	case len(others) > 0:
		return nil, fmt.Errorf("%w: the %s is about a %s, not an event", ErrNotAReply, method, oneWord(others[0]))
	}
	return nil, problemf("the %s holds no event", method)
}

func uid(event *goical.Component) (string, error) {
	p := event.Props.Get(goical.PropUID)
	if p == nil || strings.TrimSpace(p.Value) == "" {
		return "", problemf("the reply's event has no UID")
	}
	return strings.TrimSpace(p.Value), nil
}

func sequence(event *goical.Component) (int, error) {
	p := event.Props.Get(goical.PropSequence)
	if p == nil {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(p.Value))
	if err != nil || n < 0 {
		return 0, problemf("the reply's SEQUENCE %q is not a whole number of zero or more", clip(p.Value))
	}
	return n, nil
}

// stamp reads DTSTAMP, which RFC 5545 § 3.8.7.2 requires in UTC; one written without the Z
// is taken as UTC too.
func stamp(event *goical.Component) (time.Time, error) {
	p := event.Props.Get(goical.PropDateTimeStamp)
	if p == nil {
		return time.Time{}, problemf("the reply's event has no DTSTAMP")
	}
	v := strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(p.Value)), "Z")
	t, err := time.Parse("20060102T150405", v)
	if err != nil {
		return time.Time{}, problemf("the reply's DTSTAMP %q is not a date and time", clip(p.Value))
	}
	return t, nil
}

// answeringAttendee picks the ATTENDEE that answers: the only one, or the only one whose
// PARTSTAT is not NEEDS-ACTION (a delegator's REPLY also lists the delegate, who has not
// answered yet).
func answeringAttendee(event *goical.Component, organizer string) (*goical.Prop, error) {
	all := event.Props.Values(goical.PropAttendee)
	switch len(all) {
	case 0:
		return nil, problemf("the reply names no ATTENDEE")
	case 1:
		return &all[0], nil
	}
	var answered []*goical.Prop
	for i := range all {
		if partStat(&all[i]) != PartStatNeedsAction {
			answered = append(answered, &all[i])
		}
	}
	if len(answered) > 1 && organizer != "" {
		var others []*goical.Prop
		for _, a := range answered {
			if address(a.Value) != organizer {
				others = append(others, a)
			}
		}
		answered = others
	}
	switch len(answered) {
	case 0:
		return nil, problemf("the reply names %d attendees and none of them has answered", len(all))
	case 1:
		return answered[0], nil
	}
	return nil, problemf("the reply names %d attendees who answered; a reply comes from one", len(answered))
}

// partStat is an attendee's PARTSTAT, upper-case; absent, it is NEEDS-ACTION (RFC 5545
// § 3.2.12).
func partStat(attendee *goical.Prop) string {
	s := strings.ToUpper(strings.TrimSpace(attendee.Params.Get(goical.ParamParticipationStatus)))
	if s == "" {
		return PartStatNeedsAction
	}
	return s
}

// address turns a cal-address into a bare e-mail address: "MAILTO:Ana@Example.org " gives
// "ana@example.org".
func address(calAddress string) string {
	s := strings.TrimSpace(calAddress)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// comment is what the attendee wrote with their answer.
func comment(event *goical.Component, attendee *goical.Prop) string {
	texts := func(name string) string {
		var parts []string
		for _, p := range event.Props.Values(name) {
			if t := strings.TrimSpace(unescape(p.Value)); t != "" {
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, "\n")
	}
	if c := texts(goical.PropComment); c != "" {
		return c
	}
	if c := texts("X-CALENDARSERVER-PRIVATE-COMMENT"); c != "" {
		return c
	}
	if c := strings.TrimSpace(unescape(attendee.Params.Get("X-RESPONSE-COMMENT"))); c != "" {
		return c // Google writes it as a parameter of the attendee, TEXT-escaped
	}
	return texts("X-RESPONSE-COMMENT")
}

// unescape undoes TEXT escaping (RFC 5545 § 3.3.11) leniently: an unknown escape keeps the
// character, and an unescaped comma is a comma (go-ical's Text would cut the text there).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			c = s[i]
			if c == 'n' || c == 'N' {
				c = '\n'
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// stay reads the event's days from DTSTART and DTEND (or DURATION), as calendar dates.
func stay(event *goical.Component) (first, last exchange.Date, err error) {
	start := event.Props.Get(goical.PropDateTimeStart)
	if start == nil {
		return first, last, problemf("the event has no DTSTART")
	}
	s, err := moment(start)
	if err != nil {
		return first, last, err
	}
	first = s.day
	switch end, dur := event.Props.Get(goical.PropDateTimeEnd), event.Props.Get(goical.PropDuration); {
	case end != nil:
		e, err := moment(end)
		if err != nil {
			return first, last, err
		}
		last = e.lastDay()
	case dur != nil:
		d, err := dur.Duration()
		if err != nil || d < 0 {
			return first, last, problemf("the event's DURATION %q is not a length of time", clip(dur.Value))
		}
		if d > 400*24*time.Hour {
			return first, last, problemf("the event's DURATION %q is longer than a year", clip(dur.Value))
		}
		e := s.after(d)
		last = e.lastDay()
	default:
		last = first // RFC 5545 § 3.6.1: a DATE start alone is one day, a DATE-TIME an instant
	}
	if last.Before(first) {
		last = first
	}
	return first, last, nil
}

// instant is a DTSTART or DTEND as written: its calendar day and, for a DATE-TIME, the
// time of day in whatever zone it names.
type instant struct {
	day   exchange.Date
	clock time.Duration // since midnight; 0 for a DATE
	date  bool          // a DATE, not a DATE-TIME
}

// lastDay is the last day an event ending at i covers: an end at midnight (always, for a
// DATE) is exclusive, so the day before.
func (i instant) lastDay() exchange.Date {
	if i.date || i.clock == 0 {
		return i.day.AddDays(-1)
	}
	return i.day
}

func (i instant) after(d time.Duration) instant {
	t := i.day.Time().Add(i.clock + d)
	return instant{day: exchange.DateOf(t), clock: t.Sub(exchange.DateOf(t).Time()), date: i.date && d%(24*time.Hour) == 0}
}

// moment reads a DATE or DATE-TIME value without looking its TZID up: only the date and
// the time of day as written matter to a day-granular placement.
func moment(p *goical.Prop) (instant, error) {
	v := strings.ToUpper(strings.TrimSpace(p.Value))
	bad := problemf("the event's %s %q is not a date", p.Name, clip(p.Value))
	if len(v) < 8 {
		return instant{}, bad
	}
	t, err := time.Parse("20060102", v[:8])
	if err != nil {
		return instant{}, bad
	}
	in := instant{day: exchange.DateOf(t)}
	rest := v[8:]
	if rest == "" { // VALUE=DATE, or a date written without it (khal's corpus has such)
		in.date = true
		return in, nil
	}
	clock, err := time.Parse("T150405", strings.TrimSuffix(rest, "Z"))
	if err != nil {
		return instant{}, bad
	}
	in.clock = clock.Sub(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC))
	return in, nil
}

// oneWord keeps a name taken from the input short and printable in an error message.
func oneWord(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	return clip(s)
}

// clip shortens a value from the input for an error message.
func clip(s string) string {
	if len(s) > 40 {
		cut := 40
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return s[:cut] + "…"
	}
	return s
}

// Problem is a calendar the reader cannot use, said in a sentence for people; Error adds the
// package's name, as Go errors do.
type Problem struct {
	Text string
	err  error // what fmt.Errorf wrapped, if anything
}

func (p *Problem) Error() string { return "ical: " + p.Text }

// Sentence is the problem for people, without the package's name.
func (p *Problem) Sentence() string { return p.Text }

// Unwrap gives the error the problem was made from, if any.
func (p *Problem) Unwrap() error { return p.err }

func problemf(format string, args ...any) error {
	e := fmt.Errorf(format, args...)
	return &Problem{Text: e.Error(), err: errors.Unwrap(e)}
}
