package exchange

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	hhi = Host{ID: NewID(), Name: "Fraunhofer HHI", Kind: ResearchCentre, Country: "DE", City: "Berlin",
		Contact: "Jana Weber", Email: "jana.weber@hhi.example.org", Capacity: 1}
	ana = Visitor{ID: NewID(), Name: "Ana Sousa", Email: "ana@ferrovia.example.pt", Organisation: "Ferrovia Lda",
		Kind: SME, Country: "PT", City: "Porto"}
	rui = Visitor{ID: NewID(), Name: "Rui Costa", Email: "rui@ferrovia.example.pt", Organisation: "  FERROVIA   lda ",
		Kind: SME, Country: "PT", City: "Porto"}
	eva = Visitor{ID: NewID(), Name: "Eva Novak", Email: "eva@medsil.example.pl", Organisation: "MedSil",
		Kind: SME, Country: "PL", City: "Katowice"}
)

func stay(h Host, v Visitor, first, last string, travel TravelDays, status Status) Placement {
	p := NewPlacement(h.ID, v.ID, MustDate(first), MustDate(last), travel, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), "test")
	p.Status = status
	return p
}

func withCapacity(h Host, n int) Host { h.Capacity = n; return h }

func withClosed(h Host, from, to, reason string) Host {
	h.Closed = append([]ClosedPeriod(nil), h.Closed...)
	h.Closed = append(h.Closed, ClosedPeriod{Period{MustDate(from), MustDate(to)}, reason})
	return h
}

