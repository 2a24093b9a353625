package ui

import (
	"bytes"
	"fmt"
	"image/color"
	"sort"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/gazetteer"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
	"github.com/xchangedesk/xchangedesk/store/report"
)

// budgetScreen shows the programme's money: envelope, committed, paid, remaining, a chart by
// host country, the split by partnership, overdue payments, and the rate tables, which staff
// edit into a new version.
// budgetData is what the budget screen reads and changes.
type budgetData interface {
	Money(today exchange.Date) (store.Money, error)
	Snapshot() (store.Snapshot, error) // for the report
	SetEnvelope(exchange.Cents) error
	SetProfile(string) error
	SaveRates(rates.Tables, string) (rates.Tables, error)
}

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

	version                           *widget.Label
	defaultCap, halfDays, halfKm      *widget.Entry
	caps, bands, daily, groups        *widget.Entry
	fullDays, reduced, travel, greenT *widget.Entry
	note                              *widget.Entry
	ratesErr                          *widget.Label
	history                           *widget.Label
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
	split := widget.NewCard("By host country", "", container.NewVBox(wrapped("Dark: paid. Light: committed."), s.byCountry))
	partner := widget.NewCard("By visitor's partnership", "", container.NewVBox(
		wrapped("Each exchange counts once, to the visitor's partnership, which pays."), s.byPartnership))
	overdue := widget.NewCard("Overdue payments", "", container.NewVBox(
		wrapped(fmt.Sprintf("Payment is due %d days after completion.", exchange.PaymentDueDays)), s.overdue))

	entry := func(placeholder string, lines int) *widget.Entry {
		e := widget.NewEntry()
		if lines > 1 {
			e = widget.NewMultiLineEntry()
			e.SetMinRowsVisible(lines)
		}
		e.SetPlaceHolder(placeholder)
		return e
	}
	s.version = widget.NewLabel("")
	s.version.Wrapping = fyne.TextWrapWord
	s.defaultCap, s.halfDays, s.halfKm = entry("1,100.00", 1), entry("5", 1), entry("200", 1)
	s.caps = entry("PT 780.00", 4)
	s.bands = entry("km from-to, standard, green: 10-100 28.00 56.00", 7)
	s.daily = entry("1 117.00", 3)
	s.groups = entry("1: DK FI IS", 3)
	s.fullDays, s.reduced, s.travel, s.greenT = entry("14", 1), entry("70", 1), entry("2", 1), entry("6", 1)
	s.note = entry("What changed and why (kept with the version)", 1)
	s.ratesErr = errorLine()
	s.history = widget.NewLabel("")
	s.history.Wrapping = fyne.TextWrapWord
	save := widget.NewButtonWithIcon("Save as a new version", theme.DocumentSaveIcon(), s.saveRates)
	save.Importance = widget.HighImportance
	cxc := widget.NewForm(
		widget.NewFormItem("Cap (EUR), default", s.defaultCap),
		widget.NewFormItem("Caps by host country", s.caps),
		widget.NewFormItem("Halve below working days", s.halfDays),
		widget.NewFormItem("Halve below km", s.halfKm),
	)
	erasmus := widget.NewForm(
		widget.NewFormItem("Travel bands", s.bands),
		widget.NewFormItem("Daily support by group (EUR)", s.daily),
		widget.NewFormItem("Country groups", s.groups),
		widget.NewFormItem("Full rate up to day", s.fullDays),
		widget.NewFormItem("Then percent of the rate", s.reduced),
		widget.NewFormItem("Funded travel days", s.travel),
		widget.NewFormItem("… with green travel", s.greenT),
	)
	tables := widget.NewCard("Rate tables", "",
		container.NewVBox(wrapped("Every figure is editable. Saving makes a new version; placements keep the version they were priced with."), s.version,
			widget.NewLabelWithStyle(rates.ProfileLabel(rates.ClusterXchange), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), cxc,
			widget.NewLabelWithStyle(rates.ProfileLabel(rates.ErasmusPlus), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), erasmus,
			widget.NewForm(widget.NewFormItem("Note", s.note)), s.ratesErr, container.NewHBox(save),
			widget.NewLabelWithStyle("Versions", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.history))
	left := container.NewVBox(programme, split, partner, overdue)
	s.content = container.NewHSplit(container.NewVScroll(left), container.NewVScroll(tables))
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
	if b.Envelope > 0 {
		s.envelope.SetText(plainEuros(b.Envelope))
		s.remaining.SetText(b.Remaining.String())
	} else {
		s.envelope.SetText("")
		s.remaining.SetText("no budget set")
	}
	s.committed.SetText(b.Committed.String())
	s.paid.SetText(b.Paid.String())
	s.profile.OnChanged = nil
	s.profile.SetSelected(rates.ProfileLabel(profileOf(m.Programme)))
	s.profile.OnChanged = s.setProfile
	s.byCountry.Objects = bars(b.ByCountry, func(k string) string { return exchange.CountryName(k) + " (" + k + ")" })
	s.byCountry.Refresh()
	s.byPartnership.Objects = bars(b.ByPartnership, func(k string) string { return k })
	s.byPartnership.Refresh()
	if len(b.Overdue) == 0 {
		s.overdue.Importance = widget.MediumImportance
		s.overdue.SetText("None.")
	} else {
		var lines []string
		for _, r := range m.Overdue {
			p := r.Placement
			lines = append(lines, fmt.Sprintf("%s at %s — %s, due %s",
				r.Visitor.Name, r.Host.Name, p.Price.LumpSum, wording.Date(p.PaymentDue())))
		}
		s.overdue.Importance = widget.DangerImportance
		s.overdue.SetText(strings.Join(lines, "\n"))
	}
	s.showRates(m.Rates())
	var hist []string
	for i := len(m.Versions) - 1; i >= 0; i-- {
		v := m.Versions[i]
		line := fmt.Sprintf("Version %d", v.Version)
		if !v.Created.IsZero() {
			line += ", " + wording.Stamp(v.Created)
		}
		if v.Note != "" {
			line += " — " + v.Note
		}
		hist = append(hist, line)
	}
	s.history.SetText(strings.Join(hist, "\n"))
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

// showRates puts tables into the editor, one figure or line per thing staff change.
func (s *budgetScreen) showRates(t rates.Tables) {
	s.version.SetText(fmt.Sprintf("In force: version %d", t.Version))
	c := t.CXC
	s.defaultCap.SetText(plainEuros(c.DefaultCap))
	s.halfDays.SetText(strconv.Itoa(c.HalfBelowWorkingDays))
	s.halfKm.SetText(strconv.FormatFloat(c.HalfBelowKm, 'f', -1, 64))
	var caps []string
	for _, k := range sortedKeys(c.Caps) {
		caps = append(caps, k+" "+plainEuros(c.Caps[k]))
	}
	s.caps.SetText(strings.Join(caps, "\n"))
	e := t.Erasmus
	var bands []string
	for _, b := range e.Bands {
		to := ""
		if b.ToKm > 0 {
			to = strconv.FormatFloat(b.ToKm, 'f', -1, 64)
		}
		line := fmt.Sprintf("%s-%s %s", strconv.FormatFloat(b.FromKm, 'f', -1, 64), to, plainEuros(b.Standard))
		if b.Green > 0 {
			line += " " + plainEuros(b.Green)
		}
		bands = append(bands, line)
	}
	s.bands.SetText(strings.Join(bands, "\n"))
	var daily, groups []string
	byGroup := map[int][]string{}
	for country, g := range e.Groups {
		byGroup[g] = append(byGroup[g], country)
	}
	var gs []int
	for g := range e.Daily {
		gs = append(gs, g)
	}
	sort.Ints(gs)
	for _, g := range gs {
		daily = append(daily, fmt.Sprintf("%d %s", g, plainEuros(e.Daily[g])))
		sort.Strings(byGroup[g])
		groups = append(groups, fmt.Sprintf("%d: %s", g, strings.Join(byGroup[g], " ")))
	}
	s.daily.SetText(strings.Join(daily, "\n"))
	s.groups.SetText(strings.Join(groups, "\n"))
	s.fullDays.SetText(strconv.Itoa(e.FullRateDays))
	s.reduced.SetText(strconv.Itoa(e.ReducedPercent))
	s.travel.SetText(strconv.Itoa(e.TravelDays))
	s.greenT.SetText(strconv.Itoa(e.GreenTravelDays))
	setLine(s.ratesErr, nil)
}

// readRates reads the editor back into tables; each problem names its line.
func (s *budgetScreen) readRates() (rates.Tables, error) {
	var t rates.Tables
	var errs []string
	euro := func(field, v string) exchange.Cents {
		c, err := exchange.ParseEuros(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %q is not an amount", field, v))
		}
		return c
	}
	integer := func(field, v string) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %q is not a whole number", field, v))
		}
		return n
	}
	float := func(field, v string) float64 {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %q is not a number", field, v))
		}
		return f
	}
	t.CXC.DefaultCap = euro("default cap", s.defaultCap.Text)
	t.CXC.HalfBelowWorkingDays = integer("halve below working days", s.halfDays.Text)
	t.CXC.HalfBelowKm = float("halve below km", s.halfKm.Text)
	t.CXC.Caps = map[string]exchange.Cents{}
	for i, line := range lines(s.caps.Text) {
		f := strings.Fields(line)
		if len(f) != 2 {
			errs = append(errs, fmt.Sprintf("caps line %d: want a country code and an amount, like PT 780.00", i+1))
			continue
		}
		t.CXC.Caps[strings.ToUpper(f[0])] = euro(fmt.Sprintf("caps line %d", i+1), f[1])
	}
	for i, line := range lines(s.bands.Text) {
		f := strings.Fields(line)
		from, to, ok := strings.Cut(f[0], "-")
		if len(f) < 2 || len(f) > 3 || !ok {
			errs = append(errs, fmt.Sprintf("bands line %d: want from-to km, the standard amount and maybe a green one, like 100-500 211.00 285.00", i+1))
			continue
		}
		b := rates.Band{FromKm: float(fmt.Sprintf("bands line %d", i+1), from), Standard: euro(fmt.Sprintf("bands line %d", i+1), f[1])}
		if to != "" {
			b.ToKm = float(fmt.Sprintf("bands line %d", i+1), to)
		}
		if len(f) == 3 {
			b.Green = euro(fmt.Sprintf("bands line %d", i+1), f[2])
		}
		t.Erasmus.Bands = append(t.Erasmus.Bands, b)
	}
	t.Erasmus.Daily = map[int]exchange.Cents{}
	for i, line := range lines(s.daily.Text) {
		f := strings.Fields(line)
		if len(f) != 2 {
			errs = append(errs, fmt.Sprintf("daily line %d: want a group and an amount, like 1 117.00", i+1))
			continue
		}
		t.Erasmus.Daily[integer(fmt.Sprintf("daily line %d", i+1), f[0])] = euro(fmt.Sprintf("daily line %d", i+1), f[1])
	}
	t.Erasmus.Groups = map[string]int{}
	for i, line := range lines(s.groups.Text) {
		g, countries, ok := strings.Cut(line, ":")
		if !ok {
			errs = append(errs, fmt.Sprintf("groups line %d: want a group, a colon and country codes, like 1: DK FI", i+1))
			continue
		}
		n := integer(fmt.Sprintf("groups line %d", i+1), g)
		for _, c := range strings.Fields(countries) {
			t.Erasmus.Groups[strings.ToUpper(c)] = n
		}
	}
	t.Erasmus.FullRateDays = integer("full rate up to day", s.fullDays.Text)
	t.Erasmus.ReducedPercent = integer("percent of the rate", s.reduced.Text)
	t.Erasmus.TravelDays = integer("funded travel days", s.travel.Text)
	t.Erasmus.GreenTravelDays = integer("green travel days", s.greenT.Text)
	if len(errs) > 0 {
		return t, &exchange.RuleError{Field: "rates", Rule: exchange.RuleFormat, Reason: strings.Join(errs, "; ")}
	}
	return t, nil
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (s *budgetScreen) saveRates() {
	t, err := s.readRates()
	if err == nil {
		t, err = s.data.SaveRates(t, strings.TrimSpace(s.note.Text))
	}
	if err != nil {
		setLine(s.ratesErr, []string{message(err)})
		return
	}
	s.note.SetText("")
	s.desk.say(fmt.Sprintf("Rate tables version %d are in force for new bookings; booked placements keep their price.", t.Version))
	s.reload()
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

// about names the app, its data file and the data it is built on.
func (d *Desk) about() {
	text := widget.NewLabel(fmt.Sprintf("%s — the booking desk for ClusterXchange-style mobility programmes.\n\n"+
		"Data file: %s\n\n%s\nMade with Fyne, bbolt and excelize.", Title, d.dataPath(), gazetteer.Attribution))
	text.Wrapping = fyne.TextWrapWord
	dlg := dialog.NewCustom("About "+Title, "Close", container.NewGridWrap(fyne.NewSize(480, 200), text), d.win)
	dlg.Show()
}

func (d *Desk) dataPath() string {
	if p, ok := d.data.(interface{ Path() string }); ok {
		return p.Path()
	}
	return "(shared)"
}

// bar is a horizontal bar: paid in one colour, committed after it in a lighter one.
type bar struct {
	widget.BaseWidget
	paid, committed float32
}

func newBar(paid, committed float32) *bar {
	b := &bar{paid: paid, committed: committed}
	b.ExtendBaseWidget(b)
	return b
}

func (b *bar) CreateRenderer() fyne.WidgetRenderer {
	p := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	c := canvas.NewRectangle(withAlpha(theme.Color(theme.ColorNamePrimary), 0x70))
	return &barRenderer{b: b, paid: p, committed: c}
}

type barRenderer struct {
	b               *bar
	paid, committed *canvas.Rectangle
}

func (r *barRenderer) Layout(size fyne.Size) {
	h := size.Height * 0.6
	y := (size.Height - h) / 2
	r.paid.Move(fyne.NewPos(0, y))
	r.paid.Resize(fyne.NewSize(size.Width*r.b.paid, h))
	r.committed.Move(fyne.NewPos(size.Width*r.b.paid, y))
	r.committed.Resize(fyne.NewSize(size.Width*r.b.committed, h))
}

func (r *barRenderer) MinSize() fyne.Size           { return fyne.NewSize(60, 20) }
func (r *barRenderer) Refresh()                     { r.Layout(r.b.Size()) }
func (r *barRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.paid, r.committed} }
func (r *barRenderer) Destroy()                     {}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
