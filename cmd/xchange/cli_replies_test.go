package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange/ical"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
)

// The acceptance tests of issue 8: hosts answer the desk's invitations from the calendar
// clients they have, and import-reply applies what those clients really send. The mails
// come from the interoperability corpus beside the checkout (../shared/interop, as
// exchange/ical/interop_test.go reads it); a test that needs a reply to one of our
// placements rewrites, in a copy made at test time, only the UID, the answering ATTENDEE,
// the SEQUENCE and the From, in the client's own encoding, line ends and folding.

// interopCorpus is the corpus of what real clients send, from this package's directory.
const interopCorpus = "../../../shared/interop"

// The placement every test asks about: Ana Sousa at Fraunhofer HHI (newWorld), whose host
// request goes to hostEmail.
const (
	hostEmail    = "jana.weber@hhi.example.de"
	visitorEmail = "ana@ferrovia.example.pt"
	spoofer      = "mallory@elsewhere.example"
)

// needCorpus skips a test when the corpus is not beside the checkout, except in CI, which
// always has it: there a missing corpus fails.
func needCorpus(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(interopCorpus); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but the interop corpus is missing at %s: %v", interopCorpus, err)
		}
		t.Skip("no interop corpus beside the checkout:", err)
	}
}

// fixture is one corpus file, read at test time.
func fixture(t *testing.T, rel string) []byte {
	t.Helper()
	needCorpus(t)
	raw, err := os.ReadFile(filepath.Join(interopCorpus, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// corpusFiles lists the corpus files under dir whose names end in ext, at any depth.
func corpusFiles(t *testing.T, dir, ext string) []string {
	t.Helper()
	needCorpus(t)
	var files []string
	err := filepath.WalkDir(filepath.Join(interopCorpus, dir), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ext) {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s files under %s: %v", ext, dir, err)
	}
	return files
}

// requestedPlacement books Ana Sousa at Fraunhofer HHI and asks the host: one host request,
// SEQUENCE 0, to hostEmail.
func requestedPlacement(t *testing.T) (world, string) {
	t.Helper()
	w := newWorld(t)
	id := mustRun(t, w.db, "book", "--host", w.host, "--visitor", w.ana, "--first", "2027-03-01", "--last", "2027-03-05")
	mustRun(t, w.db, "request", id)
	return w, id
}

// ours is what a fixture is rewritten to answer: our placement, from our host.
func ours(id string) replyEdit {
	return replyEdit{UID: id + "@xchangedesk", Attendee: hostEmail, Sequence: 0, From: hostEmail}
}

// importReplies runs import-reply --json and returns the exit status and one object a file,
// with every field as the command wrote it.
func importReplies(t *testing.T, db string, files ...string) (int, []map[string]string, string) {
	t.Helper()
	code, out, errs := xchange(t, db, append([]string{"import-reply", "--json"}, files...)...)
	var rs []map[string]string
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != len(files) {
		t.Fatalf("import-reply --json printed %q (%v), stderr %q", out, err, errs)
	}
	return code, rs, errs
}

// replyFields are the fields of import-reply --json; a field left empty is absent.
var replyFields = []string{"file", "outcome", "placement_id", "method", "partstat", "reason"}

func checkReplyJSON(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for k := range got {
		if !slices.Contains(replyFields, k) && k != "source" {
			t.Errorf("import-reply --json has an undocumented field %s: %v", k, got)
		}
	}
	for _, k := range replyFields {
		w, ok := want[k]
		switch g, has := got[k]; {
		case !ok:
		case k == "reason" && w != "":
			if !strings.Contains(strings.ToLower(g), strings.ToLower(w)) {
				t.Errorf("reason %q does not say %q", g, w)
			}
		case w == "" && has:
			t.Errorf("%s is %q, want it absent", k, g)
		case g != w:
			t.Errorf("%s is %q, want %q", k, g, w)
		}
	}
}

// placementStatus is the placement's status, as placements --json lists it.
func placementStatus(t *testing.T, db, id string) string {
	t.Helper()
	var ps []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, db, "placements", "--json")), &ps); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p["id"] == id {
			return p["status"].(string)
		}
	}
	t.Fatalf("placement %s is not listed", id)
	return ""
}

// outboxOf is the placement's messages, as "kind to", in the order queued.
func outboxOf(t *testing.T, db, id string) []string {
	t.Helper()
	var ms []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, db, "outbox", "--json")), &ms); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		if m["placement_id"] == id {
			out = append(out, m["kind"].(string)+" "+m["to"].(string))
		}
	}
	return out
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The clients whose acceptances the desk must read, each in the format it really sends.
var acceptingClients = []struct {
	client, fixture string
}{
	{"Google Calendar", "imip/bluemind/google.reply.accept.eml"},         // 7bit text/calendar, and a base64 invite.ics; CRLF; CN folded with two spaces
	{"Outlook for Mac", "imip/bluemind/outlook.reply.accept.eml"},        // 7bit; MAILTO: upper-case; quoted CN folded mid-string; Windows TZID
	{"Apple Mail and iCal", "imip/apple-ccs/good_reply.eml"},             // LF mail; quoted-printable with =0D=0A; an attachment two multiparts deep
	{"iOS", "imip/bluemind/ios.reply.accept.eml"},                        // quoted-printable with hard CRLF line breaks; ATTENDEE folded by a soft break
	{"the Android e-mail app", "imip/bluemind/android.reply.accept.eml"}, // base64; the attendee's address folded with a tab
}

