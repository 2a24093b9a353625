package exchange

import (
	"fmt"
	"math"
	"net/mail"
	"strconv"
	"strings"
)

// Kind is the kind of organisation a host or visitor belongs to.
type Kind string

// The kinds of organisation the scheme admits (CLUSTERXCHANGE.md § The scheme).
const (
	ClusterOrganisation Kind = "cluster"
	SME                 Kind = "sme"
	ResearchCentre      Kind = "research"
	InnovationHub       Kind = "hub"
	LargeCompany        Kind = "large-company"
	TrainingProvider    Kind = "training"
	PublicAuthority     Kind = "public-authority"
)

// Kinds lists every kind with the label people read.
var Kinds = []struct {
	Kind  Kind
	Label string
}{
	{ClusterOrganisation, "Cluster organisation"},
	{SME, "SME"},
	{ResearchCentre, "Research / technology centre"},
	{InnovationHub, "Innovation hub"},
	{LargeCompany, "Large company"},
	{TrainingProvider, "Training provider"},
	{PublicAuthority, "Public authority"},
}

// Label is the kind as people read it.
func (k Kind) Label() string {
	for _, x := range Kinds {
		if x.Kind == k {
			return x.Label
		}
	}
	return string(k)
}

// ParseKind reads a kind by its short name or its label, ignoring case.
func ParseKind(s string) (Kind, error) {
	for _, x := range Kinds {
		if strings.EqualFold(s, string(x.Kind)) || strings.EqualFold(s, x.Label) {
			return x.Kind, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, x := range Kinds {
		names[i] = string(x.Kind)
	}
	return "", ruleErr("kind", RuleFormat, "%q is not a kind of organisation (want one of %s)", s, strings.Join(names, ", "))
}

// Coordinates are a point on the earth in decimal degrees.
type Coordinates struct {
	Lat, Lon float64
}

// IsZero reports whether no coordinates are set.
func (c Coordinates) IsZero() bool { return c.Lat == 0 && c.Lon == 0 }

// Validate refuses coordinates that are not a point on the earth: not numbers, a latitude
// outside -90 … 90 or a longitude outside -180 … 180. The zero Coordinates (none given) pass.
func (c Coordinates) Validate() error {
	if math.IsNaN(c.Lat) || math.IsNaN(c.Lon) || math.IsInf(c.Lat, 0) || math.IsInf(c.Lon, 0) {
		return &RuleError{Field: "lat", Rule: RuleCoordinates, Reason: "coordinates must be numbers in decimal degrees"}
	}
	if c.Lat < -90 || c.Lat > 90 {
		return &RuleError{Field: "lat", Rule: RuleCoordinates, Value: strconv.FormatFloat(c.Lat, 'g', -1, 64),
			Reason: fmt.Sprintf("latitude %g is not between -90 and 90", c.Lat)}
	}
	if c.Lon < -180 || c.Lon > 180 {
		return &RuleError{Field: "lon", Rule: RuleCoordinates, Value: strconv.FormatFloat(c.Lon, 'g', -1, 64),
			Reason: fmt.Sprintf("longitude %g is not between -180 and 180", c.Lon)}
	}
	return nil
}

func checkName(field, value string) error {
	if strings.TrimSpace(value) == "" {
		return ruleErr(field, RuleRequired, "is required")
	}
	return nil
}

// CheckEmail accepts a bare address such as ana@example.org.
func CheckEmail(field, value string) error {
	if strings.TrimSpace(value) == "" {
		return ruleErr(field, RuleRequired, "is required")
	}
	if err := CheckLine(field, value); err != nil {
		return err
	}
	a, err := mail.ParseAddress(value)
	if err != nil || a.Address != value || a.Name != "" {
		e := ruleErr(field, RuleFormat, "%q is not an e-mail address", value)
		e.Value = value
		return e
	}
	at := strings.LastIndexByte(value, '@')
	if domain := value[at+1:]; !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		e := ruleErr(field, RuleFormat, "%q is not an e-mail address (the domain needs a dot)", value)
		e.Value = value
		return e
	}
	return nil
}

// CheckCountry accepts an ISO 3166-1 alpha-2 code, in either case.
func CheckCountry(field, value string) error {
	if strings.TrimSpace(value) == "" {
		return ruleErr(field, RuleRequired, "is required")
	}
	if CountryName(value) == "" {
		e := ruleErr(field, RuleFormat, "%q is not an ISO 3166-1 country code (for example FR, DE, ES)", value)
		e.Value = value
		return e
	}
	return nil
}

// Host is an organisation that receives visitors.
type Host struct {
	ID          ID
	Name        string
	Kind        Kind
	Country     string // ISO 3166-1 alpha-2, upper case
	City        string
	Address     string
	Coordinates Coordinates
	Contact     string // the person who confirms availability
	Email       string // the contact's address; availability requests go here
	Capacity    int    // visitors at the same time
	Closed      []ClosedPeriod
	Topics      []string
	Partnership string
}

// DefaultCapacity is a host's capacity unless staff say otherwise (DESIGN.md § Domain).
const DefaultCapacity = 1

// ClosedPeriod is a run of days when a host receives nobody: holidays, blackouts.
type ClosedPeriod struct {
	Period
	Reason string
}

// ClosedOn reports whether the host is closed on day.
func (h Host) ClosedOn(day Date) bool {
	for _, c := range h.Closed {
		if c.Contains(day) {
			return true
		}
	}
	return false
}

// Normalise trims spaces and upper-cases the country code.
func (h *Host) Normalise() {
	h.Name = strings.TrimSpace(h.Name)
	h.Country = strings.ToUpper(strings.TrimSpace(h.Country))
	h.City = strings.TrimSpace(h.City)
	h.Address = strings.TrimSpace(h.Address)
	h.Contact = strings.TrimSpace(h.Contact)
	h.Email = strings.TrimSpace(h.Email)
	h.Partnership = strings.TrimSpace(h.Partnership)
}

// Validate checks every field and returns all problems joined.
func (h Host) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkName("name", h.Name))
	for _, f := range []struct{ field, value string }{{"name", h.Name}, {"country", h.Country}, {"city", h.City},
		{"address", h.Address}, {"contact", h.Contact}, {"partnership", h.Partnership}} {
		add(CheckLine(f.field, f.value))
	}
	for _, t := range h.Topics {
		add(CheckLine("topics", t))
	}
	if _, err := ParseKind(string(h.Kind)); err != nil {
		add(err)
	}
	add(CheckCountry("country", h.Country))
	add(checkName("city", h.City))
	add(checkName("contact", h.Contact))
	add(CheckEmail("email", h.Email))
	add(h.Coordinates.Validate())
	if h.Capacity < 1 {
		add(ruleErr("capacity", RuleFormat, "must be at least 1 visitor at a time"))
	}
	for _, c := range h.Closed {
		add(c.validate())
	}
	return Join(errs...)
}

