package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/gazetteer"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

// bookingDialog books a placement: pick host and visitor, pick dates, and see working days
// and every broken rule next to its field as the choices change.
// bookingData is what the booking dialog reads and changes.
type bookingData interface {
	Choices() (store.Choices, error)
	Check(store.BookingRequest) (store.Preview, error)
	Book(store.BookingRequest) (exchange.Placement, error)
}

type bookingDialog struct {
	desk        *Desk
	data        bookingData
	dlg         dialog.Dialog
	host        *widget.SelectEntry
	visitor     *widget.SelectEntry
	first, last *widget.DateEntry
	travel      *widget.Select
	green       *widget.Check
	extra       *widget.Entry
	goals       *widget.Entry
	summary     *widget.Label
	quote       *widget.Label
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

// openBooking shows the booking dialog, with the visitor chosen when v is not nil.
func (d *Desk) openBooking(v *exchange.Visitor) *bookingDialog {
	b := &bookingDialog{desk: d, data: d.data, errs: fieldErrors{}}
	b.host = searchSelect("Type to search hosts", func() []string { return b.hostOpts }, b.check)
	b.visitor = searchSelect("Type to search visitors", func() []string { return b.visOpts }, b.check)
	b.first, b.last = widget.NewDateEntry(), widget.NewDateEntry()
	b.first.OnChanged = func(*time.Time) { b.check() }
	b.last.OnChanged = func(*time.Time) { b.check() }
	var labels []string
	for _, t := range travelOptions {
		labels = append(labels, t.label)
	}
	b.travel = widget.NewSelect(labels, nil)
	b.travel.SetSelected(travelOptions[0].label)
	b.green = widget.NewCheck("train, bus or car-sharing", nil)
	b.extra = widget.NewEntry()
	b.extra.SetPlaceHolder("0")
	b.goals = widget.NewMultiLineEntry()
	b.goals.SetPlaceHolder("Goals and agenda (for the Commitment to Quality)")
	b.goals.SetMinRowsVisible(3)
	b.summary = widget.NewLabel("Pick a host, a visitor and the dates.")
	b.summary.Wrapping = fyne.TextWrapWord
	b.quote = widget.NewLabel("")
	b.quote.Wrapping = fyne.TextWrapWord
	b.quote.Hide()
	b.other = errorLine()
	b.book = widget.NewButton("Book as draft", b.submit)
	b.book.Importance = widget.HighImportance
	b.book.Disable()
	cancel := widget.NewButton("Close", func() { b.dlg.Hide() })

	form := b.errs.grid(
		row{"Host", b.host, "host"},
		row{"Visitor", b.visitor, "visitor"},
		row{"First day", b.first, "first"},
		row{"Last day", b.last, "last"},
		row{"Travel days", b.travel, "travel_days"},
		row{"Green travel", container.NewBorder(nil, nil, b.green, nil,
			container.NewBorder(nil, nil, widget.NewLabel("extra travel days"), nil, b.extra)), "extra_travel_days"},
		row{"Goals", b.goals, ""},
	)
	content := container.NewBorder(nil, container.NewHBox(b.book, cancel), nil, nil,
		container.NewVScroll(container.NewVBox(form, widget.NewSeparator(), b.summary, b.quote, b.errs.add("budget"), b.other)))
	b.dlg = dialog.NewCustomWithoutButtons("Book a placement", content, d.win)
	b.dlg.Resize(fyne.NewSize(680, 620))
	b.travel.OnChanged = func(string) { b.check() } // now that every field exists
	b.green.OnChanged = func(bool) { b.check() }
	b.extra.OnChanged = func(string) { b.check() }
	b.dlg.Show()
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
}

func hostOption(h exchange.Host) string {
	return fmt.Sprintf("%s — %s, %s", h.Name, h.City, h.Country)
}

func visitorOption(v exchange.Visitor) string {
	return fmt.Sprintf("%s — %s, %s", v.Name, v.Organisation, v.Country)
}

// searchSelect is a drop-down whose options narrow to what has been typed.
func searchSelect(placeholder string, options func() []string, changed func()) *widget.SelectEntry {
	e := widget.NewSelectEntry(nil)
	e.SetPlaceHolder(placeholder)
	e.OnChanged = func(text string) {
		options := options()
		shown := filterOptions(text, options)
		if len(shown) == 0 {
			shown = options
		}
		e.SetOptions(shown)
		changed()
	}
	return e
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
	if b.host.Text != "" && r.HostID.IsZero() && len(filterOptions(b.host.Text, b.hostOpts)) == 0 {
		setLine(b.errs["host"], []string{"no host matches " + strconvQuote(b.host.Text)})
	}
	if b.visitor.Text != "" && r.VisitorID.IsZero() && len(filterOptions(b.visitor.Text, b.visOpts)) == 0 {
		setLine(b.errs["visitor"], []string{"no visitor matches " + strconvQuote(b.visitor.Text)})
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
	pv, err := b.data.Check(r)
	b.summary.SetText(pv.Visitor.Name + " (" + pv.Visitor.Organisation + ") at " + hostOption(pv.Host) + ".\n" + stayText(pv.Placement, pv.Host))
	b.showQuote(pv, err)
	if err != nil {
		setLine(b.other, b.errs.show(err))
		return
	}
	b.book.Enable()
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
	case !pv.Budgeted:
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
	p, err := b.data.Book(r)
	if err != nil {
		setLine(b.other, b.errs.show(err))
		b.book.Disable()
		return
	}
	b.dlg.Hide()
	b.desk.booking = nil
	b.desk.tabs.SelectIndex(0)
	b.desk.placements.reveal(p.ID)
	b.desk.say(fmt.Sprintf("Booked %s at %s, %s, as a draft. Request it from the host when ready.",
		b.visitors[r.VisitorID].Name, b.hosts[r.HostID].Name, wording.Range(p.First, p.Last)))
	b.desk.refresh()
}
