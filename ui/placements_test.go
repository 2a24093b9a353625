package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

// openPlacement does what a person does to open a placement: search for its visitor on the
// Placements screen and click its row, the one with its dates. It returns the row's title.
func openPlacement(t *testing.T, d *Desk, s *store.Store, p exchange.Placement) string {
	t.Helper()
	h, _ := s.Host(p.HostID)
	v, _ := s.Visitor(p.VisitorID)
	d.tabs.SelectIndex(0)
	d.placements.status.SetSelected(allStatuses)
	d.placements.search.SetText(v.Name)
	title := v.Name + " → " + h.Name
	tapTextBefore(t, d.win, title, wording.Range(p.First, p.Last))
	return title
}

// rowOf is what the list row with this title shows: its dates line and its status chip.
func rowOf(t *testing.T, w fyne.Window, title string) (sub, chip string) {
	t.Helper()
	r := after(t, w, title, 2)
	return r[0], r[1]
}

// detailShows checks every row of the placement detail against the placement as stored.
func detailShows(t *testing.T, d *Desk, s *store.Store, p exchange.Placement) {
	t.Helper()
	h, _ := s.Host(p.HostID)
	v, _ := s.Visitor(p.VisitorID)
	shows(t, d.win, v.Name+" at "+h.Name)
	want := map[string]string{
		"Status":       statusLabel(p.Status),
		"Stay":         wording.Range(p.First, p.Last),
		"Working days": fmt.Sprintf("%d at the host", p.WorkingDays(h)),
		"Host":         h.Name + ", " + h.City,
		"Visitor":      v.Name + ", ",
	}
	for label, value := range want {
		if got := fact(t, d.win, label); !strings.HasPrefix(got, value) {
			t.Errorf("%s → %s: %s shows %q, want %q…", v.Name, h.Name, label, got, value)
		}
	}
	if p.Goals != "" {
		first := strings.Fields(p.Goals)[0]
		if got := fact(t, d.win, "Goals"); !strings.HasPrefix(got, first) {
			t.Errorf("%s → %s: goals show %q, want %q…", v.Name, h.Name, got, first)
		}
	} else {
		hides(t, d.win, "Goals")
	}
	if p.Status == exchange.Completed {
		if got := fact(t, d.win, "Payment due"); !strings.Contains(got, wording.Date(p.PaymentDue())) {
			t.Errorf("%s → %s: payment due shows %q", v.Name, h.Name, got)
		}
	} else {
		hides(t, d.win, "Payment due")
	}
}

func TestEveryPlacementOfTheSampleShowsInEveryRowOfTheDetail(t *testing.T) {
	d, s := newDesk(t, true)
	snap, _ := s.Snapshot()
	for _, p := range snap.Placements {
		openPlacement(t, d, s, p)
		detailShows(t, d, s, p)
	}
}

func TestSelectingTwoPlacementsInTurnShowsEachOne(t *testing.T) {
	d, s := newDesk(t, true)
	snap, _ := s.Snapshot()
	var completed, confirmed exchange.Placement
	for _, p := range snap.Placements {
		switch {
		case p.Status == exchange.Completed && completed.ID.IsZero():
			completed = p
		case p.Status == exchange.Confirmed && confirmed.ID.IsZero():
			confirmed = p
		}
	}
	for _, p := range []exchange.Placement{confirmed, completed, confirmed} {
		openPlacement(t, d, s, p)
		detailShows(t, d, s, p)
	}
	// The other one's facts are gone from the detail.
	h, _ := s.Host(completed.HostID)
	hides(t, d.win, "Completed", h.Name+", "+h.City)
}

func TestAPlacementShowsEachStepOfItsStatusFlowAsItHappens(t *testing.T) {
	d, s := newDesk(t, true)
	drafts, _ := s.Placements(store.Filter{Status: exchange.Draft})
	p := drafts[0]
	h, _ := s.Host(p.HostID)
	v, _ := s.Visitor(p.VisitorID)
	title := openPlacement(t, d, s, p)
	step := func(status string) {
		t.Helper()
		if got := fact(t, d.win, "Status"); got != status {
			t.Fatalf("the detail says %q, want %q; the window shows %s", got, status, onScreen(d.win))
		}
		if _, chip := rowOf(t, d.win, title); chip != status {
			t.Fatalf("the list row says %q, want %q", chip, status)
		}
	}
	step("Draft")

	test.Tap(button(t, d.win, "Request from host…"))
	shows(t, d.win, "Ask the host?", h.Email, wording.Range(p.First, p.Last))
	test.Tap(button(t, d.win, "Send the request"))
	step("Requested")
	shows(t, d.win, "Availability request to "+h.Contact+" <"+h.Email+"> — queued")

	test.Tap(button(t, d.win, "Host accepted…"))
	shows(t, d.win, "The host accepted?", v.Email)
	test.Tap(button(t, d.win, "Confirm and send"))
	step("Confirmed")
	shows(t, d.win, "Calendar invitation to "+v.Name+" <"+v.Email+"> — queued")
	// Completing waits for the end of the stay, and the button says until when.
	if !button(t, d.win, "Complete from "+wording.Date(p.Last.Next())).Disabled() {
		t.Fatal("a stay not over yet can be completed")
	}

	setToday(d, s, p.Last.Next())
	// Completing needs the closing report: refused next to the action until it is ticked.
	test.Tap(button(t, d.win, "Complete"))
	step("Confirmed")
	shows(t, d.win, "closing report")
	tapText(t, d.win, "Closing report received and validated")
	test.Tap(button(t, d.win, "Complete"))
	step("Completed")
	shows(t, d.win, "Payment due")

	// Paying without evidence is refused next to the action, and nothing is recorded.
	test.Tap(button(t, d.win, "Mark paid…"))
	test.Tap(button(t, d.win, "Record the payment"))
	step("Completed")
	shows(t, d.win, "still missing")
	for _, it := range exchange.Items {
		if it.Item != exchange.ClosingReport {
			tapText(t, d.win, it.Label)
		}
	}
	test.Tap(button(t, d.win, "Mark paid…"))
	shows(t, d.win, "Mark as paid?", v.Name)
	test.Tap(button(t, d.win, "Record the payment"))
	step("Paid")
	shows(t, d.win, "Paid on "+wording.Date(p.Last.Next()))
	if got, _ := s.Placement(p.ID); got.Status != exchange.Paid {
		t.Fatalf("stored as %s", got.Status)
	}
}

