package store

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
)

// moneyWorld: a host in Dresden (capacity 3), visitors from Florence and Porto.
func moneyWorld(t *testing.T, envelope exchange.Cents) (*Store, exchange.Host, []exchange.Visitor) {
	t.Helper()
	s := openTemp(t)
	h, err := s.AddHost(exchange.Host{Name: "Rail.S", Kind: exchange.ClusterOrganisation, Country: "DE", City: "Dresden",
		Contact: "Katrin", Email: "k@rail-s.example.de", Capacity: 3})
	if err != nil {
		t.Fatal(err)
	}
	var vs []exchange.Visitor
	for _, c := range [][3]string{{"Florence", "IT", "Firenze Rail"}, {"Porto", "PT", "Porto Sensors"}, {"Bologna", "IT", "Emilia Sensing"}} {
		v, err := s.AddVisitor(exchange.Visitor{Name: "V " + c[0], Email: "v@x.example", Organisation: c[2], Country: c[1], City: c[0], Partnership: "STARS"})
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := s.SetEnvelope(envelope); err != nil {
		t.Fatal(err)
	}
	return s, h, vs
}

func TestAddingAHostLooksUpItsCoordinates(t *testing.T) {
	s, h, _ := moneyWorld(t, 0)
	if h.Coordinates.Lat < 51 || h.Coordinates.Lat > 51.1 {
		t.Fatalf("Dresden at %+v", h.Coordinates)
	}
	_, err := s.AddHost(exchange.Host{Name: "X", Kind: exchange.SME, Country: "DE", City: "Dresdn", Contact: "A", Email: "a@x.example", Capacity: 1})
	if vs := exchange.Violations(err); len(vs) != 1 || vs[0].Field != "city" || !strings.Contains(err.Error(), "Dresden") {
		t.Fatalf("a misspelt city: %v", err)
	}
	explicit, err := s.AddHost(exchange.Host{Name: "Y", Kind: exchange.SME, Country: "DE", City: "Nowhere-am-See", Contact: "A",
		Email: "a@x.example", Capacity: 1, Coordinates: exchange.Coordinates{Lat: 52.5, Lon: 13.4}})
	if err != nil || explicit.Coordinates.Lat != 52.5 {
		t.Fatalf("explicit coordinates: %v %+v", err, explicit.Coordinates)
	}
}

func TestABookingIsPricedAndCountsAgainstTheBudget(t *testing.T) {
	s, h, vs := moneyWorld(t, exchange.Euros(2000))
	// Florence–Dresden, about 830 km, Sunday to Saturday: five working days, the full cap.
	p, err := s.Book(BookingRequest{HostID: h.ID, VisitorID: vs[0].ID, First: exchange.MustDate("2027-02-28"), Last: exchange.MustDate("2027-03-06")})
	if err != nil {
		t.Fatal(err)
	}
	if p.Price == nil || p.Price.LumpSum != exchange.Euros(1100) || p.Price.Version != 1 || p.Price.Profile != rates.ClusterXchange {
		t.Fatalf("price %+v", p.Price)
	}
	b, _ := s.Budget(exchange.MustDate("2027-01-01"))
	if b.Committed != exchange.Euros(1100) || b.Remaining != exchange.Euros(900) || b.ByCountry[0].Key != "DE" {
		t.Fatalf("budget %+v", b)
	}
	// Another full cap would over-commit: refused, naming what is missing, writing nothing.
	sum := fileSum(t, s.Path())
	_, err = s.Book(BookingRequest{HostID: h.ID, VisitorID: vs[1].ID, First: exchange.MustDate("2027-02-28"), Last: exchange.MustDate("2027-03-06")})
	vs2 := exchange.Violations(err)
	if len(vs2) != 1 || vs2[0].Field != "budget" || !strings.Contains(err.Error(), "EUR 200.00 missing") {
		t.Fatalf("over-commit: %v", err)
	}
	if fileSum(t, s.Path()) != sum {
		t.Fatal("a refused booking changed the file")
	}
	// A halved one fits: three working days.
	if _, err := s.Book(BookingRequest{HostID: h.ID, VisitorID: vs[1].ID, First: exchange.MustDate("2027-03-01"), Last: exchange.MustDate("2027-03-05")}); err != nil {
		t.Fatal(err)
	}
	// Cancelling frees its sum.
	if _, err := s.Act(p.ID, exchange.Cancel, "test"); err != nil {
		t.Fatal(err)
	}
	b, _ = s.Budget(exchange.MustDate("2027-01-01"))
	if b.Committed != exchange.Euros(550) || b.Remaining != exchange.Euros(1450) {
		t.Fatalf("after cancelling: %+v", b)
	}
	if err := s.SetEnvelope(exchange.Euros(500)); err == nil {
		t.Fatal("an envelope below what is committed was accepted")
	}
}

func TestARateTableEditLeavesEarlierPlacementsUnchanged(t *testing.T) {
	s, h, vs := moneyWorld(t, 0)
	first, err := s.Book(BookingRequest{HostID: h.ID, VisitorID: vs[0].ID, First: exchange.MustDate("2027-02-28"), Last: exchange.MustDate("2027-03-06")})
	if err != nil {
		t.Fatal(err)
	}
	tables, _ := s.Rates()
	tables.CXC.Caps["DE"] = exchange.Euros(900)
	saved, err := s.SaveRates(tables, "Germany lowered")
	if err != nil || saved.Version != 2 {
		t.Fatalf("saved v%d: %v", saved.Version, err)
	}
	second, err := s.Book(BookingRequest{HostID: h.ID, VisitorID: vs[1].ID, First: exchange.MustDate("2027-02-28"), Last: exchange.MustDate("2027-03-06")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Placement(first.ID)
	if got.Price.LumpSum != exchange.Euros(1100) || got.Price.Version != 1 {
		t.Fatalf("the earlier placement changed: %+v", got.Price)
	}
	if second.Price.LumpSum != exchange.Euros(900) || second.Price.Version != 2 {
		t.Fatalf("the new placement: %+v", second.Price)
	}
	// Re-dating keeps version 1; re-pricing on request moves to version 2.
	moved, err := s.Reschedule(first.ID, exchange.MustDate("2027-03-07"), exchange.MustDate("2027-03-13"), "")
	if err != nil || moved.Price.Version != 1 || moved.Price.LumpSum != exchange.Euros(1100) || moved.Sequence != first.Sequence+1 {
		t.Fatalf("rescheduled: %v %+v", err, moved.Price)
	}
	repriced, err := s.Reprice(first.ID)
	if err != nil || repriced.Price.Version != 2 || repriced.Price.LumpSum != exchange.Euros(900) {
		t.Fatalf("repriced: %v %+v", err, repriced.Price)
	}
	if last := repriced.History[len(repriced.History)-1]; last.Action != exchange.Reprice || !strings.Contains(last.Detail, "EUR 1,100.00") {
		t.Fatalf("history %+v", last)
	}
	versions, _ := s.RateVersions()
	if len(versions) != 2 || versions[1].Note != "Germany lowered" {
		t.Fatalf("versions %+v", versions)
	}
	bad := tables
	bad.CXC.DefaultCap = 0
	if _, err := s.SaveRates(bad, "oops"); err == nil {
		t.Fatal("invalid tables saved")
	}
	if versions, _ := s.RateVersions(); len(versions) != 2 {
		t.Fatal("an invalid import created a version")
	}
}

func TestReschedulingThatWouldOverCommitIsRefused(t *testing.T) {
	s, h, vs := moneyWorld(t, exchange.Euros(1650))
	short, err := s.Book(BookingRequest{HostID: h.ID, VisitorID: vs[0].ID, First: exchange.MustDate("2027-03-01"), Last: exchange.MustDate("2027-03-05")})
	if err != nil || short.Price.LumpSum != exchange.Euros(550) {
		t.Fatalf("%v %+v", err, short.Price)
	}
	if _, err := s.Book(BookingRequest{HostID: h.ID, VisitorID: vs[1].ID, First: exchange.MustDate("2027-02-28"), Last: exchange.MustDate("2027-03-06")}); err != nil {
		t.Fatal(err)
	}
	// Longer dates would double its sum to 1,100: 550 over.
	_, err = s.Reschedule(short.ID, exchange.MustDate("2027-02-28"), exchange.MustDate("2027-03-06"), "")
	if vs := exchange.Violations(err); len(vs) != 1 || vs[0].Field != "budget" {
		t.Fatalf("got %v", err)
	}
	got, _ := s.Placement(short.ID)
	if got.First != short.First || got.Price.LumpSum != exchange.Euros(550) {
		t.Fatal("a refused reschedule changed the placement")
	}
}

func TestPayingNeedsEveryDocumentAndMovesTheSumToPaid(t *testing.T) {
	s, h, vs := moneyWorld(t, 0)
	p, err := s.Book(BookingRequest{HostID: h.ID, VisitorID: vs[0].ID, First: exchange.MustDate("2026-01-04"), Last: exchange.MustDate("2026-01-10")})
	if err != nil {
		t.Fatal(err)
	}
	s.Act(p.ID, exchange.Request, "")
	s.Act(p.ID, exchange.Confirm, "")
	if _, err := s.Act(p.ID, exchange.Complete, ""); err == nil {
		t.Fatal("completed without the closing report")
	}
	s.Tick(p.ID, exchange.ClosingReport, true)
	if _, err := s.Act(p.ID, exchange.Complete, ""); err != nil {
		t.Fatal(err)
	}
	b, _ := s.Budget(exchange.MustDate("2026-02-15"))
	if len(b.Overdue) != 1 {
		t.Fatalf("due %s, overdue: %d", p.PaymentDue(), len(b.Overdue))
	}
	if _, err := s.Act(p.ID, exchange.Pay, ""); err == nil || !strings.Contains(err.Error(), "ctq-visitor") {
		t.Fatalf("paid without the documents: %v", err)
	}
	for _, it := range exchange.Items {
		if _, err := s.Tick(p.ID, it.Item, true); err != nil {
			t.Fatal(err)
		}
	}
	paid, err := s.Act(p.ID, exchange.Pay, "")
	if err != nil || paid.PaidOn.IsZero() {
		t.Fatalf("%v %+v", err, paid)
	}
	b, _ = s.Budget(exchange.MustDate("2026-02-15"))
	if b.Paid != exchange.Euros(1100) || b.Committed != 0 || len(b.Overdue) != 0 {
		t.Fatalf("budget after paying %+v", b)
	}
	if _, err := s.Tick(p.ID, exchange.Evidence, false); err == nil {
		t.Fatal("a paid placement's checklist changed")
	}
}

func TestErasmusProfileIsUsedOnceChosen(t *testing.T) {
	s, h, vs := moneyWorld(t, 0)
	if err := s.SetProfile("erasmus"); err != nil {
		t.Fatal(err)
	}
	p, err := s.Book(BookingRequest{HostID: h.ID, VisitorID: vs[0].ID, First: exchange.MustDate("2027-03-01"), Last: exchange.MustDate("2027-03-05"), GreenTravel: true})
	if err != nil {
		t.Fatal(err)
	}
	// 829.9 km: 500–1,999 km band, green 417; 5 days at group 2's 104.
	if p.Price.Profile != rates.ErasmusPlus || p.Price.LumpSum != exchange.Euros(417+5*104) {
		t.Fatalf("%+v", p.Price)
	}
	if err := s.SetProfile("interrail"); err == nil {
		t.Fatal("an unknown profile was accepted")
	}
}

// A file written before prices existed gets coordinates and prices when opened.
func TestMigrationTwoPricesEarlierPlacements(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := exchange.Host{ID: exchange.NewID(), Name: "Mafex", Kind: exchange.ClusterOrganisation, Country: "ES", City: "Bilbao", Contact: "A", Email: "a@m.example", Capacity: 1}
	v := exchange.Visitor{ID: exchange.NewID(), Name: "P", Email: "p@x.example", Organisation: "O", Kind: exchange.SME, Country: "PT", City: "Porto"}
	p := exchange.NewPlacement(h.ID, v.ID, exchange.MustDate("2027-03-01"), exchange.MustDate("2027-03-12"), "", exchange.MustDate("2026-01-01").Time(), "old")
	err = db.Update(func(tx *bolt.Tx) error {
		if err := migrations[0](tx); err != nil {
			return err
		}
		tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, 1))
		if err := putHost(tx, h); err != nil {
			return err
		}
		if err := putVisitor(tx, v, nil); err != nil {
			return err
		}
		// As version 1 wrote it: no price, no totals.
		return put(tx, bucketPlacements, p.ID.Bytes(), toPlacementRecord(p))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Placement(p.ID)
	if err != nil || got.Price == nil || got.Price.LumpSum != exchange.Euros(1100) || got.Price.HostCoordinates.IsZero() {
		t.Fatalf("%v %+v", err, got.Price)
	}
	b, _ := s.Budget(exchange.MustDate("2027-01-01"))
	if b.Committed != exchange.Euros(1100) {
		t.Fatalf("totals after migration: %+v", b)
	}
	tables, _ := s.Rates()
	if tables.Version != 1 || tables.Validate() != nil {
		t.Fatalf("rates %+v", tables)
	}
}
