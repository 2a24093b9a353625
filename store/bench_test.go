package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// A large programme: 500 hosts, 6,000 visitors, 5,000 placements over two years — ten times
// the pilot's target of ~500 matched exchanges.
const (
	benchHosts      = 500
	benchVisitors   = 6000
	benchPlacements = 5000
)

func benchStore(b *testing.B) (*Store, []exchange.Host, []exchange.Visitor) {
	b.Helper()
	s := openTemp(b)
	monday := exchange.MustDate("2026-01-05")
	seed := Seed{Programme: exchange.Programme{Name: "Bench", OrganiserName: "Desk", OrganiserEmail: "desk@bench.example.eu"}}
	for i := range benchHosts {
		seed.Hosts = append(seed.Hosts, exchange.Host{ID: exchange.NewID(), Name: fmt.Sprintf("Host %d", i),
			Kind: exchange.ClusterOrganisation, Country: "DE", City: "Berlin", Contact: "C", Email: "c@host.example", Capacity: 2})
	}
	for i := range benchVisitors {
		seed.Visitors = append(seed.Visitors, exchange.Visitor{ID: exchange.NewID(), Name: fmt.Sprintf("Visitor %d", i),
			Email: "v@sme.example", Organisation: fmt.Sprintf("SME %d", i), Kind: exchange.SME, Country: "PT", City: "Porto"})
	}
	for i := range benchPlacements {
		h, v := seed.Hosts[i%benchHosts], seed.Visitors[i]
		first := monday.AddDays(7 * (i / benchHosts) * 9) // ten stays per host, nine weeks apart
		p := exchange.NewPlacement(h.ID, v.ID, first, first.AddDays(4), "", time.Now(), "bench")
		seed.Placements = append(seed.Placements, p)
	}
	if err := s.Load(seed); err != nil {
		b.Fatal(err)
	}
	return s, seed.Hosts, seed.Visitors
}

// BenchmarkCheck is what the booking dialog does on every change: all rules, no write.
func BenchmarkCheck(b *testing.B) {
	s, hosts, visitors := benchStore(b)
	r := BookingRequest{HostID: hosts[7].ID, VisitorID: visitors[benchPlacements+1].ID,
		First: exchange.MustDate("2026-01-07"), Last: exchange.MustDate("2026-01-16")}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Check(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBook books into the large programme, fsync included.
func BenchmarkBook(b *testing.B) {
	s, hosts, visitors := benchStore(b)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		v := visitors[benchPlacements+i%(benchVisitors-benchPlacements)]
		h := hosts[i%benchHosts]
		first := exchange.MustDate("2028-01-03").AddDays(7 * (i / benchHosts))
		if _, err := s.Book(BookingRequest{HostID: h.ID, VisitorID: v.ID, First: first, Last: first.AddDays(4)}); err != nil {
			b.Fatal(err)
		}
		i++
		if i == benchVisitors-benchPlacements {
			b.StopTimer() // every spare visitor has visited: start over on a fresh file
			s, hosts, visitors = benchStore(b)
			i = 0
			b.StartTimer()
		}
	}
}

// BenchmarkSnapshot is what every screen reload reads.
func BenchmarkSnapshot(b *testing.B) {
	s, _, _ := benchStore(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Snapshot(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlacementsAtHost lists one host's placements through the by_host index.
func BenchmarkPlacementsAtHost(b *testing.B) {
	s, hosts, _ := benchStore(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Placements(Filter{HostID: hosts[42].ID}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequest asks a host: the status change, the message composed (calendar and
// MIME) and queued, in one transaction with fsync.
func BenchmarkRequest(b *testing.B) {
	s, _, _ := benchStore(b)
	ps, _ := s.Placements(Filter{Status: exchange.Draft})
	i := 0
	for b.Loop() {
		if i == len(ps) {
			b.Fatal("out of drafts")
		}
		if _, err := s.Act(ps[i].ID, exchange.Request, ""); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkDue is the sender's look at an outbox of 2,000 messages.
func BenchmarkDue(b *testing.B) {
	s, _, _ := benchStore(b)
	ps, _ := s.Placements(Filter{Status: exchange.Draft})
	for _, p := range ps[:2000] {
		if _, err := s.Act(p.ID, exchange.Request, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if due, err := s.Due(time.Now()); err != nil || len(due) != 2000 {
			b.Fatal(len(due), err)
		}
	}
}

// BenchmarkScreenLoads is what each screen of the desk reads to draw itself, one read
// transaction each, on the large programme.
func BenchmarkScreenLoads(b *testing.B) {
	s, _, visitors := benchStore(b)
	ps, err := s.Placements(Filter{})
	if err != nil {
		b.Fatal(err)
	}
	today := exchange.MustDate("2026-06-01")
	loads := []struct {
		name string
		read func() error
	}{
		{"placement list", func() error { _, err := s.PlacementList(); return err }},
		{"placement detail", func() error { _, err := s.PlacementDetail(ps[len(ps)/2].ID); return err }},
		{"visitor's placements", func() error { _, err := s.VisitorPlacements(visitors[42].ID); return err }},
		{"hosts", func() error { _, err := s.Hosts(); return err }},
		{"visitors", func() error { _, err := s.Visitors(); return err }},
		{"money", func() error { _, err := s.Money(today); return err }},
		{"mail", func() error { _, err := s.Mail(); return err }},
		{"booking choices", func() error { _, err := s.Choices(); return err }},
	}
	for _, l := range loads {
		b.Run(l.name, func(b *testing.B) {
			for b.Loop() {
				if err := l.read(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