func TestAFilterThatHidesTheSelectedPlacementClearsTheDetail(t *testing.T) {
	d, s := newDesk(t, true)
	snap, _ := s.Snapshot()
	p := snap.Placements[0]
	v, _ := s.Visitor(p.VisitorID)
	h, _ := s.Host(p.HostID)
	openPlacement(t, d, s, p)
	shows(t, d.win, v.Name+" at "+h.Name)
	d.placements.search.SetText("")
	shows(t, d.win, v.Name+" at "+h.Name, "32 of 32")
	// A status filter that leaves other placements but not this one.
	other := "Cancelled"
	if p.Status == exchange.Cancelled {
		other = "Draft"
	}
	d.placements.status.SetSelected(other)
	hides(t, d.win, v.Name+" at "+h.Name)
	shows(t, d.win, "Select a placement to see its details")
	// A search that leaves nothing.
	d.placements.status.SetSelected(allStatuses)
	test.Type(d.placements.search, "zzzz")
	shows(t, d.win, "0 of 32", "No placements match.")
	hides(t, d.win, "Status", "Working days")
}

func TestCancellingAsksWhyAndNamesWhoIsMailed(t *testing.T) {
	d, s := newDesk(t, true)
	drafts, _ := s.Placements(store.Filter{Status: exchange.Draft})
	p := drafts[0]
	h, _ := s.Host(p.HostID)
	openPlacement(t, d, s, p)
	test.Tap(button(t, d.win, "Cancel placement…"))
	shows(t, d.win, "Nobody was invited yet, so no mail is sent.")
	test.Tap(button(t, d.win, "Keep it"))
	test.Tap(button(t, d.win, "Request from host…"))
	test.Tap(button(t, d.win, "Send the request"))
	test.Tap(button(t, d.win, "Cancel placement…"))
	shows(t, d.win, "Cancel this placement?", "A cancellation goes to "+h.Contact+" <"+h.Email+">")
	test.Tap(button(t, d.win, "Keep it"))
	if got, _ := s.Placement(p.ID); got.Status != exchange.Requested {
		t.Fatalf("Keep it left the placement %s", got.Status)
	}
	test.Tap(button(t, d.win, "Cancel placement…"))
	var reason *widget.Entry
	walk(t, d.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && e.PlaceHolder == "Why? (kept in the history)" {
			reason = e
		}
	})
	test.Type(reason, "visitor changed jobs")
	test.Tap(button(t, d.win, "Cancel placement"))
	if got := fact(t, d.win, "Status"); got != "Cancelled" {
		t.Fatalf("the detail says %q", got)
	}
	shows(t, d.win, "cancelled by", "visitor changed jobs", "Cancellation to "+h.Contact)
}

func TestARefusalShowsNextToTheActionWithTheWayOut(t *testing.T) {
	d, s := newDesk(t, false)
	h, err := s.AddHost(exchange.Host{Name: "Mafex", Kind: exchange.ClusterOrganisation, Country: "ES", City: "Bilbao",
		Contact: "Ane Etxeberria", Email: "ane@mafex.example.es", Capacity: 2})
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.AddVisitor(exchange.Visitor{Name: "Oona Laine", Email: "oona@laine.example.fi",
		Organisation: "Laine Robotics Oy", Country: "FI", City: "Oulu"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Book(store.BookingRequest{HostID: h.ID, VisitorID: v.ID, First: exchange.MustDate("2027-03-01"),
		Last: exchange.MustDate("2027-03-05"), Travel: exchange.TravelNone})
	if err != nil {
		t.Fatal(err)
	}
	d.Start()
	openPlacement(t, d, s, p)
	test.Tap(button(t, d.win, "Request from host…"))
	test.Tap(button(t, d.win, "Send the request"))
	shows(t, d.win, "Set the organiser first")
	if got := fact(t, d.win, "Status"); got != "Draft" {
		t.Fatalf("a refused request left the placement %q", got)
	}
	test.Tap(button(t, d.win, "Set the organiser…"))
	if d.tabs.SelectedIndex() != 4 {
		t.Fatal("the way out does not open the mail settings")
	}
	shows(t, d.win, "Organiser", "Invitations come from this address")
}

func TestHistoryNotesShowDatesAsTheAppWritesThem(t *testing.T) {
	tests := []struct{ name, note, want string }{
		{"a stay", "2027-03-08 … 2027-03-12, travel days: both", "8–12 Mar 2027, travel days: both"},
		{"a stay over a month end", "moved from 2026-11-30 … 2026-12-04", "moved from 30 Nov – 4 Dec 2026"},
		{"one day", "paid on 2026-12-01", "paid on 1 Dec 2026"},
		{"no date", "visitor changed jobs", "visitor changed jobs"},
		{"not a real date", "ref 2026-13-45", "ref 2026-13-45"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := readableDates(tt.note); got != tt.want {
				t.Fatalf("readableDates(%q) = %q, want %q", tt.note, got, tt.want)
			}
		})
	}
}
