package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
)

// requested books a placement and asks the host, as the desk does before any reply comes.
func requested(t *testing.T, s *Store) (exchange.Placement, exchange.Host, exchange.Visitor) {
	t.Helper()
	h := addHost(t, s, "Lyonbiopole", 2)
	v := addVisitor(t, s, "Eleni Papadopoulou", "Hellas MedDevices")
	p, err := s.Book(req(h, v, "2026-03-02", "2026-03-06"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err = s.Act(p.ID, exchange.Request, ""); err != nil {
		t.Fatal(err)
	}
	return p, h, v
}

// hostReply is the host's answer to p as their calendar would send it.
func hostReply(p exchange.Placement, h exchange.Host, partstat string) Reply {
	return Reply{Source: "accept.eml", MessageID: "<" + partstat + "@mail.example.org>", From: h.Email,
		Method: "REPLY", UID: p.UID, Sequence: p.Sequence, Stamp: time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC),
		Attendee: "MAILTO:" + strings.ToUpper(h.Email), PartStat: partstat}
}

func kinds(t *testing.T, s *Store, p exchange.Placement) []string {
	t.Helper()
	ms, err := s.Messages(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Kind))
	}
	return out
}

func TestAHostWhoAcceptsConfirmsThePlacementOnce(t *testing.T) {
	s := openTemp(t)
	p, h, _ := requested(t, s)
	r := hostReply(p, h, "ACCEPTED")
	res, err := s.ApplyReply(r)
	if err != nil || res.Outcome != Applied || res.Who != "host" {
		t.Fatalf("applied: %+v, %v", res, err)
	}
	got, _ := s.Placement(p.ID)
	if got.Status != exchange.Confirmed || got.HostAnswer == nil || got.HostAnswer.PartStat != "ACCEPTED" {
		t.Fatalf("after the acceptance: %s, %+v", got.Status, got.HostAnswer)
	}
	if want := "host-request visitor-invitation confirmation host-confirmed"; strings.Join(kinds(t, s, p), " ") != want {
		t.Fatalf("outbox %v, want %s", kinds(t, s, p), want)
	}
	// The host's copy turns confirmed and asks nothing more.
	ms, _ := s.Messages(p.ID)
	in, err := mail.ReadMessage(bytes.NewReader(ms[len(ms)-1].Raw))
	if err != nil || len(in.Calendars) == 0 {
		t.Fatalf("host-confirmed message: %v, %d calendars", err, len(in.Calendars))
	}
	unfolded := strings.ReplaceAll(string(in.Calendars[0]), "\r\n ", "")
	for _, want := range []string{"METHOD:REQUEST", "STATUS:CONFIRMED", "PARTSTAT=ACCEPTED", "RSVP=FALSE", "SEQUENCE:0", "nothing more to answer"} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("the host's confirmed event lacks %q:\n%s", want, unfolded)
		}
	}
	if strings.Contains(unfolded, "Please accept or decline") {
		t.Errorf("the host's confirmed event still asks for an answer:\n%s", unfolded)
	}
	last := got.History[len(got.History)-1]
	if last.Action != exchange.Confirm || !strings.Contains(last.Detail, "Claire Martin accepted by e-mail (accept.eml") {
		t.Fatalf("history says %+v", last)
	}
	// The same mail again, read from the mailbox this time: nothing changes.
	before := fileSum(t, s.Path())
	r.Source = "mailbox INBOX, UID 7"
	res, err = s.ApplyReply(r)
	if err != nil || res.Outcome != Duplicate || res.PlacementID != p.ID {
		t.Fatalf("again: %+v, %v", res, err)
	}
	if fileSum(t, s.Path()) != before {
		t.Fatal("a duplicate changed the data file")
	}
}

