// Package rates prices placements. Rates are data, not code: a Tables value holds every
// figure of both rate profiles, staff can edit it, and each edit is stored as a new version;
// a placement keeps the version and the breakdown it was priced with.
//
// Money is integer cents throughout; each calculation rounds once, half up, at its end.
package rates

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// The rate profiles a programme can use.
const (
	ClusterXchange = "cxc"     // one lump sum, capped per host country, halved for short or near stays
	ErasmusPlus    = "erasmus" // travel by distance band plus daily individual support
)

// ParseProfile reads a profile name.
func ParseProfile(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case ClusterXchange, "clusterxchange":
		return ClusterXchange, nil
	case ErasmusPlus, "erasmus+":
		return ErasmusPlus, nil
	}
	return "", &exchange.RuleError{Field: "profile", Rule: exchange.RuleFormat, Reason: fmt.Sprintf("%q is not a rate profile (want cxc or erasmus)", s)}
}

// ProfileLabel is the profile's name for people.
func ProfileLabel(p string) string {
	switch p {
	case ClusterXchange:
		return "ClusterXchange lump sum"
	case ErasmusPlus:
		return "Erasmus+ style"
	}
	return p
}

// Tables are the figures of both profiles at one version.
type Tables struct {
	Version int       `json:"version"` // set by the store when saved
	Created time.Time `json:"created"`
	Note    string    `json:"note,omitempty"`
	CXC     CXC       `json:"cxc"`
	Erasmus Erasmus   `json:"erasmus"`
}

// CXC is the ClusterXchange lump sum: a cap per host country, halved when the stay has fewer
// than HalfBelowWorkingDays working days and/or the organisations are less than HalfBelowKm
// apart (clustercollaboration.eu/clusterxchange/about).
type CXC struct {
	DefaultCap           exchange.Cents            `json:"default_cap_cents"`
	Caps                 map[string]exchange.Cents `json:"caps_cents"` // by host country, ISO 3166-1
	HalfBelowWorkingDays int                       `json:"half_below_working_days"`
	HalfBelowKm          float64                   `json:"half_below_km"`
}

// Erasmus is the Erasmus+ style profile: a return-trip travel amount by one-way distance band
// (standard or green travel) plus individual support per day by the host country's group —
// the full rate up to FullRateDays, ReducedPercent of it after — for the stay's days at the
// host and up to TravelDays funded travel days (GreenTravelDays with green travel).
type Erasmus struct {
	Bands           []Band                 `json:"bands"`
	Groups          map[string]int         `json:"country_groups"` // host country → group
	Daily           map[int]exchange.Cents `json:"daily_cents"`    // group → amount per day
	FullRateDays    int                    `json:"full_rate_days"`
	ReducedPercent  int                    `json:"reduced_percent"`
	TravelDays      int                    `json:"travel_days"`
	GreenTravelDays int                    `json:"green_travel_days"`
}

// Band is a distance band: from FromKm (included) to ToKm (excluded; 0 means no upper end).
// Green is 0 where green travel has no separate rate and the standard one applies.
type Band struct {
	FromKm   float64        `json:"from_km"`
	ToKm     float64        `json:"to_km"`
	Standard exchange.Cents `json:"standard_cents"`
	Green    exchange.Cents `json:"green_cents"`
}

// Defaults are the tables a new data file starts with. Sources: CLUSTERXCHANGE.md § Money
// (EUR 1,100 cap, Portugal EUR 780 from clamtex.eu's worked example; the official per-country
// cap table was not found, so every other country gets the maximum) and § Erasmus+ tables
// (the 2024+ travel bands; daily amounts 117 / 104 / 91 for groups 1 / 2 / 3 from the Polish
// national agency's 2021 staff rates). Every figure is editable.
func Defaults() Tables {
	groups := map[string]int{}
	for g, cs := range map[int]string{
		1: "DK FI IS IE LI LU NO SE",
		2: "AT BE CY FR DE GR IT MT NL PT ES",
		3: "BG HR CZ EE HU LV LT MK PL RO RS SK SI TR",
	} {
		for _, c := range strings.Fields(cs) {
			groups[c] = g
		}
	}
	return Tables{
		Version: 1,
		Note:    "defaults",
		CXC: CXC{
			DefaultCap:           exchange.Euros(1100),
			Caps:                 map[string]exchange.Cents{"PT": exchange.Euros(780)},
			HalfBelowWorkingDays: 5,
			HalfBelowKm:          200,
		},
		Erasmus: Erasmus{
			Bands: []Band{
				{FromKm: 10, ToKm: 100, Standard: exchange.Euros(28), Green: exchange.Euros(56)},
				{FromKm: 100, ToKm: 500, Standard: exchange.Euros(211), Green: exchange.Euros(285)},
				{FromKm: 500, ToKm: 2000, Standard: exchange.Euros(309), Green: exchange.Euros(417)},
				{FromKm: 2000, ToKm: 3000, Standard: exchange.Euros(395), Green: exchange.Euros(535)},
				{FromKm: 3000, ToKm: 4000, Standard: exchange.Euros(580), Green: exchange.Euros(785)},
				{FromKm: 4000, ToKm: 8000, Standard: exchange.Euros(1188)},
				{FromKm: 8000, Standard: exchange.Euros(1735)},
			},
			Groups:          groups,
			Daily:           map[int]exchange.Cents{1: exchange.Euros(117), 2: exchange.Euros(104), 3: exchange.Euros(91)},
			FullRateDays:    14,
			ReducedPercent:  70,
			TravelDays:      2,
			GreenTravelDays: 6,
		},
	}
}

