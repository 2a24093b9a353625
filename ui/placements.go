package ui

import (
	"fmt"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/gazetteer"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
	"github.com/xchangedesk/xchangedesk/store"
)

// placementsScreen lists placements with search and a status filter, and shows the selected
// one with its status actions and history.
type placementsScreen struct {
	desk    *Desk
	content fyne.CanvasObject

	search   *widget.Entry
	status   *widget.Select
	list     *widget.List
	count    *widget.Label
	all      []exchange.Placement
	shown    []exchange.Placement
	selected exchange.ID

	detail  *fyne.Container
	title   *widget.Label
	facts   *widget.Form
	actions map[exchange.Action]*widget.Button
	history *widget.Label
	mails   *widget.Label
	checks  map[exchange.Item]*widget.Check
	price   *widget.Label
	empty   *widget.Label
	first   bool // nothing applied yet: select the next upcoming placement
}

const allStatuses = "All statuses"

func newPlacementsScreen(d *Desk) *placementsScreen {
	s := &placementsScreen{desk: d, actions: map[exchange.Action]*widget.Button{}, first: true, checks: map[exchange.Item]*widget.Check{}}
	s.search = searchEntry("Search visitor, organisation, host, city, status…", func(string) { s.filter() })
	opts := []string{allStatuses}
	for _, st := range exchange.Statuses {
		opts = append(opts, statusLabel(st))
	}
	s.status = widget.NewSelect(opts, func(string) { s.filter() })
	s.status.SetSelected(allStatuses)
	book := widget.NewButtonWithIcon("Book placement…", theme.ContentAddIcon(), func() { d.openBooking(nil) })
	book.Importance = widget.HighImportance
	s.count = widget.NewLabel("")
	s.list = &widget.List{
		Length:     func() int { return len(s.shown) },
		CreateItem: newPlacementRow,
		UpdateItem: func(i widget.ListItemID, o fyne.CanvasObject) { s.updateRow(i, o) },
		OnSelected: func(i widget.ListItemID) { s.show(s.shown[i].ID) },
	}
	s.list.ExtendBaseWidget(s.list)

	s.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.title.SizeName = theme.SizeNameSubHeadingText
	s.title.Wrapping = fyne.TextWrapWord
	s.facts = widget.NewForm()
	var buttons []fyne.CanvasObject
	for _, a := range []exchange.Action{exchange.Request, exchange.Confirm, exchange.Decline, exchange.Complete, exchange.Pay, exchange.Reschedule, exchange.Reprice, exchange.Cancel} {
		b := widget.NewButton(actionLabel(a), func() { s.act(a) })
		if a == exchange.Cancel {
			b.Importance = widget.DangerImportance
		}
		s.actions[a] = b
		buttons = append(buttons, b)
	}
	s.history = widget.NewLabel("")
	s.history.Wrapping = fyne.TextWrapWord
	s.empty = widget.NewLabel("Select a placement to see its details, or book a new one.")
	s.empty.Wrapping = fyne.TextWrapWord
	s.mails = widget.NewLabel("")
	s.mails.Wrapping = fyne.TextWrapWord
	s.price = widget.NewLabel("")
	s.price.Wrapping = fyne.TextWrapWord
	var checks []fyne.CanvasObject
	for _, it := range exchange.Items {
		c := widget.NewCheck(it.Label, nil)
		s.checks[it.Item] = c
		checks = append(checks, c)
	}
	top := container.NewVBox(s.title, s.facts, container.NewHBox(buttons...),
		widget.NewLabelWithStyle("Lump sum", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.price,
		widget.NewLabelWithStyle("Documents", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), container.NewVBox(checks...),
		widget.NewLabelWithStyle("Messages", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.mails,
		widget.NewLabelWithStyle("History", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	s.detail = container.NewBorder(nil, nil, nil, nil, container.NewVScroll(container.NewVBox(top, s.history)))
	s.detail.Hide()

	left := container.NewBorder(
		container.NewVBox(container.NewBorder(nil, nil, nil, book, s.search), container.NewBorder(nil, nil, nil, s.count, s.status)),
		nil, nil, nil, s.list)
	split := container.NewHSplit(left, container.NewPadded(container.NewStack(s.empty, s.detail)))
	split.Offset = 0.48
	s.content = split
	return s
}

func statusLabel(st exchange.Status) string {
	return strings.ToUpper(string(st[:1])) + string(st[1:])
}

func actionLabel(a exchange.Action) string {
	switch a {
	case exchange.Request:
		return "Request from host"
	case exchange.Confirm:
		return "Host accepted"
	case exchange.Decline:
		return "Host declined"
	case exchange.Complete:
		return "Complete"
	case exchange.Pay:
		return "Mark paid"
	case exchange.Reprice:
		return "Re-price…"
	case exchange.Reschedule:
		return "New dates…"
	case exchange.Cancel:
		return "Cancel placement…"
	}
	return string(a)
}

// statusImportance colours a status the same way everywhere.
func statusImportance(st exchange.Status) widget.Importance {
	switch st {
	case exchange.Draft:
		return widget.LowImportance
	case exchange.Requested:
		return widget.WarningImportance
	case exchange.Confirmed:
		return widget.SuccessImportance
	case exchange.Completed, exchange.Paid:
		return widget.HighImportance
	}
	return widget.DangerImportance
}

func newPlacementRow() fyne.CanvasObject {
	chip := widget.NewLabelWithStyle("Confirmed", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	sub := widget.NewLabel("")
	sub.Truncation = fyne.TextTruncateEllipsis
	sub.SizeName = theme.SizeNameCaptionText
	return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(100, 36), chip), nil,
		container.New(layout.NewCustomPaddedVBoxLayout(-theme.Padding()*3), title, sub))
}

func (s *placementsScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	p := s.shown[i]
	h, v := s.desk.hostByID(p.HostID), s.desk.visitorByID(p.VisitorID)
	b := o.(*fyne.Container)
	chip := b.Objects[1].(*fyne.Container).Objects[0].(*widget.Label)
	chip.Importance = statusImportance(p.Status)
	chip.SetText(statusLabel(p.Status))
	if p.Overdue(s.desk.today()) {
		chip.Importance = widget.DangerImportance
		chip.SetText("Pay now")
	}
	texts := b.Objects[0].(*fyne.Container).Objects
	texts[0].(*widget.Label).SetText(v.Name + " → " + h.Name)
	lump := ""
	if p.Price != nil {
		lump = " · " + p.Price.LumpSum.String()
	}
	texts[1].(*widget.Label).SetText(fmt.Sprintf("%s · %d working days%s · %s, %s · %s",
		dateRange(p.First, p.Last), p.WorkingDays(h), lump, h.City, h.Country, v.Organisation))
}

// dateRange writes a stay for people: 2 – 6 Mar 2026, or 27 Feb – 6 Mar 2026.
func dateRange(first, last exchange.Date) string {
	f, l := first.Time(), last.Time()
	switch {
	case f.Year() != l.Year():
		return f.Format("2 Jan 2006") + " – " + l.Format("2 Jan 2006")
	case f.Month() != l.Month():
		return f.Format("2 Jan") + " – " + l.Format("2 Jan 2006")
	}
	return f.Format("2") + " – " + l.Format("2 Jan 2006")
}

func (s *placementsScreen) apply(snap store.Snapshot) {
	s.all = append([]exchange.Placement(nil), snap.Placements...)
	sort.SliceStable(s.all, func(i, j int) bool { return s.all[i].First.Before(s.all[j].First) })
	if s.first && s.selected.IsZero() {
		// Open on what matters now: the next stay that is not over yet.
		today := s.desk.today()
		for _, p := range s.all {
			if !p.Last.Before(today) && p.Status.HoldsPlace() {
				s.selected = p.ID
				break
			}
		}
	}
	s.first = false
	s.filter()
}

// filter applies the search text and status filter to the list, keeping the selection.
func (s *placementsScreen) filter() {
	if s.list == nil {
		return
	}
	terms := searchTerms(s.search.Text)
	s.shown = s.shown[:0]
	for _, p := range s.all {
		if s.status.Selected != allStatuses && s.status.Selected != "" && statusLabel(p.Status) != s.status.Selected {
			continue
		}
		if matches(terms, s.haystack(p)) {
			s.shown = append(s.shown, p)
		}
	}
	s.count.SetText(fmt.Sprintf("%d of %d", len(s.shown), len(s.all)))
	s.list.UnselectAll()
	s.list.Refresh()
	for i, p := range s.shown {
		if p.ID == s.selected {
			s.list.Select(i)
			s.list.ScrollTo(i)
			return
		}
	}
	s.show(s.selected)
}

func (s *placementsScreen) haystack(p exchange.Placement) string {
	h, v := s.desk.hostByID(p.HostID), s.desk.visitorByID(p.VisitorID)
	return strings.Join([]string{v.Name, v.Organisation, v.City, v.Country, exchange.CountryName(v.Country),
		h.Name, h.City, h.Country, exchange.CountryName(h.Country), string(p.Status), p.First.String(), p.Last.String(),
		p.Goals, p.ID.String(), h.Partnership, v.Partnership}, " ")
}

// searchTerms splits what was typed into a search box into words, folded like names in the
// gazetteer: case, accents and punctuation don't matter (poznan finds Poznań).
func searchTerms(text string) []string { return strings.Fields(gazetteer.Fold(text)) }

// matches reports whether every search term occurs in haystack.
func matches(terms []string, haystack string) bool {
	if len(terms) == 0 {
		return true
	}
	haystack = gazetteer.Fold(haystack)
	for _, t := range terms {
		if !strings.Contains(haystack, t) {
			return false
		}
	}
	return true
}

// show fills the detail panel with placement id, or empties it.
func (s *placementsScreen) show(id exchange.ID) {
	s.selected = id
	var p exchange.Placement
	found := false
	for _, x := range s.all {
		if x.ID == id {
			p, found = x, true
		}
	}
	if !found {
		s.detail.Hide()
		s.empty.Show()
		return
	}
	h, v := s.desk.hostByID(p.HostID), s.desk.visitorByID(p.VisitorID)
	s.title.SetText(v.Name + " at " + h.Name)
	status := widget.NewLabelWithStyle(statusLabel(p.Status), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	status.Importance = statusImportance(p.Status)
	s.facts.Items = []*widget.FormItem{
		{Text: "Status", Widget: status},
		{Text: "Stay", Widget: widget.NewLabel(fmt.Sprintf("%s (%d days)", dateRange(p.First, p.Last), p.Period().Days()))},
		{Text: "Working days", Widget: widget.NewLabel(fmt.Sprintf("%d at the host (travel days: %s)", p.WorkingDays(h), p.Travel))},
		{Text: "Host", Widget: wrapped(fmt.Sprintf("%s, %s (%s) — %s <%s>", h.Name, h.City, exchange.CountryName(h.Country), h.Contact, h.Email))},
		{Text: "Visitor", Widget: wrapped(fmt.Sprintf("%s, %s, %s (%s) — %s", v.Name, v.Organisation, v.City, exchange.CountryName(v.Country), v.Email))},
	}
	if p.Goals != "" {
		s.facts.Items = append(s.facts.Items, &widget.FormItem{Text: "Goals", Widget: wrapped(p.Goals)})
	}
	s.facts.Refresh()
	for a, b := range s.actions {
		movable := p.Status == exchange.Draft || p.Status == exchange.Requested || p.Status == exchange.Confirmed
		if p.Status.Allows(a) || a == exchange.Reprice && p.Status.HoldsPlace() && p.Status != exchange.Paid || a == exchange.Reschedule && movable {
			b.Show()
		} else {
			b.Hide()
		}
	}
	// A stay can be completed from the day after its last day.
	if s.desk.today().After(p.Last) {
		s.actions[exchange.Complete].Enable()
	} else {
		s.actions[exchange.Complete].Disable()
	}
	s.history.SetText(historyText(p.History))
	s.price.SetText(priceText(p))
	s.mails.SetText(mailsText(s.desk.messages, p.ID))
	for it, c := range s.checks {
		c.OnChanged = nil
		c.SetChecked(p.Ticked(it))
		if p.Status == exchange.Paid || !p.Status.HoldsPlace() {
			c.Disable()
		} else {
			c.Enable()
		}
		c.OnChanged = func(on bool) { s.tick(p.ID, it, on) }
	}
	if p.Status == exchange.Completed {
		due := widget.NewLabel(fmt.Sprintf("by %s", p.PaymentDue().Time().Format("2 Jan 2006")))
		if p.Overdue(s.desk.today()) {
			due.SetText(fmt.Sprintf("overdue since %s", p.PaymentDue().Time().Format("2 Jan 2006")))
			due.Importance = widget.DangerImportance
		}
		s.facts.Items = append(s.facts.Items, &widget.FormItem{Text: "Payment due", Widget: due})
		s.facts.Refresh()
	}
	s.empty.Hide()
	s.detail.Show()
}

// mailsText lists the messages a placement caused.
func mailsText(ms []store.Message, placement exchange.ID) string {
	var lines []string
	for _, m := range ms {
		if m.PlacementID == placement {
			line := fmt.Sprintf("%s to %s — %s", m.Kind, m.To, m.Status)
			if m.LastError != "" && m.Status != store.Sent {
				line += ": " + m.LastError
			}
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		return "None yet: asking the host sends an availability request."
	}
	return strings.Join(lines, "\n")
}

// priceText is the breakdown of a placement's lump sum, as audit evidence.
func priceText(p exchange.Placement) string {
	b := p.Price
	if b == nil {
		return "Not priced yet: Re-price to price it with the current rate tables."
	}
	lines := []string{fmt.Sprintf("%s — %s, rate tables version %d", b.LumpSum, rates.ProfileLabel(b.Profile), b.Version),
		fmt.Sprintf("%.1f km between the host (%.4f, %.4f) and the visitor's organisation (%.4f, %.4f); %d working days",
			b.DistanceKm, b.HostCoordinates.Lat, b.HostCoordinates.Lon, b.VisitorCoordinates.Lat, b.VisitorCoordinates.Lon, b.WorkingDays)}
	for _, l := range b.Lines {
		lines = append(lines, "  "+l.Label+": "+l.Amount.String())
	}
	if len(b.Reasons) > 0 {
		lines = append(lines, "Because "+strings.Join(b.Reasons, " and ")+".")
	}
	if !p.PaidOn.IsZero() {
		lines = append(lines, "Paid on "+p.PaidOn.Time().Format("2 Jan 2006")+".")
	}
	return strings.Join(lines, "\n")
}

func (s *placementsScreen) tick(id exchange.ID, item exchange.Item, on bool) {
	if _, err := s.desk.data.Tick(id, item, on); err != nil {
		s.desk.fail(err)
		s.desk.reload() // put the box back as stored
		return
	}
	s.desk.say(item.Label() + map[bool]string{true: ": ticked.", false: ": unticked."}[on])
	s.desk.reload()
}

// historyText lists a placement's history, newest first.
func historyText(events []exchange.Event) string {
	lines := make([]string, 0, len(events))
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		line := e.At.Local().Format("2 Jan 2006 15:04") + " — " + e.Action.Past()
		if e.By != "" {
			line += " by " + e.By
		}
		if e.Detail != "" {
			line += ": " + e.Detail
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// act takes a status action on the selected placement; cancelling asks first.
func (s *placementsScreen) act(a exchange.Action) {
	id := s.selected
	if a == exchange.Reschedule {
		s.reschedule(id)
		return
	}
	if a == exchange.Reprice {
		dialog.ShowConfirm("Price this placement again?",
			"It will be priced with the current rate tables and profile. Its present price and rate version are kept in the history.",
			func(ok bool) {
				if !ok {
					return
				}
				p, err := s.desk.data.Reprice(id)
				if err != nil {
					s.desk.fail(err)
					return
				}
				s.desk.say(fmt.Sprintf("Re-priced: %s (rate tables version %d).", p.Price.LumpSum, p.Price.Version))
				s.desk.reload()
			}, s.desk.win)
		return
	}
	if a != exchange.Cancel {
		s.do(id, a, "")
		return
	}
	reason := widget.NewEntry()
	reason.SetPlaceHolder("Why? (kept in the history)")
	dialog.ShowForm("Cancel this placement?", "Cancel placement", "Keep it",
		[]*widget.FormItem{{Text: "Reason", Widget: reason}},
		func(ok bool) {
			if ok {
				s.do(id, exchange.Cancel, reason.Text)
			}
		}, s.desk.win)
}

// reschedule asks for new dates; everyone invited gets an update.
func (s *placementsScreen) reschedule(id exchange.ID) {
	var p exchange.Placement
	for _, x := range s.all {
		if x.ID == id {
			p = x
		}
	}
	first, last := widget.NewDateEntry(), widget.NewDateEntry()
	f, l := p.First.Time(), p.Last.Time()
	first.SetDate(&f)
	last.SetDate(&l)
	dialog.ShowForm("New dates", "Move the stay", "Keep the dates",
		[]*widget.FormItem{{Text: "First day", Widget: first}, {Text: "Last day", Widget: last},
			{Text: "", Widget: wrapped("Every rule is checked again; whoever was invited gets an update.")}},
		func(ok bool) {
			if !ok || first.Date == nil || last.Date == nil {
				return
			}
			moved, err := s.desk.data.Reschedule(id, exchange.DateOf(*first.Date), exchange.DateOf(*last.Date), "")
			if err != nil {
				s.desk.fail(err)
				return
			}
			s.desk.say(fmt.Sprintf("Moved to %s; updates are queued for everyone invited.", dateRange(moved.First, moved.Last)))
			s.desk.changed()
		}, s.desk.win)
}

func (s *placementsScreen) do(id exchange.ID, a exchange.Action, detail string) {
	p, err := s.desk.data.Act(id, a, detail)
	if err != nil {
		s.desk.fail(err)
		return
	}
	s.desk.say(fmt.Sprintf("%s at %s is now %s.", s.desk.visitorByID(p.VisitorID).Name, s.desk.hostByID(p.HostID).Name, p.Status))
	s.desk.changed()
}
