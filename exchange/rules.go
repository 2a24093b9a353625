package exchange

import (
	"sort"
	"strings"
)

// MinWorkingDays is the shortest stay: "from 3 working days at the host, not counting travel
// days" (clustercollaboration.eu/clusterxchange/about; CLUSTERXCHANGE.md § The scheme).
const MinWorkingDays = 3

// Booking is what the booking rules look at: the placement being booked or re-dated, its host
// and visitor, and the other placements that could conflict with it — those at the same host,
// of the same visitor, or of visitors from the same organisation. Visitors maps the other
// placements' visitor ids to their visitors.
type Booking struct {
	Placement Placement
	Host      Host
	Visitor   Visitor
	Others    []Placement
	Visitors  map[ID]Visitor
}

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
	if len(errs) > 0 {
		return joinRules(errs)
	}
	if p.Last.Before(p.First) {
		return ruleErr("last", RuleDateOrder, "the last day (%s) comes before the first day (%s)", p.Last, p.First)
	}
	if limit := p.First.SameDayNextMonth(); !p.Last.Before(limit) {
		errs = append(errs, ruleErr("last", RuleMaxDuration,
			"a stay lasts at most one month: starting %s, the last day must be before %s", p.First, limit))
	}
	if n := p.WorkingDays(h); n < MinWorkingDays {
		errs = append(errs, ruleErr("last", RuleMinWorkingDays,
			"%s gives %d working %s at the host, not counting weekends, closed days or travel days (%s); at least %d are needed",
			p.Period(), n, plural(n, "day", "days"), p.Travel, MinWorkingDays))
	}
	for _, c := range h.Closed {
		if c.Overlaps(p.Period()) {
			why := ""
			if c.Reason != "" {
				why = " (" + c.Reason + ")"
			}
			errs = append(errs, ruleErr("host", RuleClosedPeriod, "%s is closed %s%s", h.Name, c.Period, why))
		}
	}
	if err := b.checkCapacity(); err != nil {
		errs = append(errs, err)
	}
	busy := map[ID]bool{}
	for _, o := range b.others() {
		if o.VisitorID == v.ID && o.Period().Overlaps(p.Period()) {
			busy[o.ID] = true
			errs = append(errs, ruleErr("visitor", RuleVisitorBusy,
				"%s is already booked %s (placement %s, %s)", v.Name, o.Period(), o.ID.String(), o.Status))
		}
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
			errs = append(errs, ruleErr("visitor", RuleVisitOnce,
				"%s already has a visit in the scheme (placement %s, %s, %s); an organisation visits only once",
				v.Organisation, o.ID.String(), o.Period(), o.Status))
			break
		}
	}
	return joinRules(errs)
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

// checkCapacity refuses the first day on which the host would receive more visitors than
// its capacity.
func (b Booking) checkCapacity() error {
	p, h := b.Placement, b.Host
	var atHost []Placement
	for _, o := range b.others() {
		if o.HostID == h.ID && o.Period().Overlaps(p.Period()) {
			atHost = append(atHost, o)
		}
	}
	if len(atHost) < h.Capacity {
		return nil
	}
	for d := p.First; !d.After(p.Last); d = d.Next() {
		var taken []string
		for _, o := range atHost {
			if o.Period().Contains(d) {
				taken = append(taken, o.ID.String()+" ("+string(o.Status)+")")
			}
		}
		if len(taken) >= h.Capacity {
			sort.Strings(taken)
			return ruleErr("host", RuleCapacity, "%s is full on %s: %d of %d %s taken by %s",
				h.Name, d, len(taken), h.Capacity, plural(h.Capacity, "place", "places"), strings.Join(taken, ", "))
		}
	}
	return nil
}

// CheckClosure refuses a closed period that would fall on a placement that holds a place.
func CheckClosure(h Host, c ClosedPeriod, placements []Placement) error {
	if err := c.validate(); err != nil {
		return err
	}
	for _, p := range placements {
		if p.HostID == h.ID && p.Status.HoldsPlace() && p.Period().Overlaps(c.Period) {
			advice := "; cancel or move it first"
			if p.Status == Completed || p.Status == Paid {
				advice = ": the stay took place then"
			}
			return ruleErr("closed", RuleClosedPeriod, "%s covers placement %s (%s, %s)%s",
				c.Period, p.ID.String(), p.Period(), p.Status, advice)
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
				return ruleErr("capacity", RuleCapacity, "%d visitors are booked on %s; capacity cannot be lower", counts[d], d)
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
