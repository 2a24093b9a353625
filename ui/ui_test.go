package ui

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
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

// newDesk opens a real data file and the main window on a headless test app.
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
	d := New(a, s, func() exchange.Date { return today })
	d.background = func(f func()) { f() } // the test driver runs fyne.Do at once
	d.Start()
	d.win.Show()
	return d, s
}

// button finds a visible button by its text anywhere in the window, dialogs included.
func button(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	objs := append([]fyne.CanvasObject{w.Content()}, w.Canvas().Overlays().List()...)
	for _, o := range objs {
		walk(t, o, func(o fyne.CanvasObject) {
			if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() && found == nil {
				found = b
			}
		})
	}
	if found == nil {
		t.Fatalf("no button %q on screen", text)
	}
	return found
}

func walk(t *testing.T, o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(t, c, fn)
		}
	case fyne.Widget:
		r := test.TempWidgetRenderer(t, x)
		for _, c := range r.Objects() {
			walk(t, c, fn)
		}
	}
}

func TestTheWelcomeScreenLoadsTheSampleProgramme(t *testing.T) {
	d, s := newDesk(t, false)
	test.Tap(button(t, d.win, "Load the sample programme"))
	snap, _ := s.Snapshot()
	if len(snap.Placements) < 30 {
		t.Fatalf("%d placements after loading the sample", len(snap.Placements))
	}
	if got := d.placements.count.Text; got != "32 of 32" {
		t.Fatalf("placements list says %q", got)
	}
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
					t.Fatalf("stored %+v; form says %q", hosts, d.hosts.formErr.Text)
				}
				if d.hosts.pane.count.Text != "1 of 1" {
					t.Fatalf("host list says %q", d.hosts.pane.count.Text)
				}
				return
			}
			if len(hosts) != 0 {
				t.Fatalf("a refused host was stored: %+v", hosts)
			}
			if d.hosts.errs.text(tt.field) == "" {
				t.Fatalf("no error under %s; errors: %v", tt.field, d.hosts.errs)
			}
		})
	}
}

func TestAClosedPeriodIsAddedToAHost(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(1)
	d.hosts.pane.list.Select(0)
	first := d.hosts.editing
	from, to := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 5, 3, 0, 0, 0, 0, time.UTC)
	d.hosts.closedFrom.SetDate(&from)
	d.hosts.closedTo.SetDate(&to)
	test.Type(d.hosts.closedWhy, "May Day bridge")
	test.Tap(button(t, d.win, "Add"))
	test.Tap(button(t, d.win, "Save host"))
	h, _ := s.Host(first.ID)
	if len(h.Closed) != len(first.Closed)+1 || h.Closed[len(h.Closed)-1].Reason != "May Day bridge" {
		t.Fatalf("closed periods %+v", h.Closed)
	}
}