func TestAReplyAcceptingFromTheHostsOwnClientConfirmsThePlacement(t *testing.T) {
	for _, c := range acceptingClients {
		t.Run("a host accepting in the style of "+c.client+" confirms the placement and queues the visitor's invitation", func(t *testing.T) {
			orig := fixture(t, c.fixture)
			w, id := requestedPlacement(t)
			dup := rewriteFixture(t, orig, ours(id))
			checkSameFormat(t, orig, dup)
			file := writeTemp(t, filepath.Base(c.fixture), dup)

			code, rs, errs := importReplies(t, w.db, file)
			if code != 0 {
				t.Errorf("exit %d: %s", code, errs)
			}
			checkReplyJSON(t, rs[0], map[string]string{"file": file, "outcome": "applied", "placement_id": id,
				"method": "REPLY", "partstat": "ACCEPTED", "reason": ""})
			if s := placementStatus(t, w.db, id); s != "confirmed" {
				t.Errorf("the placement is %s, want confirmed", s)
			}
			want := []string{"host-request " + hostEmail, "visitor-invitation " + visitorEmail,
				"confirmation " + visitorEmail, "host-confirmed " + hostEmail}
			if got := outboxOf(t, w.db, id); !slices.Equal(got, want) {
				t.Errorf("outbox %q, want %q", got, want)
			}
			if h := mustRun(t, w.db, "history", id); !strings.Contains(h, "Jana Weber accepted by e-mail") || !strings.Contains(h, "("+filepath.Base(c.fixture)+", Message-ID <") {
				t.Errorf("the history does not say who accepted, and where it was read:\n%s", h)
			}
		})
	}
}

func TestAReplyThatMustNotMoveThePlacementSaysWhy(t *testing.T) {
	tests := []struct {
		name, fixture string
		edit          func(id string) *replyEdit // nil: the fixture as it is
		before        func(t *testing.T, w world, id string)
		twice         bool // import the same file once first, then check the second import
		code          int
		want          func(id string) map[string]string
		status        string
		outbox        []string
		unchanged     bool // the data file byte for byte as before the (second) import
	}{
		{
			name:    "a reply whose mail comes from another address than the host's is refused",
			fixture: "imip/bluemind/outlook.reply.accept.eml",
			edit:    func(id string) *replyEdit { e := ours(id); e.From = spoofer; return &e },
			code:    1,
			want: func(id string) map[string]string {
				return map[string]string{"outcome": "refused", "placement_id": id, "method": "REPLY", "partstat": "ACCEPTED",
					"reason": "names " + hostEmail + " but the mail comes from " + spoofer}
			},
			status: "requested",
			outbox: []string{"host-request " + hostEmail},
		},
		{
			name:    "an acceptance of the invitation sent before a reschedule is stale",
			fixture: "imip/bluemind/ios.reply.accept.eml",
			edit:    func(id string) *replyEdit { e := ours(id); return &e },
			before: func(t *testing.T, w world, id string) {
				mustRun(t, w.db, "reschedule", id, "--first", "2027-03-08", "--last", "2027-03-12")
			},
			code: 0,
			want: func(id string) map[string]string {
				return map[string]string{"outcome": "stale", "placement_id": id, "method": "REPLY", "partstat": "ACCEPTED",
					"reason": "answered invitation 0, but invitation 1 has been sent since"}
			},
			status: "requested",
			outbox: []string{"host-request " + hostEmail, "update " + hostEmail},
		},
		{
			name:    "the same mail imported twice is a duplicate the second time and leaves the data file as it was",
			fixture: "imip/bluemind/android.reply.accept.eml",
			edit:    func(id string) *replyEdit { e := ours(id); return &e },
			twice:   true,
			code:    0,
			want: func(id string) map[string]string {
				return map[string]string{"outcome": "duplicate", "placement_id": id, "method": "REPLY", "partstat": "ACCEPTED", "reason": ""}
			},
			status: "confirmed",
			outbox: []string{"host-request " + hostEmail, "visitor-invitation " + visitorEmail,
				"confirmation " + visitorEmail, "host-confirmed " + hostEmail},
			unchanged: true,
		},
		{
			name:    "a reply to someone else's invitation names its UID and leaves the data file as it was",
			fixture: "imip/bluemind/google.reply.accept.eml",
			code:    1,
			want: func(string) map[string]string {
				return map[string]string{"outcome": "refused", "placement_id": "", "method": "REPLY", "partstat": "ACCEPTED",
					"reason": "no placement has the UID 14ef516ad2e6ce325d5c8efcf9d7ddbfa30f9d15"}
			},
			status:    "requested",
			outbox:    []string{"host-request " + hostEmail},
			unchanged: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// prepare makes the world the case needs and the file the host's client sent.
			prepare := func() (world, string, string) {
				raw := fixture(t, tt.fixture)
				w, id := requestedPlacement(t)
				if tt.before != nil {
					tt.before(t, w, id)
				}
				if tt.edit != nil {
					raw = rewriteFixture(t, raw, *tt.edit(id))
				}
				file := writeTemp(t, filepath.Base(tt.fixture), raw)
				if tt.twice {
					if code, rs, errs := importReplies(t, w.db, file); code != 0 || rs[0]["outcome"] != "applied" {
						t.Fatalf("the first import: exit %d, %v, %s", code, rs[0], errs)
					}
				}
				return w, id, file
			}
			w, id, file := prepare()
			before := sum(t, w.db)
			code, rs, errs := importReplies(t, w.db, file)
			if code != tt.code {
				t.Errorf("exit %d, want %d (%s)", code, tt.code, errs)
			}
			if code == 1 && !strings.Contains(errs, "1 of 1 file was refused or could not be read") {
				t.Errorf("stderr %q", errs)
			}
			want := tt.want(id)
			want["file"] = file
			checkReplyJSON(t, rs[0], want)
			if tt.unchanged && sum(t, w.db) != before {
				t.Error("the data file changed")
			}
			if s := placementStatus(t, w.db, id); s != tt.status {
				t.Errorf("the placement is %s, want %s", s, tt.status)
			}
			if got := outboxOf(t, w.db, id); !slices.Equal(got, tt.outbox) {
				t.Errorf("outbox %q, want %q", got, tt.outbox)
			}
			// Without --json, on a world of its own (the file read once more would be a
			// duplicate): the same outcome and reason, on one line.
			w, _, file = prepare()
			textCode, text, _ := xchange(t, w.db, "import-reply", file)
			if r := rs[0]["reason"]; textCode != tt.code || !strings.HasPrefix(text, file+": "+rs[0]["outcome"]+" (accepted)") ||
				!strings.Contains(text, r) || strings.Count(text, "\n") != 1 {
				t.Errorf("import-reply says %q, exit %d", text, textCode)
			}
		})
	}
}

