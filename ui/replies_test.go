package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

// replyFile writes a bare calendar file with the host's answer to p, as a calendar client
// would save it.
func replyFile(t *testing.T, p exchange.Placement, h exchange.Host, method, partstat, extra string) string {
	t.Helper()
	cal := strings.Join([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test client//EN", "METHOD:" + method,
		"BEGIN:VEVENT", "UID:" + p.UID, fmt.Sprintf("SEQUENCE:%d", p.Sequence), "DTSTAMP:20261122T100000Z",
		"ATTENDEE;CN=" + h.Contact + ";PARTSTAT=" + partstat + ":MAILTO:" + strings.ToUpper(h.Email), extra,
		"END:VEVENT", "END:VCALENDAR", ""}, "\r\n")
	cal = strings.ReplaceAll(cal, "\r\n\r\n", "\r\n")
	path := filepath.Join(t.TempDir(), strings.ToLower(method+"-"+partstat)+".ics")
	if err := os.WriteFile(path, []byte(cal), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestARepliesFileDroppedOnTheWindowConfirmsThePlacementOnScreen(t *testing.T) {
	d, s := newDesk(t, true)
	drafts, _ := s.Placements(store.Filter{Status: exchange.Draft})
	p, err := s.Act(drafts[0].ID, exchange.Request, "")
	if err != nil {
		t.Fatal(err)
	}
	h, _ := s.Host(p.HostID)
	d.refresh()
	openPlacement(t, d, s, p)
	shows(t, d.win, h.Contact+" for "+h.Name+": no answer read yet.")

	d.importFiles([]string{replyFile(t, p, h, "REPLY", "ACCEPTED", "")})
	shows(t, d.win, "Replies read", "reply-accepted.ics", "Applied")
	test.Tap(button(t, d.win, "Close"))
	if got := fact(t, d.win, "Status"); got != "Confirmed" {
		t.Fatalf("after the host's acceptance the detail says %q", got)
	}
	shows(t, d.win, h.Contact+" for "+h.Name+": accepted", "Confirmed event to "+h.Contact, "sender not checked")

	// The same file again changes nothing.
	d.importFiles([]string{replyFile(t, p, h, "REPLY", "ACCEPTED", "")})
	shows(t, d.win, "Read before: nothing changed")
	test.Tap(button(t, d.win, "Close"))

	// The outbox lists the replies read; a click opens the placement.
	d.tabs.SelectIndex(4)
	tapText(t, d.win, "Replies read")
	shows(t, d.win, "Applied · reply-accepted.ics, sender not checked", h.Contact+" accepted by e-mail")
	tapText(t, d.win, "Applied · reply-accepted.ics, sender not checked")
	if d.tabs.SelectedIndex() != 0 || fact(t, d.win, "Status") != "Confirmed" {
		t.Fatalf("the reply did not open its placement: tab %d", d.tabs.SelectedIndex())
	}
}

func TestAHostsProposalOfOtherDatesIsAcceptedFromThePlacement(t *testing.T) {
	d, s := newDesk(t, true)
	drafts, _ := s.Placements(store.Filter{Status: exchange.Draft})
	p, err := s.Act(drafts[0].ID, exchange.Request, "")
	if err != nil {
		t.Fatal(err)
	}
	h, _ := s.Host(p.HostID)
	first, last := p.First.AddDays(7), p.Last.AddDays(7)
	extra := "DTSTART;VALUE=DATE:" + strings.ReplaceAll(first.String(), "-", "") + "\r\nDTEND;VALUE=DATE:" +
		strings.ReplaceAll(last.Next().String(), "-", "") + "\r\nCOMMENT:We are closed that week"
	d.refresh()
	openPlacement(t, d, s, p)
	d.importFiles([]string{replyFile(t, p, h, "COUNTER", "TENTATIVE", extra)})
	shows(t, d.win, "Other dates proposed")
	test.Tap(button(t, d.win, "Close"))
	shows(t, d.win, h.Contact+" proposes "+wording.Range(first, last)+" instead of "+wording.Range(p.First, p.Last)+": “We are closed that week”.")
	test.Tap(button(t, d.win, "Accept the new dates…"))
	test.Tap(button(t, d.win, "Move the stay"))
	if got := fact(t, d.win, "Stay"); !strings.HasPrefix(got, wording.Range(first, last)) {
		t.Fatalf("after accepting the detail's stay is %q", got)
	}
	hides(t, d.win, "Accept the new dates…")
	shows(t, d.win, "Calendar update to "+h.Contact)
}
