package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/gazetteer"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

// bookingData is what the booking window reads and changes.
type bookingData interface {
	Choices() (store.Choices, error)
	Check(store.BookingRequest) (store.Preview, error)
	Book(store.BookingRequest) (exchange.Placement, error)
}

// bookingDialog books a placement: pick host and visitor, pick dates, and see working days,
// the live quote and every broken rule as the choices change. It is a window of its own, so
// that it can be made larger; the quote stays in view beside the fields, and the problems
// show in a fixed area under it, so that the fields never move under the mouse.
type bookingDialog struct {
	desk        *Desk
	data        bookingData
	win         fyne.Window
	closed      bool
	host        *widget.SelectEntry
	visitor     *widget.SelectEntry
	hostHints   *fyne.Container
	visHints    *fyne.Container
	first, last *dateField
	travel      *widget.Select
	green       *widget.Check
	extra       *widget.Entry
	erasmusRows [][2]fyne.CanvasObject // green travel and extra days: shown only for a profile that uses them
	goals       *widget.Entry
	summary     *widget.Label
	quote       *widget.Label
	warning     *widget.Label
	errs        fieldErrors
	other       *widget.Label
	book        *widget.Button

	hostIDs, visitorIDs map[string]exchange.ID
	hostOpts, visOpts   []string
	hosts               map[exchange.ID]exchange.Host
	visitors            map[exchange.ID]exchange.Visitor
}

var travelOptions = []struct {
	label string
	value exchange.TravelDays
}{
	{"First and last day", exchange.TravelBoth},
	{"Only the first day", exchange.TravelFirst},
	{"Only the last day", exchange.TravelLast},
	{"Neither: no travel days", exchange.TravelNone},
}

// bookingFields are the fields whose problems the booking window names, in the form's order.
var bookingFields = []struct{ field, label string }{
	{"host", "Host"}, {"visitor", "Visitor"}, {"first", "First day"}, {"last", "Last day"},
	{"travel_days", "Travel days"}, {"extra_travel_days", "Extra travel days"}, {"goals", "Goals"}, {"budget", "Budget"},
}

// openBooking shows the booking window, with the visitor chosen when v is not nil.
func (d *Desk) openBooking(v *exchange.Visitor) *bookingDialog {
	if d.booking != nil {
		d.booking.close()
	}
	b := &bookingDialog{desk: d, data: d.data, errs: fieldErrors{}}
	b.hostHints, b.visHints = container.NewHBox(), container.NewHBox()
	b.host = searchSelect("Type to search hosts", func() []string { return b.hostOpts }, b.hostHints, b.check)
	b.visitor = searchSelect("Type to search visitors", func() []string { return b.visOpts }, b.visHints, b.check)
	b.first, b.last = newDateField(), newDateField()
	b.first.OnPicked = func(*time.Time) { b.check() }
	b.last.OnPicked = func(*time.Time) { b.check() }
	var labels []string
	for _, t := range travelOptions {
		labels = append(labels, t.label)
	}
	b.travel = widget.NewSelect(labels, nil)
	b.travel.SetSelected(travelOptions[0].label)
	b.green = widget.NewCheck("by train, bus or car-sharing", nil)
	b.extra = widget.NewEntry()
	b.extra.SetPlaceHolder("0")
	b.goals = widget.NewMultiLineEntry()
	b.goals.SetPlaceHolder("Goals and agenda (for the Commitment to Quality)")
	b.goals.SetMinRowsVisible(3)
	b.summary = wrapped("Pick a host, a visitor and the dates.")
	b.quote = wrapped("")
	b.quote.Hide()
	b.warning = wrapped("")
	b.warning.Importance = widget.WarningImportance
	b.warning.Hide()
	b.other = errorLine()
	b.book = widget.NewButton("Book as draft", b.submit)
	b.book.Importance = widget.HighImportance
	b.book.Disable()
	cancel := widget.NewButton("Close", func() { b.close() })

	hint := func(text string) *widget.Label {
		l := widget.NewLabel(text)
		l.Alignment = fyne.TextAlignTrailing
		return l
	}
	greenLabel, extraLabel := hint("Green travel"), hint("Extra travel days")
	b.erasmusRows = [][2]fyne.CanvasObject{{greenLabel, b.green}, {extraLabel, b.extra}}
	form := container.New(layout.NewFormLayout(),
		hint("Host"), container.NewVBox(b.host, b.hostHints),
		hint("Visitor"), container.NewVBox(b.visitor, b.visHints),
		hint("First day"), b.first,
		hint("Last day"), b.last,
		hint("Travel days"), b.travel,
		greenLabel, b.green,
		extraLabel, b.extra,
		hint("Goals"), b.goals,
	)
	var problems []fyne.CanvasObject
	for _, f := range bookingFields {
		problems = append(problems, b.errs.add(f.field))
	}
	problems = append(problems, b.other, b.warning)
	problemArea := container.NewVScroll(container.NewVBox(problems...))
	problemArea.SetMinSize(fyne.NewSize(300, 150))
	left := container.NewBorder(nil, container.NewHBox(b.book, cancel), nil, nil, container.NewVScroll(form))
	right := container.NewBorder(nil, problemArea, nil, nil, container.NewVScroll(container.NewVBox(b.summary, b.quote)))
	split := container.NewHSplit(container.NewPadded(left), container.NewPadded(right))
	split.Offset = 0.55
	b.win = d.app.NewWindow("Book a placement")
	b.win.SetContent(split)
	b.win.Resize(fyne.NewSize(1000, 640))
	b.win.SetOnClosed(func() {
		b.closed = true
		if d.booking == b {
			d.booking = nil
		}
	})
	b.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyEscape}, func(fyne.Shortcut) { b.close() })
	b.travel.OnChanged = func(string) { b.check() } // now that every field exists
	b.green.OnChanged = func(bool) { b.check() }
	b.extra.OnChanged = func(string) { b.check() }
	b.win.Show()
	b.win.Canvas().Focus(b.host)
	d.booking = b
	load(d.bridge, "booking", b.data.Choices, func(c store.Choices, err error) {
		if err != nil {
			setLine(b.other, []string{message(err)})
			return
		}
		b.choose(c)
		if v != nil {
			b.visitor.SetText(visitorOption(*v))
		}
	})
	return b
}