// What every file of the corpus must give, as it is: none answers one of our placements.
// Replies to other people's calendars are refused for their unknown UID; invitations,
// cancellations and calendars that are no answer are not replies; broken files are errors
// with a reason.
var corpusOutcomes = map[string]string{
	"imip/apple-ccs/good_reply.eml":                                                     "refused",
	"imip/bluemind/android.reply.accept.eml":                                            "refused",
	"imip/bluemind/domino.invite.new.eml":                                               "not-a-reply",
	"imip/bluemind/exchange.invite.to_alias.eml":                                        "not-a-reply",
	"imip/bluemind/google.invite.new.eml":                                               "not-a-reply",
	"imip/bluemind/google.reply.accept.eml":                                             "refused",
	"imip/bluemind/google.reply.decline.eml":                                            "refused",
	"imip/bluemind/google.reply.tentative.eml":                                          "refused",
	"imip/bluemind/google_counter.eml":                                                  "refused",
	"imip/bluemind/ios.reply.accept.eml":                                                "refused",
	"imip/bluemind/ios.reply.decline.eml":                                               "refused",
	"imip/bluemind/office365_invitation_inline_image.eml":                               "not-a-reply",
	"imip/bluemind/outlook-teams-invite.eml":                                            "not-a-reply",
	"imip/bluemind/outlook.bug.5240.eml":                                                "not-a-reply",
	"imip/bluemind/outlook.invite.cancel.eml":                                           "not-a-reply",
	"imip/bluemind/outlook.invite.new.eml":                                              "not-a-reply",
	"imip/bluemind/outlook.invite.pureics.eml":                                          "not-a-reply",
	"imip/bluemind/outlook.invite.update.eml":                                           "not-a-reply",
	"imip/bluemind/outlook.reply.accept.eml":                                            "refused",
	"imip/bluemind/outlook.reply.decline.eml":                                           "refused",
	"imip/bluemind/outlook.reply.tentative.eml":                                         "refused",
	"imip/bluemind/zoom.vtimezone.eml":                                                  "not-a-reply",
	"imip/calconnect/imip_example.eml":                                                  "error", // boundary mismatch, base64 declared 7bit, no METHOD
	"imip/nextcloud-mail/request_google.eml":                                            "not-a-reply",
	"imip/nextcloud-mail/request_outlook_com.eml":                                       "not-a-reply",
	"ics/collective-icalendar/big_bad_calendar.ics":                                     "error", // truncated, no END:VCALENDAR
	"ics/collective-icalendar/bom_calendar.ics":                                         "not-a-reply",
	"ics/collective-icalendar/broken_ical.ics":                                          "not-a-reply",
	"ics/collective-icalendar/issue_165_missing_event.ics":                              "not-a-reply",
	"ics/collective-icalendar/issue_218_bad_tzid.ics":                                   "not-a-reply",
	"ics/collective-icalendar/issue_237_fail_to_parse_timezone_with_non_ascii_tzid.ics": "not-a-reply",
	"ics/collective-icalendar/issue_27_multiple_periods_in_freebusy_one_freebusy.ics":   "not-a-reply", // a REPLY about free/busy time
	"ics/collective-icalendar/issue_313_globally_unique_tzid.ics":                       "not-a-reply",
	"ics/collective-icalendar/issue_722_missing_timezones.ics":                          "not-a-reply",
	"ics/collective-icalendar/issue_836_do_not_quote_tzid.ics":                          "not-a-reply",
	"ics/collective-icalendar/parsing_error.ics":                                        "not-a-reply",
	"ics/collective-icalendar/timezone_same_start.ics":                                  "not-a-reply",
	"ics/golang-ical/issue52_google_x_response_comment.ics":                             "not-a-reply",
	"ics/icaljs/blank_line_mid.ics":                                                     "not-a-reply",
	"ics/icaljs/google_birthday.ics":                                                    "not-a-reply",
	"ics/icaljs/newline_junk.ics":                                                       "not-a-reply",
	"ics/icaljs/only_dtstart_date.ics":                                                  "not-a-reply",
	"ics/icaljs/quoted_params.ics":                                                      "not-a-reply",
	"ics/khal/event_d_long.ics":                                                         "error", // a bare VEVENT, no VCALENDAR
	"ics/khal/event_d_no_value.ics":                                                     "error", // a bare VEVENT, no VCALENDAR
	"ics/khal/event_dt_local_missing_tz.ics":                                            "not-a-reply",
	"ics/khal/event_dt_partstat.ics":                                                    "error", // a continuation line indented by two spaces before a quoted parameter
	"ics/khal/invalid_tzoffset.ics":                                                     "not-a-reply",
	"ics/khal/non_dst_error.ics":                                                        "not-a-reply",
	"ics/khal/tz_windows_format.ics":                                                    "not-a-reply",
}

