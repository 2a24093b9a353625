package gazetteer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/xchangedesk/xchangedesk/exchange"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name, city, country, want, rule string
	}{
		{"a capital is found", "Berlin", "DE", "Berlin", ""},
		{"case and diacritics don't matter", "liege", "be", "Liège", ""},
		{"a small town in a programme country is found", "Pistoia", "IT", "Pistoia", ""},
		{"an English name finds the local one", "Seville", "ES", "Sevilla", ""},
		{"Aarhus is Århus", "Aarhus", "DK", "Århus", ""},
		{"the big city wins over villages of the same name", "Valencia", "ES", "Valencia", ""},
		{"a misspelt city lists close matches", "Dresdn", "DE", "", "unknown-city"},
		{"a city in the wrong country is not found", "Lyon", "DE", "", "unknown-city"},
		{"an empty city is required", "  ", "FR", "", exchange.RuleRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Lookup(tt.city, tt.country)
			if tt.rule == "" {
				if err != nil || p.Name != tt.want {
					t.Fatalf("got %v, %v", p, err)
				}
				return
			}
			vs := exchange.Violations(err)
			if len(vs) != 1 || vs[0].Rule != tt.rule || vs[0].Field != "city" {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestAMisspeltCitySuggestsTheRightOne(t *testing.T) {
	_, err := Lookup("Dresdn", "DE")
	if err == nil || !strings.Contains(err.Error(), "Dresden") {
		t.Fatalf("got %v", err)
	}
}

func TestAnAmbiguousNameListsTheCandidates(t *testing.T) {
	// Two or more similar-sized places share this name somewhere; find one to be sure the
	// rule is exercised on real data.
	loadOnce.Do(load)
	for key, idx := range byName {
		if len(idx) < 2 {
			continue
		}
		ps := sorted(idx)
		if ps[0].Population >= dominance*ps[1].Population {
			continue
		}
		_, err := Lookup(ps[0].Name, ps[0].Country)
		vs := exchange.Violations(err)
		if len(vs) != 1 || vs[0].Rule != exchange.RuleAmbiguousCity || !strings.Contains(err.Error(), "latitude and longitude") ||
			strings.Contains(err.Error(), "--lat") {
			t.Fatalf("%s: got %v", key, err)
		}
		return
	}
	t.Fatal("no ambiguous name in the gazetteer")
}

func TestTheGazetteerCoversWhatTheIssueAsks(t *testing.T) {
	if n := size(); n < 80000 {
		t.Fatalf("only %d places", n)
	}
	for _, c := range []struct{ city, country string }{
		{"Tokyo", "JP"}, {"Nairobi", "KE"}, {"Ivrea", "IT"}, {"Colleretto Giacosa", "IT"}, {"Herning", "DK"},
	} {
		if _, err := Lookup(c.city, c.country); err != nil {
			t.Errorf("%s, %s: %v", c.city, c.country, err)
		}
	}
}

func ExampleLookup() {
	florence, _ := Lookup("Florence", "IT")
	bologna, _ := Lookup("Bologna", "IT")
	dresden, _ := Lookup("Dresden", "DE")
	fmt.Println(exchange.DistanceKm(florence.Coordinates, bologna.Coordinates), "km")
	fmt.Println(exchange.DistanceKm(florence.Coordinates, dresden.Coordinates), "km")
	// Output:
	// 79.8 km
	// 829.9 km
}

func BenchmarkLookup(b *testing.B) {
	size() // load once, outside the timing
	for b.Loop() {
		if _, err := Lookup("Valenciennes", "FR"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookupMisspelt(b *testing.B) {
	size()
	for b.Loop() {
		Lookup("Valencienes", "FR") // scans France's cities for close matches
	}
}

// size is the number of places in the gazetteer.
func size() int {
	loadOnce.Do(load)
	return len(places)
}
