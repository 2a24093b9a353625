package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuoteShowsTheBreakdownAsAuditEvidence(t *testing.T) {
	w := newWorld(t) // host in Berlin, visitors from Porto and Katowice
	var q map[string]any
	out := mustRun(t, w.db, "quote", "--json", "--host", w.host, "--visitor", w.ana, "--first", "2027-02-28", "--last", "2027-03-06")
	if err := json.Unmarshal([]byte(out), &q); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"lump_sum_cents", "distance_km", "working_days", "halved", "reasons", "profile", "profile_version", "host_coordinates", "visitor_coordinates"} {
		if _, ok := q[k]; !ok {
			t.Errorf("quote JSON lacks %s", k)
		}
	}
	if q["lump_sum_cents"].(float64) != 110000 || q["halved"].(bool) || q["profile"] != "cxc" || q["working_days"].(float64) != 5 {
		t.Fatalf("quote %v", q)
	}
	if km := q["distance_km"].(float64); km < 2000 || km > 2200 {
		t.Fatalf("Porto–Berlin %v km", km)
	}
	text := mustRun(t, w.db, "quote", "--host", w.host, "--visitor", w.eva, "--first", "2027-03-01", "--last", "2027-03-05")
	for _, want := range []string{"Distance:", "EUR 550.00", "because fewer than 5 working days"} {
		if !strings.Contains(text, want) {
			t.Errorf("quote text lacks %q:\n%s", want, text)
		}
	}
}

func TestTheBudgetIsNeverOverCommitted(t *testing.T) {
	w := newWorld(t)
	if code, _, errs := xchange(t, w.db, "set-envelope", "1,500"); code != 0 {
		t.Fatal(errs)
	}
	mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.ana, "--first", "2027-02-28", "--last", "2027-03-06")
	before := sum(t, w.db)
	code, out, errs := xchange(t, w.db, "book", "--host", w.host, "--visitor", w.eva, "--first", "2027-03-14", "--last", "2027-03-20")
	if code != 1 || out != "" || !strings.Contains(errs, "This needs EUR 1,100.00, but only EUR 400.00 of the programme’s EUR 1,500.00 remains: EUR 700.00 is missing.") {
		t.Fatalf("exit %d %q %q", code, out, errs)
	}
	if sum(t, w.db) != before {
		t.Fatal("the refused booking changed the data file")
	}
	var b map[string]any
	json.Unmarshal([]byte(mustRun(t, w.db, "budget", "--json")), &b)
	if b["envelope_cents"].(float64) != 150000 || b["committed_cents"].(float64) != 110000 || b["remaining_cents"].(float64) != 40000 || b["paid_cents"].(float64) != 0 {
		t.Fatalf("budget %v", b)
	}
	if c := b["by_country"].([]any); len(c) != 1 || c[0].(map[string]any)["key"] != "DE" {
		t.Fatalf("by country %v", b["by_country"])
	}
	code, _, errs = xchange(t, w.db, "set-envelope", "lots")
	if code != 1 || !strings.Contains(errs, `"lots" is not an amount in euros`) {
		t.Fatalf("bad amount: %d %q", code, errs)
	}
}

func TestRatesExportAndImportMakeANewVersion(t *testing.T) {
	w := newWorld(t)
	first := mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.ana, "--first", "2027-02-28", "--last", "2027-03-06")
	file := filepath.Join(t.TempDir(), "rates.json")
	mustRun(t, w.db, "rates", "export", file)
	raw, _ := os.ReadFile(file)
	edited := strings.Replace(string(raw), `"PT": 78000`, `"PT": 78000, "DE": 95000`, 1)
	if edited == string(raw) {
		t.Fatalf("no Portugal cap in the export:\n%s", raw)
	}
	// A bad file changes nothing.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(edited, `"reduced_percent": 70`, `"reduced_percent": 170`, 1)), 0o600)
	before := sum(t, w.db)
	if code, _, errs := xchange(t, w.db, "rates", "import", bad); code != 1 || !strings.Contains(errs, "erasmus.reduced_percent") {
		t.Fatalf("bad import: %d %q", code, errs)
	}
	os.WriteFile(bad, []byte(`{"cxc": {"default_cap_cents": 1}, "bogus": 1}`), 0o600)
	if code, _, errs := xchange(t, w.db, "rates", "import", bad); code != 1 || !strings.Contains(errs, "bogus") {
		t.Fatalf("unknown field: %d %q", code, errs)
	}
	if sum(t, w.db) != before {
		t.Fatal("a refused import changed the data file")
	}
	os.WriteFile(file, []byte(edited), 0o600)
	if got := mustRun(t, w.db, "rates", "import", file); !strings.Contains(got, "version 2") {
		t.Fatalf("import said %q", got)
	}
	second := mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.eva, "--first", "2027-03-07", "--last", "2027-03-13")
	var ps []map[string]any
	json.Unmarshal([]byte(mustRun(t, w.db, "placements", "--json")), &ps)
	amounts := map[string]float64{}
	for _, p := range ps {
		amounts[p["id"].(string)] = p["lump_sum_cents"].(float64)
		if _, ok := p["distance_km"].(float64); !ok {
			t.Fatalf("no distance: %v", p)
		}
	}
	if amounts[first] != 110000 || amounts[second] != 95000 {
		t.Fatalf("amounts %v", amounts)
	}
	if got := mustRun(t, w.db, "reprice", first); !strings.Contains(got, "EUR 950.00") || !strings.Contains(got, "version 2") {
		t.Fatalf("reprice said %q", got)
	}
}