func TestReplyImportGivesEveryCorpusFileAClearOutcomeAndChangesNothing(t *testing.T) {
	files := append(corpusFiles(t, "imip", ".eml"), corpusFiles(t, "ics", ".ics")...)
	w, id := requestedPlacement(t)
	before := sum(t, w.db)
	var total, longest time.Duration
	var slowest string
	for _, f := range files {
		rel := filepath.ToSlash(strings.TrimPrefix(f, interopCorpus+string(filepath.Separator)))
		t.Run(rel, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("import-reply panicked on %s: %v", rel, p)
				}
			}()
			start := time.Now()
			code, rs, errs := importReplies(t, w.db, f)
			took := time.Since(start)
			total += took
			if took > longest {
				longest, slowest = took, rel
			}
			r := rs[0]
			if r["file"] != f {
				t.Errorf("file is %q, want %q", r["file"], f)
			}
			want, known := corpusOutcomes[rel]
			switch {
			case !known:
				if !slices.Contains([]string{"refused", "not-a-reply", "error"}, r["outcome"]) {
					t.Errorf("a new corpus file gave %v", r)
				}
				t.Logf("a file new to the corpus: %v", r)
			case r["outcome"] != want:
				t.Errorf("outcome %q (%s), want %q", r["outcome"], r["reason"], want)
			}
			switch r["outcome"] {
			case "refused":
				if !strings.Contains(strings.ToLower(r["reason"]), "no placement has the uid") || r["placement_id"] != "" {
					t.Errorf("refused without naming the unknown UID: %v", r)
				}
				if r["method"] == "" || r["partstat"] == "" {
					t.Errorf("a reply read without its method or answer: %v", r)
				}
			case "error":
				if strings.TrimSpace(r["reason"]) == "" {
					t.Errorf("an error without a reason: %v", r)
				}
				t.Run("the reason is a sentence for people, without a package's prefix", func(t *testing.T) {
					for _, prefix := range []string{"Ical: ", "Mail: ", "ical: ", "mail: "} {
						if strings.HasPrefix(r["reason"], prefix) {
							t.Errorf("the reason shows a Go package's prefix to people: %q", r["reason"])
						}
					}
				})
			case "not-a-reply":
				if r["placement_id"] != "" || r["partstat"] != "" {
					t.Errorf("not a reply, yet %v", r)
				}
			}
			if wantCode := map[bool]int{true: 1, false: 0}[r["outcome"] == "refused" || r["outcome"] == "error"]; code != wantCode {
				t.Errorf("exit %d, want %d (%s)", code, wantCode, errs)
			}
			t.Logf("%s: %s %s", r["outcome"], r["partstat"], r["reason"])
		})
	}
	if sum(t, w.db) != before {
		t.Error("reading the corpus changed the data file")
	}
	if s := placementStatus(t, w.db, id); s != "requested" {
		t.Errorf("the placement is %s", s)
	}
	// The whole corpus in one run, as a mailbox export would be imported.
	start := time.Now()
	code, rs, _ := importReplies(t, w.db, files...)
	all := time.Since(start)
	if code != 1 || len(rs) != len(files) || sum(t, w.db) != before {
		t.Errorf("the corpus in one run: exit %d, %d lines for %d files, data file unchanged %v", code, len(rs), len(files), sum(t, w.db) == before)
	}
	t.Logf("%d files, one import-reply each: %.0f files a second (%v in all); the longest, %s, took %v",
		len(files), float64(len(files))/total.Seconds(), total.Round(time.Microsecond), slowest, longest.Round(time.Microsecond))
	t.Logf("%d files in one import-reply: %.0f files a second (%v)", len(files), float64(len(files))/all.Seconds(), all.Round(time.Microsecond))
}

