package exchange

import (
	"fmt"
	"sort"
	"strings"
)

// MinWorkingDays is the shortest stay: "from 3 working days at the host, not counting travel
// days" (clustercollaboration.eu/clusterxchange/about; CLUSTERXCHANGE.md § The scheme).
const MinWorkingDays = 3

// Booking is what the booking rules look at: the placement being booked or re-dated, its host
// and visitor, and the other placements that could conflict with it — those at the same host,
// of the same visitor, or of visitors from the same organisation. Visitors and Hosts map the
// other placements' visitor and host ids to their records, so a refusal can name them.
//
// For the capacity rule to suggest the next free start, Others should hold the host's
// placements from a month before the first day until NextFreeDays after it, beyond the stay.
type Booking struct {
	Placement Placement
	Host      Host
	Visitor   Visitor
	Others    []Placement
	Visitors  map[ID]Visitor
	Hosts     map[ID]Host
}

// NextFreeDays is how far after the first day asked for NextFreeStart looks: about a quarter
// of a year, as far as staff plan a visit ahead when the dates first asked are taken.
const NextFreeDays = 92

// Check applies every booking rule and returns all that are broken, as *RuleError values
// joined together (see Violations), or nil.
func (b Booking) Check() error {
	p, h, v := b.Placement, b.Host, b.Visitor
	var errs []error
	if p.First.IsZero() {
		errs = append(errs, ruleErr("first", RuleRequired, "the first day is required"))
	}
	if p.Last.IsZero() {
		errs = append(errs, ruleErr("last", RuleRequired, "the last day is required"))
	}
	errs = append(errs, CheckDate("first", p.First), CheckDate("last", p.Last))
	if err := Join(errs...); err != nil {
		return err
	}
	errs = nil
	if p.Last.Before(p.First) {
		e := ruleErr("last", RuleDateOrder, "the last day (%s) comes before the first day (%s)", p.Last, p.First)
		e.First, e.Last = p.First, p.Last
		return e
	}
	if limit := p.First.SameDayNextMonth(); !p.Last.Before(limit) {
		e := ruleErr("last", RuleMaxDuration,
			"a stay lasts at most one month: starting %s, the last day must be before %s", p.First, limit)
		e.First, e.Last = p.First, limit.AddDays(-1)
		errs = append(errs, e)
	}
	if n := p.WorkingDays(h); n < MinWorkingDays {
		e := ruleErr("last", RuleMinWorkingDays,
			"%s gives %d working %s at the host, not counting weekends, closed days or travel days (%s); at least %d are needed",
			p.Period(), n, plural(n, "day", "days"), p.Travel, MinWorkingDays)
		e.First, e.Last, e.Count, e.Limit, e.Value, e.Host = p.First, p.Last, n, MinWorkingDays, string(p.Travel), h.Name
		errs = append(errs, e)
	}
	fits := len(errs) == 0 // the next free start is only worth saying when the stay itself is sound
	for _, c := range h.Closed {
		if c.Overlaps(p.Period()) {
			why := ""
			if c.Reason != "" {
				why = " (" + c.Reason + ")"
			}
			e := ruleErr("host", RuleClosedPeriod, "%s is closed %s%s", h.Name, c.Period, why)
			e.Host, e.First, e.Last, e.Value = h.Name, c.From, c.To, c.Reason
			if fits {
				e.NextFree = b.NextFreeStart()
			}
			errs = append(errs, e)
		}
	}
	if e := b.checkCapacity(); e != nil {
		if fits {
			e.NextFree = b.NextFreeStart()
		}
		errs = append(errs, e)
	}
	busy := map[ID]bool{}
	var booked []Booked
	for _, o := range b.others() {
		if o.VisitorID == v.ID && o.Period().Overlaps(p.Period()) {
			busy[o.ID] = true
			booked = append(booked, b.booked(o))
		}
	}
	if len(booked) > 0 {
		var where []string
		for _, o := range booked {
			where = append(where, fmt.Sprintf("at %s %s … %s (%s)", o.Host, o.First, o.Last, o.Status))
		}
		e := ruleErr("visitor", RuleVisitorBusy, "%s is already booked %s", v.Name, strings.Join(where, ", "))
		e.Visitor, e.First, e.Last, e.Others = v.Name, p.First, p.Last, booked
		if fits {
			e.NextFree = b.NextFreeStart()
		}
		errs = append(errs, e)
	}
	for _, o := range b.others() {
		if busy[o.ID] {
			continue // said already, more precisely
		}
		ov, ok := b.Visitors[o.VisitorID]
		if o.VisitorID == v.ID {
			ov, ok = v, true
		}
		if ok && ov.OrganisationKey() == v.OrganisationKey() {
			ob := b.booked(o)
			e := ruleErr("visitor", RuleVisitOnce,
				"%s already has a visit in the scheme (%s at %s, %s … %s, %s); an organisation visits only once",
				v.Organisation, ob.Visitor, ob.Host, ob.First, ob.Last, ob.Status)
			e.Visitor, e.Organisation, e.Others = v.Name, v.Organisation, []Booked{ob}
			errs = append(errs, e)
			break
		}
	}
	return Join(errs...)
}

// booked names placement o for a refusal.
func (b Booking) booked(o Placement) Booked {
	out := Booked{First: o.First, Last: o.Last, Status: o.Status}
	switch {
	case o.VisitorID == b.Visitor.ID:
		out.Visitor = b.Visitor.Name
	default:
		out.Visitor = b.Visitors[o.VisitorID].Name
	}
	switch {
	case o.HostID == b.Host.ID:
		out.Host = b.Host.Name
	default:
		out.Host = b.Hosts[o.HostID].Name
	}
	return out
}

