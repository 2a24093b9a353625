package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
	"github.com/xchangedesk/xchangedesk/store/report"
)

func itemNames() string {
	var names []string
	for _, it := range exchange.Items {
		names = append(names, string(it.Item))
	}
	return strings.Join(names, ", ")
}

// coordFlags declares --lat and --lon.
func coordFlags(fs *flag.FlagSet) (lat, lon *float64) {
	return fs.Float64("lat", 0, ""), fs.Float64("lon", 0, "")
}

// setCoordinates takes --lat and --lon when both were given.
func setCoordinates(fs *flag.FlagSet, c *exchange.Coordinates, lat, lon float64) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case !set["lat"] && !set["lon"]:
		return nil
	case set["lat"] != set["lon"]:
		return usagef("give both --lat and --lon")
	}
	given := exchange.Coordinates{Lat: lat, Lon: lon}
	if err := given.Validate(); err != nil {
		return err
	}
	*c = given
	return nil
}

type coordinatesJSON struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type lineJSON struct {
	Label       string `json:"label"`
	AmountCents int64  `json:"amount_cents"`
}

type quoteJSON struct {
	LumpSumCents       int64           `json:"lump_sum_cents"`
	LumpSum            string          `json:"lump_sum"`
	DistanceKm         float64         `json:"distance_km"`
	WorkingDays        int             `json:"working_days"`
	Halved             bool            `json:"halved"`
	Reasons            []string        `json:"reasons"`
	Profile            string          `json:"profile"`
	ProfileVersion     int             `json:"profile_version"`
	HostCoordinates    coordinatesJSON `json:"host_coordinates"`
	VisitorCoordinates coordinatesJSON `json:"visitor_coordinates"`
	Lines              []lineJSON      `json:"lines"`
	BudgetRemaining    *int64          `json:"budget_remaining_cents"`
	Refused            string          `json:"refused,omitempty"`
}

