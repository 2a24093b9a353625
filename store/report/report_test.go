package report

import (
	"bytes"
	"encoding/csv"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/sample"
	"github.com/xchangedesk/xchangedesk/store"
)

// The workbook read back holds the same numbers as the CSV, cell for cell.
func TestTheWorkbookHoldsTheSameNumbersAsTheCSV(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "x.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	today := exchange.MustDate("2026-11-22")
	if err := s.Load(store.Seed(sample.Programme(today))); err != nil {
		t.Fatal(err)
	}
	snap, _ := s.Snapshot()
	b, _ := s.Budget(today)
	placements, budget := Tables(snap, b, today)

	var book bytes.Buffer
	if err := WriteXLSX(&book, placements, budget); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&book, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range []struct {
		name   string
		header []string
		rows   [][]cell
	}{{"Placements", PlacementColumns, placements}, {"Budget", BudgetColumns, budget}} {
		var flat bytes.Buffer
		if err := WriteCSV(&flat, sh.header, sh.rows); err != nil {
			t.Fatal(err)
		}
		want, err := csv.NewReader(&flat).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.GetRows(sh.name)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(want) < 5 {
			t.Fatalf("%s: %d rows in the workbook, %d in the CSV", sh.name, len(got), len(want))
		}
		for r := range want {
			for c := range want[r] {
				w, g := want[r][c], ""
				if c < len(got[r]) {
					g = got[r][c]
				}
				wf, werr := strconv.ParseFloat(w, 64)
				gf, gerr := strconv.ParseFloat(g, 64)
				if werr == nil && gerr == nil {
					if d := wf - gf; d > 0.004 || d < -0.004 {
						t.Fatalf("%s row %d %s: CSV %s, workbook %s", sh.name, r+1, sh.header[c], w, g)
					}
				} else if w != g {
					t.Fatalf("%s row %d %s: CSV %q, workbook %q", sh.name, r+1, sh.header[c], w, g)
				}
			}
		}
	}
	// And the budget adds up: committed + paid + remaining = envelope.
	if b.Committed+b.Paid+b.Remaining != b.Envelope || b.Committed == 0 || b.Paid == 0 {
		t.Fatalf("budget %+v", b)
	}
}