func TestSearchNarrowsEveryList(t *testing.T) {
	d, _ := newDesk(t, true)
	test.Type(d.placements.search, "lyonbiopole")
	if got := len(d.placements.shown); got != 3 {
		t.Fatalf("%d placements at Lyonbiopole shown", got)
	}
	d.placements.status.SetSelected("Draft")
	if got := len(d.placements.shown); got != 1 {
		t.Fatalf("%d draft placements at Lyonbiopole shown", got)
	}
	test.Type(d.hosts.pane.search, "berlin")
	if got := len(d.hosts.pane.shown); got != 2 {
		t.Fatalf("%d hosts in Berlin", got)
	}
	test.Type(d.visitors.pane.search, "portugal")
	if got := len(d.visitors.pane.shown); got != 2 {
		t.Fatalf("%d visitors from Portugal", got)
	}
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
	d.reload()
	before, _ := s.Snapshot()
	test.Tap(button(t, d.win, "Book placement…"))
	b := d.booking
	if b == nil {
		t.Fatal("no booking dialog")
	}
	test.Type(b.host, "Rail.S")
	test.Type(b.visitor, "Laine")
	if !strings.Contains(b.summary.Text, "Still to pick: the first day, the last day") {
		t.Fatalf("summary %q", b.summary.Text)
	}
	// Rail.S has capacity 1 and Eva Lindqvist there in January.
	taken, _ := s.Placements(store.Filter{HostID: d.booking.desk.hostByID(pick("Rail.S", b.hostOpts, b.hostIDs)).ID, Status: exchange.Requested})
	b.first.SetDate(date("2027-03-01"))
	b.last.SetDate(date("2027-03-03"))
	if got := b.errs.text("last"); !strings.Contains(got, "1 working day") {
		t.Fatalf("too short: error under last is %q", got)
	}
	if !b.book.Disabled() {
		t.Fatal("Book is enabled with a broken rule")
	}
	b.travel.SetSelected("Neither: no travel days")
	if got := b.errs.text("last"); got != "" || !strings.Contains(b.summary.Text, "3 working days") {
		t.Fatalf("without travel days: error %q, summary %q", got, b.summary.Text)
	}
	b.first.SetDate(date(taken[0].First.String()))
	b.last.SetDate(date(taken[0].Last.String()))
	if got := b.errs.text("host"); !strings.Contains(got, "is full") {
		t.Fatalf("full host: error under host is %q (%s)", got, b.summary.Text)
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
	p, _ := s.Placement(d.placements.selected)
	if p.Status != exchange.Draft || p.First.String() != "2027-03-01" || p.Travel != exchange.TravelNone {
		t.Fatalf("booked %+v", p)
	}
	if !strings.Contains(d.status.Text, "Booked") {
		t.Fatalf("status bar says %q", d.status.Text)
	}
}

func TestStatusActionsMoveAPlacementAndCancellingAsksFirst(t *testing.T) {
	d, s := newDesk(t, true)
	drafts, _ := s.Placements(store.Filter{Status: exchange.Draft})
	id := drafts[0].ID
	d.placements.show(id)
	test.Tap(button(t, d.win, "Request from host"))
	if p, _ := s.Placement(id); p.Status != exchange.Requested {
		t.Fatalf("status %s after request", p.Status)
	}
	test.Tap(button(t, d.win, "Cancel placement…"))
	// The confirmation is up: nothing has changed yet.
	if p, _ := s.Placement(id); p.Status != exchange.Requested {
		t.Fatalf("cancelled before confirming: %s", p.Status)
	}
	test.Tap(button(t, d.win, "Keep it"))
	if p, _ := s.Placement(id); p.Status != exchange.Requested {
		t.Fatalf("Keep it cancelled the placement")
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
	p, _ := s.Placement(id)
	if p.Status != exchange.Cancelled || p.History[len(p.History)-1].Detail != "visitor changed jobs" {
		t.Fatalf("after cancelling: %s, %+v", p.Status, p.History[len(p.History)-1])
	}
	if !strings.Contains(d.placements.history.Text, "cancelled by") {
		t.Fatalf("history shows %q", d.placements.history.Text)
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
	if !strings.Contains(v.visits.Text, "None yet") {
		t.Fatalf("visits: %q", v.visits.Text)
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
	d.reload()
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
			defer b.dlg.Hide()
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
	d.reload()
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
		if !strings.Contains(b.quote.Text, want) {
			t.Fatalf("quote lacks %q:\n%s", want, b.quote.Text)
		}
	}
	b.travel.SetSelected("Neither: no travel days")
	if !strings.Contains(b.quote.Text, "Lump sum EUR 1,100.00") {
		t.Fatalf("five working days: %s", b.quote.Text)
	}
	// Shrink the envelope to what is committed and paid: nothing is left for this one.
	used := d.money.budget.Committed + d.money.budget.Paid
	if err := s.SetEnvelope(used + exchange.Euros(100)); err != nil {
		t.Fatal(err)
	}
	b.travel.SetSelected("First and last day")
	if got := b.errs.text("budget"); !strings.Contains(got, "EUR 450.00 missing") {
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

func TestTheBudgetScreenSetsTheEnvelopeAndVersionsTheRates(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(3)
	bs := d.budget
	if bs.committed.Text == "" || !strings.HasPrefix(bs.remaining.Text, "EUR ") {
		t.Fatalf("budget shows %q %q", bs.committed.Text, bs.remaining.Text)
	}
	if len(bs.byCountry.Objects) < 5 {
		t.Fatalf("%d country bars", len(bs.byCountry.Objects))
	}
	bs.envelope.SetText("100")
	test.Tap(button(t, d.win, "Set budget"))
	if !strings.Contains(bs.moneyErr.Text, "budget cannot be less") {
		t.Fatalf("a too-small envelope: %q", bs.moneyErr.Text)
	}
	bs.envelope.SetText("60,000")
	test.Tap(button(t, d.win, "Set budget"))
	if p, _ := s.Programme(); p.Envelope != exchange.Euros(60000) {
		t.Fatalf("envelope %s", p.Envelope)
	}
	before, _ := s.Placements(store.Filter{})
	// A rate edit with a typo is refused, naming the line.
	bs.caps.SetText("PT 780.00\nDE nine hundred")
	test.Tap(button(t, d.win, "Save as a new version"))
	if !strings.Contains(bs.ratesErr.Text, "caps line 2") {
		t.Fatalf("typo: %q", bs.ratesErr.Text)
	}
	bs.caps.SetText("PT 780.00\nDE 900.00")
	bs.note.SetText("Germany lowered")
	test.Tap(button(t, d.win, "Save as a new version"))
	tables, _ := s.Rates()
	if tables.Version != 2 || tables.CXC.Caps["DE"] != exchange.Euros(900) || tables.Note != "Germany lowered" {
		t.Fatalf("rates %+v", tables)
	}
	if !strings.Contains(bs.history.Text, "Version 2") {
		t.Fatalf("history %q", bs.history.Text)
	}
	after, _ := s.Placements(store.Filter{})
	for i := range before {
		if before[i].Price.LumpSum != after[i].Price.LumpSum || after[i].Price.Version != 1 {
			t.Fatalf("placement %d changed with the rate tables", i)
		}
	}
	bs.profile.SetSelected("Erasmus+ style")
	if p, _ := s.Programme(); p.Profile != "erasmus" {
		t.Fatalf("profile %q", p.Profile)
	}
	out, err := bs.report("csv")
	if err != nil || !strings.Contains(string(out), "lump_sum_eur") || !strings.Contains(string(out), "envelope") {
		t.Fatalf("report: %v", err)
	}
}

func TestTheChecklistAndPaymentOnAPlacement(t *testing.T) {
	d, s := newDesk(t, true)
	done, _ := s.Placements(store.Filter{Status: exchange.Completed})
	var p exchange.Placement
	for _, x := range done {
		if !x.Overdue(today) {
			p = x // completed last week: not yet due
		}
	}
	if p.ID.IsZero() {
		t.Fatal("the sample has no completed placement that is not yet due")
	}
	d.placements.show(p.ID)
	if !strings.Contains(d.placements.price.Text, "rate tables version 1") {
		t.Fatalf("price %q", d.placements.price.Text)
	}
	test.Tap(button(t, d.win, "Mark paid"))
	if got, _ := s.Placement(p.ID); got.Status != exchange.Completed || !strings.Contains(d.status.Text, "evidence") {
		t.Fatalf("paid without evidence: %s, %q", got.Status, d.status.Text)
	}
	test.Tap(d.placements.checks[exchange.Evidence])
	if got, _ := s.Placement(p.ID); !got.Ticked(exchange.Evidence) {
		t.Fatal("ticking evidence did not stick")
	}
	test.Tap(button(t, d.win, "Mark paid"))
	got, _ := s.Placement(p.ID)
	if got.Status != exchange.Paid || got.PaidOn != today {
		t.Fatalf("after paying: %s on %s", got.Status, got.PaidOn)
	}
	if !d.placements.checks[exchange.Evidence].Disabled() {
		t.Fatal("a paid placement's checklist can still change")
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
	d.placements.show(p.ID)
	test.Tap(button(t, d.win, "Request from host"))
	after, _ := s.Outbox()
	if len(after) != len(before)+1 || after[len(after)-1].Kind != store.HostRequest {
		t.Fatalf("outbox %d → %d", len(before), len(after))
	}
	if !strings.Contains(d.placements.mails.Text, "host-request to "+d.hostByID(p.HostID).Email+" — queued") {
		t.Fatalf("placement's messages: %q", d.placements.mails.Text)
	}
	if d.tabs.Items[4].Text == "Outbox" {
		t.Fatal("the outbox tab does not count waiting messages")
	}
	d.tabs.SelectIndex(4)
	o := d.outbox
	if !strings.Contains(o.summary.Text, "No mail server is set") {
		t.Fatalf("summary %q", o.summary.Text)
	}
	// A mail server that is only allowed on this computer is refused elsewhere.
	o.host.SetText("smtp.example.org")
	o.port.SetText("25")
	o.tlsMode.SetSelected(tlsLabels[2].label)
	test.Tap(button(t, d.win, "Save mail server"))
	if o.errs.text("smtp") == "" {
		t.Fatalf("no TLS to a provider accepted: %q", o.settingsErr.Text)
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
	if !strings.Contains(o.settingsSaid.Text, "Sent a test message") || len(srv.Received()) != 1 {
		t.Fatalf("test message: %q %q", o.settingsSaid.Text, o.settingsErr.Text)
	}
	// What the background sender does shows in the status bar.
	r, err := (&outbox.Sender{Outbox: s}).Once(context.Background())
	d.Sending(r, err)
	if !strings.Contains(d.status.Text, "sent") || len(srv.Received()) < 2 {
		t.Fatalf("status %q, %d received", d.status.Text, len(srv.Received()))
	}
	dir := t.TempDir()
	n, err := o.exportTo(dir)
	if err != nil || n != len(after) {
		t.Fatalf("exported %d: %v", n, err)
	}
}