func (c *cli) quote(args []string) error {
	fs := flags("quote")
	req := bookingFlags(fs)
	asJSON := fs.Bool("json", false, "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	r, err := req()
	if err != nil {
		return err
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	pv, err := s.Check(r)
	if !pv.Priced {
		return err
	}
	b := pv.Placement.Price
	if *asJSON {
		j := quoteJSON{LumpSumCents: int64(b.LumpSum), LumpSum: b.LumpSum.String(), DistanceKm: b.DistanceKm, WorkingDays: b.WorkingDays,
			Halved: b.Halved, Reasons: append([]string{}, b.Reasons...), Profile: b.Profile, ProfileVersion: b.Version,
			HostCoordinates:    coordinatesJSON{b.HostCoordinates.Lat, b.HostCoordinates.Lon},
			VisitorCoordinates: coordinatesJSON{b.VisitorCoordinates.Lat, b.VisitorCoordinates.Lon}, Lines: []lineJSON{}}
		for _, l := range b.Lines {
			j.Lines = append(j.Lines, lineJSON{l.Label, int64(l.Amount)})
		}
		if pv.Budgeted && err == nil {
			rem := int64(pv.Remaining)
			j.BudgetRemaining = &rem
		}
		if err != nil {
			j.Refused = oneLine(err)
		}
		if jerr := c.json(j); jerr != nil {
			return jerr
		}
		return err
	}
	fmt.Fprint(c.stdout, breakdownText(pv))
	return err
}

// breakdownText is a quote as people read it: the evidence, each line, the sum.
func breakdownText(pv store.Preview) string {
	b := pv.Placement.Price
	var w strings.Builder
	fmt.Fprintf(&w, "%s at %s, %s (%s travel days)\n", pv.Visitor.Name, pv.Host.Name, wording.Range(pv.Placement.First, pv.Placement.Last), pv.Placement.Travel)
	fmt.Fprintf(&w, "Profile:      %s, rate tables version %d\n", rates.ProfileLabel(b.Profile), b.Version)
	fmt.Fprintf(&w, "Host:         %s, %s (%.5f, %.5f)\n", pv.Host.City, pv.Host.Country, b.HostCoordinates.Lat, b.HostCoordinates.Lon)
	fmt.Fprintf(&w, "Visitor:      %s, %s (%.5f, %.5f)\n", pv.Visitor.City, pv.Visitor.Country, b.VisitorCoordinates.Lat, b.VisitorCoordinates.Lon)
	fmt.Fprintf(&w, "Distance:     %.1f km (great circle)\n", b.DistanceKm)
	fmt.Fprintf(&w, "Working days: %d\n", b.WorkingDays)
	for _, l := range b.Lines {
		fmt.Fprintf(&w, "  %-58s %16s\n", l.Label, l.Amount)
	}
	fmt.Fprintf(&w, "  %-58s %16s\n", "Lump sum", b.LumpSum)
	for _, r := range b.Reasons {
		fmt.Fprintf(&w, "  because %s\n", r)
	}
	if pv.Budgeted {
		fmt.Fprintf(&w, "Budget left after this booking: %s\n", pv.Remaining)
	}
	return w.String()
}

func (c *cli) reprice(args []string) error {
	id, s, err := c.onPlacement(flags("reprice"), args)
	if err != nil {
		return err
	}
	p, err := s.Reprice(id)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s %s (%s, rate tables version %d)\n", p.ID, p.Price.LumpSum, p.Price.Profile, p.Price.Version)
	return nil
}

type shareJSON struct {
	Key            string `json:"key"`
	Placements     int    `json:"placements"`
	CommittedCents int64  `json:"committed_cents"`
	PaidCents      int64  `json:"paid_cents"`
}

type budgetJSON struct {
	EnvelopeCents  int64       `json:"envelope_cents"`
	CommittedCents int64       `json:"committed_cents"`
	PaidCents      int64       `json:"paid_cents"`
	RemainingCents int64       `json:"remaining_cents"`
	Profile        string      `json:"profile"`
	ByCountry      []shareJSON `json:"by_country"`
	ByPartnership  []shareJSON `json:"by_partnership"`
	Overdue        []string    `json:"overdue"`
}

func sharesJSON(ss []store.Share) []shareJSON {
	out := []shareJSON{}
	for _, s := range ss {
		out = append(out, shareJSON{s.Key, s.Placements, int64(s.Committed), int64(s.Paid)})
	}
	return out
}

func (c *cli) budget(args []string) error {
	asJSON, s, err := c.listing("budget", args)
	if err != nil {
		return err
	}
	b, err := s.Budget(exchange.DateOf(s.Now()))
	if err != nil {
		return err
	}
	prog, err := s.Programme()
	if err != nil {
		return err
	}
	if asJSON {
		j := budgetJSON{int64(b.Envelope), int64(b.Committed), int64(b.Paid), int64(b.Remaining), prog.Profile,
			sharesJSON(b.ByCountry), sharesJSON(b.ByPartnership), []string{}}
		for _, p := range b.Overdue {
			j.Overdue = append(j.Overdue, p.ID.String())
		}
		return c.json(j)
	}
	envelope := b.Envelope.String()
	if b.Envelope == 0 {
		envelope = "not set (set-envelope AMOUNT)"
	}
	fmt.Fprintf(c.stdout, "Profile:    %s\nEnvelope:   %s\nCommitted:  %s\nPaid:       %s\n", rates.ProfileLabel(prog.Profile), envelope, b.Committed, b.Paid)
	if b.Envelope > 0 {
		fmt.Fprintf(c.stdout, "Remaining:  %s\n", b.Remaining)
	}
	for _, sec := range []struct {
		title  string
		shares []store.Share
	}{{"By host country", b.ByCountry}, {"By visitor's partnership", b.ByPartnership}} {
		var rows [][]string
		for _, sh := range sec.shares {
			rows = append(rows, []string{sh.Key, strconv.Itoa(sh.Placements), sh.Committed.String(), sh.Paid.String()})
		}
		fmt.Fprintf(c.stdout, "\n%s\n", sec.title)
		c.table("KEY\tPLACEMENTS\tCOMMITTED\tPAID", rows)
	}
	if len(b.Overdue) > 0 {
		fmt.Fprintf(c.stdout, "\nOverdue payments\n")
		var rows [][]string
		for _, p := range b.Overdue {
			rows = append(rows, []string{p.ID.String(), "due " + wording.Date(p.PaymentDue()), p.Price.LumpSum.String()})
		}
		c.table("ID\tDUE\tAMOUNT", rows)
	}
	return nil
}

func (c *cli) setEnvelope(args []string) error {
	pos, err := parse(flags("set-envelope"), args, 1)
	if err != nil {
		return err
	}
	amount, err := exchange.ParseEuros(pos[0])
	if err != nil {
		return err
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	if err := s.SetEnvelope(amount); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "envelope %s\n", amount)
	return nil
}

func (c *cli) useProfile(args []string) error {
	pos, err := parse(flags("use-profile"), args, 1)
	if err != nil {
		return err
	}
	p, err := rates.ParseProfile(pos[0])
	if err != nil {
		return err
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	if err := s.SetProfile(p); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "bookings are priced with the %s profile\n", rates.ProfileLabel(p))
	return nil
}

func (c *cli) rates(args []string) error {
	pos, err := parse(flags("rates"), args, 2)
	if err != nil {
		return err
	}
	file := pos[1]
	switch pos[0] {
	case "export":
		s, err := c.open()
		if err != nil {
			return err
		}
		t, err := s.Rates()
		if err != nil {
			return err
		}
		b, err := json.MarshalIndent(t, "", "  ")
		if err != nil {
			return err
		}
		if err := writeFileAtomic(file, append(b, '\n')); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "wrote rate tables version %d to %s\n", t.Version, file)
		return nil
	case "import":
		raw, err := os.ReadFile(file)
		if err != nil {
			return fileErr(file, "cannot be read", err)
		}
		var t rates.Tables
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&t); err != nil {
			return fileErr(file, "is not a rate tables document", err)
		}
		s, err := c.open()
		if err != nil {
			return err
		}
		note := "imported from " + filepath.Base(file)
		if err := exchange.CheckLine("file", note); err != nil {
			return err
		}
		saved, err := s.SaveRates(t, note)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "rate tables version %d in force; placements keep the version they were priced with\n", saved.Version)
		return nil
	}
	return usagef("want 'rates export FILE' or 'rates import FILE'")
}

