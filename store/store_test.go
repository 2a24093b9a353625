package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "x.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC) }
	s.Actor = "tester"
	t.Cleanup(func() { s.Close() })
	if err := s.SetOrganiser("STARS exchange desk", "desk@stars.example.eu"); err != nil {
		t.Fatal(err)
	}
	return s
}

func addHost(t testing.TB, s *Store, name string, capacity int) exchange.Host {
	t.Helper()
	h, err := s.AddHost(exchange.Host{Name: name, Kind: exchange.ClusterOrganisation, Country: "FR", City: "Lyon",
		Contact: "Claire Martin", Email: "claire@lyonbiopole.example.org", Capacity: capacity})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func addVisitor(t testing.TB, s *Store, name, org string) exchange.Visitor {
	t.Helper()
	v, err := s.AddVisitor(exchange.Visitor{Name: name, Email: "someone@example.org", Organisation: org,
		Country: "BE", City: "Liège"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func req(h exchange.Host, v exchange.Visitor, first, last string) BookingRequest {
	return BookingRequest{HostID: h.ID, VisitorID: v.ID, First: exchange.MustDate(first), Last: exchange.MustDate(last)}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestOpenCreatesAPrivateFile(t *testing.T) {
	s := openTemp(t)
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestASecondOpenOfTheSameFileSaysItIsInUse(t *testing.T) {
	s := openTemp(t)
	start := time.Now()
	_, err := Open(s.Path(), &Options{LockTimeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("want ErrLocked, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %v to give up", time.Since(start))
	}
}

func TestOpenRefusesAFileThatIsNotOurs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, nil)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("not an Xchange Desk data file")) {
		t.Fatalf("got %v", err)
	}
}

func TestOpenRefusesAFileFromANewerVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, []byte{0, 0, 0, 0, 0, 0, 0, 99})
	})
	s.Close()
	if _, err := Open(path, nil); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("want ErrNewerSchema, got %v", err)
	}
}