func TestReplyFixturesAreRewrittenInTheirClientsOwnFormat(t *testing.T) {
	for _, c := range acceptingClients {
		t.Run("a copy of the reply from "+c.client+" keeps its encoding, line ends and folding", func(t *testing.T) {
			orig := fixture(t, c.fixture)
			theirs := readFixtureReply(t, orig)
			e := replyEdit{UID: "0193aaaa-bbbb-7ccc-8ddd-eeeeffff0000@xchangedesk", Attendee: hostEmail, Sequence: 3, From: hostEmail}
			dup := rewriteFixture(t, orig, e)
			checkSameFormat(t, orig, dup)
			got := readFixtureReply(t, dup)
			if got.uid != e.UID || got.attendee != e.Attendee || got.sequence != e.Sequence || got.from != e.From {
				t.Fatalf("the copy answers %+v, want %+v", got, e)
			}
			if got.partstat != theirs.partstat || got.calendars != theirs.calendars {
				t.Fatalf("the copy answers %+v, the fixture %+v", got, theirs)
			}
			// Rewritten back to the client's own values, every calendar decodes to the
			// fixture's, byte for byte: nothing else was touched.
			back := rewriteFixture(t, dup, replyEdit{UID: theirs.uid, Attendee: theirs.attendee, Sequence: theirs.sequence, From: theirs.from})
			a, b := calendarsOf(t, orig), calendarsOf(t, back)
			for i := range a {
				if !bytes.Equal(a[i], b[i]) {
					t.Errorf("calendar %d differs after rewriting back:\n%q\n%q", i, a[i], b[i])
				}
			}
			t.Logf("%d calendar parts; the file rewritten back is byte for byte the fixture: %v", len(a), bytes.Equal(orig, back))
		})
	}
}

// fixtureReply is what the desk reads in a mail: its sender and the reply in its first
// calendar.
type fixtureReply struct {
	from, uid, attendee, partstat string
	sequence, calendars           int
}

func readFixtureReply(t *testing.T, raw []byte) fixtureReply {
	t.Helper()
	in, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil || len(in.Calendars) == 0 {
		t.Fatalf("mail.ReadMessage: %v, %d calendars", err, len(in.Calendars))
	}
	r, err := ical.ReadReply(in.Calendars[0])
	if err != nil {
		t.Fatalf("ical.ReadReply: %v\n%s", err, in.Calendars[0])
	}
	return fixtureReply{from: in.From, uid: r.UID, attendee: r.Attendee, partstat: r.PartStat, sequence: r.Sequence, calendars: len(in.Calendars)}
}

func calendarsOf(t *testing.T, raw []byte) [][]byte {
	t.Helper()
	in, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return in.Calendars
}

// checkSameFormat checks that a rewritten copy keeps the fixture's line ends and its
// header's lines.
func checkSameFormat(t *testing.T, orig, dup []byte) {
	t.Helper()
	crlf := func(b []byte) (int, int) { return bytes.Count(b, []byte("\r\n")), bytes.Count(b, []byte("\n")) }
	oc, on := crlf(orig)
	cc, cn := crlf(dup)
	if (oc == on) != (cc == cn) || (oc == 0) != (cc == 0) {
		t.Errorf("line ends changed: %d CRLF of %d LF in the fixture, %d of %d in the copy", oc, on, cc, cn)
	}
	if oh, _, _ := splitEntity(orig); true {
		ch, _, _ := splitEntity(dup)
		if on := bytes.Count(oh, []byte("\n")); on != bytes.Count(ch, []byte("\n")) {
			t.Errorf("the header has %d lines, the copy's %d", on, bytes.Count(ch, []byte("\n")))
		}
	}
}

// Rewriting a fixture: the MIME structure is walked over the raw bytes, and only the
// bodies of calendar parts and the top-level From field are replaced, so that every other
// byte is the client's own.

// replyEdit is what a copy of a fixture is made to say.
type replyEdit struct {
	UID, Attendee, From string
	Sequence            int
}

// rewriteFixture returns a copy of a mail with every calendar part's UID, SEQUENCE and
// answering ATTENDEE, and the mail's From, replaced, each part re-encoded with its own
// transfer encoding and line ends.
func rewriteFixture(t *testing.T, raw []byte, e replyEdit) []byte {
	t.Helper()
	header, sep, body := splitEntity(raw)
	header = rewriteFrom(t, header, e.From)
	n := 0
	body = rewriteEntity(t, header, body, e, &n)
	if n == 0 {
		t.Fatal("the fixture has no calendar part to rewrite")
	}
	return slices.Concat(header, sep, body)
}

// splitEntity splits a MIME entity into its header, the empty line that ends it and its
// body.
func splitEntity(b []byte) (header, sep, body []byte) {
	for i := 0; i < len(b); {
		end := lineEnd(b, i)
		if line := string(b[i:end]); line == "\n" || line == "\r\n" {
			return b[:i], b[i:end], b[end:]
		}
		i = end
	}
	return b, nil, nil
}

