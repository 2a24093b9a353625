package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A refusal writes nothing: every verb that takes dates, amounts, mail settings or text is
// tried with bad input, and the data file must stay byte for byte as it was.
func TestBadInputOnEveryVerbLeavesTheDataFileAsItWas(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "") // no keyring, as on a server
	t.Setenv("XCHANGE_SMTP_PASSWORD", "")
	w := newWorld(t)
	mustRun(t, w.db, "set-envelope", "10000")
	id := mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.ana, "--first", "2027-03-01", "--last", "2027-03-05")
	mustRun(t, w.db, "smtp", "--host", "127.0.0.1", "--port", "2525", "--tls", "none")
	huge := filepath.Join(t.TempDir(), "huge.json")
	export := filepath.Join(t.TempDir(), "rates.json")
	mustRun(t, w.db, "rates", "export", export)
	raw, _ := os.ReadFile(export)
	os.WriteFile(huge, []byte(strings.Replace(string(raw), `"default_cap_cents": 110000`, `"default_cap_cents": 9223372036854775807`, 1)), 0o600)
	tests := []struct {
		name  string
		args  []string
		stdin string
		says  string
	}{
		{"an envelope of zero with money committed is refused", []string{"set-envelope", "0"}, "",
			"EUR 550.00 is already committed or paid, so the envelope cannot be removed."},
		{"an envelope below what is committed is refused", []string{"set-envelope", "500"}, "",
			"EUR 550.00 is already committed or paid, so the envelope cannot be EUR 500.00."},
		{"an envelope above ten million euros is refused", []string{"set-envelope", "10,000,000.01"}, "",
			"The amount, 10,000,000.01, is too large: amounts go up to EUR 10,000,000.00."},
		{"an envelope that overflows is refused, not wrapped", []string{"set-envelope", "92233720368547758.08"}, "",
			"The amount, 92233720368547758.08, is too large"},
		{"a rate table with an absurd cap is refused", []string{"rates", "import", huge}, "",
			"The rate tables’ cxc.default_cap_cents is too large: amounts go up to EUR 10,000,000.00."},
		{"a booking in year 0 is refused", []string{"book", "--host", w.host, "--visitor", w.eva, "--first", "0000-03-06", "--last", "0000-03-10"}, "",
			"The first day, 0000-03-06, is out of range: dates go from 1 Jan 2000 to 31 Dec 2099."},
		{"a booking at the end of year 9999 is refused", []string{"book", "--host", w.host, "--visitor", w.eva, "--first", "9999-12-27", "--last", "9999-12-31"}, "",
			"9999-12-27, is out of range"},
		{"a quote on 0001-01-01 is out of range, not missing", []string{"quote", "--host", w.host, "--visitor", w.eva, "--first", "0001-01-01", "--last", "2027-03-05"}, "",
			"The first day, 0001-01-01, is out of range"},
		{"a reschedule into the next century is refused", []string{"reschedule", id, "--first", "2100-01-04", "--last", "2100-01-08"}, "",
			"The first day, 2100-01-04, is out of range"},
		{"a closed period before 2000 is refused", []string{"close-host", "--host", w.host, "--from", "1999-12-31", "--to", "2000-01-02"}, "",
			"1999-12-31, is out of range"},
		{"a visitor's name with a line break and a Bcc header is refused", []string{"add-visitor", "--name", "Eve\nBcc: x@evil.example", "--organisation", "Evil",
			"--country", "DE", "--city", "Berlin", "--email", "eve@evil.example"}, "", "The name must be one line: it holds a line break."},
		{"a host's name that colours the terminal is refused", []string{"add-host", "--name", "HHI\x1b[31m", "--kind", "research", "--country", "DE",
			"--city", "Berlin", "--email", "a@hhi.example.de", "--contact", "Jana"}, "", "The name holds an escape character (U+001B)"},
		{"a contact with a carriage return is refused", []string{"add-host", "--name", "HHI", "--kind", "research", "--country", "DE",
			"--city", "Berlin", "--email", "a@hhi.example.de", "--contact", "Jana\rWeber"}, "", "The contact person holds a carriage return (U+000D)"},
		{"an organisation with a C1 control is refused", []string{"add-visitor", "--name", "Eve", "--organisation", "Evil\u009bLtd",
			"--country", "DE", "--city", "Berlin", "--email", "eve@evil.example"}, "", "The organisation holds a control character (U+009B)"},
		{"a city with a NUL is refused", []string{"add-visitor", "--name", "Eve", "--organisation", "Evil",
			"--country", "DE", "--city", "Ber\x00lin", "--email", "eve@evil.example"}, "", "The city holds a NUL character"},
		{"an organiser's name with a line break is refused", []string{"organiser", "--name", "Desk\nBcc: x@evil.example", "--email", "desk@stars.example.eu"}, "",
			"The name must be one line"},
		{"goals with an escape character are refused", []string{"book", "--host", w.host, "--visitor", w.eva, "--first", "2027-06-07", "--last", "2027-06-11",
			"--goals", "see\x1b[2Jthis"}, "", "The goals hold"},
		{"a cancellation reason with a DEL is refused", []string{"cancel", id, "--reason", "no\x7f"}, "", "The reason holds a control character (U+007F)"},
		{"a closed period's reason on two lines is refused", []string{"close-host", "--host", w.host, "--from", "2027-08-02", "--to", "2027-08-06", "--reason", "summer\nbreak"}, "",
			"The reason must be one line"},
		{"an SMTP user with a line break is refused", []string{"smtp", "--user", "desk\nRCPT TO:<x@evil.example>"}, "", "The user name must be one line"},
		{"a password with no keyring to keep it saves nothing", []string{"smtp", "--host", "smtp.stars.example.eu", "--port", "587", "--tls", "starttls",
			"--user", "desk", "--password-stdin"}, "secret\n", "no keyring"},
		{"a failed test keeps the port it was given from being saved", []string{"smtp", "--port", "2599", "--test", "x@x.example"}, "",
			"The test message was not sent, so nothing was saved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := os.ReadFile(w.db)
			if err != nil {
				t.Fatal(err)
			}
			var out, errs bytes.Buffer
			code := runCLIWithInput(w.db, tt.args, strings.NewReader(tt.stdin), &out, &errs)
			if code != 1 || !strings.Contains(errs.String(), tt.says) {
				t.Fatalf("exit %d, stderr %q; want exit 1 saying %q", code, errs.String(), tt.says)
			}
			if strings.Count(strings.TrimSpace(errs.String()), "\n") != 0 || strings.ContainsAny(errs.String(), "\x1b\r\x00\x7f") {
				t.Fatalf("the refusal is not one clean line: %q", errs.String())
			}
			after, err := os.ReadFile(w.db)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Fatal("the data file changed")
			}
		})
	}
	if got := mustRun(t, w.db, "smtp"); !strings.Contains(got, "host 127.0.0.1\nport 2525\n") {
		t.Fatalf("the settings changed: %q", got)
	}
}

