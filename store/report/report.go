// Package report writes the partnership's reporting: every placement with the breakdown of
// its lump sum, and the programme budget, as CSV or as an Excel workbook (XLSX, written with
// excelize).
package report

import (
	"encoding/csv"

	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/store"
)

// PlacementColumns head the placements table.
var PlacementColumns = []string{
	"placement_id", "visitor", "visitor_organisation", "visitor_country", "visitor_partnership",
	"host", "host_country", "host_partnership", "first", "last", "travel_days", "working_days", "status",
	"profile", "profile_version", "distance_km", "host_lat", "host_lon", "visitor_lat", "visitor_lon",
	"halved", "reasons", "lump_sum_eur", "completed_on", "paid_on", "payment_due", "overdue",
}

// BudgetColumns head the budget table.
var BudgetColumns = []string{"section", "key", "placements", "committed_eur", "paid_eur", "total_eur"}

// cell is one value of a table: text, or a number (amounts in euros, distances, counts).
type cell struct {
	text   string
	number float64
	isNum  bool
	money  bool
}

func text(s string) cell           { return cell{text: s} }
func num(f float64, s string) cell { return cell{number: f, isNum: true, text: s} }
func euros(c exchange.Cents) cell {
	return cell{number: float64(c) / 100, isNum: true, money: true, text: c.Decimal()}
}
func count(n int) cell     { return num(float64(n), strconv.Itoa(n)) }
func coord(f float64) cell { return num(f, strconv.FormatFloat(f, 'f', 5, 64)) }

// Tables builds the placements and budget tables from a snapshot and a budget.
func Tables(snap store.Snapshot, b store.Budget, today exchange.Date) (placements, budget [][]cell) {
	hosts := map[exchange.ID]exchange.Host{}
	for _, h := range snap.Hosts {
		hosts[h.ID] = h
	}
	visitors := map[exchange.ID]exchange.Visitor{}
	for _, v := range snap.Visitors {
		visitors[v.ID] = v
	}
	ps := append([]exchange.Placement(nil), snap.Placements...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].First.Before(ps[j].First) })
	for _, p := range ps {
		h, v := hosts[p.HostID], visitors[p.VisitorID]
		row := []cell{text(p.ID.String()), text(v.Name), text(v.Organisation), text(v.Country), text(v.Partnership),
			text(h.Name), text(h.Country), text(h.Partnership), text(p.First.String()), text(p.Last.String()),
			text(string(p.Travel)), count(p.WorkingDays(h)), text(string(p.Status))}
		if pr := p.Price; pr != nil {
			row = append(row, text(pr.Profile), count(pr.Version), num(pr.DistanceKm, strconv.FormatFloat(pr.DistanceKm, 'f', 1, 64)),
				coord(pr.HostCoordinates.Lat), coord(pr.HostCoordinates.Lon), coord(pr.VisitorCoordinates.Lat), coord(pr.VisitorCoordinates.Lon),
				text(yesNo(pr.Halved)), text(strings.Join(pr.Reasons, "; ")), euros(pr.LumpSum))
		} else {
			row = append(row, text(""), text(""), text(""), text(""), text(""), text(""), text(""), text(""), text("not priced"), text(""))
		}
		row = append(row, text(p.CompletedOn.String()), text(p.PaidOn.String()), text(p.PaymentDue().String()), text(yesNo(p.Overdue(today))))
		placements = append(placements, row)
	}
	budget = [][]cell{
		{text("programme"), text("envelope"), text(""), text(""), text(""), euros(b.Envelope)},
		{text("programme"), text("committed"), text(""), euros(b.Committed), text(""), euros(b.Committed)},
		{text("programme"), text("paid"), text(""), text(""), euros(b.Paid), euros(b.Paid)},
		{text("programme"), text("remaining"), text(""), text(""), text(""), euros(b.Remaining)},
	}
	for _, sec := range []struct {
		name   string
		shares []store.Share
	}{{"host_country", b.ByCountry}, {"visitor_partnership", b.ByPartnership}} {
		for _, s := range sec.shares {
			budget = append(budget, []cell{text(sec.name), text(s.Key), count(s.Placements), euros(s.Committed), euros(s.Paid), euros(s.Committed + s.Paid)})
		}
	}
	return placements, budget
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// WriteCSV writes one table as CSV with its header.
func WriteCSV(w io.Writer, header []string, rows [][]cell) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		rec := make([]string, len(r))
		for i, c := range r {
			rec[i] = c.text
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes both tables as the sheets "Placements" and "Budget" of one workbook.
// Amounts are numbers in euros with two decimals, so they add up in a spreadsheet.
func WriteXLSX(w io.Writer, placements, budget [][]cell) error {
	f := excelize.NewFile()
	defer f.Close()
	money, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", "Placements"); err != nil {
		return err
	}
	if _, err := f.NewSheet("Budget"); err != nil {
		return err
	}
	for _, sh := range []struct {
		name   string
		header []string
		rows   [][]cell
	}{{"Placements", PlacementColumns, placements}, {"Budget", BudgetColumns, budget}} {
		sw, err := f.NewStreamWriter(sh.name)
		if err != nil {
			return err
		}
		head := make([]any, len(sh.header))
		for i, h := range sh.header {
			head[i] = excelize.Cell{Value: h, StyleID: bold}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		for r, row := range sh.rows {
			vals := make([]any, len(row))
			for i, c := range row {
				switch {
				case c.money:
					vals[i] = excelize.Cell{Value: c.number, StyleID: money}
				case c.isNum:
					vals[i] = c.number
				default:
					vals[i] = c.text
				}
			}
			axis, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(axis, vals); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}