func TestDataSurvivesReopening(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SetOrganiser("Desk", "desk@stars.example.eu")
	h := addHost(t, s, "Lyonbiopole", 1)
	v := addVisitor(t, s, "Marc Dubois", "Biowin SME")
	p, err := s.Book(req(h, v, "2026-03-02", "2026-03-06"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Act(p.ID, exchange.Request, "sent to Claire"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Placement(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != exchange.Requested || len(got.History) != 2 || got.History[1].Detail != "sent to Claire" {
		t.Fatalf("reopened placement %+v", got)
	}
}

func TestARefusedBookingLeavesTheFileAsItWas(t *testing.T) {
	s := openTemp(t)
	h := addHost(t, s, "Lyonbiopole", 1)
	a := addVisitor(t, s, "Marc Dubois", "Biowin SME")
	b := addVisitor(t, s, "Lena Maes", "Flanders Bio SME")
	if _, err := s.Book(req(h, a, "2026-03-02", "2026-03-06")); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Snapshot()
	sum := fileSum(t, s.Path())
	tests := []struct {
		name string
		req  BookingRequest
		rule string
	}{
		{"a second visitor in a full host is refused", req(h, b, "2026-03-04", "2026-03-10"), exchange.RuleCapacity},
		{"a too short stay is refused", req(h, b, "2026-04-06", "2026-04-08"), exchange.RuleMinWorkingDays},
		{"a stay over a month is refused", req(h, b, "2026-04-01", "2026-05-01"), exchange.RuleMaxDuration},
		{"the same organisation cannot visit twice", req(h, a, "2026-05-04", "2026-05-08"), exchange.RuleVisitOnce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Book(tt.req)
			found := false
			for _, v := range exchange.Violations(err) {
				found = found || v.Rule == tt.rule
			}
			if !found {
				t.Fatalf("want %s, got %v", tt.rule, err)
			}
			after, _ := s.Snapshot()
			if !reflect.DeepEqual(before, after) || fileSum(t, s.Path()) != sum {
				t.Fatal("a refused booking changed the data file")
			}
		})
	}
	_, err := s.Book(BookingRequest{HostID: exchange.NewID(), VisitorID: b.ID, First: exchange.MustDate("2026-04-06"), Last: exchange.MustDate("2026-04-10")})
	if !errors.Is(err, exchange.ErrNotFound) {
		t.Fatalf("unknown host: got %v", err)
	}
}

func TestConcurrentBookingsCannotRacePastCapacity(t *testing.T) {
	s := openTemp(t)
	h := addHost(t, s, "Railgrup", 1)
	var vs []exchange.Visitor
	for i := range 8 {
		vs = append(vs, addVisitor(t, s, "Visitor", "SME "+string(rune('A'+i))))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for _, v := range vs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Book(req(h, v, "2026-03-02", "2026-03-06")); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	ps, _ := s.Placements(Filter{HostID: h.ID})
	if ok != 1 || len(ps) != 1 {
		t.Fatalf("%d bookings succeeded, %d stored; want exactly 1", ok, len(ps))
	}
}

func TestPlacementsAreIndexedByHostAndFirstDay(t *testing.T) {
	s := openTemp(t)
	h := addHost(t, s, "i-Trans", 3)
	other := addHost(t, s, "Mafex", 3)
	for i, first := range []string{"2026-06-01", "2026-03-02", "2026-04-06"} {
		v := addVisitor(t, s, "V", "Org "+first)
		if _, err := s.Book(req(h, v, first, exchange.MustDate(first).AddDays(4).String())); err != nil {
			t.Fatal(i, err)
		}
	}
	w := addVisitor(t, s, "W", "Elsewhere")
	if _, err := s.Book(req(other, w, "2026-03-02", "2026-03-06")); err != nil {
		t.Fatal(err)
	}
	ps, err := s.Placements(Filter{HostID: h.ID})
	if err != nil {
		t.Fatal(err)
	}
	var firsts []string
	for _, p := range ps {
		firsts = append(firsts, p.First.String())
	}
	if !reflect.DeepEqual(firsts, []string{"2026-03-02", "2026-04-06", "2026-06-01"}) {
		t.Fatalf("by host: %v", firsts)
	}
	byVisitor, _ := s.Placements(Filter{VisitorID: w.ID})
	if len(byVisitor) != 1 || byVisitor[0].HostID != other.ID {
		t.Fatalf("by visitor: %+v", byVisitor)
	}
	drafts, _ := s.Placements(Filter{Status: exchange.Draft})
	if len(drafts) != 4 {
		t.Fatalf("%d drafts", len(drafts))
	}
	if _, err := s.Placements(Filter{HostID: exchange.NewID()}); !errors.Is(err, exchange.ErrNotFound) {
		t.Fatalf("unknown host filter: %v", err)
	}
}

func TestHostChangesCannotBreakExistingBookings(t *testing.T) {
	s := openTemp(t)
	h := addHost(t, s, "ARUS", 2)
	a := addVisitor(t, s, "A", "Org A")
	b := addVisitor(t, s, "B", "Org B")
	for _, v := range []exchange.Visitor{a, b} {
		if _, err := s.Book(req(h, v, "2026-03-02", "2026-03-06")); err != nil {
			t.Fatal(err)
		}
	}
	h.Capacity = 1
	if _, err := s.UpdateHost(h); err == nil {
		t.Fatal("capacity below bookings accepted")
	}
	c := exchange.ClosedPeriod{Period: exchange.Period{From: exchange.MustDate("2026-03-05"), To: exchange.MustDate("2026-03-09")}, Reason: "move"}
	if _, err := s.CloseHost(h.ID, c); err == nil {
		t.Fatal("closure over bookings accepted")
	}
	c.From, c.To = exchange.MustDate("2026-08-03"), exchange.MustDate("2026-08-21")
	got, err := s.CloseHost(h.ID, c)
	if err != nil || len(got.Closed) != 1 {
		t.Fatalf("summer closure: %v %+v", err, got.Closed)
	}
}

func TestMovingAVisitorToAnOrganisationThatVisitedIsRefused(t *testing.T) {
	s := openTemp(t)
	h := addHost(t, s, "Biowin", 2)
	a := addVisitor(t, s, "A", "Org A")
	b := addVisitor(t, s, "B", "Org B")
	for _, v := range []exchange.Visitor{a, b} {
		if _, err := s.Book(req(h, v, "2026-03-02", "2026-03-06")); err != nil {
			t.Fatal(err)
		}
	}
	b.Organisation = "org a"
	if _, err := s.UpdateVisitor(b); err == nil {
		t.Fatal("moving B into Org A accepted")
	}
	b.Organisation = "Org C"
	if _, err := s.UpdateVisitor(b); err != nil {
		t.Fatal(err)
	}
	c := addVisitor(t, s, "C", "Org C")
	if _, err := s.Book(req(h, c, "2026-04-06", "2026-04-10")); err == nil {
		t.Fatal("Org C visiting twice accepted: the organisation index was not updated")
	}
}

func TestBackupIsAConsistentCopyWhileOpen(t *testing.T) {
	s := openTemp(t)
	h := addHost(t, s, "BioPmed", 1)
	v := addVisitor(t, s, "Giulia Rossi", "Torino Med")
	if _, err := s.Book(req(h, v, "2026-03-02", "2026-03-06")); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := s.BackupFile(dst); err != nil {
		t.Fatal(err)
	}
	want, _ := s.Snapshot()
	c, err := Open(dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, _ := c.Snapshot()
	if !reflect.DeepEqual(want, got) {
		t.Fatal("backup differs")
	}
}

func TestLoadRefusesAFileWithData(t *testing.T) {
	s := openTemp(t)
	addHost(t, s, "Rail.S", 1)
	if err := s.Load(Seed{}); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("got %v", err)
	}
}

func TestLoadIsAllOrNothing(t *testing.T) {
	s := openTemp(t)
	h := exchange.Host{ID: exchange.NewID(), Name: "Mafex", Kind: exchange.ClusterOrganisation, Country: "ES", City: "Bilbao",
		Contact: "Ane", Email: "ane@mafex.example.es", Capacity: 1}
	v := exchange.Visitor{ID: exchange.NewID(), Name: "Piotr", Email: "p@example.pl", Organisation: "Silesia SME", Country: "PL", City: "Gliwice"}
	bad := exchange.NewPlacement(h.ID, v.ID, exchange.MustDate("2026-03-02"), exchange.MustDate("2026-03-03"), "", s.Now(), "seed")
	if err := s.Load(Seed{Hosts: []exchange.Host{h}, Visitors: []exchange.Visitor{v}, Placements: []exchange.Placement{bad}}); err == nil {
		t.Fatal("a too-short placement was loaded")
	}
	if empty, _ := s.IsEmpty(); !empty {
		t.Fatal("a refused load left data behind")
	}
}

func TestABackupCanBeAskedOfTheRunningApp(t *testing.T) {
	s := openTemp(t)
	addHost(t, s, "Berlin Partner", 1)
	l, err := s.ServeBackups()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if fi, err := os.Stat(SocketPath(s.Path())); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket: %v %v", fi.Mode(), err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := RequestBackup(s.Path(), dst); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if hs, _ := c.Hosts(); len(hs) != 1 || hs[0].Name != "Berlin Partner" {
		t.Fatalf("backup holds %+v", hs)
	}
	if err := RequestBackup(s.Path(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")); err == nil {
		t.Fatal("a backup into a missing folder reported success")
	}
}

func TestOpeningAFileToReadItChangesNoByte(t *testing.T) {
	s := openTemp(t)
	addHost(t, s, "CenSec", 1)
	path := s.Path()
	s.Close()
	before := fileSum(t, path)
	for range 3 {
		r, err := Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Hosts()
		r.Close()
	}
	if fileSum(t, path) != before {
		t.Fatal("opening and reading rewrote the file")
	}
}

func TestABackupOntoTheDataFileItselfIsRefused(t *testing.T) {
	s := openTemp(t)
	addHost(t, s, "Biowin", 1)
	l, err := s.ServeBackups()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	before := fileSum(t, s.Path())
	if err := RequestBackup(s.Path(), s.Path()); err == nil {
		t.Fatal("backing up over the live file was accepted")
	}
	if err := s.BackupFile(filepath.Join(filepath.Dir(s.Path()), ".", filepath.Base(s.Path()))); err == nil {
		t.Fatal("backing up over the live file by another name was accepted")
	}
	if fileSum(t, s.Path()) != before {
		t.Fatal("the data file changed")
	}
}

func TestAFileMissingPartsOfItsLayoutIsRefusedNotCrashedOn(t *testing.T) {
	s := openTemp(t)
	path := s.Path()
	s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketOutboxQueued) })
	s.Close()
	_, err := Open(path, nil)
	if err == nil || !strings.Contains(err.Error(), "is damaged") || !strings.Contains(err.Error(), "outbox_queued") {
		t.Fatalf("got %v", err)
	}
}
