package store

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
)

// The frozen migration prices a schema-1 file as today's rules price the same placements
// (while the rules have not changed), halving short stays and leaving cancelled ones out of
// the totals.
func TestFrozenMigrationTwoPricesAsTheRulesOfItsTimeDid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := exchange.Host{ID: exchange.NewID(), Name: "Mafex", Kind: exchange.ClusterOrganisation, Country: "ES", City: "Bilbao", Contact: "A", Email: "a@m.example", Capacity: 3,
		Closed: []exchange.ClosedPeriod{{Period: exchange.Period{From: exchange.MustDate("2027-03-03"), To: exchange.MustDate("2027-03-03")}}}}
	v := exchange.Visitor{ID: exchange.NewID(), Name: "P", Email: "p@x.example", Organisation: "O", Kind: exchange.SME, Country: "PT", City: "Porto"}
	at := exchange.MustDate("2026-01-01").Time()
	long := exchange.NewPlacement(h.ID, v.ID, exchange.MustDate("2027-03-01"), exchange.MustDate("2027-03-12"), "", at, "old")
	short := exchange.NewPlacement(h.ID, v.ID, exchange.MustDate("2027-05-03"), exchange.MustDate("2027-05-06"), exchange.TravelNone, at, "old")
	gone := exchange.NewPlacement(h.ID, v.ID, exchange.MustDate("2027-06-07"), exchange.MustDate("2027-06-11"), "", at, "old")
	gone.Status = exchange.Cancelled
	err = db.Update(func(tx *bolt.Tx) error {
		if err := migrations[0](tx); err != nil {
			return err
		}
		tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, 1))
		put(tx, bucketHosts, h.ID.Bytes(), toHostRecord(h))
		put(tx, bucketVisitors, v.ID.Bytes(), toVisitorRecord(v))
		for _, p := range []exchange.Placement{long, short, gone} {
			if err := put(tx, bucketPlacements, p.ID.Bytes(), toPlacementRecord(p)); err != nil {
				return err
			}
		}
		return nil
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
	h, _ = s.Host(h.ID)
	v, _ = s.Visitor(v.ID)
	var committed exchange.Cents
	for _, p := range []exchange.Placement{long, short, gone} {
		got, err := s.Placement(p.ID)
		if err != nil || got.Price == nil {
			t.Fatalf("%v %+v", err, got.Price)
		}
		want, err := rates.Quote(rates.Defaults(), rates.ClusterXchange, got, h, v)
		if err != nil {
			t.Fatal(err)
		}
		want.Version = 1
		if got.Price.LumpSum != want.LumpSum || got.Price.WorkingDays != want.WorkingDays || got.Price.DistanceKm != want.DistanceKm ||
			got.Price.Halved != want.Halved || len(got.Price.Lines) != len(want.Lines) || got.Price.Lines[0] != want.Lines[0] {
			t.Errorf("%s: migrated %+v, today's rules %+v", p.Period(), *got.Price, want)
		}
		if p.Status.HoldsPlace() {
			committed += got.Price.LumpSum
		}
	}
	if b, _ := s.Budget(exchange.MustDate("2027-01-01")); b.Committed != committed || committed != exchange.Euros(1100+550) {
		t.Fatalf("committed %s, want %s", b.Committed, committed)
	}
}
