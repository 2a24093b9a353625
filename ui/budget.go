package ui

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
	"github.com/xchangedesk/xchangedesk/store/report"
)

// budgetData is what the budget screen reads and changes.
type budgetData interface {
	Money(today exchange.Date) (store.Money, error)
	Snapshot() (store.Snapshot, error) // for the report
	SetEnvelope(exchange.Cents) error
	SetProfile(string) error
	SaveRates(rates.Tables, string) (rates.Tables, error)
}

// budgetScreen shows the programme's money: envelope, committed, paid, remaining, a chart by
// host country, the split by partnership, overdue payments, and beside them the rate tables.
type budgetScreen struct {
	desk    *Desk
	data    budgetData
	content fyne.CanvasObject
	money   store.Money // what the screen shows

	envelope                   *widget.Entry
	committed, paid, remaining *widget.Label
	profile                    *widget.Select
	byCountry, byPartnership   *fyne.Container
	overdue                    *widget.Label
	moneyErr                   *widget.Label

	rates         *ratesEditor
	shownEnvelope string // the envelope as last read, to tell it from what is being typed
}

func newBudgetScreen(d *Desk, data budgetData) *budgetScreen {
	s := &budgetScreen{desk: d, data: data}
	s.envelope = widget.NewEntry()
	s.envelope.SetPlaceHolder("e.g. 40,000")
	saveEnvelope := widget.NewButton("Set budget", s.setEnvelope)
	big := func() *widget.Label {
		l := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.SizeName = theme.SizeNameSubHeadingText
		return l
	}
	s.committed, s.paid, s.remaining = big(), big(), big()
	var labels []string
	for _, p := range []string{rates.ClusterXchange, rates.ErasmusPlus} {
		labels = append(labels, rates.ProfileLabel(p))
	}
	s.profile = widget.NewSelect(labels, nil)
	s.moneyErr = errorLine()
	s.byCountry, s.byPartnership = container.NewVBox(), container.NewVBox()
	s.overdue = widget.NewLabel("")
	s.overdue.Importance = widget.DangerImportance
	s.overdue.Wrapping = fyne.TextWrapWord

	numbers := container.NewGridWithColumns(3,
		titled("Committed", s.committed), titled("Paid", s.paid), titled("Remaining", s.remaining))
	programme := widget.NewCard("Programme budget", "",
		container.NewVBox(
			wrapped("Committed: lump sums of placements that hold a place and are not yet paid."),
			container.NewBorder(nil, nil, widget.NewLabel("Envelope (EUR)"), saveEnvelope, s.envelope),
			numbers,
			container.NewBorder(nil, nil, widget.NewLabel("Rate profile for new bookings"), nil, s.profile),
			s.moneyErr,
			widget.NewButtonWithIcon("Export report…", theme.DocumentSaveIcon(), s.exportDialog),
		))
	split := widget.NewCard("By host country", "", container.NewVBox(barLegend(), s.byCountry))
	partner := widget.NewCard("By visitor's partnership", "", container.NewVBox(
		wrapped("Each exchange counts once, to the visitor's partnership, which pays."), s.byPartnership))
	overdue := widget.NewCard("Overdue payments", "", container.NewVBox(
		wrapped(fmt.Sprintf("Payment is due %d days after completion.", exchange.PaymentDueDays)), s.overdue))

	s.rates = newRatesEditor(d, data, s.reload)
	left := container.NewVBox(programme, split, partner, overdue)
	s.content = container.NewHSplit(container.NewVScroll(left), container.NewVScroll(s.rates.content))
	return s
}

func titled(title string, value fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(widget.NewLabel(title), value)
}

// reload reads the programme's money again.
func (s *budgetScreen) reload() {
	load(s.desk.bridge, "budget", func() (store.Money, error) { return s.data.Money(s.desk.today()) }, s.apply)
}

