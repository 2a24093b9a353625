package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

// ratesData is what the rate tables editor changes.
type ratesData interface {
	SaveRates(rates.Tables, string) (rates.Tables, error)
}

// ratesEditor shows the rate tables in force as tables with headers, and saves an edit as a
// new version; placements keep the version they were priced with.
type ratesEditor struct {
	desk    *Desk
	data    ratesData
	content fyne.CanvasObject
	saved   func() // after a new version is saved

	version                           *widget.Label
	defaultCap, halfDays, halfKm      *widget.Entry
	caps, bands, groups               *gridEdit
	fullDays, reduced, travel, greenT *widget.Entry
	note                              *widget.Entry
	ratesErr                          *widget.Label
	history                           *widget.Label
	shown                             int  // the version the figures show
	dirty                             bool // the person changed a figure since
	quiet                             bool // show is setting the figures
}

func newRatesEditor(d *Desk, data ratesData, saved func()) *ratesEditor {
	s := &ratesEditor{desk: d, data: data, saved: saved}
	entry := func(placeholder string) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		e.OnChanged = func(string) { s.edited() }
		return e
	}
	s.version = wrapped("")
	s.defaultCap, s.halfDays, s.halfKm = entry("1,100.00"), entry("5"), entry("200")
	s.caps = newGridEdit([]string{"Host country", "Cap (EUR)"}, []float32{150, 150}, 3)
	s.bands = newGridEdit([]string{"From km", "To km", "Standard (EUR)", "Green (EUR)"}, []float32{100, 100, 140, 130}, 7)
	s.groups = newGridEdit([]string{"Group", "EUR a day", "Host countries"}, []float32{80, 110, 300}, 3)
	for _, g := range []*gridEdit{s.caps, s.bands, s.groups} {
		g.changed = s.edited
	}
	s.fullDays, s.reduced, s.travel, s.greenT = entry("14"), entry("70"), entry("2"), entry("6")
	s.note = entry("What changed and why (kept with the version)")
	s.ratesErr = errorLine()
	s.history = wrapped("")
	save := widget.NewButtonWithIcon("Save as a new version", theme.DocumentSaveIcon(), s.save)
	save.Importance = widget.HighImportance
	bold := func(text string) *widget.Label {
		return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	cxc := widget.NewForm(
		widget.NewFormItem("Cap (EUR), default", s.defaultCap),
		widget.NewFormItem("Halve below working days", s.halfDays),
		widget.NewFormItem("Halve below km", s.halfKm),
	)
	erasmus := widget.NewForm(
		widget.NewFormItem("Full rate up to day", s.fullDays),
		widget.NewFormItem("Then percent of the rate", s.reduced),
		widget.NewFormItem("Funded travel days", s.travel),
		widget.NewFormItem("… with green travel", s.greenT),
	)
	s.content = widget.NewCard("Rate tables", "", container.NewVBox(
		wrapped("Every figure is editable. Saving makes a new version; placements keep the version they were priced with."), s.version,
		bold(rates.ProfileLabel(rates.ClusterXchange)), cxc,
		widget.NewLabel("Caps by host country (the default applies elsewhere)"), s.caps.content,
		bold(rates.ProfileLabel(rates.ErasmusPlus)),
		widget.NewLabel("Travel by one-way distance (an empty “To km” has no upper end)"), s.bands.content,
		widget.NewLabel("Individual support by host country group"), s.groups.content,
		erasmus,
		widget.NewForm(widget.NewFormItem("Note", s.note)), s.ratesErr, container.NewHBox(save),
		bold("Versions"), s.history))
	return s
}

// show puts the tables in force into the editor, and lists the versions, newest first.
func (s *ratesEditor) show(t rates.Tables, versions []rates.Tables) {
	s.showVersions(versions)
	if s.dirty && t.Version == s.shown {
		return // someone is editing these figures: a refresh must not undo their typing
	}
	s.quiet = true
	defer func() { s.quiet, s.dirty, s.shown = false, false, t.Version }()
	s.version.SetText(fmt.Sprintf("In force: version %d", t.Version))
	c := t.CXC
	s.defaultCap.SetText(plainEuros(c.DefaultCap))
	s.halfDays.SetText(strconv.Itoa(c.HalfBelowWorkingDays))
	s.halfKm.SetText(km(c.HalfBelowKm))
	var caps [][]string
	for _, k := range sortedKeys(c.Caps) {
		caps = append(caps, []string{k, plainEuros(c.Caps[k])})
	}
	s.caps.set(caps)
	e := t.Erasmus
	var bands [][]string
	for _, b := range e.Bands {
		to, green := "", ""
		if b.ToKm > 0 {
			to = km(b.ToKm)
		}
		if b.Green > 0 {
			green = plainEuros(b.Green)
		}
		bands = append(bands, []string{km(b.FromKm), to, plainEuros(b.Standard), green})
	}
	s.bands.set(bands)
	byGroup := map[int][]string{}
	for country, g := range e.Groups {
		byGroup[g] = append(byGroup[g], country)
	}
	var gs []int
	for g := range e.Daily {
		gs = append(gs, g)
	}
	sort.Ints(gs)
	var groups [][]string
	for _, g := range gs {
		sort.Strings(byGroup[g])
		groups = append(groups, []string{strconv.Itoa(g), plainEuros(e.Daily[g]), strings.Join(byGroup[g], " ")})
	}
	s.groups.set(groups)
	s.fullDays.SetText(strconv.Itoa(e.FullRateDays))
	s.reduced.SetText(strconv.Itoa(e.ReducedPercent))
	s.travel.SetText(strconv.Itoa(e.TravelDays))
	s.greenT.SetText(strconv.Itoa(e.GreenTravelDays))
	setLine(s.ratesErr, nil)
}

