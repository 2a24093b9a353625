package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

func TestEditingAHostAndSelectingAnotherShowsEachOne(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(1)
	hosts, _ := s.Hosts()
	var open, closed = hosts[1], hosts[0] // the sample closes every third host but one at Christmas
	if len(open.Closed) != 0 || len(closed.Closed) == 0 {
		t.Fatalf("sample hosts: %s closed %v, %s closed %v", open.Name, open.Closed, closed.Name, closed.Closed)
	}
	form := func(name, city, contact, closedText string) {
		t.Helper()
		for label, want := range map[string]string{"Name": name, "City": city, "Contact person": contact, "Closed": closedText} {
			if got := fact(t, d.win, label); !strings.HasPrefix(got, want) {
				t.Fatalf("the form's %s shows %q, want %q", label, got, want)
			}
		}
	}
	christmas := wording.Range(closed.Closed[0].From, closed.Closed[0].To)
	tapText(t, d.win, closed.Name)
	form(closed.Name, closed.City, closed.Contact, christmas)
	tapText(t, d.win, open.Name)
	form(open.Name, open.City, open.Contact, "Open all year")

	// Edit the open one: its row and heading follow, and the other host is untouched.
	name := entryAfter(t, d.win, "Name")
	name.SetText(open.Name + " Hub")
	test.Tap(button(t, d.win, "Save host"))
	shows(t, d.win, "Saved "+open.Name+" Hub")
	if sub := after(t, d.win, open.Name+" Hub", 1)[0]; !strings.HasPrefix(sub, open.City) {
		t.Fatalf("the renamed host's row says %q", sub)
	}
	tapText(t, d.win, closed.Name)
	form(closed.Name, closed.City, closed.Contact, christmas)
	tapText(t, d.win, open.Name+" Hub")
	form(open.Name+" Hub", open.City, open.Contact, "Open all year")
	if h, _ := s.Host(open.ID); h.Name != open.Name+" Hub" {
		t.Fatalf("stored name %q", h.Name)
	}
	if h, _ := s.Host(closed.ID); h.Name != closed.Name {
		t.Fatalf("the other host became %q", h.Name)
	}
}

func TestAHostSearchThatHidesTheSelectedHostEmptiesTheList(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(1)
	hosts, _ := s.Hosts()
	tapText(t, d.win, hosts[0].Name)
	test.Type(d.hosts.pane.search, "zzzz")
	shows(t, d.win, "0 of ")
	hides(t, d.win, hosts[0].City+", ")
}
