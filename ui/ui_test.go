package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mail/mailtest"
	"github.com/xchangedesk/xchangedesk/exchange/sample"
	"github.com/xchangedesk/xchangedesk/store"
	"github.com/xchangedesk/xchangedesk/store/outbox"
)

func TestMain(m *testing.M) {
	os.Setenv("LANG", "en_GB.UTF-8")
	os.Exit(m.Run())
}

var today = exchange.MustDate("2026-11-22")

// newDesk opens a real data file and the main window on a headless test app, sized as on a
// laptop so that lists draw their rows. Loads run at once, so that what a test does next sees
// what they read.
func newDesk(t *testing.T, seed bool) (*Desk, *store.Store) {
	t.Helper()
	a := test.NewApp()
	t.Cleanup(a.Quit)
	s, err := store.Open(filepath.Join(t.TempDir(), "x.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return today.Time().Add(9 * time.Hour) }
	t.Cleanup(func() { s.Close() })
	if seed {
		if err := s.Load(store.Seed(sample.Programme(today))); err != nil {
			t.Fatal(err)
		}
	}
	d := build(a, s, func() exchange.Date { return today }, &bridge{now: true, latest: map[string]int{}})
	d.Start()
	d.win.Resize(fyne.NewSize(1440, 900))
	d.win.Show()
	return d, s
}

// setToday moves the desk's and the data file's clock to day, 9 in the morning.
func setToday(d *Desk, s *store.Store, day exchange.Date) {
	d.today = func() exchange.Date { return day }
	s.Now = func() time.Time { return day.Time().Add(9 * time.Hour) }
	d.refresh()
}

// visit calls fn on every object drawn in o, depth first, with the objects it sits in. It
// goes through the renderers the window itself uses and skips what is hidden.
func visit(o fyne.CanvasObject, path []fyne.CanvasObject, fn func(o fyne.CanvasObject, path []fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	fn(o, path)
	path = append(path[:len(path):len(path)], o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			visit(c, path, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			visit(c, path, fn)
		}
	}
}

// layers are what the window draws: its content, then any dialogs and pop-ups on top.
func layers(w fyne.Window) []fyne.CanvasObject {
	return append([]fyne.CanvasObject{w.Canvas().Content()}, w.Canvas().Overlays().List()...)
}

// drawnText is a text the window draws and the objects it is drawn in.
type drawnText struct {
	text string
	in   []fyne.CanvasObject
}

// texts are the texts the window draws, in drawing order: labels, entries, list rows,
// buttons and dialogs. A wrapped label gives one text a line.
func texts(w fyne.Window) []drawnText {
	var out []drawnText
	for _, l := range layers(w) {
		visit(l, nil, func(o fyne.CanvasObject, path []fyne.CanvasObject) {
			if tx, ok := o.(*canvas.Text); ok && strings.TrimSpace(tx.Text) != "" {
				out = append(out, drawnText{tx.Text, path})
			}
		})
	}
	return out
}

// drawn is the words of texts.
func drawn(w fyne.Window) []string {
	var out []string
	for _, x := range texts(w) {
		out = append(out, x.text)
	}
	return out
}

// onScreen is everything the window shows as one string, wrapped lines joined by spaces.
func onScreen(w fyne.Window) string { return strings.Join(drawn(w), " ") }

// shows fails the test unless every text is on screen.
func shows(t *testing.T, w fyne.Window, texts ...string) {
	t.Helper()
	screen := onScreen(w)
	for _, text := range texts {
		if !strings.Contains(screen, text) {
			t.Fatalf("the window does not show %q; it shows:\n%s", text, strings.Join(drawn(w), "\n"))
		}
	}
}

// hides fails the test if any text is on screen.
func hides(t *testing.T, w fyne.Window, texts ...string) {
	t.Helper()
	screen := onScreen(w)
	for _, text := range texts {
		if strings.Contains(screen, text) {
			t.Fatalf("the window shows %q; it shows:\n%s", text, strings.Join(drawn(w), "\n"))
		}
	}
}

// after returns the n texts drawn right after the first text that is exactly label: the value
// next to a label, or the lines under a list row's title.
func after(t *testing.T, w fyne.Window, label string, n int) []string {
	t.Helper()
	all := drawn(w)
	for i, x := range all {
		if x == label {
			if i+n >= len(all) {
				break
			}
			return all[i+1 : i+1+n]
		}
	}
	t.Fatalf("the window does not show %q with %d texts after it; it shows:\n%s", label, n, strings.Join(all, "\n"))
	return nil
}

// fact is the value drawn next to a label of facts, such as "Status".
func fact(t *testing.T, w fyne.Window, label string) string {
	t.Helper()
	return after(t, w, label, 1)[0]
}

// tapText taps what a person taps to reach the text: the list row, button or check it is
// drawn in.
func tapText(t *testing.T, w fyne.Window, text string) { t.Helper(); tapTextBefore(t, w, text, "") }

// tapTextBefore is tapText for the first text drawn just before one starting with next, as
// a row's title is drawn before its dates.
func tapTextBefore(t *testing.T, w fyne.Window, text, next string) {
	t.Helper()
	all := texts(w)
	for i, x := range all {
		if x.text != text || next != "" && (i+1 == len(all) || !strings.HasPrefix(all[i+1].text, next)) {
			continue
		}
		for j := len(x.in) - 1; j >= 0; j-- {
			if tp, ok := x.in[j].(fyne.Tappable); ok {
				test.Tap(tp)
				return
			}
		}
	}
	t.Fatalf("nothing to tap shows %q before %q; the window shows:\n%s", text, next, strings.Join(drawn(w), "\n"))
}

// entryAfter is the entry drawn after the label, as a person finds the field to type in.
func entryAfter(t *testing.T, w fyne.Window, label string) *widget.Entry {
	t.Helper()
	var found *widget.Entry
	seen := false
	for _, l := range layers(w) {
		visit(l, nil, func(o fyne.CanvasObject, _ []fyne.CanvasObject) {
			if tx, ok := o.(*canvas.Text); ok && tx.Text == label {
				seen = true
			}
			if e, ok := o.(*widget.Entry); ok && seen && found == nil {
				found = e
			}
		})
	}
	if found == nil {
		t.Fatalf("no field after %q", label)
	}
	return found
}

// entryWhere is the first field drawn that matches, dialogs included.
func entryWhere(t *testing.T, w fyne.Window, what string, match func(*widget.Entry) bool) *widget.Entry {
	t.Helper()
	var found *widget.Entry
	for _, l := range layers(w) {
		visit(l, nil, func(o fyne.CanvasObject, _ []fyne.CanvasObject) {
			if e, ok := o.(*widget.Entry); ok && found == nil && match(e) {
				found = e
			}
		})
	}
	if found == nil {
		t.Fatalf("no field on screen %s", what)
	}
	return found
}

// button finds a visible button by its text anywhere in the window, dialogs included.
func button(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	for _, l := range layers(w) {
		visit(l, nil, func(o fyne.CanvasObject, _ []fyne.CanvasObject) {
			if b, ok := o.(*widget.Button); ok && b.Text == text && found == nil {
				found = b
			}
		})
	}
	if found == nil {
		t.Fatalf("no button %q on screen", text)
	}
	return found
}

// walk is visit without the path, for finding a widget in a dialog.
func walk(_ *testing.T, o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	visit(o, nil, func(o fyne.CanvasObject, _ []fyne.CanvasObject) { fn(o) })
}

func TestTheWelcomeScreenLoadsTheSampleProgramme(t *testing.T) {
	d, s := newDesk(t, false)
	test.Tap(button(t, d.win, "Load the sample programme"))
	snap, _ := s.Snapshot()
	if len(snap.Placements) < 30 {
		t.Fatalf("%d placements after loading the sample", len(snap.Placements))
	}
	shows(t, d.win, "32 of 32")
}

func TestStartingEmptyOpensTheHosts(t *testing.T) {
	d, s := newDesk(t, false)
	test.Tap(button(t, d.win, "Start empty"))
	if d.tabs.SelectedIndex() != 1 {
		t.Fatalf("tab %d selected, want Hosts", d.tabs.SelectedIndex())
	}
	if empty, _ := s.IsEmpty(); !empty {
		t.Fatal("starting empty wrote data")
	}
}

func fillHost(h *hostsScreen, name, country, email, capacity string) {
	for _, e := range []*widget.Entry{h.name, h.country, h.city, h.contact, h.email, h.capacity} {
		e.SetText("")
	}
	test.Type(h.name, name)
	h.kind.SetSelected("Cluster organisation")
	test.Type(h.country, country)
	test.Type(h.city, "Bilbao")
	test.Type(h.contact, "Ane Etxeberria")
	test.Type(h.email, email)
	test.Type(h.capacity, capacity)
}

func TestAddingAHostThroughTheForm(t *testing.T) {
	tests := []struct {
		name, country, email, capacity string
		field                          string // the field whose error shows; "" means saved
	}{
		{"Mafex", "es", "ane@mafex.example.es", "2", ""},
		{"Mafex", "ES", "ane at mafex", "2", "email"},
		{"", "ES", "ane@mafex.example.es", "2", "name"},
		{"Mafex", "Spain", "ane@mafex.example.es", "2", "country"},
		{"Mafex", "ES", "ane@mafex.example.es", "two", "capacity"},
		{"Mafex", "ES", "ane@mafex.example.es", "0", "capacity"},
	}
	for _, tt := range tests {
		name := "a host is saved"
		if tt.field != "" {
			name = "a bad " + tt.field + " is refused next to the field"
		}
		t.Run(name+" ("+tt.country+", "+tt.capacity+")", func(t *testing.T) {
			d, s := newDesk(t, false)
			test.Tap(button(t, d.win, "Start empty"))
			fillHost(d.hosts, tt.name, tt.country, tt.email, tt.capacity)
			test.Tap(button(t, d.win, "Save host"))
			hosts, _ := s.Hosts()
			if tt.field == "" {
				if len(hosts) != 1 || hosts[0].Country != "ES" || hosts[0].Capacity != 2 {
					t.Fatalf("stored %+v; the window shows %q", hosts, onScreen(d.win))
				}
				shows(t, d.win, "1 of 1", "Saved Mafex")
				if got := after(t, d.win, "Mafex", 1)[0]; !strings.Contains(got, "Bilbao") {
					t.Fatalf("the host's row says %q", got)
				}
				return
			}
			if len(hosts) != 0 {
				t.Fatalf("a refused host was stored: %+v", hosts)
			}
			if d.hosts.errs.text(tt.field) == "" {
				t.Fatalf("no error under %s; errors: %v", tt.field, d.hosts.errs)
			}
			shows(t, d.win, d.hosts.errs.text(tt.field))
		})
	}
}

func TestAClosedPeriodIsAddedToAHost(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(1)
	hosts, _ := s.Hosts()
	first := hosts[0]
	tapText(t, d.win, first.Name)
	from, to := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 5, 3, 0, 0, 0, 0, time.UTC)
	d.hosts.closedFrom.SetDate(&from)
	d.hosts.closedTo.SetDate(&to)
	test.Type(d.hosts.closedWhy, "May Day bridge")
	test.Tap(button(t, d.win, "Add"))
	// The period is listed, and the fields are empty for the next one.
	shows(t, d.win, "1–3 May 2027 — May Day bridge", "e.g. 15 Mar 2027")
	for _, x := range drawn(d.win) {
		if x == "1 May 2027" || x == "3 May 2027" {
			t.Fatalf("a date field still says %q after the add", x)
		}
	}
	test.Tap(button(t, d.win, "Save host"))
	h, _ := s.Host(first.ID)
	if len(h.Closed) != len(first.Closed)+1 || h.Closed[len(h.Closed)-1].Reason != "May Day bridge" {
		t.Fatalf("closed periods %+v", h.Closed)
	}
	shows(t, d.win, "1–3 May 2027", "May Day bridge")
}

func TestSearchNarrowsEveryList(t *testing.T) {
	d, s := newDesk(t, true)
	hosts, _ := s.Hosts()
	visitors, _ := s.Visitors()
	test.Type(d.placements.search, "lyonbiopole")
	shows(t, d.win, "3 of 32")
	d.placements.status.SetSelected("Draft")
	shows(t, d.win, "1 of 32")
	d.tabs.SelectIndex(1)
	test.Type(d.hosts.pane.search, "berlin")
	shows(t, d.win, fmt.Sprintf("2 of %d", len(hosts)))
	d.tabs.SelectIndex(2)
	test.Type(d.visitors.pane.search, "portugal")
	shows(t, d.win, fmt.Sprintf("2 of %d", len(visitors)))
}

func date(s string) *time.Time {
	t := exchange.MustDate(s).Time()
	return &t
}

func TestTheBookingDialogChecksEveryRuleAsTheChoicesChange(t *testing.T) {
	d, s := newDesk(t, true)
	// Every sample organisation has visited already; a new one may.
	if _, err := s.AddVisitor(exchange.Visitor{Name: "Oona Laine", Email: "oona@laine.example.fi",
		Organisation: "Laine Robotics Oy", Country: "FI", City: "Oulu"}); err != nil {
		t.Fatal(err)
	}
	d.refresh()
	before, _ := s.Snapshot()
	test.Tap(button(t, d.win, "Book placement…"))
	b := d.booking
	if b == nil {
		t.Fatal("no booking dialog")
	}
	test.Type(b.host, "Rail.S")
	test.Type(b.visitor, "Laine")
	shows(t, b.win, "Still to pick: the first day, the last day")
	// Rail.S has capacity 1 and Eva Lindqvist there in January.
	taken, _ := s.Placements(store.Filter{HostID: pick("Rail.S", b.hostOpts, b.hostIDs), Status: exchange.Requested})
	b.first.SetDate(date("2027-03-01"))
	b.last.SetDate(date("2027-03-03"))
	if got := b.errs.text("last"); !strings.Contains(got, "1 working day") {
		t.Fatalf("too short: error under last is %q", got)
	}
	if !b.book.Disabled() {
		t.Fatal("Book is enabled with a broken rule")
	}
	b.travel.SetSelected("Neither: no travel days")
	if got := b.errs.text("last"); got != "" {
		t.Fatalf("without travel days: error %q", got)
	}
	shows(t, b.win, "3 working days")
	b.first.SetDate(date(taken[0].First.String()))
	b.last.SetDate(date(taken[0].Last.String()))
	if got := b.errs.text("host"); !strings.Contains(got, "is full") {
		t.Fatalf("full host: error under host is %q (%s)", got, onScreen(b.win))
	}
	b.first.SetDate(date("2027-03-01"))
	b.last.SetDate(date("2027-04-01"))
	if got := b.errs.text("last"); !strings.Contains(got, "at most one month") {
		t.Fatalf("too long: error under last is %q", got)
	}
	after, _ := s.Snapshot()
	if len(after.Placements) != len(before.Placements) {
		t.Fatal("checking wrote a placement")
	}
	b.last.SetDate(date("2027-03-12"))
	if b.book.Disabled() {
		t.Fatalf("Book stays disabled: %q %v", b.other.Text, b.errs)
	}
	test.Tap(b.book)
	after, _ = s.Snapshot()
	if len(after.Placements) != len(before.Placements)+1 {
		t.Fatal("booking wrote nothing")
	}
	p := after.Placements[len(after.Placements)-1]
	if p.Status != exchange.Draft || p.First.String() != "2027-03-01" || p.Travel != exchange.TravelNone {
		t.Fatalf("booked %+v", p)
	}
	// The new booking is selected, and the detail shows it.
	shows(t, d.win, "Booked", "Oona Laine at Rail.S")
	if got := fact(t, d.win, "Status"); got != "Draft" {
		t.Fatalf("the detail says %q", got)
	}
	if got := fact(t, d.win, "Stay"); !strings.HasPrefix(got, "1–12 Mar 2027") {
		t.Fatalf("the detail's stay is %q", got)
	}
}

func TestAddingAVisitorThroughTheForm(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(2)
	test.Tap(button(t, d.win, "Add visitor"))
	v := d.visitors
	test.Type(v.name, "Oona Laine")
	test.Type(v.email, "oona@laine-robotics.example.fi")
	test.Type(v.organisation, "Laine Robotics Oy")
	test.Type(v.country, "XX")
	test.Type(v.city, "Oulu")
	test.Tap(button(t, d.win, "Save visitor"))
	if v.errs.text("country") == "" {
		t.Fatal("an unknown country was not refused next to the field")
	}
	v.country.SetText("FI")
	test.Tap(button(t, d.win, "Save visitor"))
	vs, _ := s.Visitors()
	if last := vs[len(vs)-1]; last.Name != "Oona Laine" || last.Country != "FI" {
		t.Fatalf("stored %+v", last)
	}
	shows(t, d.win, "Saved Oona Laine.", "None yet.")
	if got := after(t, d.win, "Oona Laine", 1)[0]; !strings.Contains(got, "Laine Robotics Oy · Oulu, Finland") {
		t.Fatalf("the visitor's row says %q", got)
	}
}

func TestTheBookingDialogNamesEachBrokenRuleNextToItsField(t *testing.T) {
	d, s := newDesk(t, true)
	snap, _ := s.Snapshot()
	hostNamed := func(name string) exchange.Host {
		for _, h := range snap.Hosts {
			if h.Name == name {
				return h
			}
		}
		t.Fatalf("no host %s", name)
		return exchange.Host{}
	}
	// Ieva Kalniņa is at i-Trans from 23 to 27 November 2026 (confirmed).
	ieva := snap.Visitors[2]
	if _, err := s.AddVisitor(exchange.Visitor{Name: "Oona Laine", Email: "oona@laine.example.fi",
		Organisation: "Laine Robotics Oy", Country: "FI", City: "Oulu"}); err != nil {
		t.Fatal(err)
	}
	d.refresh()
	tests := []struct {
		name, host, visitor, first, last string
		field, says                      string
	}{
		{"a stay over the host's Christmas closure is refused", "DITECFER", "Oona Laine", "2026-12-21", "2026-12-31", "host", "is closed"},
		{"a visitor cannot be in two places at once", "Mafex", ieva.Name, "2026-11-25", "2026-12-04", "visitor", "already booked"},
		{"an organisation that has visited cannot visit again", "Mafex", ieva.Name, "2027-03-01", "2027-03-05", "visitor", "visits only once"},
		{"Saturday to Tuesday is too short", "Mafex", "Oona Laine", "2027-03-06", "2027-03-09", "last", "working day"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := d.openBooking(nil)
			defer b.close()
			b.host.SetText(hostOption(hostNamed(tt.host)))
			test.Type(b.visitor, tt.visitor)
			b.first.SetDate(date(tt.first))
			b.last.SetDate(date(tt.last))
			if got := b.errs.text(tt.field); !strings.Contains(got, tt.says) {
				t.Fatalf("under %s: %q; want %q (other: %q)", tt.field, got, tt.says, b.other.Text)
			}
			if !b.book.Disabled() {
				t.Fatal("Book is enabled with a broken rule")
			}
		})
	}
}

func newVisitor(t *testing.T, d *Desk, s *store.Store) exchange.Visitor {
	t.Helper()
	v, err := s.AddVisitor(exchange.Visitor{Name: "Oona Laine", Email: "oona@laine.example.fi",
		Organisation: "Laine Robotics Oy", Country: "FI", City: "Oulu", Partnership: "BSR Stars/StarDust"})
	if err != nil {
		t.Fatal(err)
	}
	d.refresh()
	return v
}

func TestTheBookingDialogShowsTheLiveQuoteAndRefusesOverCommitting(t *testing.T) {
	d, s := newDesk(t, true)
	newVisitor(t, d, s)
	b := d.openBooking(nil)
	test.Type(b.host, "Mafex")
	test.Type(b.visitor, "Oona")
	b.first.SetDate(date("2027-03-01"))
	b.last.SetDate(date("2027-03-05"))
	// Oulu–Bilbao is far; Monday to Friday with two travel days is three working days: halved.
	for _, want := range []string{"Lump sum EUR 550.00", "Halved because fewer than 5 working days", "km between Bilbao", "Budget left after this booking"} {
		if !strings.Contains(onScreen(b.win), want) {
			t.Fatalf("the quote lacks %q:\n%s", want, onScreen(b.win))
		}
	}
	b.travel.SetSelected("Neither: no travel days")
	if !strings.Contains(onScreen(b.win), "Lump sum EUR 1,100.00") {
		t.Fatalf("five working days: %s", onScreen(b.win))
	}
	// Shrink the envelope to what is committed and paid: nothing is left for this one.
	m, _ := s.Money(today)
	used := m.Budget.Committed + m.Budget.Paid
	if err := s.SetEnvelope(used + exchange.Euros(100)); err != nil {
		t.Fatal(err)
	}
	b.travel.SetSelected("First and last day")
	if got := b.errs.text("budget"); !strings.Contains(got, "EUR 450.00 is missing") {
		t.Fatalf("under budget: %q (other %q)", got, b.other.Text)
	}
	if !b.book.Disabled() {
		t.Fatal("Book is enabled over budget")
	}
	before, _ := s.Snapshot()
	test.Tap(b.book)
	after, _ := s.Snapshot()
	if len(after.Placements) != len(before.Placements) {
		t.Fatal("an over-committing booking was written")
	}
}

func TestAnUnknownCityIsNamedAndCoordinatesCanBeTyped(t *testing.T) {
	d, s := newDesk(t, false)
	test.Tap(button(t, d.win, "Start empty"))
	fillHost(d.hosts, "ARUS", "ES", "a@arus.example.es", "1")
	d.hosts.city.SetText("Sevile")
	test.Tap(button(t, d.win, "Save host"))
	if got := d.hosts.errs.text("city"); !strings.Contains(got, "Sevilla") {
		t.Fatalf("under city: %q", got)
	}
	if hs, _ := s.Hosts(); len(hs) != 0 {
		t.Fatal("a host with an unknown city was saved")
	}
	d.hosts.lat.SetText("37.41")
	d.hosts.lon.SetText("-6.0")
	test.Tap(button(t, d.win, "Save host"))
	hs, _ := s.Hosts()
	if len(hs) != 1 || hs[0].Coordinates.Lat != 37.41 {
		t.Fatalf("hosts %+v", hs)
	}
	// Changing the city forgets the typed coordinates, and saving looks the new one up.
	d.hosts.city.SetText("Sevilla")
	if d.hosts.lat.Text != "" {
		t.Fatal("coordinates of the old city kept")
	}
	test.Tap(button(t, d.win, "Save host"))
	h, _ := s.Host(hs[0].ID)
	if h.Coordinates.Lat < 37.38 || h.Coordinates.Lat > 37.39 {
		t.Fatalf("Sevilla at %+v", h.Coordinates)
	}
}

func TestAskingTheHostQueuesAMessageThatTheOutboxShowsAndSends(t *testing.T) {
	t.Setenv(mail.PasswordVariable, mailtest.Password)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	srv := mailtest.Start(t, mail.NoTLS)
	d, s := newDesk(t, true)
	drafts, _ := s.Placements(store.Filter{Status: exchange.Draft})
	p := drafts[0]
	before, _ := s.Outbox()
	openPlacement(t, d, s, p)
	test.Tap(button(t, d.win, "Request from host…"))
	test.Tap(button(t, d.win, "Send the request"))
	after, _ := s.Outbox()
	if len(after) != len(before)+1 || after[len(after)-1].Kind != store.HostRequest {
		t.Fatalf("outbox %d → %d", len(before), len(after))
	}
	h, _ := s.Host(p.HostID)
	shows(t, d.win, "Availability request to "+h.Contact+" <"+h.Email+"> — queued", "Outbox (")
	d.tabs.SelectIndex(4)
	o := d.outbox.settings
	shows(t, d.win, "No mail server is set")
	// A mail server that is only allowed on this computer is refused elsewhere.
	o.host.SetText("smtp.example.org")
	o.port.SetText("25")
	o.tlsMode.SetSelected(tlsLabels[2].label)
	test.Tap(button(t, d.win, "Save mail server"))
	shows(t, d.win, "None is only allowed for a server on this machine (127.0.0.1, ::1 or localhost), not smtp.example.org.")
	if o.errs.text("tls") == "" {
		t.Fatal("the refusal is not under Security")
	}
	o.host.SetText("127.0.0.1")
	o.port.SetText(strconv.Itoa(srv.Port()))
	o.user.SetText(mailtest.User)
	test.Tap(button(t, d.win, "Save mail server"))
	if st, ok, _ := s.SMTP(); !ok || st.Port != srv.Port() {
		t.Fatalf("settings %+v", st)
	}
	o.testTo.SetText("jana@hhi.example.de")
	test.Tap(button(t, d.win, "Send test message"))
	shows(t, d.win, "Sent a test message to jana@hhi.example.de.")
	if len(srv.Received()) != 1 {
		t.Fatalf("%d messages received", len(srv.Received()))
	}
	// What the background sender does shows in the status bar.
	r, err := (&outbox.Sender{Outbox: s}).Once(context.Background())
	d.Sending(r, err)
	shows(t, d.win, "Mail: ", "sent")
	if len(srv.Received()) < 2 {
		t.Fatalf("%d received", len(srv.Received()))
	}
	shows(t, d.win, "SENT · Availability request · "+h.Email)
	dir := t.TempDir()
	n, err := d.outbox.exportTo(dir)
	if err != nil || n != len(after) {
		t.Fatalf("exported %d: %v", n, err)
	}
}