func TestRepliesThatMustNotMoveAPlacement(t *testing.T) {
	tests := []struct {
		name    string
		change  func(r *Reply, p exchange.Placement)
		outcome Outcome
		rule    string
		file    bool // the data file must stay byte for byte as it was
	}{
		{"a reply to another desk's invitation is refused as unknown", func(r *Reply, _ exchange.Placement) {
			r.UID = "040000008200E00074C5B7101A82E008@outlook.example"
		}, Refused, RuleReplyUnknown, true},
		{"a reply with a UID of ours for no placement is refused as unknown", func(r *Reply, _ exchange.Placement) {
			r.UID = exchange.NewID().String() + "@xchangedesk"
		}, Refused, RuleReplyUnknown, true},
		{"someone who was never invited is refused", func(r *Reply, _ exchange.Placement) {
			r.Attendee, r.From = "mailto:intruder@example.net", "intruder@example.net"
		}, Refused, RuleReplyNotInvited, true},
		{"a reply from another sender is refused as spoofed", func(r *Reply, _ exchange.Placement) {
			r.From = "attacker@example.net"
		}, Refused, RuleReplySender, false},
		{"an answer to an older invitation is stale", func(r *Reply, p exchange.Placement) {
			r.Sequence = p.Sequence - 1
		}, Stale, RuleReplyStale, false},
		{"a proposal of dates that are no stay is refused", func(r *Reply, _ exchange.Placement) {
			r.Method, r.First, r.Last = "COUNTER", exchange.MustDate("2026-03-10"), exchange.MustDate("2026-03-09")
		}, Refused, exchange.RuleDateRange, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t)
			p, h, _ := requested(t, s)
			if tt.rule == RuleReplyStale {
				// Move the stay once, so that SEQUENCE 1 went out after the request's 0.
				var err error
				if p, err = s.Reschedule(p.ID, exchange.MustDate("2026-03-09"), exchange.MustDate("2026-03-13"), ""); err != nil {
					t.Fatal(err)
				}
			}
			r := hostReply(p, h, "ACCEPTED")
			tt.change(&r, p)
			before, queued := fileSum(t, s.Path()), len(kinds(t, s, p))
			res, err := s.ApplyReply(r)
			if err != nil {
				t.Fatal(err)
			}
			var re *exchange.RuleError
			if res.Outcome != tt.outcome || !errors.As(res.Reason, &re) || re.Rule != tt.rule {
				t.Fatalf("outcome %s, reason %v; want %s for %s", res.Outcome, res.Reason, tt.outcome, tt.rule)
			}
			got, _ := s.Placement(p.ID)
			if got.Status != exchange.Requested || len(kinds(t, s, p)) != queued {
				t.Fatalf("the placement became %s; outbox %v", got.Status, kinds(t, s, p))
			}
			if tt.file && fileSum(t, s.Path()) != before {
				t.Fatal("the data file changed")
			}
			if !tt.file && !strings.Contains(got.History[len(got.History)-1].Detail, "accept.eml") {
				t.Fatalf("the history does not keep the reply: %+v", got.History[len(got.History)-1])
			}
		})
	}
}

func TestTheHostsOtherAnswers(t *testing.T) {
	s := openTemp(t)
	p, h, _ := requested(t, s)

	maybe := hostReply(p, h, "TENTATIVE")
	if res, _ := s.ApplyReply(maybe); res.Outcome != Applied {
		t.Fatalf("tentative: %+v", res)
	}
	if got, _ := s.Placement(p.ID); got.Status != exchange.Requested || got.HostAnswer.PartStat != "TENTATIVE" {
		t.Fatalf("after a tentative answer: %s %+v", got.Status, got.HostAnswer)
	}

	// An older answer than the one read is stale even at the same SEQUENCE.
	older := hostReply(p, h, "DECLINED")
	older.Stamp = maybe.Stamp.Add(-time.Hour)
	if res, _ := s.ApplyReply(older); res.Outcome != Stale {
		t.Fatalf("older decline: %+v", res)
	}

	counter := hostReply(p, h, "")
	counter.MessageID, counter.Method = "<counter@mail.example.org>", "COUNTER"
	counter.First, counter.Last, counter.Comment = exchange.MustDate("2026-03-09"), exchange.MustDate("2026-03-13"), "We are closed that week"
	counter.Stamp = maybe.Stamp.Add(time.Hour)
	if res, _ := s.ApplyReply(counter); res.Outcome != Countered {
		t.Fatalf("counter: %+v", res)
	}
	got, _ := s.Placement(p.ID)
	if got.Counter == nil || got.Counter.First.String() != "2026-03-09" || got.First.String() != "2026-03-02" {
		t.Fatalf("a proposal moved the stay or was not kept: %+v %s", got.Counter, got.First)
	}
	// Refusing keeps the dates and answers the host.
	if got, err := s.AnswerCounter(p.ID, false, "the visitor's flights are booked"); err != nil || got.Counter != nil {
		t.Fatalf("refuse: %v %+v", err, got.Counter)
	}
	if k := kinds(t, s, p); k[len(k)-1] != string(CounterDeclined) {
		t.Fatalf("outbox after refusing: %v", k)
	}
	if _, err := s.AnswerCounter(p.ID, true, ""); err == nil {
		t.Fatal("accepting a proposal that is not there was not refused")
	}

	// A second proposal, accepted: the stay moves with every rule checked, and updates go out.
	counter.MessageID, counter.Stamp = "<counter2@mail.example.org>", counter.Stamp.Add(time.Hour)
	if res, _ := s.ApplyReply(counter); res.Outcome != Countered {
		t.Fatalf("second counter: %+v", res)
	}
	moved, err := s.AnswerCounter(p.ID, true, "")
	if err != nil || moved.First.String() != "2026-03-09" || moved.Counter != nil || moved.Sequence != p.Sequence+1 {
		t.Fatalf("accepted: %v, %s, %+v, sequence %d", err, moved.First, moved.Counter, moved.Sequence)
	}
	if k := kinds(t, s, p); k[len(k)-1] != string(Update) {
		t.Fatalf("outbox after accepting: %v", k)
	}

	// The host declines the new dates (answering the new SEQUENCE).
	no := hostReply(moved, h, "DECLINED")
	no.MessageID, no.Comment, no.Stamp = "<no@mail.example.org>", "Sorry, not then either", counter.Stamp.Add(time.Hour)
	if res, _ := s.ApplyReply(no); res.Outcome != Applied {
		t.Fatalf("decline: %+v", res)
	}
	if got, _ := s.Placement(p.ID); got.Status != exchange.Declined || !strings.Contains(got.History[len(got.History)-1].Detail, "Sorry, not then either") {
		t.Fatalf("after declining: %s, %+v", got.Status, got.History[len(got.History)-1])
	}
}