// edited marks the figures as changed by the person, not by show.
func (s *ratesEditor) edited() {
	if !s.quiet {
		s.dirty = true
	}
}

// showVersions lists the versions, newest first.
func (s *ratesEditor) showVersions(versions []rates.Tables) {
	var hist []string
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
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

func km(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// read reads the editor back into tables; each problem names its table, row and column.
func (s *ratesEditor) read() (rates.Tables, error) {
	var t rates.Tables
	var errs []string
	euro := func(where, v string) exchange.Cents {
		c, err := exchange.ParseEuros(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: “%s” is not an amount.", where, v))
		}
		return c
	}
	integer := func(where, v string) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: “%s” is not a whole number.", where, v))
		}
		return n
	}
	float := func(where, v string) float64 {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: “%s” is not a number.", where, v))
		}
		return f
	}
	cell := func(table string, row int, g *gridEdit, col int) string {
		return fmt.Sprintf("%s, row %d, %s", table, row, g.headers[col])
	}
	t.CXC.DefaultCap = euro("Default cap", s.defaultCap.Text)
	t.CXC.HalfBelowWorkingDays = integer("Halve below working days", s.halfDays.Text)
	t.CXC.HalfBelowKm = float("Halve below km", s.halfKm.Text)
	t.CXC.Caps = map[string]exchange.Cents{}
	rows, numbers := s.caps.filled()
	for i, r := range rows {
		t.CXC.Caps[strings.ToUpper(r[0])] = euro(cell("Caps", numbers[i], s.caps, 1), r[1])
	}
	rows, numbers = s.bands.filled()
	for i, r := range rows {
		b := rates.Band{FromKm: float(cell("Travel", numbers[i], s.bands, 0), r[0]),
			Standard: euro(cell("Travel", numbers[i], s.bands, 2), r[2])}
		if r[1] != "" {
			b.ToKm = float(cell("Travel", numbers[i], s.bands, 1), r[1])
		}
		if r[3] != "" {
			b.Green = euro(cell("Travel", numbers[i], s.bands, 3), r[3])
		}
		t.Erasmus.Bands = append(t.Erasmus.Bands, b)
	}
	t.Erasmus.Daily, t.Erasmus.Groups = map[int]exchange.Cents{}, map[string]int{}
	rows, numbers = s.groups.filled()
	for i, r := range rows {
		g := integer(cell("Groups", numbers[i], s.groups, 0), r[0])
		t.Erasmus.Daily[g] = euro(cell("Groups", numbers[i], s.groups, 1), r[1])
		for _, c := range strings.Fields(strings.ReplaceAll(r[2], ",", " ")) {
			t.Erasmus.Groups[strings.ToUpper(c)] = g
		}
	}
	t.Erasmus.FullRateDays = integer("Full rate up to day", s.fullDays.Text)
	t.Erasmus.ReducedPercent = integer("Percent of the rate", s.reduced.Text)
	t.Erasmus.TravelDays = integer("Funded travel days", s.travel.Text)
	t.Erasmus.GreenTravelDays = integer("Green travel days", s.greenT.Text)
	if len(errs) > 0 {
		return t, &exchange.RuleError{Field: "rates", Rule: exchange.RuleFormat, Reason: strings.Join(errs, " ")}
	}
	return t, nil
}

func (s *ratesEditor) save() {
	t, err := s.read()
	if err == nil {
		t, err = s.data.SaveRates(t, strings.TrimSpace(s.note.Text))
	}
	if err != nil {
		setLine(s.ratesErr, []string{message(err)})
		return
	}
	s.note.SetText("")
	s.desk.say(fmt.Sprintf("Rate tables version %d are in force for new bookings; booked placements keep their price.", t.Version))
	s.saved()
}