// close closes the window, once.
func (b *bookingDialog) close() {
	if !b.closed {
		b.closed = true
		b.win.Close()
	}
}

// choose offers the hosts and visitors of the data file.
func (b *bookingDialog) choose(c store.Choices) {
	b.hostIDs, b.visitorIDs = map[string]exchange.ID{}, map[string]exchange.ID{}
	b.hosts, b.visitors = map[exchange.ID]exchange.Host{}, map[exchange.ID]exchange.Visitor{}
	b.hostOpts, b.visOpts = nil, nil
	for _, h := range c.Hosts {
		label := hostOption(h)
		b.hostIDs[label], b.hosts[h.ID] = h.ID, h
		b.hostOpts = append(b.hostOpts, label)
	}
	for _, x := range c.Visitors {
		label := visitorOption(x)
		b.visitorIDs[label], b.visitors[x.ID] = x.ID, x
		b.visOpts = append(b.visOpts, label)
	}
	b.host.SetOptions(b.hostOpts)
	b.visitor.SetOptions(b.visOpts)
	for _, r := range b.erasmusRows {
		showRow(r, profileOf(c.Programme) == rates.ErasmusPlus)
	}
}

func hostOption(h exchange.Host) string {
	return fmt.Sprintf("%s — %s, %s", h.Name, h.City, h.Country)
}

func visitorOption(v exchange.Visitor) string {
	return fmt.Sprintf("%s — %s, %s", v.Name, v.Organisation, v.Country)
}

// searchSelect is a drop-down whose options narrow to what has been typed; the first few
// matches show under it as suggestions to click while typing.
func searchSelect(placeholder string, options func() []string, hints *fyne.Container, changed func()) *widget.SelectEntry {
	e := widget.NewSelectEntry(nil)
	e.SetPlaceHolder(placeholder)
	e.OnChanged = func(text string) {
		options := options()
		shown := filterOptions(text, options)
		suggest(hints, e, text, shown)
		if len(shown) == 0 {
			shown = options
		}
		e.SetOptions(shown)
		changed()
	}
	suggest(hints, e, "", nil)
	return e
}

// suggest shows up to four matches under a picker; a click picks one. The row keeps its
// height when empty, so that the fields under it stay where they are.
func suggest(hints *fyne.Container, e *widget.SelectEntry, text string, matches []string) {
	hints.Objects = hints.Objects[:0]
	if strings.TrimSpace(text) != "" && !slices.Contains(matches, text) {
		for i, m := range matches {
			if i == 4 {
				hints.Add(widget.NewLabel(fmt.Sprintf("and %d more", len(matches)-4)))
				break
			}
			name, _, _ := strings.Cut(m, " — ")
			l := widget.NewLabel(name)
			l.Importance = widget.HighImportance
			hints.Add(newTappable(l, func() { e.SetText(m) }))
		}
		if len(matches) == 0 {
			hints.Add(widget.NewLabel("No match."))
		}
	}
	if len(hints.Objects) == 0 {
		hints.Add(widget.NewLabel(" "))
	}
	hints.Refresh()
}