func (c *cli) check(args []string) error {
	fs := flags("check")
	undo := fs.Bool("undo", false, "")
	pos, err := parse(fs, args, 2)
	if err != nil {
		return err
	}
	id, err := idArg("placement", pos[0])
	if err != nil {
		return err
	}
	item, err := exchange.ParseItem(pos[1])
	if err != nil {
		return err
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	p, err := s.Tick(id, item, !*undo)
	if err != nil {
		return err
	}
	missing := "every document is in"
	if m := p.Missing(); len(m) > 0 {
		var names []string
		for _, it := range m {
			names = append(names, string(it))
		}
		missing = "missing: " + strings.Join(names, ", ")
	}
	fmt.Fprintf(c.stdout, "%s %s; %s\n", p.ID, item, missing)
	return nil
}

func (c *cli) pay(args []string) error {
	id, s, err := c.onPlacement(flags("pay"), args)
	if err != nil {
		return err
	}
	p, err := s.Act(id, exchange.Pay, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s paid on %s\n", p.ID, wording.Date(p.PaidOn))
	return nil
}

func (c *cli) export(args []string) error {
	fs := flags("export")
	format := fs.String("format", "", "")
	out := fs.String("out", "", "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := required(fs, "format", "out"); err != nil {
		return err
	}
	if *format != "csv" && *format != "xlsx" {
		return &exchange.RuleError{Field: "format", Rule: exchange.RuleFormat, Reason: fmt.Sprintf("%q is not csv or xlsx", *format)}
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	today := exchange.DateOf(s.Now())
	snap, err := s.Snapshot()
	if err != nil {
		return err
	}
	b, err := s.Budget(today)
	if err != nil {
		return err
	}
	placements, budget := report.Tables(snap, b, today)
	var buf bytes.Buffer
	if *format == "xlsx" {
		if err := report.WriteXLSX(&buf, placements, budget); err != nil {
			return err
		}
		if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "wrote %d placements and the budget to %s\n", len(placements), *out)
		return nil
	}
	if err := report.WriteCSV(&buf, report.PlacementColumns, placements); err != nil {
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		return err
	}
	buf.Reset()
	if err := report.WriteCSV(&buf, report.BudgetColumns, budget); err != nil {
		return err
	}
	budgetFile := strings.TrimSuffix(*out, filepath.Ext(*out)) + "-budget.csv"
	if err := writeFileAtomic(budgetFile, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "wrote %d placements to %s and the budget to %s\n", len(placements), *out, budgetFile)
	return nil
}

// fileErr says what went wrong with a file the verb was given.
func fileErr(path, problem string, err error) error {
	return fmt.Errorf("%w: %w", &exchange.RuleError{Field: "file", Rule: exchange.RuleFormat, Value: path,
		Reason: fmt.Sprintf("%s %s (%v)", path, problem, err)}, err)
}

// writeFileAtomic writes a file whole or not at all.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".xchange-*")
	if err != nil {
		return fileErr(path, "cannot be written", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fileErr(path, "cannot be written", err)
	}
	if err := tmp.Close(); err != nil {
		return fileErr(path, "cannot be written", err)
	}
	// Exports hold names and addresses: readable by their owner only, like the data file.
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fileErr(path, "cannot be written", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fileErr(path, "cannot be written", err)
	}
	return nil
}
