package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

func TestEditingAVisitorAndSelectingAnotherShowsEachOne(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(2)
	snap, _ := s.Snapshot()
	byVisitor := map[exchange.ID][]exchange.Placement{}
	for _, p := range snap.Placements {
		byVisitor[p.VisitorID] = append(byVisitor[p.VisitorID], p)
	}
	a, b := snap.Visitors[0], snap.Visitors[1]
	form := func(v exchange.Visitor, name string) {
		t.Helper()
		for label, want := range map[string]string{"Name": name, "Organisation": v.Organisation, "City": v.City} {
			if got := fact(t, d.win, label); got != want {
				t.Fatalf("the form's %s shows %q, want %q", label, got, want)
			}
		}
		for _, p := range byVisitor[v.ID] {
			h, _ := s.Host(p.HostID)
			shows(t, d.win, wording.Range(p.First, p.Last)+" at "+h.Name)
		}
	}
	tapText(t, d.win, a.Name)
	form(a, a.Name)
	tapText(t, d.win, b.Name)
	form(b, b.Name)
	for _, p := range byVisitor[a.ID] {
		h, _ := s.Host(p.HostID)
		hides(t, d.win, wording.Range(p.First, p.Last)+" at "+h.Name)
	}

	entryAfter(t, d.win, "Organisation").SetText(b.Organisation + " GmbH")
	test.Tap(button(t, d.win, "Save visitor"))
	shows(t, d.win, "Saved "+b.Name)
	if sub := after(t, d.win, b.Name, 1)[0]; !strings.HasPrefix(sub, b.Organisation+" GmbH") {
		t.Fatalf("the edited visitor's row says %q", sub)
	}
	tapText(t, d.win, a.Name)
	form(a, a.Name)
	b.Organisation += " GmbH"
	tapText(t, d.win, b.Name)
	form(b, b.Name)
	if got, _ := s.Visitor(b.ID); got.Organisation != b.Organisation {
		t.Fatalf("stored %q", got.Organisation)
	}
}

func TestBookingForAVisitorOpensTheDialogWithThemChosen(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(2)
	vs, _ := s.Visitors()
	tapText(t, d.win, vs[0].Name)
	test.Tap(button(t, d.win, "Book a placement for this visitor…"))
	shows(t, d.booking.win, "Book as draft", visitorOption(vs[0]))
}

func TestAControlCharacterInANameIsRefusedNextToTheField(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(2)
	before, _ := s.Visitors()
	test.Tap(button(t, d.win, "Add visitor"))
	entryAfter(t, d.win, "Name").SetText("Eve\nBcc: x@evil.example")
	entryAfter(t, d.win, "E-mail").SetText("eve@example.org")
	entryAfter(t, d.win, "Organisation").SetText("Evil Ltd")
	entryAfter(t, d.win, "Country").SetText("FI")
	entryAfter(t, d.win, "City").SetText("Oulu")
	test.Tap(button(t, d.win, "Save visitor"))
	shows(t, d.win, "must be one line")
	if after, _ := s.Visitors(); len(after) != len(before) {
		t.Fatal("a name with a line break was saved")
	}
}