// filterOptions returns the options that contain every word of text.
func filterOptions(text string, options []string) []string {
	terms := searchTerms(text)
	var out []string
	for _, o := range options {
		if o == text || matches(terms, o) {
			out = append(out, o)
		}
	}
	return out
}

// pick returns the id of the option text names: the option itself, or the only option that
// matches what was typed.
func pick(text string, options []string, ids map[string]exchange.ID) exchange.ID {
	if id, ok := ids[text]; ok {
		return id
	}
	m := filterOptions(text, options)
	if len(m) == 1 && strings.TrimSpace(text) != "" {
		return ids[m[0]]
	}
	// Several match: the one whose name is exactly what was typed (Rail.S, not Railgrup).
	for _, o := range m {
		name, _, _ := strings.Cut(o, " — ")
		if gazetteer.Fold(name) == gazetteer.Fold(text) {
			return ids[o]
		}
	}
	return exchange.ID{}
}

func strconvQuote(s string) string { return "“" + s + "”" }

// request reads the form; ok is false while something is still missing.
func (b *bookingDialog) request() (store.BookingRequest, bool) {
	var r store.BookingRequest
	r.HostID = pick(b.host.Text, b.hostOpts, b.hostIDs)
	r.VisitorID = pick(b.visitor.Text, b.visOpts, b.visitorIDs)
	if b.first.Date != nil {
		r.First = exchange.DateOf(*b.first.Date)
	}
	if b.last.Date != nil {
		r.Last = exchange.DateOf(*b.last.Date)
	}
	for _, t := range travelOptions {
		if t.label == b.travel.Selected {
			r.Travel = t.value
		}
	}
	r.Goals = strings.TrimSpace(b.goals.Text)
	r.GreenTravel = b.green.Checked
	if n, err := strconv.Atoi(strings.TrimSpace(b.extra.Text)); err == nil {
		r.ExtraTravelDays = n
	} else if strings.TrimSpace(b.extra.Text) != "" {
		r.ExtraTravelDays = -1 // refused by the store, next to the field
	}
	return r, !r.HostID.IsZero() && !r.VisitorID.IsZero() && !r.First.IsZero() && !r.Last.IsZero()
}

// check runs every booking rule against the form without writing, and shows the result.
func (b *bookingDialog) check() {
	r, complete := b.request()
	b.errs.clear()
	setLine(b.other, nil)
	b.book.Disable()
	b.quote.Hide()
	if today := b.desk.today(); !r.First.IsZero() && r.First.Before(today) {
		setLine(b.warning, []string{fmt.Sprintf("The first day, %s, is in the past. Book it only to record a stay that took place.", wording.Date(r.First))})
	} else {
		setLine(b.warning, nil)
	}
	if b.host.Text != "" && r.HostID.IsZero() && len(filterOptions(b.host.Text, b.hostOpts)) == 0 {
		setLine(b.errs["host"], []string{"no host matches " + strconvQuote(b.host.Text)})
	}
	if b.visitor.Text != "" && r.VisitorID.IsZero() && len(filterOptions(b.visitor.Text, b.visOpts)) == 0 {
		setLine(b.errs["visitor"], []string{"no visitor matches " + strconvQuote(b.visitor.Text)})
	}
	if !complete {
		b.desk.bridge.drop("booking-check") // a check of what the form no longer says must not show
	}
	if r.First.IsZero() || r.Last.IsZero() || r.HostID.IsZero() {
		b.summary.SetText(b.partialSummary(r))
		return
	}
	if !complete {
		// Dates and host are known: working days can be shown already.
		h := b.hosts[r.HostID]
		p := exchange.Placement{First: r.First, Last: r.Last, Travel: r.Travel}
		b.summary.SetText(stayText(p, h))
		return
	}
	// The rules read the data file: off the UI goroutine, and only the newest check shows.
	load(b.desk.bridge, "booking-check", func() (store.Preview, error) { return b.data.Check(r) },
		func(pv store.Preview, err error) {
			b.summary.SetText(pv.Visitor.Name + " (" + pv.Visitor.Organisation + ") at " + hostOption(pv.Host) + ".\n" + stayText(pv.Placement, pv.Host))
			b.showQuote(pv, err)
			if err != nil {
				setLine(b.other, b.errs.show(err))
				b.nameFields()
				return
			}
			b.book.Enable()
		})
}

