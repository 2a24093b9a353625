package rates

import (
	"fmt"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// Quote prices placement p of visitor v at host h with profile at tables t. Both
// organisations need coordinates; the distance is the great-circle distance between them.
func Quote(t Tables, profile string, p exchange.Placement, h exchange.Host, v exchange.Visitor) (exchange.Breakdown, error) {
	if h.Coordinates.IsZero() {
		return exchange.Breakdown{}, &exchange.RuleError{Field: "host", Rule: exchange.RuleCoordinates, Host: h.Name,
			Reason: fmt.Sprintf("%s has no coordinates: edit the host's city or give its latitude and longitude", h.Name)}
	}
	if v.Coordinates.IsZero() {
		return exchange.Breakdown{}, &exchange.RuleError{Field: "visitor", Rule: exchange.RuleCoordinates,
			Visitor: v.Name, Organisation: v.Organisation, Reason: fmt.Sprintf("%s (%s) has no coordinates: edit the visitor's city or give its latitude and longitude", v.Name, v.Organisation)}
	}
	b := exchange.Breakdown{
		Profile:            profile,
		Version:            t.Version,
		HostCoordinates:    h.Coordinates,
		VisitorCoordinates: v.Coordinates,
		DistanceKm:         exchange.DistanceKm(h.Coordinates, v.Coordinates),
		WorkingDays:        p.WorkingDays(h),
	}
	switch profile {
	case ClusterXchange:
		quoteCXC(t.CXC, h, &b)
	case ErasmusPlus:
		if err := quoteErasmus(t.Erasmus, p, h, &b); err != nil {
			return exchange.Breakdown{}, err
		}
	default:
		_, err := ParseProfile(profile)
		return exchange.Breakdown{}, err
	}
	if err := exchange.CheckAmount("lump_sum", b.LumpSum); err != nil {
		return exchange.Breakdown{}, err
	}
	return b, nil
}

func quoteCXC(c CXC, h exchange.Host, b *exchange.Breakdown) {
	limit, ok := c.Caps[h.Country]
	where := "cap for " + exchange.CountryName(h.Country)
	if !ok {
		limit, where = c.DefaultCap, "default cap ("+exchange.CountryName(h.Country)+" has no cap of its own)"
	}
	b.Lines = append(b.Lines, exchange.Line{Label: "Lump sum, " + where, Amount: limit})
	if b.WorkingDays < c.HalfBelowWorkingDays {
		b.Reasons = append(b.Reasons, fmt.Sprintf("fewer than %d working days at the host (%d)", c.HalfBelowWorkingDays, b.WorkingDays))
	}
	if b.DistanceKm < c.HalfBelowKm {
		b.Reasons = append(b.Reasons, fmt.Sprintf("the organisations are less than %g km apart (%.1f km)", c.HalfBelowKm, b.DistanceKm))
	}
	b.LumpSum = limit
	if len(b.Reasons) > 0 {
		b.Halved = true
		b.LumpSum = halfUp(int64(limit), 2)
		b.Lines = append(b.Lines, exchange.Line{Label: "Halved", Amount: b.LumpSum - limit})
	}
}

func quoteErasmus(e Erasmus, p exchange.Placement, h exchange.Host, b *exchange.Breakdown) error {
	// Travel: one amount for the return trip, by one-way distance band.
	var band *Band
	for i := range e.Bands {
		x := &e.Bands[i]
		if b.DistanceKm >= x.FromKm && (x.ToKm == 0 || b.DistanceKm < x.ToKm) {
			band = x
		}
	}
	var travel exchange.Cents
	switch {
	case band == nil:
		b.Reasons = append(b.Reasons, fmt.Sprintf("no travel band covers %.1f km", b.DistanceKm))
	case p.GreenTravel && band.Green > 0:
		travel = band.Green
		b.Lines = append(b.Lines, exchange.Line{Label: fmt.Sprintf("Green travel, %s band", bandText(*band)), Amount: travel})
	default:
		travel = band.Standard
		label := fmt.Sprintf("Travel, %s band", bandText(*band))
		if p.GreenTravel {
			b.Reasons = append(b.Reasons, "the band has no green-travel rate; the standard one applies")
		}
		b.Lines = append(b.Lines, exchange.Line{Label: label, Amount: travel})
	}
	// Individual support: the days at the host plus funded travel days.
	g, ok := e.Groups[h.Country]
	if !ok {
		return &exchange.RuleError{Field: "host", Rule: exchange.RuleCountryGroup, Host: h.Name, Value: h.Country,
			Reason: fmt.Sprintf("%s is in no Erasmus+ country group: add it to the rate tables", exchange.CountryName(h.Country))}
	}
	daily := e.Daily[g]
	maxTravel := e.TravelDays
	if p.GreenTravel {
		maxTravel = e.GreenTravelDays
	}
	travelDays := min(p.TravelDayCount()+p.ExtraTravelDays, maxTravel)
	days := p.Period().Days() - p.TravelDayCount() + travelDays
	full := min(days, e.FullRateDays)
	reduced := days - full
	b.Lines = append(b.Lines, exchange.Line{
		Label:  fmt.Sprintf("Individual support, group %d, %d days at %s (%d travel)", g, full, daily, travelDays),
		Amount: daily * exchange.Cents(full)})
	// Sum in hundredths of a cent so the reduced rate is rounded once, at the end.
	total := int64(travel)*100 + int64(daily)*100*int64(full)
	if reduced > 0 {
		part := int64(daily) * int64(e.ReducedPercent) * int64(reduced)
		total += part
		b.Lines = append(b.Lines, exchange.Line{
			Label:  fmt.Sprintf("Individual support from day %d, %d days at %d %%", e.FullRateDays+1, reduced, e.ReducedPercent),
			Amount: halfUp(part, 100)})
		b.Reasons = append(b.Reasons, fmt.Sprintf("%d days beyond day %d at %d %% of the daily rate", reduced, e.FullRateDays, e.ReducedPercent))
	}
	if travelDays < p.TravelDayCount()+p.ExtraTravelDays {
		b.Reasons = append(b.Reasons, fmt.Sprintf("travel days funded up to %d", maxTravel))
	}
	b.LumpSum = halfUp(total, 100)
	return nil
}

func bandText(b Band) string {
	if b.ToKm == 0 {
		return fmt.Sprintf("%g km and more", b.FromKm)
	}
	return fmt.Sprintf("%g–%g km", b.FromKm, b.ToKm-1)
}

// halfUp divides a non-negative amount by d, rounding half up.
func halfUp(v int64, d int64) exchange.Cents {
	return exchange.Cents((v + d/2) / d)
}
