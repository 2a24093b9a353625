package ical_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"
	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // windows-1252 and ISO-8859-1 parts in the corpus

	"github.com/xchangedesk/xchangedesk/exchange/ical"
)

// interop is the corpus of what real clients send (../shared/interop beside the checkout).
const interop = "../../../shared/interop"

func corpus(t *testing.T, pattern string) []string {
	t.Helper()
	if _, err := os.Stat(interop); err != nil {
		t.Skip("no interop corpus beside the checkout:", err)
	}
	files, err := filepath.Glob(filepath.Join(interop, pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s: %v", pattern, err)
	}
	return files
}

// decodeAll runs go-ical's own decoder over text, reporting a panic as a test failure, and
// returns how many calendars it read before the first error.
func decodeAll(t *testing.T, text []byte) (n int, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("go-ical panicked: %v", r)
		}
	}()
	dec := goical.NewDecoder(bytes.NewReader(text))
	for {
		_, err := dec.Decode()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

func TestOtherClientsCalendarFilesDecode(t *testing.T) {
	// Files that are not a usable calendar, by design of the corpus; every other file must
	// parse.
	broken := map[string]string{
		"big_bad_calendar.ics":  "truncated before END:VCALENDAR",
		"event_d_long.ics":      "a bare VEVENT without VCALENDAR",
		"event_d_no_value.ics":  "a bare VEVENT without VCALENDAR",
		"event_dt_partstat.ics": "continuation line indented by two spaces before a quoted parameter",
	}
	for _, f := range corpus(t, "ics/*/*.ics") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			decodeAll(t, text)
			cal, err := ical.Parse(text)
			if why, ok := broken[filepath.Base(f)]; ok {
				if err == nil {
					t.Errorf("parsed, but the corpus says: %s", why)
				}
				t.Logf("refused (%s): %v", why, err)
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			t.Logf("%d components", len(cal.Children)) // several corpus files are empty on purpose
		})
	}
}

func TestOtherClientsInvitationMailsDecode(t *testing.T) {
	for _, f := range corpus(t, "imip/*/*.eml") {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			parts := calendarParts(t, f)
			if len(parts) == 0 && !strings.Contains(f, "calconnect") {
				t.Fatal("no calendar part found")
			}
			for _, p := range parts {
				decodeAll(t, p.text)
				cal, err := ical.Parse(p.text)
				if strings.HasPrefix(f, filepath.Join(interop, "imip/calconnect")) {
					t.Logf("%s: %v (the corpus marks this example malformed)", p.contentType, err)
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", p.contentType, err)
					continue
				}
				method, _ := cal.Props.Text(goical.PropMethod)
				if method == "" {
					t.Errorf("%s: no METHOD", p.contentType)
				}
				if m := p.params["method"]; m != "" && !strings.EqualFold(m, method) {
					// google_counter.eml is edited this way: the reply reader must notice.
					t.Logf("%s: method=%s on the part, METHOD:%s inside", p.contentType, m, method)
				}
				t.Logf("%s: METHOD:%s, %d components", p.contentType, method, len(cal.Children))
			}
		})
	}
}

type part struct {
	contentType string
	params      map[string]string
	text        []byte
}

// calendarParts returns every text/calendar or .ics part of the mail in file, decoded.
func calendarParts(t *testing.T, file string) []part {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := message.Read(f)
	if err != nil && !message.IsUnknownCharset(err) {
		t.Fatalf("go-message cannot read the mail: %v", err)
	}
	var out []part
	err = m.Walk(func(_ []int, e *message.Entity, err error) error {
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			return err
		}
		ct, params, _ := e.Header.ContentType()
		_, disp, _ := e.Header.ContentDisposition()
		name := params["name"] + disp["filename"]
		if ct != "text/calendar" && ct != "application/ics" && !strings.HasSuffix(strings.ToLower(name), ".ics") {
			return nil
		}
		text, err := io.ReadAll(e.Body)
		if err != nil {
			t.Logf("%s: reading the body: %v", ct, err)
		}
		out = append(out, part{ct, params, text})
		return nil
	})
	if err != nil {
		t.Logf("walking the mail stopped: %v", err)
	}
	return out
}
