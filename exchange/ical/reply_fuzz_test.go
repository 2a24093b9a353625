package ical_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange/ical"
)

// FuzzReadReply: no text makes ReadReply panic (go-ical's own panics are recovered by Parse;
// "internal error" would be one of ours), every error is a sentence of this package, and
// every reply it returns has what the desk matches on.
//
// The seeds are the corpus's .ics files and the calendars of its .eml files, added at test
// time: those files keep the licences of their origins and are never copied into testdata.
func FuzzReadReply(f *testing.F) {
	f.Add(reply("REPLY", "SEQUENCE:1", hostAccepts, "COMMENT:ok"))
	f.Add(reply("COUNTER", hostAccepts, "DTSTART;VALUE=DATE:20260413", "DURATION:P5D"))
	f.Add(reply("REPLY", `ATTENDEE;CN="a;b";PARTSTAT=DECLINED;X-RESPONSE-COMMENT="no\, sorry":MAILTO:x@y.example`))
	if _, err := os.Stat(interop); err == nil || os.Getenv("CI") == "true" {
		for _, cf := range loadCorpus(f) {
			for _, c := range cf.calendars {
				f.Add(c)
			}
		}
	}
	partStats := map[string]bool{"ACCEPTED": true, "DECLINED": true, "TENTATIVE": true, "DELEGATED": true, "NEEDS-ACTION": true}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := ical.ReadReply(raw)
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "ical: ") || strings.Contains(msg, "internal error") {
				t.Fatalf("error %q", msg)
			}
			return
		}
		switch {
		case r.Method != ical.MethodReply && r.Method != ical.MethodCounter:
			t.Errorf("Method %q", r.Method)
		case r.UID == "" || r.UID != strings.TrimSpace(r.UID):
			t.Errorf("UID %q", r.UID)
		case r.Attendee == "" || r.Attendee != strings.ToLower(strings.TrimSpace(r.Attendee)) || strings.HasPrefix(r.Attendee, "mailto:"):
			t.Errorf("Attendee %q", r.Attendee)
		case !partStats[r.PartStat]:
			t.Errorf("PartStat %q", r.PartStat)
		case r.Sequence < 0:
			t.Errorf("Sequence %d", r.Sequence)
		case r.Stamp.IsZero() || r.Stamp.Location() != time.UTC:
			t.Errorf("Stamp %v", r.Stamp)
		case r.Last.Before(r.First) || r.First.IsZero() != r.Last.IsZero():
			t.Errorf("First %v, Last %v", r.First, r.Last)
		case r.Method == ical.MethodCounter && r.First.IsZero():
			t.Error("a COUNTER without dates")
		}
		// The same text again gives the same reply: nothing depends on map order.
		if again, err := ical.ReadReply(bytes.Clone(raw)); err != nil || again != r {
			t.Errorf("read again: %+v, %v", again, err)
		}
	})
}
