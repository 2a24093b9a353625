package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/store"
)

// xchange runs one command line against db and returns exit status, stdout and stderr.
func xchange(t *testing.T, db string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runCLI(db, args, &out, &errb)
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, db string, args ...string) string {
	t.Helper()
	code, out, errs := xchange(t, db, args...)
	if code != 0 {
		t.Fatalf("xchange %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return strings.TrimSpace(out)
}

func sum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestDemoFillsAnEmptyFileWithTheSeedDocumentsOrganisations(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	mustRun(t, db, "demo")
	var ps []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, db, "placements", "--json")), &ps); err != nil {
		t.Fatal(err)
	}
	statuses := map[string]bool{}
	hosts := map[string]bool{}
	for _, p := range ps {
		statuses[p["status"].(string)] = true
		hosts[p["host"].(string)] = true
		for _, k := range []string{"id", "host_id", "visitor_id", "first", "last", "status", "working_days"} {
			if _, ok := p[k]; !ok {
				t.Fatalf("placement JSON lacks %s: %v", k, p)
			}
		}
	}
	if len(ps) < 30 || len(statuses) < 5 {
		t.Fatalf("%d placements in %d statuses", len(ps), len(statuses))
	}
	for _, h := range []string{"DITECFER", "Rail.S", "Lyonbiopole", "Fraunhofer HHI", "Berlin Partner"} {
		if !hosts[h] {
			t.Errorf("no placement at %s", h)
		}
	}
	before := sum(t, db)
	code, _, errs := xchange(t, db, "demo")
	if code != 1 || !strings.Contains(errs, "already holds data") || sum(t, db) != before {
		t.Fatalf("second demo: exit %d, %q", code, errs)
	}
}

// world is a data file with one host (capacity 1) and two visitors.
type world struct {
	db, host, ana, eva string
}

func newWorld(t *testing.T) world {
	t.Helper()
	w := world{db: filepath.Join(t.TempDir(), "x.db")}
	mustRun(t, w.db, "organiser", "--name", "STARS exchange desk", "--email", "desk@stars.example.eu")
	w.host = mustRun(t, w.db, "add-host", "--name", "Fraunhofer HHI", "--kind", "research", "--country", "DE",
		"--city", "Berlin", "--email", "jana.weber@hhi.example.de", "--contact", "Jana Weber", "--capacity", "1")
	w.ana = mustRun(t, w.db, "add-visitor", "--name", "Ana Sousa", "--organisation", "Ferrovia Digital Lda",
		"--country", "PT", "--city", "Porto", "--email", "ana@ferrovia.example.pt")
	w.eva = mustRun(t, w.db, "add-visitor", "--name", "Eva Novak", "--organisation", "MedSil",
		"--country", "PL", "--city", "Katowice", "--email", "eva@medsil.example.pl")
	return w
}