// lineEnd is the index just after the line starting at i, its line end included.
func lineEnd(b []byte, i int) int {
	if j := bytes.IndexByte(b[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(b)
}

// headerFields unfolds a header into its fields, by lower-case name; the first of a name
// wins.
func headerFields(h []byte) map[string]string {
	m := map[string]string{}
	name, val := "", ""
	flush := func() {
		if _, seen := m[name]; name != "" && !seen {
			m[name] = strings.TrimSpace(val)
		}
	}
	for _, line := range strings.SplitAfter(string(h), "\n") {
		l := strings.TrimRight(line, "\r\n")
		switch {
		case l == "":
		case l[0] == ' ' || l[0] == '\t':
			val += " " + strings.TrimSpace(l)
		default:
			flush()
			k, v, _ := strings.Cut(l, ":")
			name, val = strings.ToLower(strings.TrimSpace(k)), v
		}
	}
	flush()
	return m
}

// mediaType parses a Content-Type leniently: strictly when it can, else a parameter at a
// time.
func mediaType(v string) (string, map[string]string) {
	if v == "" {
		return "text/plain", map[string]string{}
	}
	if typ, params, err := mime.ParseMediaType(v); err == nil {
		return typ, params
	}
	typ, rest, _ := strings.Cut(v, ";")
	params := map[string]string{}
	for _, p := range strings.Split(rest, ";") {
		if k, v, ok := strings.Cut(p, "="); ok {
			params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return strings.ToLower(strings.TrimSpace(typ)), params
}

func rewriteEntity(t *testing.T, header, body []byte, e replyEdit, n *int) []byte {
	t.Helper()
	fields := headerFields(header)
	typ, params := mediaType(fields["content-type"])
	name := params["name"]
	if _, dp := mediaType(fields["content-disposition"]); dp["filename"] != "" {
		name = dp["filename"]
	}
	switch {
	case strings.HasPrefix(typ, "multipart/"):
		return rewriteMultipart(t, body, params["boundary"], e, n)
	case typ == "text/calendar" || typ == "application/ics" || strings.HasSuffix(strings.ToLower(name), ".ics"):
		*n++
		return rewriteCalendarPart(t, fields["content-transfer-encoding"], body, e)
	}
	return body
}

// rewriteMultipart rewrites each part of a multipart body between its delimiter lines,
// leaving the preamble, the delimiters, the line ends before them and the epilogue as
// they are.
func rewriteMultipart(t *testing.T, body []byte, boundary string, e replyEdit, n *int) []byte {
	t.Helper()
	if boundary == "" {
		t.Fatal("a multipart without a boundary")
	}
	delim := []byte("--" + boundary)
	type line struct {
		start, end int
		last       bool
	}
	var delims []line
	for i := 0; i < len(body); {
		end := lineEnd(body, i)
		if l := body[i:end]; bytes.HasPrefix(l, delim) {
			rest := string(bytes.TrimRight(l[len(delim):], " \t\r\n"))
			if rest == "" || rest == "--" {
				delims = append(delims, line{i, end, rest == "--"})
			}
		}
		i = end
	}
	var out []byte
	at := 0
	for k, d := range delims {
		if d.last {
			break
		}
		start, stop := d.end, len(body)
		if k+1 < len(delims) {
			stop = delims[k+1].start
			// The line end before a delimiter belongs to the delimiter (RFC 2046 § 5.1.1).
			if stop > start && body[stop-1] == '\n' {
				stop--
				if stop > start && body[stop-1] == '\r' {
					stop--
				}
			}
		}
		h, sep, b := splitEntity(body[start:stop])
		out = append(out, body[at:start]...)
		out = append(out, slices.Concat(h, sep, rewriteEntity(t, h, b, e, n))...)
		at = stop
	}
	return append(out, body[at:]...)
}

// rewriteCalendarPart decodes a calendar part's body, rewrites the calendar and encodes it
// again as it came: the same transfer encoding and line ends; base64 in lines as long as
// the client's; quoted-printable edited only where the calendar changed, in the client's
// style (CRLF as =0D=0A or as hard line breaks, spaces as =20 or as they are), every other
// encoded byte kept.
func rewriteCalendarPart(t *testing.T, encoding string, body []byte, e replyEdit) []byte {
	t.Helper()
	eol := "\n"
	if bytes.Contains(body, []byte("\r\n")) {
		eol = "\r\n"
	}
	switch enc := strings.ToLower(strings.TrimSpace(encoding)); enc {
	case "", "7bit", "8bit", "binary":
		cal, _ := rewriteCalendar(t, body, e)
		return cal
	case "quoted-printable":
		return rewriteQuotedPrintable(t, body, e, eol)
	case "base64":
		core := bytes.TrimRight(body, " \t\r\n")
		width := bytes.IndexAny(core, "\r\n")
		if width < 0 {
			width = len(core)
		}
		cal, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(core)), ""))
		if err != nil {
			t.Fatalf("the base64 calendar does not decode: %v", err)
		}
		cal, _ = rewriteCalendar(t, cal, e)
		encoded := base64.StdEncoding.EncodeToString(cal)
		var out []string
		for len(encoded) > width && width > 0 {
			out, encoded = append(out, encoded[:width]), encoded[width:]
		}
		out = append(out, encoded)
		// What the client wrote after the last line (line ends, empty lines) stays.
		return append([]byte(strings.Join(out, eol)), body[len(core):]...)
	default:
		t.Fatalf("a calendar part in the unknown transfer encoding %q", enc)
		return nil
	}
}

// rewriteQuotedPrintable applies the calendar's edits to the encoded text itself: each
// decoded byte is traced back to the characters that encode it, the characters of an
// edited span are replaced by the new text encoded as the client encodes, and an encoded
// line that grew too long gets a soft line break.
func rewriteQuotedPrintable(t *testing.T, body []byte, e replyEdit, eol string) []byte {
	t.Helper()
	cal, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	if err != nil {
		t.Fatalf("the quoted-printable calendar does not decode: %v", err)
	}
	want, edits := rewriteCalendar(t, cal, e)
	hex := func(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f' }
	lineBreak := func(i int) bool { return i < len(body) && (body[i] == '\n' || body[i] == '\r') }
	// from[d], to[d]: the encoded characters of decoded byte d.
	var from, to []int
	for i := 0; i < len(body); {
		switch c := body[i]; {
		case c == '=':
			j := i + 1
			for j < len(body) && (body[j] == ' ' || body[j] == '\t') {
				j++
			}
			switch {
			case j == len(body):
				i = j
			case lineBreak(j): // a soft line break
				i = lineEnd(body, j)
			case i+2 < len(body) && hex(body[i+1]) && hex(body[i+2]):
				from, to = append(from, i), append(to, i+3)
				i += 3
			default:
				from, to = append(from, i), append(to, i+1)
				i++
			}
		case c == ' ' || c == '\t':
			j := i
			for j < len(body) && (body[j] == ' ' || body[j] == '\t') {
				j++
			}
			if j == len(body) || lineBreak(j) { // trailing white space is not part of the text
				i = j
				continue
			}
			for ; i < j; i++ {
				from, to = append(from, i), append(to, i+1)
			}
		default:
			from, to = append(from, i), append(to, i+1)
			i++
		}
	}
	if len(from) != len(cal) {
		t.Fatalf("traced %d decoded bytes of %d in the quoted-printable calendar", len(from), len(cal))
	}
	binary := bytes.Contains(bytes.ToUpper(body), []byte("=0D=0A"))
	spaces := bytes.Contains(bytes.ToUpper(body), []byte("=20"))
	encode := func(text []byte) []byte {
		var out []byte
		for _, c := range text {
			switch {
			case c == '\r' || c == '\n':
				if binary {
					out = fmt.Appendf(out, "=%02X", c)
				} else if c == '\n' {
					out = append(out, eol...)
				}
			case c == ' ' && !spaces, c > ' ' && c < 0x7f && c != '=':
				out = append(out, c)
			default:
				out = fmt.Appendf(out, "=%02X", c)
			}
		}
		return out
	}
	out := slices.Clone(body)
	for k := len(edits) - 1; k >= 0; k-- {
		ed := edits[k]
		a := len(body)
		if ed.from < len(from) {
			a = from[ed.from]
		}
		b := a
		if ed.to > ed.from {
			b = to[ed.to-1]
		}
		out = slices.Concat(out[:a], encode(ed.text), out[b:])
	}
	// Lines that grew longer than the client's longest (76 characters, RFC 2045 § 6.7, or
	// what the client allowed itself) are broken softly, never inside an =XX.
	width := 76
	for i := 0; i < len(body); {
		end := lineEnd(body, i)
		width = max(width, len(bytes.TrimRight(body[i:end], "\r\n")))
		i = end
	}
	var wrapped []byte
	for i := 0; i < len(out); {
		end := lineEnd(out, i)
		line := bytes.TrimRight(out[i:end], "\r\n")
		for len(line) > width {
			k := width - 1
			if line[k-1] == '=' {
				k--
			} else if line[k-2] == '=' {
				k -= 2
			}
			wrapped = append(append(append(wrapped, line[:k]...), '='), eol...)
			line = line[k:]
		}
		wrapped = append(append(wrapped, line...), out[i+len(bytes.TrimRight(out[i:end], "\r\n")):end]...)
		i = end
	}
	if got, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(wrapped))); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the edited quoted-printable calendar decodes to\n%q (%v), want\n%q", got, err, want)
	}
	return wrapped
}