// 2026-03-02 is a Monday.
func TestBookingRules(t *testing.T) {
	visitors := map[ID]Visitor{ana.ID: ana, rui.ID: rui, eva.ID: eva}
	tests := []struct {
		name    string
		booking Booking
		rule    string // "" means the booking is fine
		field   string
	}{
		{"a Monday-to-Friday week with travel on both ends is three working days, which is enough",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-06", TravelBoth, Draft), Host: hhi, Visitor: ana}, "", ""},
		{"Monday to Thursday with travel on both ends is two working days, which is too short",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-05", TravelBoth, Draft), Host: hhi, Visitor: ana}, RuleMinWorkingDays, "last"},
		{"Monday to Wednesday is enough when neither end is a travel day",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-04", TravelNone, Draft), Host: hhi, Visitor: ana}, "", ""},
		{"Monday to Wednesday with only the first day travelling is two working days",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-04", TravelFirst, Draft), Host: hhi, Visitor: ana}, RuleMinWorkingDays, "last"},
		{"Monday to Wednesday with only the last day travelling is two working days",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-04", TravelLast, Draft), Host: hhi, Visitor: ana}, RuleMinWorkingDays, "last"},
		{"a weekend does not count as working days",
			Booking{Placement: stay(hhi, ana, "2026-03-05", "2026-03-10", TravelBoth, Draft), Host: hhi, Visitor: ana}, RuleMinWorkingDays, "last"},
		{"the last day before the first day is refused",
			Booking{Placement: stay(hhi, ana, "2026-03-06", "2026-03-02", TravelBoth, Draft), Host: hhi, Visitor: ana}, RuleDateOrder, "last"},
		{"1 March to 31 March is at most one month",
			Booking{Placement: stay(hhi, ana, "2027-03-01", "2027-03-31", TravelBoth, Draft), Host: hhi, Visitor: ana}, "", ""},
		{"1 March to 1 April is longer than one month",
			Booking{Placement: stay(hhi, ana, "2027-03-01", "2027-04-01", TravelBoth, Draft), Host: hhi, Visitor: ana}, RuleMaxDuration, "last"},
		{"31 January to 28 February is longer than one month, February being short",
			Booking{Placement: stay(hhi, ana, "2027-01-31", "2027-02-28", TravelBoth, Draft), Host: hhi, Visitor: ana}, RuleMaxDuration, "last"},
		{"a stay that covers a host's closed period is refused",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-13", TravelBoth, Draft), Host: withClosed(hhi, "2026-03-09", "2026-03-09", "staff day"), Visitor: ana}, RuleClosedPeriod, "host"},
		{"a stay right after a closed period is fine",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-06", TravelBoth, Draft), Host: withClosed(hhi, "2026-02-23", "2026-03-01", "winter break"), Visitor: ana}, "", ""},
		{"a host with capacity one refuses a second visitor on an overlapping day",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-06", TravelBoth, Draft), Host: hhi, Visitor: ana,
				Others: []Placement{stay(hhi, eva, "2026-03-06", "2026-03-12", TravelBoth, Confirmed)}, Visitors: visitors}, RuleCapacity, "host"},
		{"a draft holds its place, so a second draft cannot take it",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-06", TravelBoth, Draft), Host: hhi, Visitor: ana,
				Others: []Placement{stay(hhi, eva, "2026-03-02", "2026-03-06", TravelBoth, Draft)}, Visitors: visitors}, RuleCapacity, "host"},
		{"a cancelled placement frees its place",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-06", TravelBoth, Draft), Host: hhi, Visitor: ana,
				Others: []Placement{stay(hhi, eva, "2026-03-02", "2026-03-06", TravelBoth, Cancelled)}, Visitors: visitors}, "", ""},
		{"a declined placement frees its place",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-06", TravelBoth, Draft), Host: hhi, Visitor: ana,
				Others: []Placement{stay(hhi, eva, "2026-03-02", "2026-03-06", TravelBoth, Declined)}, Visitors: visitors}, "", ""},
		{"a host with capacity two receives two visitors at once",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-06", TravelBoth, Draft), Host: withCapacity(hhi, 2), Visitor: ana,
				Others: []Placement{stay(hhi, eva, "2026-03-02", "2026-03-06", TravelBoth, Confirmed)}, Visitors: visitors}, "", ""},
		{"stays that only touch the day after each other do not overlap",
			Booking{Placement: stay(hhi, ana, "2026-03-02", "2026-03-06", TravelBoth, Draft), Host: hhi, Visitor: ana,
				Others: []Placement{stay(hhi, eva, "2026-03-07", "2026-03-13", TravelBoth, Confirmed)}, Visitors: visitors}, "", ""},
		{"a visitor cannot be in two places at once",
			Booking{Placement: stay(hhi, eva, "2026-03-02", "2026-03-06", TravelBoth, Draft), Host: withCapacity(hhi, 5), Visitor: eva,
				Others: []Placement{stay(Host{ID: NewID()}, eva, "2026-03-04", "2026-03-10", TravelBoth, Requested)}, Visitors: visitors}, RuleVisitorBusy, "visitor"},
		{"an organisation visits only once, even with another person",
			Booking{Placement: stay(hhi, rui, "2026-06-01", "2026-06-05", TravelBoth, Draft), Host: hhi, Visitor: rui,
				Others: []Placement{stay(Host{ID: NewID()}, ana, "2026-03-02", "2026-03-06", TravelBoth, Paid)}, Visitors: visitors}, RuleVisitOnce, "visitor"},
		{"an organisation whose earlier visit was cancelled may visit",
			Booking{Placement: stay(hhi, rui, "2026-06-01", "2026-06-05", TravelBoth, Draft), Host: hhi, Visitor: rui,
				Others: []Placement{stay(Host{ID: NewID()}, ana, "2026-03-02", "2026-03-06", TravelBoth, Cancelled)}, Visitors: visitors}, "", ""},
		{"an organisation whose earlier visit was declined may visit",
			Booking{Placement: stay(hhi, rui, "2026-06-01", "2026-06-05", TravelBoth, Draft), Host: hhi, Visitor: rui,
				Others: []Placement{stay(Host{ID: NewID()}, ana, "2026-03-02", "2026-03-06", TravelBoth, Declined)}, Visitors: visitors}, "", ""},
		{"a placement does not conflict with itself when re-checked",
			func() Booking {
				p := stay(hhi, ana, "2026-03-02", "2026-03-06", TravelBoth, Confirmed)
				return Booking{Placement: p, Host: hhi, Visitor: ana, Others: []Placement{p}, Visitors: visitors}
			}(), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.booking.Check()
			vs := Violations(err)
			if tt.rule == "" {
				if err != nil {
					t.Fatalf("want the booking accepted, got %v", err)
				}
				return
			}
			for _, v := range vs {
				if v.Rule == tt.rule {
					if v.Field != tt.field {
						t.Errorf("rule %s names field %q, want %q", v.Rule, v.Field, tt.field)
					}
					if v.Reason == "" || !strings.Contains(err.Error(), v.Field+": ") {
						t.Errorf("message %q does not name the field with a reason", err)
					}
					return
				}
			}
			t.Fatalf("want rule %s broken, got %v", tt.rule, err)
		})
	}
}

func TestStatusFlow(t *testing.T) {
	at := time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		from    Status
		action  Action
		want    Status // "" means refused
		lastDay string
		ticked  []Item
	}{
		{"a draft is requested from the host", Draft, Request, Requested, "2026-03-06", nil},
		{"a requested placement is confirmed when the host accepts", Requested, Confirm, Confirmed, "2026-03-06", nil},
		{"a requested placement is declined when the host declines", Requested, Decline, Declined, "2026-03-06", nil},
		{"a draft can be cancelled", Draft, Cancel, Cancelled, "2026-03-06", nil},
		{"a confirmed placement can be cancelled", Confirmed, Cancel, Cancelled, "2026-03-06", nil},
		{"a confirmed placement is completed after its last day with the closing report", Confirmed, Complete, Completed, "2026-03-06", []Item{ClosingReport}},
		{"a confirmed placement is not completed without the closing report", Confirmed, Complete, "", "2026-03-06", []Item{CTQVisitor, CTQHost}},
		{"a completed placement is paid once every document is in", Completed, Pay, Paid, "2026-03-06", []Item{CTQVisitor, CTQHost, CTQVisitorPartnership, CTQHostPartnership, ClosingReport, Evidence}},
		{"a completed placement is not paid without the evidence", Completed, Pay, "", "2026-03-06", []Item{CTQVisitor, CTQHost, CTQVisitorPartnership, CTQHostPartnership, ClosingReport}},
		{"a draft cannot be confirmed without asking the host", Draft, Confirm, "", "2026-03-06", nil},
		{"a confirmed placement cannot be completed on its last day", Confirmed, Complete, "", "2026-03-20", nil},
		{"a paid placement cannot be cancelled", Paid, Cancel, "", "2026-03-06", nil},
		{"a declined placement cannot be confirmed", Declined, Confirm, "", "2026-03-06", nil},
		{"a cancelled placement cannot be requested again", Cancelled, Request, "", "2026-03-06", nil},
		{"a completed placement cannot be completed twice", Completed, Complete, "", "2026-03-06", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := stay(hhi, ana, "2026-03-02", tt.lastDay, TravelBoth, tt.from)
			for _, it := range tt.ticked {
				if p.Checklist == nil {
					p.Checklist = map[Item]Date{}
				}
				p.Checklist[it] = MustDate("2026-03-10")
			}
			before := len(p.History)
			err := p.Apply(tt.action, at, "staff", "because")
			if tt.want == "" {
				if err == nil {
					t.Fatalf("want %s refused from %s, got status %s", tt.action, tt.from, p.Status)
				}
				if p.Status != tt.from || len(p.History) != before {
					t.Fatalf("a refused action changed the placement: %s, %d events", p.Status, len(p.History))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != tt.want {
				t.Fatalf("status %s, want %s", p.Status, tt.want)
			}
			if tt.want == Completed && p.PaymentDue() != MustDate("2026-03-30") {
				t.Fatalf("completed %s, payment due %s", p.CompletedOn, p.PaymentDue())
			}
			last := p.History[len(p.History)-1]
			if last.Action != tt.action || last.Detail != "because" || last.By != "staff" || !last.At.Equal(at) {
				t.Fatalf("history not recorded: %+v", last)
			}
		})
	}
}

func TestTransitionErrorSaysWhatWasRefused(t *testing.T) {
	p := stay(hhi, ana, "2026-03-02", "2026-03-06", TravelBoth, Paid)
	err := p.Apply(Cancel, time.Now(), "", "")
	var te *TransitionError
	if !errors.As(err, &te) || err.Error() != "status: a paid placement cannot be cancelled" {
		t.Fatalf("got %v", err)
	}
}

func TestValidation(t *testing.T) {
	good := hhi
	tests := []struct {
		name  string
		edit  func(h *Host)
		field string
	}{
		{"a host needs a name", func(h *Host) { h.Name = "  " }, "name"},
		{"a host's e-mail must be an address", func(h *Host) { h.Email = "jana at hhi" }, "email"},
		{"a host's e-mail must not carry a display name", func(h *Host) { h.Email = "Jana <jana@hhi.example.org>" }, "email"},
		{"a host's e-mail domain needs a dot", func(h *Host) { h.Email = "jana@localhost" }, "email"},
		{"a host's country must be an ISO code", func(h *Host) { h.Country = "XX" }, "country"},
		{"a host's country cannot be a country name", func(h *Host) { h.Country = "Germany" }, "country"},
		{"a host's kind must be known", func(h *Host) { h.Kind = "bakery" }, "kind"},
		{"a host receives at least one visitor", func(h *Host) { h.Capacity = 0 }, "capacity"},
		{"a closed period cannot end before it starts", func(h *Host) {
			h.Closed = []ClosedPeriod{{Period{MustDate("2026-08-10"), MustDate("2026-08-01")}, ""}}
		}, "closed"},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("the good host is refused: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := good
			tt.edit(&h)
			h.Normalise()
			vs := Violations(h.Validate())
			if len(vs) != 1 || vs[0].Field != tt.field {
				t.Fatalf("want one error on %s, got %v", tt.field, vs)
			}
		})
	}
}

