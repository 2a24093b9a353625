package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/store"
)

// placeheld is the field on screen with this placeholder, typed in or not.
func placeheld(t *testing.T, w fyne.Window, placeholder string) *widget.Entry {
	t.Helper()
	return entryWhere(t, w, "with the placeholder "+placeholder, func(e *widget.Entry) bool { return e.PlaceHolder == placeholder })
}

// emptyEntry is the first empty field on screen with this placeholder: a row just added.
func emptyEntry(t *testing.T, w fyne.Window, placeholder string) *widget.Entry {
	t.Helper()
	return entryWhere(t, w, "empty with the placeholder "+placeholder,
		func(e *widget.Entry) bool { return e.PlaceHolder == placeholder && e.Text == "" })
}

func TestTheBudgetScreenSetsTheEnvelopeAndVersionsTheRates(t *testing.T) {
	d, s := newDesk(t, true)
	d.tabs.SelectIndex(3)
	m, _ := s.Money(today)
	if got := after(t, d.win, "Committed", 1)[0]; got != m.Budget.Committed.String() {
		t.Fatalf("committed shows %q, want %s", got, m.Budget.Committed)
	}
	if got := after(t, d.win, "Remaining", 1)[0]; got != m.Budget.Remaining.String() {
		t.Fatalf("remaining shows %q, want %s", got, m.Budget.Remaining)
	}
	shows(t, d.win, "Paid, then", "committed, not yet paid", "Germany (DE)", "In force: version 1", "Host country", "Cap (EUR)")

	envelope := placeheld(t, d.win, "e.g. 40,000")
	envelope.SetText("100")
	test.Tap(button(t, d.win, "Set budget"))
	shows(t, d.win, "is already committed or paid, so the envelope cannot be EUR 100.00.")
	if p, _ := s.Programme(); p.Envelope != exchange.Euros(40000) {
		t.Fatalf("a refused envelope was stored: %s", p.Envelope)
	}
	envelope.SetText("60,000")
	test.Tap(button(t, d.win, "Set budget"))
	shows(t, d.win, "The programme's budget is now EUR 60,000.00.")
	if p, _ := s.Programme(); p.Envelope != exchange.Euros(60000) {
		t.Fatalf("envelope %s", p.Envelope)
	}

	before, _ := s.Placements(store.Filter{})
	// A cap with a typo is refused, naming its row and column.
	test.Tap(button(t, d.win, "Add row"))
	emptyEntry(t, d.win, "Host country").SetText("DE")
	emptyEntry(t, d.win, "Cap (EUR)").SetText("nine hundred")
	test.Tap(button(t, d.win, "Save as a new version"))
	shows(t, d.win, "Caps, row 2, Cap (EUR): “nine hundred” is not an amount.")
	if tables, _ := s.Rates(); tables.Version != 1 {
		t.Fatalf("a refused edit saved version %d", tables.Version)
	}
	entryWhere(t, d.win, "showing nine hundred", func(e *widget.Entry) bool { return e.Text == "nine hundred" }).SetText("900.00")
	entryAfter(t, d.win, "Note").SetText("Germany lowered")
	test.Tap(button(t, d.win, "Save as a new version"))
	tables, _ := s.Rates()
	if tables.Version != 2 || tables.CXC.Caps["DE"] != exchange.Euros(900) || tables.Note != "Germany lowered" {
		t.Fatalf("rates %+v", tables)
	}
	shows(t, d.win, "In force: version 2", "Version 2, ", "— Germany lowered", "900.00")
	after, _ := s.Placements(store.Filter{})
	for i := range before {
		if before[i].Price.LumpSum != after[i].Price.LumpSum || after[i].Price.Version != 1 {
			t.Fatalf("placement %d changed with the rate tables", i)
		}
	}
	d.budget.profile.SetSelected("Erasmus+ style")
	if p, _ := s.Programme(); p.Profile != "erasmus" {
		t.Fatalf("profile %q", p.Profile)
	}
	shows(t, d.win, "New bookings are priced with the Erasmus+ style profile")
	out, err := d.budget.report("csv")
	if err != nil || !strings.Contains(string(out), "lump_sum_eur") || !strings.Contains(string(out), "envelope") {
		t.Fatalf("report: %v", err)
	}
}

func TestExportedMessagesAreForTheUserOnly(t *testing.T) {
	d, s := newDesk(t, true)
	drafts, _ := s.Placements(store.Filter{Status: exchange.Draft})
	if _, err := s.Act(drafts[0].ID, exchange.Request, ""); err != nil {
		t.Fatal(err)
	}
	d.refresh()
	dir := t.TempDir()
	n, err := d.outbox.exportTo(dir)
	if err != nil || n == 0 {
		t.Fatalf("exported %d: %v", n, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	for _, f := range files {
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s is %v", f, fi.Mode().Perm())
		}
	}
}

func TestARefreshDoesNotUndoFiguresBeingTyped(t *testing.T) {
	d, _ := newDesk(t, true)
	d.tabs.SelectIndex(3)
	placeheld(t, d.win, "e.g. 40,000").SetText("45,000")
	placeheld(t, d.win, "1,100.00").SetText("999.00")
	d.refresh() // as any change elsewhere, or a look at the mailbox, does
	shows(t, d.win, "45,000", "999.00")
}