func TestAVisitorsAnswerIsRecorded(t *testing.T) {
	s := openTemp(t)
	p, h, v := requested(t, s)
	if _, err := s.ApplyReply(hostReply(p, h, "ACCEPTED")); err != nil {
		t.Fatal(err)
	}
	p, _ = s.Placement(p.ID)
	r := Reply{Source: "visitor.eml", MessageID: "<v@example.org>", From: v.Email, Method: "REPLY", UID: p.UID,
		Sequence: p.Sequence, Stamp: time.Date(2026, 2, 2, 8, 0, 0, 0, time.UTC), Attendee: v.Email, PartStat: "ACCEPTED"}
	if res, err := s.ApplyReply(r); err != nil || res.Outcome != Applied || res.Who != "visitor" {
		t.Fatalf("%+v %v", res, err)
	}
	if got, _ := s.Placement(p.ID); got.VisitorAnswer == nil || got.VisitorAnswer.PartStat != "ACCEPTED" || got.Status != exchange.Confirmed {
		t.Fatalf("visitor answer %+v, status %s", got.VisitorAnswer, got.Status)
	}
}

func TestABareCalendarFileIsAppliedOnceWithItsSenderNotChecked(t *testing.T) {
	s := openTemp(t)
	p, h, _ := requested(t, s)
	r := hostReply(p, h, "ACCEPTED")
	r.MessageID, r.From, r.Digest, r.Source, r.Bare = "", "", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "accept.ics", true
	if res, _ := s.ApplyReply(r); res.Outcome != Applied {
		t.Fatalf("%+v", res)
	}
	got, _ := s.Placement(p.ID)
	if !strings.Contains(got.History[len(got.History)-1].Detail, "sender not checked") {
		t.Fatalf("history %+v", got.History[len(got.History)-1])
	}
	if res, _ := s.ApplyReply(r); res.Outcome != Duplicate {
		t.Fatalf("again: %+v", res)
	}
}

func TestAMailWithoutAReadableSenderIsRefused(t *testing.T) {
	s := openTemp(t)
	p, h, _ := requested(t, s)
	r := hostReply(p, h, "ACCEPTED")
	r.From = "" // From: undisclosed-recipients:; or no From at all
	res, err := s.ApplyReply(r)
	var re *exchange.RuleError
	if err != nil || res.Outcome != Refused || !errors.As(res.Reason, &re) || re.Rule != RuleReplySender {
		t.Fatalf("%+v %v", res, err)
	}
	if got, _ := s.Placement(p.ID); got.Status != exchange.Requested || got.HostAnswer != nil {
		t.Fatalf("a mail with no sender moved the placement: %s %+v", got.Status, got.HostAnswer)
	}
}

