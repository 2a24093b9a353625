package rates

import (
	"fmt"
	"strings"
	"testing"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/gazetteer"
)

func at(t testing.TB, city, country string) exchange.Coordinates {
	t.Helper()
	p, err := gazetteer.Lookup(city, country)
	if err != nil {
		t.Fatal(err)
	}
	return p.Coordinates
}

func host(t testing.TB, city, country string) exchange.Host {
	return exchange.Host{ID: exchange.NewID(), Name: "Host in " + city, Country: country, City: city, Coordinates: at(t, city, country), Capacity: 1}
}

func visitor(t testing.TB, city, country string) exchange.Visitor {
	return exchange.Visitor{ID: exchange.NewID(), Name: "Visitor", Organisation: "SME in " + city, Country: country, City: city, Coordinates: at(t, city, country)}
}

func stay(first, last string, travel exchange.TravelDays) exchange.Placement {
	return exchange.Placement{First: exchange.MustDate(first), Last: exchange.MustDate(last), Travel: travel}
}

// 2027-03-01 is a Monday.
func TestClusterXchangeLumpSum(t *testing.T) {
	tests := []struct {
		name    string
		host    exchange.Host
		visitor exchange.Visitor
		stay    exchange.Placement
		want    exchange.Cents
		halved  bool
		reasons int
	}{
		{"Florence to Dresden, about 830 km, with five working days is the full cap",
			host(t, "Dresden", "DE"), visitor(t, "Florence", "IT"), stay("2027-02-28", "2027-03-06", exchange.TravelBoth), exchange.Euros(1100), false, 0},
		{"Bologna to Florence, about 80 km, is halved for distance",
			host(t, "Florence", "IT"), visitor(t, "Bologna", "IT"), stay("2027-02-28", "2027-03-06", exchange.TravelBoth), exchange.Euros(550), true, 1},
		{"three working days are halved",
			host(t, "Dresden", "DE"), visitor(t, "Florence", "IT"), stay("2027-03-01", "2027-03-05", exchange.TravelBoth), exchange.Euros(550), true, 1},
		{"short and near is halved once, for both reasons",
			host(t, "Florence", "IT"), visitor(t, "Bologna", "IT"), stay("2027-03-01", "2027-03-05", exchange.TravelBoth), exchange.Euros(550), true, 2},
		{"Portugal's cap is EUR 780 for five days",
			host(t, "Porto", "PT"), visitor(t, "Lyon", "FR"), stay("2027-03-01", "2027-03-05", exchange.TravelNone), exchange.Euros(780), false, 0},
		{"Portugal's cap halves to EUR 390 for three days",
			host(t, "Porto", "PT"), visitor(t, "Lyon", "FR"), stay("2027-03-01", "2027-03-03", exchange.TravelNone), exchange.Euros(390), true, 1},
		{"exactly 5 working days is not halved",
			host(t, "Berlin", "DE"), visitor(t, "Porto", "PT"), stay("2027-03-01", "2027-03-05", exchange.TravelNone), exchange.Euros(1100), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Quote(Defaults(), ClusterXchange, tt.stay, tt.host, tt.visitor)
			if err != nil {
				t.Fatal(err)
			}
			if b.LumpSum != tt.want || b.Halved != tt.halved || len(b.Reasons) != tt.reasons {
				t.Fatalf("%s halved=%v reasons=%q distance %.1f km, %d working days; want %s", b.LumpSum, b.Halved, b.Reasons, b.DistanceKm, b.WorkingDays, tt.want)
			}
			if b.Profile != ClusterXchange || b.Version != 1 || b.HostCoordinates != tt.host.Coordinates || b.VisitorCoordinates != tt.visitor.Coordinates {
				t.Fatalf("breakdown lacks its evidence: %+v", b)
			}
		})
	}
}

func TestHalvingRoundsHalfUpOnce(t *testing.T) {
	tables := Defaults()
	tables.CXC.Caps["PT"] = 78001 // EUR 780.01
	b, _ := Quote(tables, ClusterXchange, stay("2027-03-01", "2027-03-03", exchange.TravelNone), host(t, "Porto", "PT"), visitor(t, "Lyon", "FR"))
	if b.LumpSum != 39001 {
		t.Fatalf("half of EUR 780.01 is %s, want EUR 390.01 (half up)", b.LumpSum)
	}
}