// calEdit replaces the bytes from to to of a calendar with text.
type calEdit struct {
	from, to int
	text     []byte
}

// rewriteCalendar rewrites UID, SEQUENCE and the answering ATTENDEE (the one whose
// PARTSTAT is not NEEDS-ACTION) in a calendar, and returns it with the edits made, each as
// small as the change. Every other content line is left byte for byte; a rewritten one
// keeps its folds where they were, a fold inside the replaced value staying inside the new
// one, and its line ends.
func rewriteCalendar(t *testing.T, cal []byte, e replyEdit) ([]byte, []calEdit) {
	t.Helper()
	var lines [][]byte
	for i := 0; i < len(cal); {
		end := lineEnd(cal, i)
		lines = append(lines, cal[i:end])
		i = end
	}
	found := map[string]int{}
	var out []byte
	var edits []calEdit
	at := 0
	for i := 0; i < len(lines); {
		j := i + 1
		for j < len(lines) && len(lines[j]) > 0 && (lines[j][0] == ' ' || lines[j][0] == '\t') {
			j++
		}
		old := slices.Concat(lines[i:j]...)
		line := rewriteContentLine(lines[i:j], e, found)
		if !bytes.Equal(old, line) {
			p := 0
			for p < len(old) && p < len(line) && old[p] == line[p] {
				p++
			}
			s := 0
			for s < len(old)-p && s < len(line)-p && old[len(old)-1-s] == line[len(line)-1-s] {
				s++
			}
			edits = append(edits, calEdit{at + p, at + len(old) - s, line[p : len(line)-s]})
		}
		out = append(out, line...)
		at += len(old)
		i = j
	}
	for _, p := range []string{"UID", "SEQUENCE", "ATTENDEE"} {
		if found[p] == 0 {
			t.Fatalf("the calendar has no %s to rewrite:\n%s", p, cal)
		}
	}
	return out, edits
}

