package wording_test

import (
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

var (
	hhi = exchange.Host{ID: exchange.NewID(), Name: "Fraunhofer HHI", Kind: exchange.ResearchCentre, Country: "DE",
		City: "Berlin", Capacity: 1}
	censec = exchange.Host{ID: exchange.NewID(), Name: "CenSec", Kind: exchange.ClusterOrganisation, Country: "DK",
		City: "Herning", Capacity: 1}
	ana = exchange.Visitor{ID: exchange.NewID(), Name: "Ana Sousa", Organisation: "Ferrovia Lda", Country: "PT"}
	rui = exchange.Visitor{ID: exchange.NewID(), Name: "Rui Costa", Organisation: "Ferrovia LDA", Country: "PT"}
)

func stay(h exchange.Host, v exchange.Visitor, first, last string, st exchange.Status) exchange.Placement {
	p := exchange.NewPlacement(h.ID, v.ID, exchange.MustDate(first), exchange.MustDate(last), exchange.TravelBoth,
		time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), "test")
	p.Status = st
	return p
}

// 2027-03-01 is a Monday.
func TestRefusalsNamePeopleAndDatesNeverIds(t *testing.T) {
	wording.SetLocale("en_GB")
	visitors := map[exchange.ID]exchange.Visitor{ana.ID: ana, rui.ID: rui}
	hosts := map[exchange.ID]exchange.Host{hhi.ID: hhi, censec.ID: censec}
	closed := hhi
	closed.Closed = []exchange.ClosedPeriod{{Period: exchange.Period{From: exchange.MustDate("2027-03-03"), To: exchange.MustDate("2027-03-03")}, Reason: "staff day"}}
	tests := []struct {
		name    string
		booking exchange.Booking
		want    string
	}{
		{"a visitor booked elsewhere is named with the other host and the next free start",
			exchange.Booking{Placement: stay(hhi, ana, "2027-03-01", "2027-03-05", exchange.Draft), Host: hhi, Visitor: ana,
				Others: []exchange.Placement{stay(censec, ana, "2027-03-04", "2027-03-10", exchange.Confirmed)}, Visitors: visitors, Hosts: hosts},
			"Ana Sousa is already booked at CenSec on 4–10 Mar 2027 (confirmed). The next free start for a stay of the same length is 14 Mar 2027."},
		{"an organisation that has visited names who visited, where and when",
			exchange.Booking{Placement: stay(hhi, rui, "2027-06-07", "2027-06-11", exchange.Draft), Host: hhi, Visitor: rui,
				Others: []exchange.Placement{stay(censec, ana, "2027-03-01", "2027-03-05", exchange.Paid)}, Visitors: visitors, Hosts: hosts},
			"Ferrovia LDA already has a visit in the scheme: Ana Sousa at CenSec, 1–5 Mar 2027 (paid). An organisation visits only once."},
		{"a closed day names the host, the day and why",
			exchange.Booking{Placement: stay(closed, ana, "2027-03-01", "2027-03-12", exchange.Draft), Host: closed, Visitor: ana},
			"Fraunhofer HHI is closed on 3 Mar 2027 (staff day). The next free start for a stay of the same length is 6 Mar 2027."},
		{"a short stay says how many working days it gives",
			exchange.Booking{Placement: stay(hhi, ana, "2027-03-01", "2027-03-04", exchange.Draft), Host: hhi, Visitor: ana},
			"1–4 Mar 2027 gives 2 working days at Fraunhofer HHI, not counting weekends, closed days or travel days; at least 3 are needed."},
		{"a stay over a month says the last day it may have",
			exchange.Booking{Placement: stay(hhi, ana, "2027-03-01", "2027-04-01", exchange.Draft), Host: hhi, Visitor: ana},
			"A stay lasts at most one month: starting on 1 Mar 2027, the last day can be 31 Mar 2027 at the latest."},
		{"a date in year 0 is out of range",
			exchange.Booking{Placement: stay(hhi, ana, "2099-12-27", "2100-01-02", exchange.Draft), Host: hhi, Visitor: ana},
			"The last day, 2100-01-02, is out of range: dates go from 1 Jan 2000 to 31 Dec 2099."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wording.Error(tt.booking.Check())
			if got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
			for _, id := range []exchange.ID{ana.ID, rui.ID, hhi.ID, censec.ID} {
				if strings.Contains(got, id.String()) {
					t.Fatalf("%q names an id", got)
				}
			}
		})
	}
}

func TestEverySentenceStartsWithACapitalAndEndsWithAFullStop(t *testing.T) {
	for _, err := range []error{
		&exchange.RuleError{Field: "name", Rule: exchange.RuleRequired, Reason: "is required"},
		&exchange.RuleError{Field: "x", Rule: "made-up", Reason: "something odd happened"},
		&exchange.RuleError{Field: "status", Rule: exchange.RuleStayNotOver, Last: exchange.MustDate("2026-12-04"), NextFree: exchange.MustDate("2026-12-05")},
		&exchange.NotFoundError{Field: "host", ID: "0193"},
		exchange.ErrOverflow,
	} {
		got := wording.Error(err)
		if got == "" || strings.ToUpper(got[:1]) != got[:1] || !strings.HasSuffix(got, ".") {
			t.Errorf("%q", got)
		}
	}
	if got := wording.Error(&exchange.RuleError{Field: "status", Rule: exchange.RuleStayNotOver,
		Last: exchange.MustDate("2026-12-04"), NextFree: exchange.MustDate("2026-12-05")}); got != "The stay ends on 4 Dec 2026; it can be completed from 5 Dec 2026." {
		t.Errorf("%q", got)
	}
}
