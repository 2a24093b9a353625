package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

// hostsData is what the hosts screen reads and changes.
type hostsData interface {
	Hosts() ([]exchange.Host, error)
	AddHost(exchange.Host) (exchange.Host, error)
	UpdateHost(exchange.Host) (exchange.Host, error)
}

// hostsScreen lists hosts and edits the selected one, closed periods included.
type hostsScreen struct {
	desk    *Desk
	data    hostsData
	content fyne.CanvasObject
	pane    *listPane[exchange.Host]

	editing                                                                     exchange.Host // the host in the form; a zero ID means a new host
	form                                                                        int           // counts the hosts put in the form, so that a late save knows whether it is still shown
	heading                                                                     *widget.Label
	name, country, city, address, contact, email, capacity, partnership, topics *widget.Entry
	kind                                                                        *widget.Select
	countryName                                                                 *widget.Label
	lat, lon                                                                    *widget.Entry
	closed                                                                      []exchange.ClosedPeriod
	closedList                                                                  *widget.List
	closedFrom                                                                  *dateField
	closedTo                                                                    *dateField
	closedWhy                                                                   *widget.Entry
	errs                                                                        fieldErrors
	formErr                                                                     *widget.Label
	save                                                                        *widget.Button
}

func newHostsScreen(d *Desk, data hostsData) *hostsScreen {
	s := &hostsScreen{desk: d, data: data, errs: fieldErrors{}}
	add := widget.NewButtonWithIcon("Add host", theme.ContentAddIcon(), func() { s.edit(exchange.Host{Capacity: exchange.DefaultCapacity, Kind: exchange.ClusterOrganisation}) })
	s.pane = newListPane("Search name, city, country, contact, topic…", add,
		func(h exchange.Host) exchange.ID { return h.ID },
		func(h exchange.Host) (string, string) {
			return h.Name, fmt.Sprintf("%s, %s · %s · %d at a time · %s", h.City, exchange.CountryName(h.Country), h.Kind.Label(), h.Capacity, h.Contact)
		},
		func(h exchange.Host) string {
			return strings.Join([]string{h.Name, h.City, h.Country, exchange.CountryName(h.Country), h.Kind.Label(), h.Contact,
				h.Email, h.Partnership, strings.Join(h.Topics, " "), h.Address}, " ")
		},
		s.edit)

	s.heading = widget.NewLabelWithStyle("New host", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.heading.SizeName = theme.SizeNameSubHeadingText
	s.name = newEntry("Organisation name")
	s.kind = widget.NewSelect(kindLabels(), nil)
	s.country = newEntry("ISO code, e.g. DE")
	s.countryName = widget.NewLabel("")
	s.city = newEntry("City")
	s.lat, s.lon = newEntry("latitude"), newEntry("longitude")
	watchLocation(s.city, s.country, s.lat, s.lon, s.countryName, func() (string, string) { return s.editing.City, s.editing.Country })
	s.address = newEntry("Street, postcode, city")
	s.contact = newEntry("The person who confirms availability")
	s.email = newEntry("contact@example.org")
	s.capacity = newEntry("1")
	s.partnership = newEntry("e.g. STARS")
	s.topics = newEntry("rail; health; photonics")
	s.closedList = &widget.List{
		Length: func() int { return max(1, len(s.closed)) },
		CreateItem: func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon("", theme.DeleteIcon(), nil), l)
		},
		UpdateItem: s.updateClosed,
	}
	s.closedList.ExtendBaseWidget(s.closedList)
	s.closedFrom, s.closedTo = newDateField(), newDateField()
	s.closedWhy = newEntry("Reason, e.g. summer closure")
	addClosed := widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), s.addClosed)
	s.formErr = errorLine()
	s.save = widget.NewButtonWithIcon("Save host", theme.DocumentSaveIcon(), s.saveHost)
	s.save.Importance = widget.HighImportance
	revert := widget.NewButton("Revert", func() { s.edit(s.editing) })

	form := s.errs.grid(
		row{"Name", s.name, "name"},
		row{"Kind", s.kind, "kind"},
		row{"Country", container.NewBorder(nil, nil, nil, s.countryName, s.country), "country"},
		row{"City", s.city, "city"},
		row{"Coordinates", coordinatesRow(s.lat, s.lon, s.errs), "lat"},
		row{"Address", s.address, "address"},
		row{"Contact person", s.contact, "contact"},
		row{"Contact e-mail", s.email, "email"},
		row{"Visitors at a time", s.capacity, "capacity"},
		row{"Partnership", s.partnership, ""},
		row{"Topics", s.topics, ""},
		row{"Closed", container.NewGridWrap(fyne.NewSize(420, 120), s.closedList), ""},
		row{"Add closed period", container.NewBorder(nil, nil, container.NewHBox(s.closedFrom, s.closedTo), addClosed, s.closedWhy), "closed"},
	)
	right := container.NewBorder(s.heading, container.NewVBox(s.formErr, container.NewHBox(s.save, revert)), nil, nil,
		container.NewVScroll(form))
	split := container.NewHSplit(s.pane.content, container.NewPadded(right))
	split.Offset = 0.4
	s.content = split
	s.edit(exchange.Host{Capacity: exchange.DefaultCapacity, Kind: exchange.ClusterOrganisation})
	return s
}

func kindLabels() []string {
	out := make([]string, len(exchange.Kinds))
	for i, k := range exchange.Kinds {
		out[i] = k.Label
	}
	return out
}

// reload reads the hosts again.
func (s *hostsScreen) reload() { load(s.desk.bridge, "hosts", s.data.Hosts, s.apply) }

func (s *hostsScreen) apply(hs []exchange.Host, err error) {
	if err != nil {
		s.desk.fail(err)
		return
	}
	s.pane.setItems(hs)
}

