// Package sample provides the sample programme that a new data file can start from: the
// partnerships and cluster organisations named in the scheme's documents as hosts in their
// real cities, visitors from SMEs across Europe, and placements over the coming year in every
// status.
package sample

import (
	"fmt"
	"strings"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// Data is a whole programme; it converts directly to store.Seed.
type Data struct {
	Programme  exchange.Programme
	Hosts      []exchange.Host
	Visitors   []exchange.Visitor
	Placements []exchange.Placement
}

type host struct {
	name, kind, country, city, address, contact, email, partnership string
	capacity                                                        int
	topics                                                          string
}

// hosts are organisations named in the scheme's seed documents, in their real cities.
var hosts = []host{
	{"DITECFER", "cluster", "IT", "Pistoia", "Via Fratelli Bandiera 34, 51100 Pistoia", "Giulia Bartoli", "exchanges@ditecfer.example.eu", "STARS", 2, "rail; rolling stock; signalling"},
	{"Rail.S", "cluster", "DE", "Dresden", "Bergstraße 2, 01069 Dresden", "Katrin Hofmann", "exchanges@rail-s.example.de", "STARS", 1, "rail; digital railway; maintenance"},
	{"i-Trans", "cluster", "FR", "Valenciennes", "Rue des Cent Têtes, 59300 Valenciennes", "Julien Lefebvre", "exchanges@i-trans.example.fr", "STARS", 2, "rail; automotive; mobility"},
	{"Mafex", "cluster", "ES", "Bilbao", "Calle Ercilla 24, 48011 Bilbao", "Ane Etxeberria", "exchanges@mafex.example.es", "STARS", 2, "rail; export; signalling"},
	{"Railgrup", "cluster", "ES", "Barcelona", "Carrer de Pau Claris 162, 08037 Barcelona", "Marc Puig", "exchanges@railgrup.example.es", "STARS", 1, "rail; urban transport"},
	{"ARUS", "cluster", "ES", "Seville", "Isla de la Cartuja, 41092 Sevilla", "Lucía Romero", "exchanges@arus.example.es", "STARS", 1, "rail; Andalusian supply chain"},
	{"CenSec", "cluster", "DK", "Herning", "Birk Centerpark 40, 7400 Herning", "Mads Kristensen", "exchanges@censec.example.dk", "EXXTRA", 1, "security; defence; space"},
	{"Lyonbiopole", "cluster", "FR", "Lyon", "321 Avenue Jean Jaurès, 69007 Lyon", "Claire Martin", "exchanges@lyonbiopole.example.fr", "S3martMed", 3, "health; diagnostics; vaccines"},
	{"Biowin", "cluster", "BE", "Charleroi", "Avenue Jean Mermoz 30, 6041 Gosselies", "Sophie Lambert", "exchanges@biowin.example.be", "S3martMed", 2, "health; biotech; medtech"},
	{"GAPR-Medsilesia", "cluster", "PL", "Gliwice", "ul. Wincentego Pola 16, 44-100 Gliwice", "Piotr Nowak", "exchanges@medsilesia.example.pl", "S3martMed", 1, "medtech; e-health"},
	{"BioPmed", "cluster", "IT", "Turin", "Via Ribes 5, 10010 Colleretto Giacosa", "Francesca Conti", "exchanges@biopmed.example.it", "S3martMed", 2, "health; biotech; digital health"},
	{"BioRegio STERN", "cluster", "DE", "Stuttgart", "Friedrichstraße 10, 70174 Stuttgart", "Andreas Keller", "exchanges@bioregio-stern.example.de", "S3martMed", 1, "biotech; medtech"},
	{"Fraunhofer HHI", "research", "DE", "Berlin", "Einsteinufer 37, 10587 Berlin", "Jana Weber", "exchanges@hhi.example.de", "METASTARS", 2, "photonics; 5G/6G; video coding"},
	{"Berlin Partner", "public-authority", "DE", "Berlin", "Fasanenstraße 85, 10623 Berlin", "Tobias Schulz", "exchanges@berlin-partner.example.de", "METASTARS", 1, "business support; ICT; health"},
}

type visitor struct {
	name, organisation, country, city, partnership string
}

// visitors are people from SMEs (and one technology centre) across Europe; every
// organisation appears once.
var visitors = []visitor{
	{"Ana Sousa", "Ferrovia Digital Lda", "PT", "Porto", "STARS"},
	{"Tomasz Wiśniewski", "Koleje Sensor Sp. z o.o.", "PL", "Katowice", "STARS"},
	{"Ieva Kalniņa", "Baltic Rail Tech SIA", "LV", "Riga", "BSR Stars/StarDust"},
	{"Mikko Virtanen", "Nordic Track Analytics Oy", "FI", "Tampere", "BSR Stars/StarDust"},
	{"Eleni Papadopoulou", "Hellas MedDevices", "GR", "Thessaloniki", "S3martMed"},
	{"Jan Novák", "Brno Bioinformatics s.r.o.", "CZ", "Brno", "S3martMed"},
	{"Zsófia Kovács", "Pannon Diagnostics Kft.", "HU", "Szeged", "S3martMed"},
	{"Andrei Popescu", "Carpathia Robotics SRL", "RO", "Cluj-Napoca", "METASTARS"},
	{"Maja Horvat", "Adria Photonics d.o.o.", "HR", "Zagreb", "METASTARS"},
	{"Luka Kranjc", "Ljubljana Signal Systems d.o.o.", "SI", "Ljubljana", "STARS"},
	{"Siobhán Murphy", "Lee MedTech Ltd", "IE", "Cork", "S3martMed"},
	{"Pieter de Vries", "Delta Rail Software B.V.", "NL", "Utrecht", "STARS"},
	{"Lena Gruber", "Alpen Biotech GmbH", "AT", "Innsbruck", "S3martMed"},
	{"Marco Ferri", "Emilia Sensing S.r.l.", "IT", "Bologna", "STARS"},
	{"Carmen Ortega", "Levante Health Tech S.L.", "ES", "Valencia", "S3martMed"},
	{"Hugo Bernard", "Loire Optronique SAS", "FR", "Nantes", "METASTARS"},
	{"Eva Lindqvist", "Göteborg Mobility AB", "SE", "Gothenburg", "BSR Stars/StarDust"},
	{"Rasmus Møller", "Aarhus Secure IoT ApS", "DK", "Aarhus", "EXXTRA"},
	{"Kristjan Tamm", "Tartu Data Rail OÜ", "EE", "Tartu", "BSR Stars/StarDust"},
	{"Rūta Jonaitienė", "Kaunas Bio Labs UAB", "LT", "Kaunas", "BSR Stars/StarDust"},
	{"Georgi Dimitrov", "Plovdiv Med Software EOOD", "BG", "Plovdiv", "S3martMed"},
	{"Martin Kováč", "Košice Rail Services s.r.o.", "SK", "Košice", "STARS"},
	{"Nicolas Dubois", "Wallonie Cobotics SPRL", "BE", "Liège", "EXXTRA"},
	{"Julia Schneider", "Leipzig Vision Systems GmbH", "DE", "Leipzig", "METASTARS"},
	{"Inês Carvalho", "Minho Textiles Inteligentes Lda", "PT", "Braga", "EXXTRA"},
	{"Alessandro Greco", "Puglia Aerospace Components S.r.l.", "IT", "Bari", "EXXTRA"},
	{"Katarzyna Zielińska", "Poznań HealthTech Sp. z o.o.", "PL", "Poznań", "S3martMed"},
	{"Dimitris Georgiou", "Athens Secure Comms", "GR", "Athens", "EXXTRA"},
}

type placement struct {
	visitor, host int
	week          int // weeks from the Monday of the current week; negative is in the past
	weekday       int // 0 Monday … 4 Friday: the first day
	days          int // calendar days from the first to the last day, inclusive
	travel        exchange.TravelDays
	status        exchange.Status
	goals         string
}

// plan lists the sample placements; a visitor who appears twice had an earlier placement
// declined or cancelled.
var plan = []placement{
	// In the past: completed and paid.
	{0, 0, -14, 0, 5, "", exchange.Paid, "Predictive maintenance of bogies: see DITECFER members' test benches"},
	{1, 1, -12, 0, 12, "", exchange.Paid, "Condition monitoring sensors for freight wagons"},
	{4, 7, -11, 0, 5, "", exchange.Paid, "Regulatory pathway for a diagnostic device in France"},
	{5, 8, -9, 0, 10, "", exchange.Paid, "Bioinformatics pipelines with Walloon biotech SMEs"},
	{10, 11, -8, 0, 5, "", exchange.Completed, "Partnering with Stuttgart medtech firms"},
	{8, 12, -6, 0, 12, "", exchange.Completed, "Photonic sensing for 6G test-beds"},
	{11, 3, -5, 1, 4, exchange.TravelNone, exchange.Completed, "ERTMS software export to Latin America with Mafex members"},
	{17, 6, -1, 0, 5, "", exchange.Completed, "Secure IoT for critical infrastructure"},
	// Earlier placements that did not happen.
	{13, 4, -7, 0, 5, "", exchange.Declined, "Tram energy recovery (host had no free expert that week)"},
	{20, 9, -3, 0, 5, "", exchange.Cancelled, "e-health platform pilots (visitor fell ill)"},
	// The coming year.
	{2, 2, 1, 0, 5, "", exchange.Confirmed, "Digital twin of a regional line with i-Trans labs"},
	{3, 5, 2, 0, 12, "", exchange.Confirmed, "Track geometry analytics with Andalusian operators"},
	{6, 10, 2, 0, 5, "", exchange.Confirmed, "Point-of-care diagnostics with Piedmont hospitals"},
	{7, 12, 3, 0, 5, "", exchange.Confirmed, "Robot vision for cable inspection"},
	{9, 0, 3, 0, 5, "", exchange.Confirmed, "Interlocking software verification"},
	{12, 7, 7, 0, 19, "", exchange.Confirmed, "Vaccine cold-chain monitoring with Lyon start-ups"},
	{14, 8, 8, 0, 5, "", exchange.Confirmed, "Hospital logistics software for Walloon clinics"},
	{15, 13, 4, 0, 5, "", exchange.Requested, "Berlin's optical industry: partners for a lidar product"},
	{16, 1, 9, 0, 5, "", exchange.Requested, "Last-mile rail freight in Saxony"},
	{18, 2, 10, 0, 12, "", exchange.Requested, "Passenger information systems with French integrators"},
	{19, 11, 11, 0, 5, "", exchange.Requested, "Cell-culture automation with Stuttgart biotech"},
	{23, 12, 12, 0, 5, "", exchange.Requested, "Machine vision quality control for rail components"},
	{13, 3, 13, 0, 5, "", exchange.Requested, "Tram energy recovery, second try, with Mafex members"},
	{21, 4, 16, 0, 5, "", exchange.Draft, "Station maintenance planning tools"},
	{22, 6, 18, 0, 5, "", exchange.Draft, "Collaborative robots for secure facilities"},
	{24, 7, 20, 0, 12, "", exchange.Draft, "Smart textiles for patient monitoring"},
	{25, 9, 24, 0, 5, "", exchange.Draft, "Medical-grade composites from aerospace"},
	{26, 10, 30, 0, 5, "", exchange.Draft, "Telemedicine platforms in Piedmont"},
	{20, 9, 36, 0, 5, "", exchange.Draft, "e-health platform pilots, rebooked"},
	{27, 13, 40, 0, 5, "", exchange.Cancelled, "Secure communications for city services (budget moved)"},
	{27, 6, 44, 0, 12, "", exchange.Draft, "Secure communications with Danish defence SMEs"},
	{16, 5, 46, 0, 5, "", exchange.Cancelled, "Andalusian supply chain (replaced by the Dresden visit)"},
}

// Programme returns the sample programme as of today. Dates are relative to today, so the
// sample always shows a past, a present and a coming year; ids are new on every call.
func Programme(today exchange.Date) Data {
	monday := today.AddDays(-((int(today.Weekday()) + 6) % 7))
	d := Data{Programme: exchange.Programme{
		Name:           "STARS rail and health exchanges",
		OrganiserName:  "STARS exchange desk",
		OrganiserEmail: "exchanges@stars-partnership.example.eu",
		Envelope:       exchange.Euros(40000),
		Profile:        "cxc",
	}}
	christmas := christmasClosure(today)
	for i, h := range hosts {
		x := exchange.Host{ID: exchange.NewID(), Name: h.name, Kind: exchange.Kind(h.kind), Country: h.country,
			City: h.city, Address: h.address, Contact: h.contact, Email: h.email, Capacity: h.capacity,
			Partnership: h.partnership, Topics: strings.Split(h.topics, "; ")}
		if i%3 != 1 { // most hosts close between Christmas and New Year
			x.Closed = []exchange.ClosedPeriod{christmas}
		}
		if h.country == "FR" || h.country == "IT" { // and some for the summer
			y := today.Time().Year()
			if today.After(exchange.NewDate(y, time.August, 21)) {
				y++
			}
			x.Closed = append(x.Closed, exchange.ClosedPeriod{
				Period: exchange.Period{From: exchange.NewDate(y, time.August, 3), To: exchange.NewDate(y, time.August, 21)},
				Reason: "summer closure"})
		}
		d.Hosts = append(d.Hosts, x)
	}
	for _, v := range visitors {
		d.Visitors = append(d.Visitors, exchange.Visitor{ID: exchange.NewID(), Name: v.name,
			Email: emailOf(v.name, v.organisation), Organisation: v.organisation, Kind: exchange.SME,
			Country: v.country, City: v.city, Partnership: v.partnership})
	}
	d.Visitors[8].Kind = exchange.ResearchCentre
	for _, p := range plan {
		h, v := d.Hosts[p.host], d.Visitors[p.visitor]
		first := monday.AddDays(7*p.week + p.weekday)
		// Skip a host's closed periods by moving the stay on a week at a time.
		for closedDuring(h, first, first.AddDays(p.days-1)) {
			first = first.AddDays(7)
		}
		last := first.AddDays(p.days - 1)
		booked := first.AddDays(-30).Time().Add(10 * time.Hour)
		if booked.After(today.Time()) {
			booked = today.AddDays(-7 - p.week).Time().Add(10 * time.Hour)
		}
		x := exchange.NewPlacement(h.ID, v.ID, first, last, p.travel, booked, "demo")
		x.Goals = p.goals
		steps(&x, p.status, booked, h)
		d.Placements = append(d.Placements, x)
	}
	return d
}

// steps walks a placement along the status flow to status, with plausible times.
func steps(p *exchange.Placement, status exchange.Status, booked time.Time, h exchange.Host) {
	var path []exchange.Action
	switch status {
	case exchange.Requested:
		path = []exchange.Action{exchange.Request}
	case exchange.Confirmed:
		path = []exchange.Action{exchange.Request, exchange.Confirm}
	case exchange.Declined:
		path = []exchange.Action{exchange.Request, exchange.Decline}
	case exchange.Cancelled:
		path = []exchange.Action{exchange.Request, exchange.Cancel}
	case exchange.Completed:
		path = []exchange.Action{exchange.Request, exchange.Confirm, exchange.Complete}
	case exchange.Paid:
		path = []exchange.Action{exchange.Request, exchange.Confirm, exchange.Complete, exchange.Pay}
	}
	at := booked
	for _, a := range path {
		at = at.Add(26 * time.Hour)
		detail := ""
		switch a {
		case exchange.Request:
			detail = "availability request sent to " + h.Contact
		case exchange.Confirm:
			detail = h.Contact + " accepted"
		case exchange.Decline:
			detail = h.Contact + " declined: no free expert that week"
		case exchange.Cancel:
			detail = "cancelled at the visitor's request"
		case exchange.Complete:
			// The Commitment to Quality was signed before the stay; the closing report came after.
			for _, it := range []exchange.Item{exchange.CTQVisitor, exchange.CTQHost, exchange.CTQVisitorPartnership, exchange.CTQHostPartnership} {
				tick(p, it, p.First.AddDays(-7).Time().Add(11*time.Hour))
			}
			at = p.Last.AddDays(1).Time().Add(9 * time.Hour)
			tick(p, exchange.ClosingReport, at.Add(-time.Hour))
			detail = "closing report validated"
		case exchange.Pay:
			at = p.Last.AddDays(10).Time().Add(9 * time.Hour)
			tick(p, exchange.Evidence, at.Add(-2*time.Hour))
			detail = "lump sum transferred"
		}
		if err := p.Apply(a, at, "demo", detail); err != nil {
			panic(fmt.Sprintf("sample plan: %v", err)) // the plan above is wrong
		}
	}
}

func tick(p *exchange.Placement, it exchange.Item, at time.Time) {
	if err := p.Tick(it, true, at, "demo"); err != nil {
		panic(fmt.Sprintf("sample plan: %v", err))
	}
}

func christmasClosure(today exchange.Date) exchange.ClosedPeriod {
	y := today.Time().Year()
	if today.After(exchange.NewDate(y, time.December, 31).AddDays(-7)) {
		y++
	}
	return exchange.ClosedPeriod{
		Period: exchange.Period{From: exchange.NewDate(y, time.December, 24), To: exchange.NewDate(y+1, time.January, 1)},
		Reason: "Christmas and New Year"}
}

func closedDuring(h exchange.Host, first, last exchange.Date) bool {
	for _, c := range h.Closed {
		if c.Overlaps(exchange.Period{From: first, To: last}) {
			return true
		}
	}
	return false
}

// emailOf makes an address such as ana.sousa@ferrovia-digital.example.
func emailOf(name, org string) string {
	local := strings.ToLower(strings.Join(strings.Fields(asciiFold(name)), "."))
	words := strings.Fields(strings.ToLower(asciiFold(org)))
	if len(words) > 2 {
		words = words[:2]
	}
	domain := strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.Join(words, "-")), "-")
	return local + "@" + domain + ".example"
}