func TestVisitorValidationNamesEveryBadField(t *testing.T) {
	v := Visitor{Name: "", Email: "nope", Organisation: "", Country: "ZZ", City: "Lyon"}
	v.Normalise()
	var fields []string
	for _, e := range Violations(v.Validate()) {
		fields = append(fields, e.Field)
	}
	if got := strings.Join(fields, ","); got != "name,email,organisation,country" {
		t.Fatalf("fields %s", got)
	}
}

func TestWorkingDaysSkipClosedDays(t *testing.T) {
	h := withClosed(hhi, "2026-03-04", "2026-03-04", "")
	p := stay(h, ana, "2026-03-02", "2026-03-13", TravelNone, Draft)
	if got := p.WorkingDays(h); got != 9 {
		t.Fatalf("two weeks with one closed day: got %d working days, want 9", got)
	}
}

func TestCheckClosureRefusesAPeriodOverABooking(t *testing.T) {
	p := stay(hhi, ana, "2026-03-02", "2026-03-06", TravelBoth, Requested)
	c := ClosedPeriod{Period{MustDate("2026-03-06"), MustDate("2026-03-10")}, "move"}
	if err := CheckClosure(hhi, c, []Placement{p}); err == nil {
		t.Fatal("closure over a requested placement accepted")
	}
	p.Status = Cancelled
	if err := CheckClosure(hhi, c, []Placement{p}); err != nil {
		t.Fatalf("closure over a cancelled placement refused: %v", err)
	}
}
