package exchange

// Breakdown is a placement's lump sum and how it was worked out: the rate profile and table
// version, the coordinates and distance used, the working days, and each line of the sum. It
// is audit evidence, kept with the placement exactly as it was priced.
type Breakdown struct {
	Profile            string
	Version            int
	HostCoordinates    Coordinates
	VisitorCoordinates Coordinates
	DistanceKm         float64
	WorkingDays        int
	Halved             bool
	Reasons            []string // why the sum is what it is (halving, bands, reduced days)
	Lines              []Line
	LumpSum            Cents
}

// Line is one amount of a breakdown.
type Line struct {
	Label  string
	Amount Cents
}
