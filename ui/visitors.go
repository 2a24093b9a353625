package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

// visitorsData is what the visitors screen reads and changes.
type visitorsData interface {
	Visitors() ([]exchange.Visitor, error)
	VisitorPlacements(exchange.ID) ([]store.PlacementRow, error)
	AddVisitor(exchange.Visitor) (exchange.Visitor, error)
	UpdateVisitor(exchange.Visitor) (exchange.Visitor, error)
}

// visitorsScreen lists visitors and edits the selected one.
type visitorsScreen struct {
	desk    *Desk
	data    visitorsData
	content fyne.CanvasObject
	pane    *listPane[exchange.Visitor]

	editing                                               exchange.Visitor
	form                                                  int // counts the visitors put in the form, for a late save
	save                                                  *widget.Button
	heading                                               *widget.Label
	name, email, organisation, country, city, partnership *widget.Entry
	kind                                                  *widget.Select
	countryName                                           *widget.Label
	lat, lon                                              *widget.Entry
	visits                                                *widget.Label
	book                                                  *widget.Button
	errs                                                  fieldErrors
	formErr                                               *widget.Label
}

func newVisitorsScreen(d *Desk, data visitorsData) *visitorsScreen {
	s := &visitorsScreen{desk: d, data: data, errs: fieldErrors{}}
	add := widget.NewButtonWithIcon("Add visitor", theme.ContentAddIcon(), func() { s.edit(exchange.Visitor{Kind: exchange.SME}) })
	s.pane = newListPane("Search name, organisation, city, country…", add,
		func(v exchange.Visitor) exchange.ID { return v.ID },
		func(v exchange.Visitor) (string, string) {
			return v.Name, fmt.Sprintf("%s · %s, %s · %s", v.Organisation, v.City, exchange.CountryName(v.Country), v.Email)
		},
		func(v exchange.Visitor) string {
			return strings.Join([]string{v.Name, v.Organisation, v.City, v.Country, exchange.CountryName(v.Country), v.Email, v.Partnership}, " ")
		},
		s.edit)
	s.heading = widget.NewLabelWithStyle("New visitor", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.heading.SizeName = theme.SizeNameSubHeadingText
	s.name = newEntry("Full name")
	s.email = newEntry("name@company.example")
	s.organisation = newEntry("The SME or organisation they come from")
	s.kind = widget.NewSelect(kindLabels(), nil)
	s.country = newEntry("ISO code, e.g. PT")
	s.countryName = widget.NewLabel("")
	s.city = newEntry("City")
	s.lat, s.lon = newEntry("latitude"), newEntry("longitude")
	watchLocation(s.city, s.country, s.lat, s.lon, s.countryName, func() (string, string) { return s.editing.City, s.editing.Country })
	s.partnership = newEntry("e.g. BSR Stars/StarDust")
	s.visits = widget.NewLabel("")
	s.visits.Wrapping = fyne.TextWrapWord
	s.book = widget.NewButtonWithIcon("Book a placement for this visitor…", theme.CalendarIcon(), func() {
		v := s.editing
		d.openBooking(&v)
	})
	s.formErr = errorLine()
	s.save = widget.NewButtonWithIcon("Save visitor", theme.DocumentSaveIcon(), s.saveVisitor)
	s.save.Importance = widget.HighImportance
	revert := widget.NewButton("Revert", func() { s.edit(s.editing) })
	form := s.errs.grid(
		row{"Name", s.name, "name"},
		row{"E-mail", s.email, "email"},
		row{"Organisation", s.organisation, "organisation"},
		row{"Kind", s.kind, "kind"},
		row{"Country", container.NewBorder(nil, nil, nil, s.countryName, s.country), "country"},
		row{"City", s.city, "city"},
		row{"Coordinates", coordinatesRow(s.lat, s.lon, s.errs), "lat"},
		row{"Partnership", s.partnership, ""},
		row{"Placements", container.NewVBox(s.visits, container.NewHBox(s.book)), ""},
	)
	right := container.NewBorder(s.heading, container.NewVBox(s.formErr, container.NewHBox(s.save, revert)), nil, nil,
		container.NewVScroll(form))
	split := container.NewHSplit(s.pane.content, container.NewPadded(right))
	split.Offset = 0.4
	s.content = split
	s.edit(exchange.Visitor{Kind: exchange.SME})
	return s
}

// reload reads the visitors again, and the placements of the one in the form.
func (s *visitorsScreen) reload() {
	load(s.desk.bridge, "visitors", s.data.Visitors, s.apply)
	s.reloadVisits()
}

func (s *visitorsScreen) apply(vs []exchange.Visitor, err error) {
	if err != nil {
		s.desk.fail(err)
		return
	}
	s.pane.setItems(vs)
}

func (s *visitorsScreen) edit(v exchange.Visitor) {
	s.editing = v
	s.form++
	if v.ID.IsZero() {
		s.heading.SetText("New visitor")
		s.pane.selected = exchange.ID{}
		s.pane.list.UnselectAll()
	} else {
		s.heading.SetText(v.Name)
	}
	s.name.SetText(v.Name)
	s.email.SetText(v.Email)
	s.organisation.SetText(v.Organisation)
	s.kind.SetSelected(v.Kind.Label())
	s.country.SetText(v.Country)
	s.city.SetText(v.City)
	showCoordinates(s.lat, s.lon, v.Coordinates)
	s.partnership.SetText(v.Partnership)
	s.errs.clear()
	setLine(s.formErr, nil)
	s.reloadVisits()
}

// reloadVisits reads the placements of the visitor in the form.
func (s *visitorsScreen) reloadVisits() {
	id := s.editing.ID
	load(s.desk.bridge, "visits", func() ([]store.PlacementRow, error) {
		if id.IsZero() {
			return nil, nil
		}
		return s.data.VisitorPlacements(id)
	}, s.applyVisits)
}

// applyVisits lists the visitor's placements under the form.
func (s *visitorsScreen) applyVisits(rows []store.PlacementRow, err error) {
	if err != nil {
		s.desk.fail(err)
		return
	}
	if s.editing.ID.IsZero() {
		s.visits.SetText("Save the visitor first, then book a placement.")
		s.book.Disable()
		return
	}
	s.book.Enable()
	var lines []string
	for _, r := range rows {
		p := r.Placement
		lines = append(lines, fmt.Sprintf("%s at %s — %s", wording.Range(p.First, p.Last), r.Host.Name, statusLabel(p.Status)))
	}
	if len(lines) == 0 {
		lines = []string{"None yet."}
	}
	s.visits.SetText(strings.Join(lines, "\n"))
}

func (s *visitorsScreen) saveVisitor() {
	v := s.editing
	v.Name, v.Email, v.Organisation = s.name.Text, s.email.Text, s.organisation.Text
	v.Kind = kindFromLabel(s.kind.Selected)
	v.Country, v.City, v.Partnership = s.country.Text, s.city.Text, s.partnership.Text
	var err error
	form := s.form
	if v.Coordinates, err = readCoordinates(s.lat, s.lon); err != nil {
		s.saved(form, v, err)
		return
	}
	s.save.Disable() // one save at a time: a double click adds no second visitor
	change(s.desk.bridge, func() (exchange.Visitor, error) {
		if v.ID.IsZero() {
			return s.data.AddVisitor(v)
		}
		return s.data.UpdateVisitor(v)
	}, func(v exchange.Visitor, err error) { s.saved(form, v, err) })
}

// saved shows how saving went.
// saved shows how saving went; form is the form it was saved from. If the person has opened
// another visitor meanwhile, the form stays theirs and only the status bar says it.
func (s *visitorsScreen) saved(form int, v exchange.Visitor, err error) {
	s.save.Enable()
	if form != s.form {
		if err != nil {
			s.desk.say("The visitor was not saved: " + message(err))
			return
		}
		s.desk.say("Saved " + v.Name + ".")
		s.desk.refresh()
		return
	}
	if err != nil {
		setLine(s.formErr, s.errs.show(err))
		s.desk.say("The visitor was not saved: " + message(err))
		return
	}
	s.edit(v)
	s.pane.selected = v.ID
	s.desk.say("Saved " + v.Name + ".")
	s.desk.refresh()
}