func TestRefusedCommandsNameTheRuleAndWriteNothing(t *testing.T) {
	w := newWorld(t)
	mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.ana, "--first", "2027-03-01", "--last", "2027-03-05")
	tests := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"two working days is too short", []string{"book", "--host", w.host, "--visitor", w.eva, "--first", "2027-04-05", "--last", "2027-04-08"}, 1, "gives 2 working days at Fraunhofer HHI"},
		{"neither travel day makes three days enough, but the host is full", []string{"book", "--host", w.host, "--visitor", w.eva, "--first", "2027-03-03", "--last", "2027-03-05", "--travel-days", "none"}, 1, "Fraunhofer HHI is full on 3–5 Mar 2027 (Ana Sousa, draft). The next free start for a stay of the same length is 8 Mar 2027."},
		{"a stay of more than a month is refused", []string{"book", "--host", w.host, "--visitor", w.eva, "--first", "2027-05-01", "--last", "2027-06-01"}, 1, "at most one month"},
		{"an organisation visits only once", []string{"book", "--host", w.host, "--visitor", w.ana, "--first", "2027-05-03", "--last", "2027-05-07"}, 1, "visits only once"},
		{"an unknown host is named", []string{"book", "--host", "01930000-0000-7000-8000-000000000000", "--visitor", w.eva, "--first", "2027-05-03", "--last", "2027-05-07"}, 1, "There is no host with the id 01930000-0000-7000-8000-000000000000."},
		{"a malformed id is named", []string{"book", "--host", "hhi", "--visitor", w.eva, "--first", "2027-05-03", "--last", "2027-05-07"}, 1, `"hhi" is not an id`},
		{"an invalid date is named", []string{"book", "--host", w.host, "--visitor", w.eva, "--first", "2027-02-30", "--last", "2027-03-05"}, 1, `"2027-02-30" is not a date`},
		{"an unknown travel-days value is named", []string{"book", "--host", w.host, "--visitor", w.eva, "--first", "2027-05-03", "--last", "2027-05-07", "--travel-days", "some"}, 1, `"some" is not one of both, first, last, none`},
		{"a missing flag is a usage error", []string{"book", "--host", w.host}, 2, "missing --visitor"},
		{"an empty name is refused", []string{"add-host", "--name", " ", "--kind", "sme", "--country", "DE", "--city", "Berlin", "--email", "a@b.example", "--contact", "A"}, 1, "xchange add-host: The name is required.\n"},
		{"a malformed e-mail is refused", []string{"add-visitor", "--name", "Jo", "--organisation", "X", "--country", "DE", "--city", "Berlin", "--email", "jo@"}, 1, `The e-mail address "jo@" is not valid; write it as name@example.org.`},
		{"an unknown country is refused", []string{"add-visitor", "--name", "Jo", "--organisation", "X", "--country", "QQ", "--city", "Berlin", "--email", "jo@x.example"}, 1, `"QQ" is not an ISO 3166-1 country code`},
		{"an unknown kind is refused", []string{"add-host", "--name", "X", "--kind", "bakery", "--country", "DE", "--city", "Berlin", "--email", "a@b.example", "--contact", "A"}, 1, `"bakery" is not a kind of organisation`},
		{"a capacity of zero is refused", []string{"add-host", "--name", "X", "--kind", "sme", "--country", "DE", "--city", "Berlin", "--email", "a@b.example", "--contact", "A", "--capacity", "0"}, 1, "The capacity must be at least 1 visitor at a time."},
		{"a closed period over a booking is refused", []string{"close-host", "--host", w.host, "--from", "2027-03-04", "--to", "2027-03-10"}, 1, "The closed period 4–10 Mar 2027 falls on Ana Sousa’s stay, 1–5 Mar 2027 (draft): cancel or move it first."},
		{"an unknown placement is named", []string{"confirm", "01930000-0000-7000-8000-000000000000"}, 1, "There is no placement with the id"},
		{"an unknown status filter is named", []string{"placements", "--status", "pending"}, 1, `"pending" is not a status`},
		{"an unknown verb is a usage error", []string{"teleport"}, 2, "unknown verb"},
		{"a verb without its id is a usage error", []string{"request"}, 2, "usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := sum(t, w.db)
			code, out, errs := xchange(t, w.db, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.says) {
				t.Fatalf("exit %d, stderr %q; want exit %d saying %q", code, errs, tt.code, tt.says)
			}
			if out != "" {
				t.Fatalf("a refused command printed %q", out)
			}
			if tt.code == 1 && strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Fatalf("message is not one line: %q", errs)
			}
			if sum(t, w.db) != before {
				t.Fatal("the data file changed")
			}
		})
	}
}

