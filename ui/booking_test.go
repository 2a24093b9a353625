package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestTheBookingWindowSuggestsWarnsAndShowsOnlyWhatTheProfileUses(t *testing.T) {
	d, s := newDesk(t, true)
	b := d.openBooking(nil)
	defer b.close()
	// The ClusterXchange profile has no green travel: the fields are not offered.
	hides(t, b.win, "Green travel", "Extra travel days")

	// Typing suggests the hosts that match; a click picks one.
	test.Type(b.host, "rail")
	shows(t, b.win, "Railgrup", "Rail.S")
	tapText(t, b.win, "Railgrup")
	if got := b.host.Text; got[:8] != "Railgrup" {
		t.Fatalf("the host field says %q", got)
	}
	hides(t, b.win, "Rail.S")

	// A first day in the past is booked only with a warning.
	b.first.SetDate(date("2026-11-02"))
	shows(t, b.win, "The first day, 2 Nov 2026, is in the past.")
	b.first.SetDate(date("2027-03-01"))
	hides(t, b.win, "is in the past")

	// Tab goes from field to field: from the first day to the last, not to its calendar icon.
	c := b.win.Canvas()
	c.Focus(b.first)
	c.FocusNext()
	if c.Focused() != b.last {
		t.Fatalf("Tab from the first day went to %T", c.Focused())
	}

	// With the Erasmus+ style profile, green travel is offered.
	if err := s.SetProfile("erasmus"); err != nil {
		t.Fatal(err)
	}
	b2 := d.openBooking(nil)
	defer b2.close()
	shows(t, b2.win, "Green travel", "Extra travel days")
}

func TestADateIsTypedInTheWaysPeopleWriteIt(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"the app's own form", "15 Mar 2027", "2027-03-15"},
		{"ISO", "2027-03-15", "2027-03-15"},
		{"day first with slashes", "15/03/2027", "2027-03-15"},
		{"day first with dots", "15.3.2027", "2027-03-15"},
		{"not a date", "next Tuesday", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if d := parseDate(tt.text); d != nil {
				got = d.Format("2006-01-02")
			}
			if got != tt.want {
				t.Fatalf("parseDate(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