var fold = strings.NewReplacer("ś", "s", "ņ", "n", "ā", "a", "ī", "i", "ó", "o", "ö", "o", "ü", "u", "ø", "o",
	"ū", "u", "č", "c", "š", "s", "ž", "z", "ć", "c", "á", "a", "é", "e", "í", "i", "ú", "u", "ñ", "n",
	"ł", "l", "ń", "n", "ę", "e", "ą", "a", "ż", "z", "ź", "z", "ê", "e", "è", "e", "ç", "c", "ã", "a",
	"õ", "o", "ô", "o", "â", "a", "î", "i", "ă", "a", "ș", "s", "ț", "t", "ý", "y", "ř", "r", "ě", "e",
	"ů", "u", "ď", "d", "ť", "t", "ň", "n", "ĺ", "l", "ľ", "l", "ő", "o", "ű", "u", "å", "a", "ä", "a",
	"æ", "ae", "ß", "ss", "Ś", "S", "Š", "S", "Ž", "Z", "Ł", "L", "Č", "C", "Å", "A", "Ø", "O", "Ö", "O",
	"Ü", "U", "Á", "A", "É", "E", "Í", "I", "Ó", "O", "Ú", "U", "Ī", "I", "Ā", "A", "Ū", "U", "ė", "e",
	"ų", "u", "į", "i")

func asciiFold(s string) string {
	s = fold.Replace(s)
	return strings.Map(func(r rune) rune {
		if r < 128 {
			return r
		}
		return -1
	}, s)
}