func TestErasmusStyle(t *testing.T) {
	porto, lyon := visitor(t, "Porto", "PT"), host(t, "Lyon", "FR") // about 1,140 km: the 500–1,999 km band
	near := visitor(t, "Bologna", "IT")
	florence := host(t, "Florence", "IT")
	tests := []struct {
		name    string
		host    exchange.Host
		visitor exchange.Visitor
		stay    exchange.Placement
		want    exchange.Cents
	}{
		// 309 + 5 days × 104 (3 at the host + 2 travel days).
		{"a week in France from Porto is standard travel plus five days of group 2 support",
			lyon, porto, stay("2027-03-01", "2027-03-05", exchange.TravelBoth), exchange.Euros(309 + 5*104)},
		// 417 green + 5 × 104.
		{"green travel has its own band rate",
			lyon, porto, func() exchange.Placement {
				p := stay("2027-03-01", "2027-03-05", exchange.TravelBoth)
				p.GreenTravel = true
				return p
			}(), exchange.Euros(417 + 5*104)},
		// Green travel funds up to 6 travel days: 2 of the stay + 4 extra.
		{"green travel funds up to six travel days",
			lyon, porto, func() exchange.Placement {
				p := stay("2027-03-01", "2027-03-05", exchange.TravelBoth)
				p.GreenTravel, p.ExtraTravelDays = true, 9
				return p
			}(), exchange.Euros(417 + 9*104)},
		// Standard travel funds at most 2 travel days.
		{"standard travel funds at most two travel days",
			lyon, porto, func() exchange.Placement {
				p := stay("2027-03-01", "2027-03-05", exchange.TravelBoth)
				p.ExtraTravelDays = 2
				return p
			}(), exchange.Euros(309 + 5*104)},
		// 20 days: 14 × 104 + 6 × 72.80 = 1456 + 436.80, plus 309.
		{"from day 15 support is 70 percent",
			lyon, porto, stay("2027-03-01", "2027-03-20", exchange.TravelBoth), exchange.Euros(309+14*104) + 43680},
		// Bologna–Florence about 80 km: 10–99 km band, 28.
		{"a near stay is in the shortest band",
			florence, near, stay("2027-03-01", "2027-03-05", exchange.TravelBoth), exchange.Euros(28 + 5*104)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Quote(Defaults(), ErasmusPlus, tt.stay, tt.host, tt.visitor)
			if err != nil {
				t.Fatal(err)
			}
			if b.LumpSum != tt.want {
				t.Fatalf("%s, want %s (%.1f km; %+v)", b.LumpSum, tt.want, b.DistanceKm, b.Lines)
			}
		})
	}
}

func TestTheReducedRateIsRoundedOnceAtTheEnd(t *testing.T) {
	tables := Defaults()
	tables.Erasmus.Daily[2] = 10001                            // EUR 100.01: 70 % is 70.007 a day
	p := stay("2027-03-01", "2027-03-17", exchange.TravelBoth) // 17 days: 14 full, 3 reduced
	b, err := Quote(tables, ErasmusPlus, p, host(t, "Lyon", "FR"), visitor(t, "Porto", "PT"))
	if err != nil {
		t.Fatal(err)
	}
	// 309.00 + 14 × 100.01 + 3 × 70.007 = 309 + 1400.14 + 210.021 = 1919.161 → 1919.16
	if b.LumpSum != 191916 {
		t.Fatalf("got %s, want EUR 1,919.16", b.LumpSum)
	}
}

func TestQuotingNeedsCoordinates(t *testing.T) {
	h := host(t, "Lyon", "FR")
	h.Coordinates = exchange.Coordinates{}
	_, err := Quote(Defaults(), ClusterXchange, stay("2027-03-01", "2027-03-05", ""), h, visitor(t, "Porto", "PT"))
	if vs := exchange.Violations(err); len(vs) != 1 || vs[0].Field != "host" {
		t.Fatalf("got %v", err)
	}
}

func TestValidateNamesTheBadFigure(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Tables)
		field string
	}{
		{"a zero default cap is refused", func(t *Tables) { t.CXC.DefaultCap = 0 }, "cxc.default_cap_cents"},
		{"a cap for an unknown country is refused", func(t *Tables) { t.CXC.Caps["XX"] = 100 }, "cxc.caps_cents"},
		{"a negative cap is refused", func(t *Tables) { t.CXC.Caps["DE"] = -1 }, "cxc.caps_cents.DE"},
		{"bands with a gap are refused", func(t *Tables) { t.Erasmus.Bands[1].FromKm = 120 }, "erasmus.bands[1]"},
		{"a band that ends before it starts is refused", func(t *Tables) { t.Erasmus.Bands[0].ToKm = 5 }, "erasmus.bands[0]"},
		{"a group without a daily amount is refused", func(t *Tables) { t.Erasmus.Groups["UA"] = 4 }, "erasmus.country_groups.UA"},
		{"a percentage over 100 is refused", func(t *Tables) { t.Erasmus.ReducedPercent = 170 }, "erasmus.reduced_percent"},
	}
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("the defaults are invalid: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tables := Defaults()
			tt.edit(&tables)
			err := tables.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.field+":") {
				t.Fatalf("got %v, want a complaint about %s", err, tt.field)
			}
		})
	}
}

func ExampleQuote() {
	florence, _ := gazetteer.Lookup("Florence", "IT")
	bologna, _ := gazetteer.Lookup("Bologna", "IT")
	h := exchange.Host{Name: "DITECFER", Country: "IT", Coordinates: florence.Coordinates}
	v := exchange.Visitor{Name: "Marco Ferri", Organisation: "Emilia Sensing", Coordinates: bologna.Coordinates}
	p := exchange.Placement{First: exchange.MustDate("2027-03-01"), Last: exchange.MustDate("2027-03-12"), Travel: exchange.TravelBoth}
	b, _ := Quote(Defaults(), ClusterXchange, p, h, v)
	fmt.Printf("%.1f km, %d working days\n", b.DistanceKm, b.WorkingDays)
	for _, l := range b.Lines {
		fmt.Printf("%-40s %14s\n", l.Label, l.Amount)
	}
	fmt.Printf("%-40s %14s\n", "Lump sum", b.LumpSum)
	fmt.Println("halved:", strings.Join(b.Reasons, "; "))
	// Output:
	// 79.8 km, 8 working days
	// Lump sum, default cap (Italy has no cap of its own)   EUR 1,100.00
	// Halved                                      -EUR 550.00
	// Lump sum                                     EUR 550.00
	// halved: the organisations are less than 200 km apart (79.8 km)
}