func TestAPlacementMovesThroughItsStatusesWithHistory(t *testing.T) {
	w := newWorld(t)
	id := mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.ana, "--first", "2026-03-02", "--last", "2026-03-06")
	if got := mustRun(t, w.db, "request", id); got != id+" requested" {
		t.Fatalf("request printed %q", got)
	}
	code, _, errs := xchange(t, w.db, "complete", id)
	if code != 1 || !strings.Contains(errs, "Ana Sousa at Fraunhofer HHI (2–6 Mar 2026) is requested, so it cannot be completed.") {
		t.Fatalf("complete from requested: %d %q", code, errs)
	}
	mustRun(t, w.db, "confirm", id)
	code, _, errs = xchange(t, w.db, "complete", id)
	if code != 1 || !strings.Contains(errs, "closing report") {
		t.Fatalf("complete without the closing report: %d %q", code, errs)
	}
	mustRun(t, w.db, "check", id, "closing-report")
	mustRun(t, w.db, "complete", id) // the stay was in March 2026: it is over
	var hist []map[string]string
	if err := json.Unmarshal([]byte(mustRun(t, w.db, "history", id, "--json")), &hist); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range hist {
		actions = append(actions, e["action"])
	}
	if strings.Join(actions, ",") != "book,request,confirm,check,complete" {
		t.Fatalf("history %v", actions)
	}
	other := mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.eva, "--first", "2027-03-01", "--last", "2027-03-05")
	mustRun(t, w.db, "cancel", other, "--reason", "visitor changed jobs")
	out := mustRun(t, w.db, "history", other)
	if !strings.Contains(out, "visitor changed jobs") {
		t.Fatalf("history:\n%s", out)
	}
	// The cancelled placement freed its place.
	mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.eva, "--first", "2027-03-01", "--last", "2027-03-05")
	var ps []map[string]any
	json.Unmarshal([]byte(mustRun(t, w.db, "placements", "--json", "--visitor", w.eva, "--status", "cancelled")), &ps)
	if len(ps) != 1 || ps[0]["id"] != other {
		t.Fatalf("filtered placements %v", ps)
	}
}

func TestListsAsJSONUseTheDocumentedFields(t *testing.T) {
	w := newWorld(t)
	var hosts []map[string]any
	json.Unmarshal([]byte(mustRun(t, w.db, "hosts", "--json")), &hosts)
	for _, k := range []string{"id", "name", "kind", "country", "city", "email", "contact", "capacity"} {
		if _, ok := hosts[0][k]; !ok {
			t.Errorf("host JSON lacks %s", k)
		}
	}
	var vs []map[string]any
	json.Unmarshal([]byte(mustRun(t, w.db, "visitors", "--json")), &vs)
	for _, k := range []string{"id", "name", "organisation", "country", "city", "email"} {
		if _, ok := vs[0][k]; !ok {
			t.Errorf("visitor JSON lacks %s", k)
		}
	}
	if got := mustRun(t, w.db, "placements", "--json"); got != "[]" {
		t.Fatalf("no placements prints %q", got)
	}
}

func TestASecondCopyOnTheSameFileSaysItIsInUse(t *testing.T) {
	w := newWorld(t)
	app, err := store.Open(w.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	start := time.Now()
	code, _, errs := xchange(t, w.db, "hosts")
	if code != 1 || !strings.Contains(errs, "open in another Xchange Desk") {
		t.Fatalf("exit %d, %q", code, errs)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}

func TestBackupWorksWhileTheAppHoldsTheFile(t *testing.T) {
	w := newWorld(t)
	app, err := store.Open(w.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := app.ServeBackups()
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	mustRun(t, w.db, "backup", copyPath)
	l.Close()
	app.Close()
	if got := mustRun(t, copyPath, "hosts"); !strings.Contains(got, "Fraunhofer HHI") {
		t.Fatalf("backup lists %q", got)
	}
	// And with nobody holding the file.
	second := filepath.Join(t.TempDir(), "second.db")
	mustRun(t, w.db, "backup", second)
	if got := mustRun(t, second, "visitors"); !strings.Contains(got, "Eva Novak") {
		t.Fatalf("backup lists %q", got)
	}
}

func TestTheDataFileComesFromTheFlagThenTheEnvironment(t *testing.T) {
	t.Setenv("XCHANGE_DB", "/tmp/from-env.db")
	if p, _, _ := globalArgs([]string{"hosts"}); p != "/tmp/from-env.db" {
		t.Fatalf("env: %s", p)
	}
	if p, rest, _ := globalArgs([]string{"--db", "/tmp/flag.db", "hosts", "--json"}); p != "/tmp/flag.db" || strings.Join(rest, " ") != "hosts --json" {
		t.Fatalf("flag: %s %v", p, rest)
	}
	t.Setenv("XCHANGE_DB", "")
	if p, _, _ := globalArgs([]string{"hosts"}); !strings.HasSuffix(p, filepath.Join("xchange-desk", "xchange.db")) {
		t.Fatalf("default: %s", p)
	}
}

// The README documents every verb.
func TestTheReadmeNamesEveryVerb(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		if !strings.Contains(string(readme), "| `"+c.name) {
			t.Errorf("README.md has no row for %s", c.name)
		}
	}
}