// edit puts h into the form.
func (s *hostsScreen) edit(h exchange.Host) {
	s.editing = h
	s.form++
	if h.ID.IsZero() {
		s.heading.SetText("New host")
		s.pane.selected = exchange.ID{}
		s.pane.list.UnselectAll()
	} else {
		s.heading.SetText(h.Name)
	}
	s.name.SetText(h.Name)
	s.kind.SetSelected(h.Kind.Label())
	s.country.SetText(h.Country)
	s.city.SetText(h.City)
	s.address.SetText(h.Address)
	s.contact.SetText(h.Contact)
	s.email.SetText(h.Email)
	s.capacity.SetText(strconv.Itoa(h.Capacity))
	showCoordinates(s.lat, s.lon, h.Coordinates)
	s.partnership.SetText(h.Partnership)
	s.topics.SetText(strings.Join(h.Topics, "; "))
	s.closed = append([]exchange.ClosedPeriod(nil), h.Closed...)
	s.showClosed()
	s.closedFrom.SetDate(nil)
	s.closedTo.SetDate(nil)
	s.closedWhy.SetText("")
	s.errs.clear()
	setLine(s.formErr, nil)
}

func (s *hostsScreen) showClosed() {
	s.closedList.Refresh()
}

// updateClosed draws one closed period of the form, with a button that removes it.
func (s *hostsScreen) updateClosed(i widget.ListItemID, o fyne.CanvasObject) {
	c := o.(*fyne.Container)
	label, remove := c.Objects[0].(*widget.Label), c.Objects[1].(*widget.Button)
	if len(s.closed) == 0 {
		label.SetText("Open all year")
		remove.Hide()
		return
	}
	if i >= len(s.closed) {
		return
	}
	text := wording.Range(s.closed[i].From, s.closed[i].To)
	if s.closed[i].Reason != "" {
		text += " — " + s.closed[i].Reason
	}
	label.SetText(text)
	remove.Show()
	remove.OnTapped = func() {
		if i >= len(s.closed) {
			return
		}
		s.closed = append(s.closed[:i:i], s.closed[i+1:]...)
		s.showClosed()
		s.desk.say("Closed period removed from the form; Save to keep the change, Revert to undo it.")
	}
}

func (s *hostsScreen) addClosed() {
	if s.closedFrom.Date == nil || s.closedTo.Date == nil {
		s.errs.show(&exchange.RuleError{Field: "closed", Rule: exchange.RuleRequired, Reason: "pick the first and the last closed day"})
		return
	}
	c := exchange.ClosedPeriod{Period: exchange.Period{From: exchange.DateOf(*s.closedFrom.Date), To: exchange.DateOf(*s.closedTo.Date)},
		Reason: strings.TrimSpace(s.closedWhy.Text)}
	if c.To.Before(c.From) {
		s.errs.show(&exchange.RuleError{Field: "closed", Rule: exchange.RuleDateOrder, Reason: "the closed period ends before it starts"})
		return
	}
	s.closed = append(s.closed, c)
	s.showClosed()
	s.closedFrom.SetDate(nil)
	s.closedTo.SetDate(nil)
	s.closedWhy.SetText("")
	s.errs.clear()
}

// host reads the form.
func (s *hostsScreen) host() (h exchange.Host, err error) {
	h = s.editing
	h.Name, h.Country, h.City, h.Address = s.name.Text, s.country.Text, s.city.Text, s.address.Text
	h.Contact, h.Email, h.Partnership = s.contact.Text, s.email.Text, s.partnership.Text
	h.Kind = kindFromLabel(s.kind.Selected)
	h.Topics = nil
	for _, t := range strings.Split(s.topics.Text, ";") {
		if t = strings.TrimSpace(t); t != "" {
			h.Topics = append(h.Topics, t)
		}
	}
	h.Closed = s.closed
	if h.Coordinates, err = readCoordinates(s.lat, s.lon); err != nil {
		return h, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s.capacity.Text))
	if err != nil {
		return h, &exchange.RuleError{Field: "capacity", Rule: exchange.RuleFormat, Reason: "write a whole number of visitors, e.g. 2"}
	}
	h.Capacity = n
	return h, nil
}

func kindFromLabel(label string) exchange.Kind {
	for _, k := range exchange.Kinds {
		if k.Label == label {
			return k.Kind
		}
	}
	return ""
}

func (s *hostsScreen) saveHost() {
	h, err := s.host()
	form := s.form
	if err != nil {
		s.saved(form, h, err)
		return
	}
	s.save.Disable() // one save at a time
	change(s.desk.bridge, func() (exchange.Host, error) {
		if h.ID.IsZero() {
			return s.data.AddHost(h)
		}
		return s.data.UpdateHost(h)
	}, func(h exchange.Host, err error) { s.saved(form, h, err) })
}

// saved shows how saving went.
// saved shows how saving went; form is the form it was saved from. If the person has opened
// another host meanwhile, the form stays theirs and only the status bar says it.
func (s *hostsScreen) saved(form int, h exchange.Host, err error) {
	s.save.Enable()
	if form != s.form {
		if err != nil {
			s.desk.say("The host was not saved: " + message(err))
			return
		}
		s.desk.say(fmt.Sprintf("Saved %s at %s.", h.Name, time.Now().Format("15:04")))
		s.desk.changed()
		return
	}
	if err != nil {
		setLine(s.formErr, s.errs.show(err))
		s.desk.say("The host was not saved: " + message(err))
		return
	}
	s.edit(h)
	s.pane.selected = h.ID
	s.desk.say(fmt.Sprintf("Saved %s at %s.", h.Name, time.Now().Format("15:04")))
	s.desk.changed() // a new address sends updates to calendars already invited
}