func TestGoalsKeepTheirLineBreaks(t *testing.T) {
	w := newWorld(t)
	id := mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.ana, "--first", "2027-03-01", "--last", "2027-03-05",
		"--goals", "Day 1: the test track\n\tDay 2: the lab")
	if id == "" {
		t.Fatal("no id")
	}
}

func TestExportedFilesAreReadableByTheirOwnerOnly(t *testing.T) {
	w := newWorld(t)
	mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.ana, "--first", "2027-03-01", "--last", "2027-03-05")
	dir := t.TempDir()
	mustRun(t, w.db, "export", "--format", "csv", "--out", filepath.Join(dir, "p.csv"))
	mustRun(t, w.db, "export", "--format", "xlsx", "--out", filepath.Join(dir, "p.xlsx"))
	mustRun(t, w.db, "rates", "export", filepath.Join(dir, "rates.json"))
	id := mustRun(t, w.db, "placements", "--json")
	_ = id
	eml := filepath.Join(dir, "eml")
	mustRun(t, w.db, "export-eml", eml)
	files := []string{"p.csv", "p-budget.csv", "p.xlsx", "rates.json"}
	for _, f := range files {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v", f, fi.Mode().Perm())
		}
	}
	if fi, err := os.Stat(eml); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the .eml folder: %v %v", fi.Mode().Perm(), err)
	}
}