func TestPaymentNeedsTheChecklistAndExportsWrite(t *testing.T) {
	w := newWorld(t)
	id := mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.ana, "--first", "2026-03-01", "--last", "2026-03-07")
	mustRun(t, w.db, "request", id)
	mustRun(t, w.db, "confirm", id)
	mustRun(t, w.db, "check", id, "closing-report")
	mustRun(t, w.db, "complete", id)
	code, _, errs := xchange(t, w.db, "pay", id)
	if code != 1 || !strings.Contains(errs, "still missing: Commitment to Quality signed by the visitor;") {
		t.Fatalf("pay without documents: %d %q", code, errs)
	}
	for _, it := range []string{"ctq-visitor", "ctq-host", "ctq-visitor-partnership", "ctq-host-partnership", "evidence"} {
		mustRun(t, w.db, "check", id, it)
	}
	if code, _, errs := xchange(t, w.db, "check", id, "passport"); code != 1 || !strings.Contains(errs, `"passport" is not a checklist item`) {
		t.Fatalf("unknown item: %d %q", code, errs)
	}
	if got := mustRun(t, w.db, "pay", id); !strings.Contains(got, "paid on") {
		t.Fatalf("pay said %q", got)
	}
	dir := t.TempDir()
	mustRun(t, w.db, "export", "--format", "csv", "--out", filepath.Join(dir, "report.csv"))
	mustRun(t, w.db, "export", "--format", "xlsx", "--out", filepath.Join(dir, "report.xlsx"))
	csv, _ := os.ReadFile(filepath.Join(dir, "report.csv"))
	budget, _ := os.ReadFile(filepath.Join(dir, "report-budget.csv"))
	if !strings.Contains(string(csv), "1100.00") || !strings.Contains(string(budget), "programme,paid,,,1100.00,1100.00") {
		t.Fatalf("csv:\n%s\nbudget:\n%s", csv, budget)
	}
	if fi, err := os.Stat(filepath.Join(dir, "report.xlsx")); err != nil || fi.Size() < 2000 {
		t.Fatalf("xlsx: %v", err)
	}
	if code, _, _ := xchange(t, w.db, "export", "--format", "pdf", "--out", filepath.Join(dir, "r.pdf")); code != 1 {
		t.Fatal("an unknown format was accepted")
	}
}

func TestAnUnknownCityListsCloseMatchesAndCoordinatesAreAccepted(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	args := []string{"add-host", "--name", "ARUS", "--kind", "cluster", "--country", "ES", "--city", "Sevile",
		"--email", "a@arus.example.es", "--contact", "Lucía"}
	code, _, errs := xchange(t, db, args...)
	if code != 1 || !strings.Contains(errs, `There is no city "Sevile" in Spain`) || !strings.Contains(errs, "Sevilla") || !strings.Contains(errs, "--lat") {
		t.Fatalf("exit %d %q", code, errs)
	}
	id := mustRun(t, db, append(args, "--lat", "37.41", "--lon", "-6.00")...)
	var hs []map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "hosts", "--json")), &hs)
	if len(hs) != 1 || hs[0]["id"] != id || hs[0]["lat"].(float64) != 37.41 {
		t.Fatalf("hosts %v", hs)
	}
	if code, _, _ := xchange(t, db, append(args, "--lat", "137")...); code != 2 {
		t.Fatal("--lat without --lon accepted")
	}
}