// apply shows the programme's money; profile changes apply at once.
func (s *budgetScreen) apply(m store.Money, err error) {
	if err != nil {
		s.desk.fail(err)
		return
	}
	s.money = m
	b := m.Budget
	envelope := ""
	if b.Envelope > 0 {
		envelope = plainEuros(b.Envelope)
		s.remaining.SetText(b.Remaining.String())
	} else {
		s.remaining.SetText("no budget set")
	}
	// What someone is typing stays: only a field still showing what was read follows.
	if s.envelope.Text == s.shownEnvelope {
		s.envelope.SetText(envelope)
	}
	s.shownEnvelope = envelope
	s.committed.SetText(b.Committed.String())
	s.paid.SetText(b.Paid.String())
	s.profile.OnChanged = nil
	s.profile.SetSelected(rates.ProfileLabel(profileOf(m.Programme)))
	s.profile.OnChanged = s.setProfile
	s.byCountry.Objects = bars(b.ByCountry, func(k string) string { return exchange.CountryName(k) + " (" + k + ")" })
	s.byCountry.Refresh()
	s.byPartnership.Objects = bars(b.ByPartnership, func(k string) string { return k })
	s.byPartnership.Refresh()
	if len(m.Overdue) == 0 {
		s.overdue.Importance = widget.MediumImportance
		s.overdue.SetText("None.")
	} else {
		var lines []string
		for _, r := range m.Overdue {
			p := r.Placement
			lump := "not priced"
			if p.Price != nil {
				lump = p.Price.LumpSum.String()
			}
			lines = append(lines, fmt.Sprintf("%s at %s — %s, due %s",
				r.Visitor.Name, r.Host.Name, lump, wording.Date(p.PaymentDue())))
		}
		s.overdue.Importance = widget.DangerImportance
		s.overdue.SetText(strings.Join(lines, "\n"))
	}
	s.rates.show(m.Rates(), m.Versions)
}

// bars draws one horizontal bar a share, committed and paid together, scaled to the largest.
func bars(shares []store.Share, label func(string) string) []fyne.CanvasObject {
	if len(shares) == 0 {
		return []fyne.CanvasObject{widget.NewLabel("Nothing committed or paid yet.")}
	}
	var top exchange.Cents
	for _, sh := range shares {
		top = max(top, sh.Committed+sh.Paid)
	}
	var out []fyne.CanvasObject
	for _, sh := range shares {
		name := widget.NewLabel(label(sh.Key))
		name.Truncation = fyne.TextTruncateEllipsis
		amount := widget.NewLabel(fmt.Sprintf("%s · %d", sh.Committed+sh.Paid, sh.Placements))
		out = append(out, container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(190, 34), name), amount,
			newBar(float32(sh.Paid)/float32(top), float32(sh.Committed)/float32(top))))
	}
	return out
}

func (s *budgetScreen) setEnvelope() {
	c, err := exchange.ParseEuros(s.envelope.Text)
	if err == nil {
		err = s.data.SetEnvelope(c)
	}
	if err != nil {
		setLine(s.moneyErr, []string{message(err)})
		return
	}
	setLine(s.moneyErr, nil)
	s.shownEnvelope = s.envelope.Text // saved: the field may show the stored amount again
	s.desk.say("The programme's budget is now " + c.String() + ".")
	s.reload()
}

func (s *budgetScreen) setProfile(label string) {
	for _, p := range []string{rates.ClusterXchange, rates.ErasmusPlus} {
		if rates.ProfileLabel(p) == label && p != profileOf(s.money.Programme) {
			if err := s.data.SetProfile(p); err != nil {
				setLine(s.moneyErr, []string{message(err)})
				return
			}
			s.desk.say("New bookings are priced with the " + label + " profile; booked placements keep their price.")
			s.reload()
		}
	}
}

// profileOf is the rate profile that prices new bookings.
func profileOf(p exchange.Programme) string {
	if p.Profile == "" {
		return rates.ClusterXchange
	}
	return p.Profile
}

func plainEuros(c exchange.Cents) string {
	return strings.TrimPrefix(c.String(), "EUR ")
}

// exportDialog asks where to write the report; the file's extension picks CSV or XLSX.
func (s *budgetScreen) exportDialog() {
	dlg := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		defer w.Close()
		name := w.URI().Name()
		format := "xlsx"
		if strings.HasSuffix(strings.ToLower(name), ".csv") {
			format = "csv"
		}
		b, err := s.report(format)
		if err == nil {
			// The report names people and organisations: only the user may read it.
			err = os.Chmod(w.URI().Path(), 0o600)
		}
		if err == nil {
			_, err = w.Write(b)
		}
		if err != nil {
			s.desk.fail(err)
			return
		}
		s.desk.say("Wrote the report to " + w.URI().Path() + ".")
	}, s.desk.win)
	dlg.SetFileName("xchange-report.xlsx")
	dlg.Show()
}

// report renders the partnership's report: an XLSX workbook, or the placements as CSV
// followed by a blank line and the budget.
func (s *budgetScreen) report(format string) ([]byte, error) {
	snap, err := s.data.Snapshot()
	if err != nil {
		return nil, err
	}
	placements, budget := report.Tables(snap, s.money.Budget, s.desk.today())
	var buf bytes.Buffer
	if format == "xlsx" {
		err := report.WriteXLSX(&buf, placements, budget)
		return buf.Bytes(), err
	}
	if err := report.WriteCSV(&buf, report.PlacementColumns, placements); err != nil {
		return nil, err
	}
	buf.WriteString("\n")
	err = report.WriteCSV(&buf, report.BudgetColumns, budget)
	return buf.Bytes(), err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