func (c ClosedPeriod) validate() error {
	if c.From.IsZero() || c.To.IsZero() {
		return ruleErr("closed", RuleRequired, "a closed period needs a first and a last day")
	}
	if err := Join(CheckDate("closed", c.From), CheckDate("closed", c.To)); err != nil {
		return err
	}
	if c.To.Before(c.From) {
		e := ruleErr("closed", RuleDateOrder, "closed period ends (%s) before it starts (%s)", c.To, c.From)
		e.First, e.Last = c.From, c.To
		return e
	}
	if err := CheckLine("reason", c.Reason); err != nil {
		return err
	}
	return nil
}

// Visitor is a person who visits a host, and the organisation they come from.
type Visitor struct {
	ID           ID
	Name         string
	Email        string
	Organisation string
	Kind         Kind // the organisation's kind
	Country      string
	City         string
	Coordinates  Coordinates
	Partnership  string
}

// Normalise trims spaces and upper-cases the country code.
func (v *Visitor) Normalise() {
	v.Name = strings.TrimSpace(v.Name)
	v.Email = strings.TrimSpace(v.Email)
	v.Organisation = strings.TrimSpace(v.Organisation)
	v.Country = strings.ToUpper(strings.TrimSpace(v.Country))
	v.City = strings.TrimSpace(v.City)
	v.Partnership = strings.TrimSpace(v.Partnership)
	if v.Kind == "" {
		v.Kind = SME
	}
}

// Validate checks every field and returns all problems joined.
func (v Visitor) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkName("name", v.Name))
	for _, f := range []struct{ field, value string }{{"name", v.Name}, {"organisation", v.Organisation},
		{"country", v.Country}, {"city", v.City}, {"partnership", v.Partnership}} {
		add(CheckLine(f.field, f.value))
	}
	add(CheckEmail("email", v.Email))
	add(checkName("organisation", v.Organisation))
	if _, err := ParseKind(string(v.Kind)); err != nil {
		add(err)
	}
	add(CheckCountry("country", v.Country))
	add(checkName("city", v.City))
	add(v.Coordinates.Validate())
	return Join(errs...)
}

// OrganisationKey identifies the visitor's organisation for the visits-once rule: the
// organisation's name, case and spacing folded, and its country.
func (v Visitor) OrganisationKey() string {
	return strings.ToUpper(v.Country) + "/" + strings.Join(strings.Fields(strings.ToLower(v.Organisation)), " ")
}

// Programme is the partnership running the scheme.
type Programme struct {
	Name           string
	OrganiserName  string
	OrganiserEmail string
	Envelope       Cents
	Profile        string
}

// earthRadiusKm is the mean radius of the earth (IUGG), for great-circle distances.
const earthRadiusKm = 6371.0088

// DistanceKm is the great-circle distance between two points, rounded to 0.1 km.
func DistanceKm(a, b Coordinates) float64 {
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	dLat, dLon := rad(b.Lat-a.Lat), rad(b.Lon-a.Lon)
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(a.Lat))*math.Cos(rad(b.Lat))*math.Sin(dLon/2)*math.Sin(dLon/2)
	d := 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
	return math.Round(d*10) / 10
}