// Validate checks every figure and returns the problems joined, each naming its field.
func (t Tables) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &exchange.RuleError{Field: "rates", Rule: exchange.RuleFormat, Value: field,
			Reason: field + ": " + fmt.Sprintf(format, args...)})
	}
	// Every amount at most exchange.MaxAmount, so that no quote or sum can overflow.
	amount := func(field string, c exchange.Cents) {
		if c > exchange.MaxAmount {
			errs = append(errs, &exchange.RuleError{Field: "rates", Rule: exchange.RuleAmountRange, Value: field, Amount: c,
				Reason: fmt.Sprintf("%s: %s is more than %s", field, c, exchange.MaxAmount)})
		}
	}
	amount("cxc.default_cap_cents", t.CXC.DefaultCap)
	for _, country := range sortedKeys(t.CXC.Caps) {
		amount("cxc.caps_cents."+country, t.CXC.Caps[country])
	}
	for i, b := range t.Erasmus.Bands {
		amount(fmt.Sprintf("erasmus.bands[%d].standard_cents", i), b.Standard)
		amount(fmt.Sprintf("erasmus.bands[%d].green_cents", i), b.Green)
	}
	for g, d := range t.Erasmus.Daily {
		amount(fmt.Sprintf("erasmus.daily_cents.%d", g), d)
	}
	if err := exchange.CheckLine("note", t.Note); err != nil {
		errs = append(errs, err)
	}
	c := t.CXC
	if c.DefaultCap <= 0 {
		bad("cxc.default_cap_cents", "must be more than zero")
	}
	for _, country := range sortedKeys(c.Caps) {
		if exchange.CountryName(country) == "" || country != strings.ToUpper(country) {
			bad("cxc.caps_cents", "%q is not an ISO 3166-1 country code in capitals", country)
		}
		if c.Caps[country] <= 0 {
			bad("cxc.caps_cents."+country, "must be more than zero")
		}
	}
	if c.HalfBelowWorkingDays < 0 {
		bad("cxc.half_below_working_days", "cannot be negative")
	}
	if c.HalfBelowKm < 0 {
		bad("cxc.half_below_km", "cannot be negative")
	}
	e := t.Erasmus
	if len(e.Bands) == 0 {
		bad("erasmus.bands", "at least one distance band is needed")
	}
	for i, b := range e.Bands {
		f := fmt.Sprintf("erasmus.bands[%d]", i)
		switch {
		case b.FromKm < 0:
			bad(f, "starts below 0 km")
		case b.ToKm != 0 && b.ToKm <= b.FromKm:
			bad(f, "ends (%g km) before it starts (%g km)", b.ToKm, b.FromKm)
		case b.ToKm == 0 && i != len(e.Bands)-1:
			bad(f, "only the last band can be open-ended")
		case i > 0 && e.Bands[i-1].ToKm != b.FromKm:
			bad(f, "starts at %g km but the band before ends at %g km", b.FromKm, e.Bands[i-1].ToKm)
		}
		if b.Standard < 0 || b.Green < 0 {
			bad(f, "amounts cannot be negative")
		}
	}
	for _, country := range sortedKeys(e.Groups) {
		g := e.Groups[country]
		if exchange.CountryName(country) == "" {
			bad("erasmus.country_groups", "%q is not an ISO 3166-1 country code", country)
		}
		if _, ok := e.Daily[g]; !ok {
			bad("erasmus.country_groups."+country, "group %d has no daily amount", g)
		}
	}
	for g, amount := range e.Daily {
		if amount < 0 {
			bad(fmt.Sprintf("erasmus.daily_cents.%d", g), "cannot be negative")
		}
	}
	if e.FullRateDays < 0 {
		bad("erasmus.full_rate_days", "cannot be negative")
	}
	if e.ReducedPercent < 0 || e.ReducedPercent > 100 {
		bad("erasmus.reduced_percent", "must be from 0 to 100")
	}
	if e.TravelDays < 0 || e.GreenTravelDays < e.TravelDays {
		bad("erasmus.travel_days", "travel days must be at least 0, and green travel days at least as many")
	}
	return exchange.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
