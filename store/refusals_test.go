package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/sample"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

func ruleOf(t *testing.T, err error, rule string) *exchange.RuleError {
	t.Helper()
	for _, v := range exchange.Violations(err) {
		if v.Rule == rule {
			return v
		}
	}
	t.Fatalf("want rule %s broken, got %v", rule, err)
	return nil
}

// 2027-03-01 is a Monday.
func TestAFullHostNamesWhoHoldsThePlaceAndTheNextFreeStart(t *testing.T) {
	s := openTemp(t)
	h := addHost(t, s, "Lyonbiopole", 1)
	martin, ana := addVisitor(t, s, "Martin Kováč", "ŽSR Inovácie"), addVisitor(t, s, "Ana Sousa", "Ferrovia Lda")
	eva := addVisitor(t, s, "Eva Novak", "MedSil")
	for _, r := range []BookingRequest{req(h, martin, "2027-03-15", "2027-03-19"), req(h, eva, "2027-03-20", "2027-03-26")} {
		if _, err := s.Book(r); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Book(req(h, ana, "2027-03-15", "2027-03-19"))
	e := ruleOf(t, err, exchange.RuleCapacity)
	if e.Host != "Lyonbiopole" || len(e.Others) != 1 || e.Others[0].Visitor != "Martin Kováč" || e.NextFree != exchange.MustDate("2027-03-28") {
		t.Fatalf("%+v", e)
	}
	wording.SetLocale("en_GB")
	if got, want := wording.Error(err), "Lyonbiopole is full on 15–19 Mar 2027 (Martin Kováč, draft). The next free start for a stay of the same length is 28 Mar 2027."; got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestARefusedStepNamesThePlacement(t *testing.T) {
	s := openTemp(t)
	h, v := addHost(t, s, "Lyonbiopole", 1), addVisitor(t, s, "Ana Sousa", "Ferrovia Lda")
	p, err := s.Book(req(h, v, "2027-03-01", "2027-03-05"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Act(p.ID, exchange.Complete, "")
	var te *exchange.TransitionError
	if !errors.As(err, &te) || te.Visitor != "Ana Sousa" || te.Host != "Lyonbiopole" || te.First != p.First {
		t.Fatalf("%#v", err)
	}
	_, err = s.Reschedule(p.ID, p.First, p.Last, "")
	ruleOf(t, err, exchange.RuleSameDates)
}

func TestTheEnvelopeCannotGoBelowWhatIsCommittedNorDisappear(t *testing.T) {
	s, h, vs := moneyWorld(t, exchange.Euros(40000))
	if _, err := s.Book(req(h, vs[0], "2027-03-01", "2027-03-12")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		envelope exchange.Cents
		rule     string
	}{
		{"no envelope at all would lift the limit", 0, exchange.RuleEnvelopeFloor},
		{"less than is committed", exchange.Euros(100), exchange.RuleEnvelopeFloor},
		{"more than ten million euros", exchange.MaxAmount + 1, exchange.RuleAmountRange},
		{"a negative envelope", -1, exchange.RuleAmountRange},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ruleOf(t, s.SetEnvelope(tt.envelope), tt.rule)
			if p, _ := s.Programme(); p.Envelope != exchange.Euros(40000) {
				t.Fatalf("envelope now %s", p.Envelope)
			}
		})
	}
}

func TestControlCharactersInOneLineFieldsAreRefused(t *testing.T) {
	s := openTemp(t)
	h := addHost(t, s, "Lyonbiopole", 1)
	v := addVisitor(t, s, "Ana Sousa", "Ferrovia Lda")
	tests := []struct {
		name  string
		err   func() error
		field string
	}{
		{"a visitor's name with a line break", func() error {
			_, err := s.AddVisitor(exchange.Visitor{Name: "Eve\nBcc: x@evil.example", Email: "e@evil.example", Organisation: "Evil", Country: "BE", City: "Liège"})
			return err
		}, "name"},
		{"a host's address with an escape", func() error {
			x := h
			x.Address = "Rue \x1b[31m1"
			_, err := s.UpdateHost(x)
			return err
		}, "address"},
		{"a visitor's organisation with a C1 control", func() error {
			x := v
			x.Organisation = "Ferrovia\u0085Lda"
			_, err := s.UpdateVisitor(x)
			return err
		}, "organisation"},
		{"an organiser's name with a carriage return", func() error { return s.SetOrganiser("Desk\r\nBcc: x", "desk@stars.example.eu") }, "name"},
		{"a closed period's reason with a line break", func() error {
			_, err := s.CloseHost(h.ID, exchange.ClosedPeriod{Period: exchange.Period{From: exchange.MustDate("2027-08-02"), To: exchange.MustDate("2027-08-06")}, Reason: "a\nb"})
			return err
		}, "reason"},
		{"goals with a NUL", func() error {
			r := req(h, v, "2027-03-01", "2027-03-05")
			r.Goals = "see\x00this"
			_, err := s.Book(r)
			return err
		}, "goals"},
		{"an SMTP host with a line break", func() error {
			return s.SetSMTP(SMTPSettings{Host: "smtp.example.org\r\nX", Port: 587, TLS: "starttls"})
		}, "host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if e := ruleOf(t, tt.err(), exchange.RuleControlChars); e.Field != tt.field {
				t.Fatalf("field %q, want %q", e.Field, tt.field)
			}
		})
	}
	r := req(h, v, "2027-03-01", "2027-03-05")
	r.Goals = "Day 1: the lab\n\tDay 2: the clinic"
	if _, err := s.Book(r); err != nil {
		t.Fatalf("goals on two lines: %v", err)
	}
}

// The sample tells one story: what the history says was sent is in the outbox, sent.
func TestTheSampleOutboxHoldsWhatItsHistoriesSayWasSent(t *testing.T) {
	s := openTemp(t)
	if err := s.Load(Seed(sample.Programme(exchange.MustDate("2026-12-02")))); err != nil {
		t.Fatal(err)
	}
	ms, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	sent := map[exchange.ID]map[MessageKind]bool{}
	for _, m := range ms {
		if m.Status != Sent {
			t.Errorf("a sample message is %s: %s", m.Status, m.Subject)
		}
		if sent[m.PlacementID] == nil {
			sent[m.PlacementID] = map[MessageKind]bool{}
		}
		sent[m.PlacementID][m.Kind] = true
	}
	ps, err := s.Placements(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	requests := 0
	for _, p := range ps {
		for _, e := range p.History {
			var want MessageKind
			switch {
			case e.Action == exchange.Request && strings.HasPrefix(e.Detail, "availability request sent"):
				want, requests = HostRequest, requests+1
			case e.Action == exchange.Confirm:
				want = VisitorInvitation
			case e.Action == exchange.Cancel:
				want = Cancellation
			default:
				continue
			}
			if !sent[p.ID][want] {
				t.Errorf("%s … %s: the history says %q, but no %s was sent", p.First, p.Last, e.Detail, want)
			}
		}
	}
	if requests == 0 {
		t.Fatal("no availability request in the sample")
	}
}