func TestProposalsFollowTheNewestAnswerAndTheStatus(t *testing.T) {
	s := openTemp(t)
	p, h, _ := requested(t, s)
	counter := func(id string, first, last string, stamp time.Time) Reply {
		r := hostReply(p, h, "TENTATIVE")
		r.MessageID, r.Method, r.Stamp = id, "COUNTER", stamp
		r.First, r.Last = exchange.MustDate(first), exchange.MustDate(last)
		return r
	}
	noon := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
	if res, _ := s.ApplyReply(counter("<k1@x>", "2026-03-09", "2026-03-13", noon)); res.Outcome != Countered {
		t.Fatalf("first proposal: %+v", res)
	}
	// An older proposal read later does not replace the newer one.
	if res, _ := s.ApplyReply(counter("<k2@x>", "2026-03-16", "2026-03-20", noon.Add(-4*time.Hour))); res.Outcome != Stale {
		t.Fatalf("older proposal: %+v", res)
	}
	if got, _ := s.Placement(p.ID); got.Counter.First.String() != "2026-03-09" {
		t.Fatalf("pending proposal %+v", got.Counter)
	}
	// Cancelling drops the proposal; a proposal for a cancelled stay is refused.
	if _, err := s.Act(p.ID, exchange.Cancel, "visitor ill"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Placement(p.ID); got.Counter != nil {
		t.Fatalf("a cancelled placement keeps a proposal: %+v", got.Counter)
	}
	if _, err := s.AnswerCounter(p.ID, false, ""); err == nil {
		t.Fatal("refusing a proposal of a cancelled placement was not refused")
	}
	res, _ := s.ApplyReply(counter("<k3@x>", "2026-03-16", "2026-03-20", noon.Add(time.Hour)))
	var re *exchange.RuleError
	if res.Outcome != Refused || !errors.As(res.Reason, &re) || re.Rule != RuleReplyStatus {
		t.Fatalf("a proposal for a cancelled stay: %+v", res)
	}
}

func TestAHostsCommentCannotForgeHistoryOrColourTheTerminal(t *testing.T) {
	s := openTemp(t)
	p, h, _ := requested(t, s)
	r := hostReply(p, h, "DECLINED")
	r.Comment = "busy\x1b[2J\x1b[31mHACKED\x07\nConfirmed by admin\x08"
	if res, _ := s.ApplyReply(r); res.Outcome != Applied {
		t.Fatalf("%+v", res)
	}
	got, _ := s.Placement(p.ID)
	for _, e := range got.History {
		if strings.ContainsAny(e.Detail, "\x1b\x07\x08\n\r") {
			t.Fatalf("history keeps control characters: %q", e.Detail)
		}
	}
	if !strings.Contains(got.History[len(got.History)-1].Detail, "busy [2J [31mHACKED Confirmed by admin") {
		t.Fatalf("history %q", got.History[len(got.History)-1].Detail)
	}
}

func TestMessagesAboutOldDatesAreNotSentOnceTheStayMovesOrIsCancelled(t *testing.T) {
	s := openTemp(t)
	p, h, _ := requested(t, s)
	if _, err := s.ApplyReply(hostReply(p, h, "ACCEPTED")); err != nil {
		t.Fatal(err)
	}
	for _, d := range [][2]string{{"2026-03-09", "2026-03-13"}, {"2026-03-16", "2026-03-20"}} {
		if _, err := s.Reschedule(p.ID, exchange.MustDate(d[0]), exchange.MustDate(d[1]), ""); err != nil {
			t.Fatal(err)
		}
	}
	statuses := func() map[string][]string {
		ms, _ := s.Messages(p.ID)
		out := map[string][]string{}
		for _, m := range ms {
			out[string(m.Kind)] = append(out[string(m.Kind)], string(m.Status))
		}
		return out
	}
	got := statuses()
	// The two updates of the first move are superseded by the second's; the confirmation
	// with the first dates too, and a new one has the dates of now.
	if strings.Join(got["update"], " ") != "superseded superseded queued queued" ||
		strings.Join(got["confirmation"], " ") != "superseded superseded queued" ||
		strings.Join(got["host-confirmed"], " ") != "superseded" {
		t.Fatalf("after two moves: %v", got)
	}
	ms, _ := s.Messages(p.ID)
	last := ms[len(ms)-1]
	if last.Kind != Confirmation || !strings.Contains(last.Subject, "16–20 Mar 2026") {
		t.Fatalf("the new confirmation: %s %q", last.Kind, last.Subject)
	}
	if _, err := s.Act(p.ID, exchange.Cancel, "visitor ill"); err != nil {
		t.Fatal(err)
	}
	got = statuses()
	for kind, sts := range got {
		for _, st := range sts {
			if st == "queued" && kind != "cancellation" && kind != "host-request" && kind != "visitor-invitation" {
				t.Fatalf("after cancelling, a %s still waits: %v", kind, got)
			}
		}
	}
}
