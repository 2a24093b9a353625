package ui

import (
	"fmt"
	"regexp"
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
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

// placementsData is what the placements screen reads and changes.
type placementsData interface {
	PlacementList() ([]store.PlacementRow, error)
	PlacementDetail(exchange.ID) (store.PlacementDetail, error)
	Act(exchange.ID, exchange.Action, string) (exchange.Placement, error)
	Tick(exchange.ID, exchange.Item, bool) (exchange.Placement, error)
	Reprice(exchange.ID) (exchange.Placement, error)
	Reschedule(exchange.ID, exchange.Date, exchange.Date, exchange.TravelDays) (exchange.Placement, error)
}

// placementsScreen lists placements with search and a status filter, and shows the selected
// one with its status actions, lump sum, documents, messages and history.
type placementsScreen struct {
	desk    *Desk
	data    placementsData
	content fyne.CanvasObject

	search *widget.Entry
	status *widget.Select
	list   *widget.List
	count  *widget.Label
	rows   []placementRow // every placement, by first day
	shown  []int          // indexes into rows that pass the search and the filter
	quiet  bool           // selecting in code: don't load the detail again

	selected exchange.ID
	pending  exchange.ID           // to select once the list is read again: a new booking
	shownID  exchange.ID           // the placement the detail shows
	detail   store.PlacementDetail // what the detail shows
	first    bool                  // nothing applied yet: select the next upcoming placement

	detailBox *fyne.Container
	empty     *widget.Label
	title     *widget.Label
	state     *widget.Label
	stay      *widget.Label
	working   *widget.Label
	host      *widget.Label
	visitor   *widget.Label
	goals     [2]fyne.CanvasObject // label and value: hidden when there are no goals
	goalsText *widget.Label
	due       [2]fyne.CanvasObject // shown once completed
	dueText   *widget.Label
	actions   map[exchange.Action]*widget.Button
	actionErr *widget.Label
	fix       *widget.Button
	price     *widget.Label
	checks    map[exchange.Item]*widget.Check
	mails     *widget.Label
	answers   *widget.Label
	counter   *fyne.Container // the host's proposal of other dates, with Accept and Refuse
	proposal  *widget.Label
	history   *widget.Label
}

// placementRow is a placement with the words its list row shows, which are also what the
// search looks through.
type placementRow struct {
	store.PlacementRow
	chip      string
	chipStyle widget.Importance
	title     string
	sub       string
	haystack  string // folded for searching
}

const allStatuses = "All statuses"

// actionOrder is the order of the status buttons.
var actionOrder = []exchange.Action{exchange.Request, exchange.Confirm, exchange.Decline, exchange.Complete,
	exchange.Pay, exchange.Reschedule, exchange.Reprice, exchange.Cancel}

func newPlacementsScreen(d *Desk, data placementsData) *placementsScreen {
	s := &placementsScreen{desk: d, data: data, first: true,
		actions: map[exchange.Action]*widget.Button{}, checks: map[exchange.Item]*widget.Check{}}
	s.search = searchEntry("Search visitor, organisation, host, city, status…", func(string) { s.filter() })
	opts := []string{allStatuses}
	for _, st := range exchange.Statuses {
		opts = append(opts, statusLabel(st))
	}
	s.status = widget.NewSelect(opts, func(string) { s.filter() })
	s.status.Selected = allStatuses
	book := widget.NewButtonWithIcon("Book placement…", theme.ContentAddIcon(), func() { d.openBooking(nil) })
	book.Importance = widget.HighImportance
	s.count = widget.NewLabel("")
	s.list = &widget.List{
		Length:     func() int { return len(s.shown) },
		CreateItem: newPlacementRow,
		UpdateItem: func(i widget.ListItemID, o fyne.CanvasObject) { s.updateRow(i, o) },
		OnSelected: func(i widget.ListItemID) {
			if i >= len(s.shown) {
				return
			}
			s.selected = s.rows[s.shown[i]].Placement.ID
			if !s.quiet {
				s.reloadDetail()
			}
		},
	}
	s.list.ExtendBaseWidget(s.list)

	s.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.title.SizeName = theme.SizeNameSubHeadingText
	s.title.Wrapping = fyne.TextWrapWord
	s.state = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.stay, s.working = widget.NewLabel(""), widget.NewLabel("")
	s.host, s.visitor, s.goalsText, s.dueText = wrapped(""), wrapped(""), wrapped(""), widget.NewLabel("")
	s.goals = [2]fyne.CanvasObject{formLabel("Goals"), s.goalsText}
	s.due = [2]fyne.CanvasObject{formLabel("Payment due"), s.dueText}
	facts := container.New(layout.NewFormLayout(),
		formLabel("Status"), s.state,
		formLabel("Stay"), s.stay,
		formLabel("Working days"), s.working,
		formLabel("Host"), s.host,
		formLabel("Visitor"), s.visitor,
		s.goals[0], s.goals[1],
		s.due[0], s.due[1])
	var buttons []fyne.CanvasObject
	for _, a := range actionOrder {
		b := widget.NewButton(actionLabel(a), func() { s.act(a) })
		if a == exchange.Cancel {
			b.Importance = widget.DangerImportance
		}
		s.actions[a] = b
		buttons = append(buttons, b)
	}
	s.actionErr = errorLine()
	s.fix = widget.NewButton("", nil)
	s.fix.Hide()
	s.price, s.mails, s.history, s.answers, s.proposal = wrapped(""), wrapped(""), wrapped(""), wrapped(""), wrapped("")
	s.proposal.Importance = widget.WarningImportance
	s.counter = container.NewVBox(s.proposal, container.NewHBox(
		widget.NewButton("Accept the new dates…", func() { s.answerCounter(true) }),
		widget.NewButton("Keep our dates…", func() { s.answerCounter(false) })))
	s.counter.Hide()
	var checks []fyne.CanvasObject
	for _, it := range exchange.Items {
		c := widget.NewCheck(it.Label, nil)
		s.checks[it.Item] = c
		checks = append(checks, c)
	}
	heading := func(text string) *widget.Label {
		return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	body := container.NewVBox(s.title, facts,
		container.NewGridWrap(fyne.NewSize(215, 36), buttons...),
		container.NewBorder(nil, nil, nil, container.NewHBox(s.fix), s.actionErr),
		s.counter,
		heading("Answers"), s.answers,
		heading("Lump sum"), s.price,
		heading("Documents"), container.NewVBox(checks...),
		heading("Messages"), s.mails,
		heading("History"), s.history)
	s.detailBox = container.NewStack(container.NewVScroll(body))
	s.detailBox.Hide()
	s.empty = wrapped("Select a placement to see its details, or book a new one.")

	left := container.NewBorder(
		container.NewVBox(container.NewBorder(nil, nil, nil, book, s.search), container.NewBorder(nil, nil, nil, s.count, s.status)),
		nil, nil, nil, s.list)
	split := container.NewHSplit(left, container.NewPadded(container.NewStack(container.NewVBox(s.empty), s.detailBox)))
	split.Offset = 0.45
	s.content = split
	return s
}

// formLabel is the label of a row of facts, aligned to the value it names.
func formLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Alignment = fyne.TextAlignTrailing
	return l
}

func statusLabel(st exchange.Status) string {
	return strings.ToUpper(string(st[:1])) + string(st[1:])
}

func actionLabel(a exchange.Action) string {
	switch a {
	case exchange.Request:
		return "Request from host…"
	case exchange.Confirm:
		return "Host accepted…"
	case exchange.Decline:
		return "Host declined"
	case exchange.Complete:
		return "Complete"
	case exchange.Pay:
		return "Mark paid…"
	case exchange.Reprice:
		return "Re-price…"
	case exchange.Reschedule:
		return "New dates…"
	case exchange.Cancel:
		return "Cancel placement…"
	}
	return string(a)
}

// statusImportance colours a status the same way everywhere. A draft is plain text rather
// than the low-importance grey, which cannot be read on a selected row.
func statusImportance(st exchange.Status) widget.Importance {
	switch st {
	case exchange.Draft:
		return widget.MediumImportance
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

// describe works out the words of a placement's list row.
func describe(r store.PlacementRow, today exchange.Date) placementRow {
	p, h, v := r.Placement, r.Host, r.Visitor
	row := placementRow{PlacementRow: r, chip: statusLabel(p.Status), chipStyle: statusImportance(p.Status),
		title: v.Name + " → " + h.Name}
	if p.Overdue(today) {
		row.chip, row.chipStyle = "Pay now", widget.DangerImportance
	}
	lump := ""
	if p.Price != nil {
		lump = " · " + p.Price.LumpSum.String()
	}
	row.sub = fmt.Sprintf("%s · %d working days%s · %s, %s · %s",
		wording.Range(p.First, p.Last), p.WorkingDays(h), lump, h.City, h.Country, v.Organisation)
	row.haystack = gazetteer.Fold(strings.Join([]string{row.chip, row.title, row.sub,
		v.City, exchange.CountryName(v.Country), exchange.CountryName(h.Country), h.Partnership, v.Partnership, p.Goals}, " "))
	return row
}

func (s *placementsScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(s.shown) {
		return
	}
	r := s.rows[s.shown[i]]
	b := o.(*fyne.Container)
	chip := b.Objects[1].(*fyne.Container).Objects[0].(*widget.Label)
	chip.Importance = r.chipStyle
	chip.SetText(r.chip)
	texts := b.Objects[0].(*fyne.Container).Objects
	texts[0].(*widget.Label).SetText(r.title)
	texts[1].(*widget.Label).SetText(r.sub)
}

// reveal selects a placement once the list is read again, clearing a search or a status
// filter that would hide it.
func (s *placementsScreen) reveal(id exchange.ID) {
	s.search.SetText("")
	s.status.SetSelected(allStatuses)
	s.pending = id
}

// reload reads the list again; the detail follows.
func (s *placementsScreen) reload() {
	load(s.desk.bridge, "placements", s.data.PlacementList, s.apply)
}

func (s *placementsScreen) apply(list []store.PlacementRow, err error) {
	if err != nil {
		s.desk.fail(err)
		return
	}
	today := s.desk.today()
	s.rows = s.rows[:0]
	for _, r := range list {
		s.rows = append(s.rows, describe(r, today))
	}
	sort.SliceStable(s.rows, func(i, j int) bool { return s.rows[i].Placement.First.Before(s.rows[j].Placement.First) })
	if !s.pending.IsZero() {
		s.selected, s.pending, s.first = s.pending, exchange.ID{}, false
	}
	if s.first {
		s.first = false
		if s.desk.status.Text == "" {
			s.desk.say(fmt.Sprintf("%d placements.", len(s.rows)))
		}
		// Open on what matters now: the next stay that is not over yet.
		for _, r := range s.rows {
			if p := r.Placement; !p.Last.Before(today) && p.Status.HoldsPlace() {
				s.selected = p.ID
				break
			}
		}
	}
	s.filter()
	s.reloadDetail()
}

// filter applies the search text and the status filter to the list. A selected placement
// that no longer passes is let go, and its detail cleared.
func (s *placementsScreen) filter() {
	terms := searchTerms(s.search.Text)
	s.shown = s.shown[:0]
	at := -1
	for i, r := range s.rows {
		if s.status.Selected != allStatuses && s.status.Selected != "" && statusLabel(r.Placement.Status) != s.status.Selected {
			continue
		}
		if matchesFolded(terms, r.haystack) {
			if r.Placement.ID == s.selected {
				at = len(s.shown)
			}
			s.shown = append(s.shown, i)
		}
	}
	s.count.SetText(fmt.Sprintf("%d of %d", len(s.shown), len(s.rows)))
	s.quiet = true
	s.list.UnselectAll()
	s.list.Refresh()
	if at >= 0 {
		s.list.Select(at)
		s.list.ScrollTo(at)
	}
	s.quiet = false
	if at < 0 && !s.selected.IsZero() {
		s.selected = exchange.ID{}
		s.reloadDetail()
	}
	switch {
	case len(s.shown) == 0 && len(s.rows) > 0:
		s.empty.SetText("No placements match. Clear the search or choose “All statuses” to see them all.")
	case len(s.rows) == 0:
		s.empty.SetText("No placements yet: book the first one with “Book placement…”.")
	default:
		s.empty.SetText("Select a placement to see its details, or book a new one.")
	}
}

// searchTerms splits what was typed into a search box into words, folded like names in the
// gazetteer: case, accents and punctuation don't matter (poznan finds Poznań).
func searchTerms(text string) []string { return strings.Fields(gazetteer.Fold(text)) }

// matches reports whether every search term occurs in haystack.
func matches(terms []string, haystack string) bool {
	if len(terms) == 0 {
		return true
	}
	return matchesFolded(terms, gazetteer.Fold(haystack))
}

// matchesFolded is matches for a haystack folded already.
func matchesFolded(terms []string, folded string) bool {
	for _, t := range terms {
		if !strings.Contains(folded, t) {
			return false
		}
	}
	return true
}

// reloadDetail reads the selected placement again, or clears the detail when none is.
func (s *placementsScreen) reloadDetail() {
	id := s.selected
	if id.IsZero() {
		load(s.desk.bridge, "placement", func() (store.PlacementDetail, error) { return store.PlacementDetail{}, nil }, s.applyDetail)
		return
	}
	load(s.desk.bridge, "placement", func() (store.PlacementDetail, error) { return s.data.PlacementDetail(id) }, s.applyDetail)
}

// applyDetail shows one placement in the widgets of the detail, or nothing.
func (s *placementsScreen) applyDetail(pd store.PlacementDetail, err error) {
	if err != nil {
		s.desk.fail(err)
		pd = store.PlacementDetail{}
	}
	p, h, v := pd.Placement, pd.Host, pd.Visitor
	if p.ID != s.shownID {
		setLine(s.actionErr, nil)
		s.fix.Hide()
	}
	s.detail, s.shownID = pd, p.ID
	if p.ID.IsZero() {
		s.detailBox.Hide()
		s.empty.Show()
		return
	}
	today := s.desk.today()
	s.title.SetText(v.Name + " at " + h.Name)
	s.state.Importance = statusImportance(p.Status)
	s.state.SetText(statusLabel(p.Status))
	s.stay.SetText(fmt.Sprintf("%s (%d days)", wording.Range(p.First, p.Last), p.Period().Days()))
	s.working.SetText(fmt.Sprintf("%d at the host (travel days: %s)", p.WorkingDays(h), p.Travel))
	s.host.SetText(fmt.Sprintf("%s, %s (%s) — %s <%s>", h.Name, h.City, exchange.CountryName(h.Country), h.Contact, h.Email))
	s.visitor.SetText(fmt.Sprintf("%s, %s, %s (%s) — %s", v.Name, v.Organisation, v.City, exchange.CountryName(v.Country), v.Email))
	s.goalsText.SetText(p.Goals)
	showRow(s.goals, p.Goals != "")
	if p.Status == exchange.Completed {
		s.dueText.Importance = widget.MediumImportance
		s.dueText.SetText("By " + wording.Date(p.PaymentDue()))
		if p.Overdue(today) {
			s.dueText.Importance = widget.DangerImportance
			s.dueText.SetText("Overdue since " + wording.Date(p.PaymentDue()))
		}
	}
	showRow(s.due, p.Status == exchange.Completed)
	for a, b := range s.actions {
		if p.Status.Allows(a) || a == exchange.Reprice && p.Status.Repriceable() || a == exchange.Reschedule && p.Status.Movable() {
			b.Show()
		} else {
			b.Hide()
		}
	}
	// A stay can be completed from the day after its last day; the button says so.
	complete := s.actions[exchange.Complete]
	if today.After(p.Last) {
		complete.SetText(actionLabel(exchange.Complete))
		complete.Enable()
	} else {
		complete.SetText("Complete from " + wording.Date(p.Last.Next()))
		complete.Disable()
	}
	s.history.SetText(historyText(p.History))
	s.price.SetText(priceText(p))
	s.mails.SetText(mailsText(pd.Messages))
	s.answers.SetText(answersText(p, h, v))
	if c := p.Counter; c != nil {
		s.proposal.SetText(fmt.Sprintf("%s proposes %s instead of %s%s.", h.Contact, wording.Range(c.First, c.Last),
			wording.Range(p.First, p.Last), quoted(c.Comment)))
		s.counter.Show()
	} else {
		s.counter.Hide()
	}
	for it, c := range s.checks {
		c.OnChanged = nil
		c.SetChecked(p.Ticked(it))
		if p.Status == exchange.Paid || !p.Status.HoldsPlace() {
			c.Disable()
		} else {
			c.Enable()
		}
		id := p.ID
		c.OnChanged = func(on bool) { s.tick(id, it, on) }
	}
	s.empty.Hide()
	s.detailBox.Show()
}

// showRow shows or hides a row of facts, label and value together.
func showRow(cells [2]fyne.CanvasObject, on bool) {
	for _, c := range cells {
		if on {
			c.Show()
		} else {
			c.Hide()
		}
	}
}

// kindText names a kind of message for people.
func kindText(k store.MessageKind) string {
	switch k {
	case store.HostRequest:
		return "Availability request"
	case store.VisitorInvitation:
		return "Calendar invitation"
	case store.Confirmation:
		return "Confirmation e-mail"
	case store.Update:
		return "Calendar update"
	case store.Cancellation:
		return "Cancellation"
	case store.HostConfirmed:
		return "Confirmed event"
	case store.CounterDeclined:
		return "Answer to the proposal"
	}
	return string(k)
}

// mailsText lists the messages a placement caused.
func mailsText(ms []store.Message) string {
	var lines []string
	for _, m := range ms {
		line := fmt.Sprintf("%s to %s <%s> — %s", kindText(m.Kind), m.ToName, m.To, m.Status)
		switch {
		case m.Status == store.Sent:
			line += " " + wording.Stamp(m.SentAt)
		case m.LastError != "":
			line += ": " + m.LastError
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return "None yet: asking the host sends an availability request."
	}
	return strings.Join(lines, "\n")
}

// answersText says what the host's and the visitor's calendars answered.
func answersText(p exchange.Placement, h exchange.Host, v exchange.Visitor) string {
	line := func(who string, a *exchange.Answer) string {
		if a == nil {
			return who + ": no answer read yet."
		}
		return fmt.Sprintf("%s: %s%s, read %s (%s).", who, strings.ToLower(a.PartStat), quoted(a.Comment), wording.Stamp(a.Read), a.Source)
	}
	return line(h.Contact+" for "+h.Name, p.HostAnswer) + "\n" + line(v.Name, p.VisitorAnswer) +
		"\nDrop a reply's .eml or .ics file on the window, or use File → Import replies…, to read one."
}

func quoted(c string) string {
	if c = strings.TrimSpace(c); c != "" {
		return ": “" + c + "”"
	}
	return ""
}

// answerCounter accepts or refuses the host's proposal, after saying what happens.
func (s *placementsScreen) answerCounter(accept bool) {
	pd := s.detail
	p, h := pd.Placement, pd.Host
	data, ok := s.desk.data.(repliesData)
	if p.Counter == nil || !ok {
		return
	}
	c := *p.Counter
	title, what, yes := "Accept the new dates?", fmt.Sprintf("The stay moves to %s, with every rule and the budget checked again; "+
		"whoever was invited gets an update.", wording.Range(c.First, c.Last)), "Move the stay"
	if !accept {
		title, what, yes = "Keep our dates?", fmt.Sprintf("The dates stay %s. %s <%s> gets an answer that declines the proposal "+
			"and asks to accept or decline these dates.", wording.Range(p.First, p.Last), h.Contact, c.Address), "Keep the dates"
	}
	s.confirm(title, what, yes, func() {
		change(s.desk.bridge, func() (exchange.Placement, error) { return data.AnswerCounter(p.ID, accept, "") },
			func(moved exchange.Placement, err error) {
				if err != nil {
					s.refuse(p.ID, err)
					return
				}
				if accept {
					s.desk.say(fmt.Sprintf("Moved to %s; updates are queued for everyone invited.", wording.Range(moved.First, moved.Last)))
				} else {
					s.desk.say("The dates stay; the host's proposal is answered.")
				}
				s.desk.changed()
			})
	})
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
		lines = append(lines, "Paid on "+wording.Date(p.PaidOn)+".")
	}
	return strings.Join(lines, "\n")
}

// historyText lists a placement's history, newest first.
func historyText(events []exchange.Event) string {
	lines := make([]string, 0, len(events))
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		line := wording.Stamp(e.At) + " — " + e.Action.Past()
		if e.By != "" {
			line += " by " + e.By
		}
		if e.Detail != "" {
			line += ": " + readableDates(e.Detail)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

var (
	isoRange = regexp.MustCompile(`(\d{4}-\d{2}-\d{2}) … (\d{4}-\d{2}-\d{2})`)
	isoDate  = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
)

// readableDates writes the ISO dates of a stored history note the way the rest of the app
// writes dates: "2027-03-08 … 2027-03-12" becomes "8–12 Mar 2027".
func readableDates(s string) string {
	s = isoRange.ReplaceAllStringFunc(s, func(m string) string {
		f := isoRange.FindStringSubmatch(m)
		first, err1 := exchange.ParseDate(f[1])
		last, err2 := exchange.ParseDate(f[2])
		if err1 != nil || err2 != nil {
			return m
		}
		return wording.Range(first, last)
	})
	return isoDate.ReplaceAllStringFunc(s, func(m string) string {
		if d, err := exchange.ParseDate(m); err == nil {
			return wording.Date(d)
		}
		return m
	})
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (s *placementsScreen) tick(id exchange.ID, item exchange.Item, on bool) {
	change(s.desk.bridge, func() (exchange.Placement, error) { return s.data.Tick(id, item, on) },
		func(_ exchange.Placement, err error) {
			if err != nil {
				s.refuse(id, err)
				s.reloadDetail() // put the box back as stored
				return
			}
			s.desk.say(item.Label() + map[bool]string{true: ": ticked.", false: ": unticked."}[on])
			s.desk.refresh()
		})
}

// refuse shows why an action on placement id was refused: in the status bar, and under the
// actions with the way out where there is one, if the detail still shows that placement.
func (s *placementsScreen) refuse(id exchange.ID, err error) {
	s.desk.fail(err)
	if id != s.shownID {
		return // the person has moved on: the refusal is not about what the detail shows
	}
	setLine(s.actionErr, []string{message(err)})
	s.fix.Hide()
	for _, v := range exchange.Violations(err) {
		if v.Field == "organiser" {
			s.fix.SetText("Set the organiser…")
			s.fix.OnTapped = s.desk.showMailSettings
			s.fix.Show()
		}
	}
}

// act takes a status action on the placement the detail shows. Actions that send mail or
// record money say what they will do and ask first.
func (s *placementsScreen) act(a exchange.Action) {
	pd := s.detail
	p, h, v := pd.Placement, pd.Host, pd.Visitor
	if p.ID.IsZero() {
		return
	}
	setLine(s.actionErr, nil)
	s.fix.Hide()
	switch a {
	case exchange.Reschedule:
		s.reschedule(pd)
	case exchange.Reprice:
		s.confirm("Price this placement again?",
			"It will be priced with the current rate tables and profile. Its present price and rate version are kept in the history.",
			"Re-price", func() {
				change(s.desk.bridge, func() (exchange.Placement, error) { return s.data.Reprice(p.ID) },
					func(moved exchange.Placement, err error) {
						if err != nil {
							s.refuse(p.ID, err)
							return
						}
						s.desk.say(fmt.Sprintf("Re-priced: %s (rate tables version %d).", moved.Price.LumpSum, moved.Price.Version))
						s.desk.refresh()
					})
			})
	case exchange.Request:
		s.confirm("Ask the host?", fmt.Sprintf("%s <%s> at %s gets an availability request for %s, for %s from %s, "+
			"as a calendar invitation to accept or decline.", h.Contact, h.Email, h.Name, wording.Range(p.First, p.Last), v.Name, v.Organisation),
			"Send the request", func() { s.do(pd, a, "") })
	case exchange.Confirm:
		s.confirm("The host accepted?", fmt.Sprintf("The placement is confirmed. %s <%s> gets a calendar invitation for %s at %s "+
			"and a confirmation e-mail with the lump sum and the documents to bring.", v.Name, v.Email, wording.Range(p.First, p.Last), h.Name),
			"Confirm and send", func() { s.do(pd, a, "") })
	case exchange.Pay:
		lump := "the lump sum"
		if p.Price != nil {
			lump = p.Price.LumpSum.String()
		}
		s.confirm("Mark as paid?", fmt.Sprintf("This records %s as paid to %s (%s) on %s. A payment cannot be undone.",
			lump, v.Name, v.Organisation, wording.Date(s.desk.today())), "Record the payment", func() { s.do(pd, a, "") })
	case exchange.Cancel:
		s.cancel(pd)
	default:
		s.do(pd, a, "")
	}
}

// confirm asks before an action, naming who is mailed and what.
func (s *placementsScreen) confirm(title, what, yes string, then func()) {
	d := dialog.NewCustomConfirm(title, yes, "Not now", container.NewGridWrap(fyne.NewSize(440, 110), wrapped(what)),
		func(ok bool) {
			if ok {
				then()
			}
		}, s.desk.win)
	d.Show()
}

// cancel asks why, and says who gets a cancellation: whoever was invited.
func (s *placementsScreen) cancel(pd store.PlacementDetail) {
	invited := map[string]bool{}
	var who []string
	for _, m := range pd.Messages {
		if m.Method == "REQUEST" && m.Status != store.Failed && !invited[m.To] {
			invited[m.To] = true
			who = append(who, fmt.Sprintf("%s <%s>", m.ToName, m.To))
		}
	}
	mailed := "Nobody was invited yet, so no mail is sent."
	if len(who) > 0 {
		mailed = "A cancellation goes to " + strings.Join(who, " and ") + "; it removes the event from their calendars."
	}
	reason := widget.NewEntry()
	reason.SetPlaceHolder("Why? (kept in the history)")
	dialog.ShowForm("Cancel this placement?", "Cancel placement", "Keep it",
		[]*widget.FormItem{{Text: "", Widget: wrapped(mailed)}, {Text: "Reason", Widget: reason}},
		func(ok bool) {
			if ok {
				s.do(pd, exchange.Cancel, reason.Text)
			}
		}, s.desk.win)
}

// reschedule asks for new dates; everyone invited gets an update.
func (s *placementsScreen) reschedule(pd store.PlacementDetail) {
	p := pd.Placement
	first, last := newDateField(), newDateField()
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
			from, to := exchange.DateOf(*first.Date), exchange.DateOf(*last.Date)
			change(s.desk.bridge, func() (exchange.Placement, error) { return s.data.Reschedule(p.ID, from, to, "") },
				func(moved exchange.Placement, err error) {
					if err != nil {
						s.refuse(p.ID, err)
						return
					}
					s.desk.say(fmt.Sprintf("Moved to %s; updates are queued for everyone invited.", wording.Range(moved.First, moved.Last)))
					s.desk.changed()
				})
		}, s.desk.win)
}

func (s *placementsScreen) do(pd store.PlacementDetail, a exchange.Action, detail string) {
	change(s.desk.bridge, func() (exchange.Placement, error) { return s.data.Act(pd.Placement.ID, a, detail) },
		func(p exchange.Placement, err error) {
			if err != nil {
				s.refuse(pd.Placement.ID, err)
				return
			}
			s.desk.say(fmt.Sprintf("%s at %s is now %s.", pd.Visitor.Name, pd.Host.Name, p.Status))
			s.desk.changed()
		})
}