// others are the conflicting candidates that hold a place, without the placement itself.
func (b Booking) others() []Placement {
	var out []Placement
	for _, o := range b.Others {
		if o.ID != b.Placement.ID && o.Status.HoldsPlace() {
			out = append(out, o)
		}
	}
	return out
}

// checkCapacity refuses the days on which the host would receive more visitors than its
// capacity; the error names the first to the last such day of the stay and who holds the
// places.
func (b Booking) checkCapacity() *RuleError {
	p, h := b.Placement, b.Host
	full, taken := b.fullDays(p)
	if len(full) == 0 {
		return nil
	}
	sort.Slice(taken, func(i, j int) bool {
		if taken[i].First != taken[j].First {
			return taken[i].First.Before(taken[j].First)
		}
		return taken[i].Visitor < taken[j].Visitor
	})
	var who []string
	for _, o := range taken {
		who = append(who, o.Visitor+" ("+string(o.Status)+")")
	}
	first, last := full[0], full[len(full)-1]
	e := ruleErr("host", RuleCapacity, "%s is full on %s: %d of %d %s taken by %s",
		h.Name, Period{first, last}, len(taken), h.Capacity, plural(h.Capacity, "place", "places"), strings.Join(who, ", "))
	e.Host, e.First, e.Last, e.Count, e.Limit, e.Others = h.Name, first, last, len(taken), h.Capacity, taken
	return e
}

// fullDays returns the days of p on which the host has no place left, and the placements
// that hold the places on those days.
func (b Booking) fullDays(p Placement) ([]Date, []Booked) {
	h := b.Host
	var atHost []Placement
	for _, o := range b.others() {
		if o.HostID == h.ID && o.Period().Overlaps(p.Period()) {
			atHost = append(atHost, o)
		}
	}
	if len(atHost) < h.Capacity {
		return nil, nil
	}
	var full []Date
	holders := map[ID]bool{}
	var taken []Booked
	for d := p.First; !d.After(p.Last); d = d.Next() {
		var on []Placement
		for _, o := range atHost {
			if o.Period().Contains(d) {
				on = append(on, o)
			}
		}
		if len(on) >= h.Capacity {
			full = append(full, d)
			for _, o := range on {
				if !holders[o.ID] {
					holders[o.ID] = true
					taken = append(taken, b.booked(o))
				}
			}
		}
	}
	return full, taken
}

// NextFreeStart returns the first day after the placement's first day, within NextFreeDays,
// on which a stay of the same number of days could start: the host open and with a place on
// every day, the visitor booked nowhere else, and at least as many working days as asked for
// (and the scheme's minimum). It returns the zero Date when there is none.
func (b Booking) NextFreeStart() Date {
	p := b.Placement
	if p.First.IsZero() || p.Last.Before(p.First) {
		return Date{}
	}
	length := p.Period().Days()
	want := max(MinWorkingDays, p.WorkingDays(b.Host))
	for d := p.First.Next(); !d.After(p.First.AddDays(NextFreeDays)); d = d.Next() {
		q := p
		q.First, q.Last = d, d.AddDays(length-1)
		if !q.Last.InRange() {
			return Date{}
		}
		if q.WorkingDays(b.Host) < want || b.Host.closedDuring(q.Period()) {
			continue
		}
		c := b
		c.Placement = q
		if full, _ := c.fullDays(q); len(full) > 0 {
			continue
		}
		if c.visitorBusy(q) {
			continue
		}
		return d
	}
	return Date{}
}

func (b Booking) visitorBusy(q Placement) bool {
	for _, o := range b.others() {
		if o.VisitorID == b.Visitor.ID && o.Period().Overlaps(q.Period()) {
			return true
		}
	}
	return false
}

func (h Host) closedDuring(p Period) bool {
	for _, c := range h.Closed {
		if c.Overlaps(p) {
			return true
		}
	}
	return false
}

// CheckClosure refuses a closed period that would fall on a placement that holds a place.
func CheckClosure(h Host, c ClosedPeriod, placements []Placement) error {
	return CheckClosureNamed(h, c, placements, nil)
}

// CheckClosureNamed is CheckClosure with names, a map of visitor ids to names, so that the
// refusal names whose stay the period would fall on.
func CheckClosureNamed(h Host, c ClosedPeriod, placements []Placement, names map[ID]string) error {
	if err := c.validate(); err != nil {
		return err
	}
	for _, p := range placements {
		if p.HostID == h.ID && p.Status.HoldsPlace() && p.Period().Overlaps(c.Period) {
			advice := "; cancel or move it first"
			if p.Status == Completed || p.Status == Paid {
				advice = ": the stay took place then"
			}
			e := ruleErr("closed", RuleClosedPeriod, "%s covers the stay %s (%s)%s",
				c.Period, p.Period(), p.Status, advice)
			e.Host, e.First, e.Last, e.Value = h.Name, c.From, c.To, c.Reason
			e.Others = []Booked{{Visitor: names[p.VisitorID], Host: h.Name, First: p.First, Last: p.Last, Status: p.Status}}
			return e
		}
	}
	return nil
}

// CheckCapacityChange refuses a capacity lower than the number of visitors the host already
// receives on some day.
func CheckCapacityChange(h Host, placements []Placement) error {
	counts := map[Date]int{}
	for _, p := range placements {
		if p.HostID != h.ID || !p.Status.HoldsPlace() {
			continue
		}
		for d := p.First; !d.After(p.Last); d = d.Next() {
			counts[d]++
			if counts[d] > h.Capacity {
				e := ruleErr("capacity", RuleCapacity, "%d visitors are booked on %s; capacity cannot be lower", counts[d], d)
				e.Host, e.First, e.Last, e.Count, e.Limit = h.Name, d, d, counts[d], h.Capacity
				return e
			}
		}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