func rewriteContentLine(phys [][]byte, e replyEdit, found map[string]int) []byte {
	type fold struct {
		at  int
		brk string // the line end and the whitespace that folds the line
	}
	cut := func(p []byte) ([]byte, string) {
		c := bytes.TrimRight(p, "\r\n")
		return c, string(p[len(c):])
	}
	var un []byte
	var folds []fold
	var eol string
	for k, p := range phys {
		c, end := cut(p)
		if k > 0 {
			folds = append(folds, fold{len(un), eol + string(c[0])})
			c = c[1:]
		}
		un, eol = append(un, c...), end
	}
	colon := -1
	quoted := false
	for i, ch := range un {
		if ch == '"' {
			quoted = !quoted
		} else if ch == ':' && !quoted {
			colon = i
			break
		}
	}
	if colon < 0 {
		return slices.Concat(phys...)
	}
	name := strings.ToUpper(string(un[:colon]))
	name, params, _ := strings.Cut(name, ";")
	a, b, repl := colon+1, len(un), ""
	switch name {
	case "UID":
		repl = e.UID
	case "SEQUENCE":
		repl = strconv.Itoa(e.Sequence)
	case "ATTENDEE":
		ps := ""
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(p, "PARTSTAT="); ok {
				ps = strings.Trim(v, `"`)
			}
		}
		if ps == "" || ps == "NEEDS-ACTION" {
			return slices.Concat(phys...)
		}
		if len(un)-a >= 7 && strings.EqualFold(string(un[a:a+7]), "mailto:") {
			a += 7
		}
		repl = e.Attendee
	default:
		return slices.Concat(phys...)
	}
	found[name]++
	line := slices.Concat(un[:a], []byte(repl), un[b:])
	var out []byte
	at := 0
	for _, f := range folds {
		o := f.at
		switch {
		case o > a && o < b:
			o = a + min(o-a, max(len(repl)-1, 0))
		case o >= b:
			o += len(repl) - (b - a)
		}
		out = append(out, line[at:o]...)
		out = append(out, f.brk...)
		at = o
	}
	out = append(out, line[at:]...)
	return append(out, eol...)
}

// rewriteFrom replaces the address of the header's From field, its display name, folding
// and line ends kept.
func rewriteFrom(t *testing.T, header []byte, from string) []byte {
	t.Helper()
	for i := 0; i < len(header); {
		end := lineEnd(header, i)
		if len(header)-i >= 5 && strings.EqualFold(string(header[i:i+5]), "from:") {
			for end < len(header) && (header[end] == ' ' || header[end] == '\t') {
				end = lineEnd(header, end)
			}
			field := header[i:end]
			v := headerFields(field)["from"]
			addr := ""
			if a, err := netmail.ParseAddress(v); err == nil {
				addr = a.Address
			} else {
				t.Fatalf("the fixture's From %q: %v", v, err)
			}
			at := bytes.Index(bytes.ToLower(field), bytes.ToLower([]byte(addr)))
			if at < 0 {
				t.Fatalf("the address %s is folded in the From field %q", addr, field)
			}
			return slices.Concat(header[:i], field[:at], []byte(from), field[at+len(addr):], header[end:])
		}
		i = end
	}
	t.Fatal("the fixture has no From")
	return nil
}

func TestTheSameReplyTwiceInOneRunIsAppliedOnce(t *testing.T) {
	raw := fixture(t, "imip/bluemind/google.reply.accept.eml")
	w, id := requestedPlacement(t)
	file := writeTemp(t, "google.reply.accept.eml", rewriteFixture(t, raw, ours(id)))
	code, rs, errs := importReplies(t, w.db, file, file)
	if code != 0 {
		t.Errorf("exit %d: %s", code, errs)
	}
	checkReplyJSON(t, rs[0], map[string]string{"file": file, "outcome": "applied", "placement_id": id, "reason": ""})
	checkReplyJSON(t, rs[1], map[string]string{"file": file, "outcome": "duplicate", "placement_id": id, "reason": ""})
	if got := outboxOf(t, w.db, id); len(got) != 4 {
		t.Errorf("outbox %q", got)
	}
}