// nameFields starts each problem with the field it is about, since problems show apart from
// the fields.
func (b *bookingDialog) nameFields() {
	for _, f := range bookingFields {
		if l := b.errs[f.field]; l.Text != "" && !strings.HasPrefix(l.Text, f.label+": ") {
			l.SetText(f.label + ": " + l.Text)
		}
	}
}

// showQuote shows the live price: distance, lump sum, why it is halved, and the budget left.
func (b *bookingDialog) showQuote(pv store.Preview, err error) {
	if !pv.Priced {
		b.quote.Hide()
		return
	}
	q := pv.Placement.Price
	text := fmt.Sprintf("Lump sum %s — %s, rate tables version %d.\nDistance %.1f km between %s (%.4f, %.4f) and %s (%.4f, %.4f).",
		q.LumpSum, rates.ProfileLabel(q.Profile), q.Version, q.DistanceKm,
		pv.Host.City, q.HostCoordinates.Lat, q.HostCoordinates.Lon, pv.Visitor.City, q.VisitorCoordinates.Lat, q.VisitorCoordinates.Lon)
	for _, l := range q.Lines {
		text += fmt.Sprintf("\n  %s: %s", l.Label, l.Amount)
	}
	if len(q.Reasons) > 0 {
		prefix := "Because "
		if q.Halved {
			prefix = "Halved because "
		}
		text += "\n" + prefix + strings.Join(q.Reasons, " and ") + "."
	}
	switch {
	case pv.Budgeted && err == nil:
		text += fmt.Sprintf("\nBudget left after this booking: %s.", pv.Remaining)
	case !pv.Budgeted && err == nil:
		text += "\nNo programme budget is set (Budget screen)."
	}
	b.quote.SetText(text)
	b.quote.Show()
}

func (b *bookingDialog) partialSummary(r store.BookingRequest) string {
	var missing, chosen []string
	if r.HostID.IsZero() {
		missing = append(missing, "a host")
	} else {
		chosen = append(chosen, "Host: "+hostOption(b.hosts[r.HostID])+".")
	}
	if r.VisitorID.IsZero() {
		missing = append(missing, "a visitor")
	} else {
		chosen = append(chosen, "Visitor: "+visitorOption(b.visitors[r.VisitorID])+".")
	}
	if r.First.IsZero() {
		missing = append(missing, "the first day")
	}
	if r.Last.IsZero() {
		missing = append(missing, "the last day")
	}
	return strings.Join(append(chosen, "Still to pick: "+strings.Join(missing, ", ")+"."), "\n")
}

// stayText says how long a stay is and how many working days it gives.
func stayText(p exchange.Placement, h exchange.Host) string {
	if p.Last.Before(p.First) {
		return "The last day comes before the first day."
	}
	n := p.WorkingDays(h)
	return fmt.Sprintf("%s %s – %s %s: %d calendar days, %d working %s at %s (Monday–Friday, outside closed periods, travel days not counted).",
		p.First.Weekday().String()[:3], wording.Date(p.First), p.Last.Weekday().String()[:3], wording.Date(p.Last),
		p.Period().Days(), n, plural(n, "day", "days"), h.Name)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (b *bookingDialog) submit() {
	r, ok := b.request()
	if !ok {
		b.check()
		return
	}
	b.book.Disable() // one booking at a time
	change(b.desk.bridge, func() (exchange.Placement, error) { return b.data.Book(r) },
		func(p exchange.Placement, err error) { b.booked(r, p, err) })
}

// booked closes the window and shows the new booking, or says why it was refused.
func (b *bookingDialog) booked(r store.BookingRequest, p exchange.Placement, err error) {
	if err != nil {
		setLine(b.other, b.errs.show(err))
		b.nameFields()
		return
	}
	b.close()
	b.desk.tabs.SelectIndex(0)
	b.desk.placements.reveal(p.ID)
	b.desk.say(fmt.Sprintf("Booked %s at %s, %s, as a draft. Request it from the host when ready.",
		b.visitors[r.VisitorID].Name, b.hosts[r.HostID].Name, wording.Range(p.First, p.Last)))
	b.desk.refresh()
}
