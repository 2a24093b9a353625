package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// row is one line of a form: a label, the input, and the rule field whose errors show under it.
type row struct {
	label string
	input fyne.CanvasObject
	field string
}

// grid lays rows out as a two-column form with each field's error line under its input.
func (f fieldErrors) grid(rows ...row) *fyne.Container {
	var objs []fyne.CanvasObject
	for _, r := range rows {
		l := widget.NewLabel(r.label)
		l.Alignment = fyne.TextAlignTrailing
		cell := r.input
		if r.field != "" {
			cell = container.NewVBox(r.input, f.add(r.field))
		}
		objs = append(objs, l, cell)
	}
	return container.New(layout.NewFormLayout(), objs...)
}

// searchEntry is the search box above every list.
func searchEntry(placeholder string, changed func(string)) *widget.Entry {
	e := newEntry(placeholder)
	e.OnChanged = changed
	return e
}

// newEntry is a one-line entry that says what goes in it.
func newEntry(placeholder string) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(placeholder)
	return e
}

// coordinatesRow holds latitude and longitude, which the app looks up from the city when
// they are left empty.
func coordinatesRow(lat, lon *widget.Entry, errs fieldErrors) fyne.CanvasObject {
	hint := widget.NewLabel("empty: looked up from the city")
	hint.Importance = widget.LowImportance
	return container.NewVBox(container.NewBorder(nil, nil, nil, hint, container.NewGridWithColumns(2, lat, lon)), errs.add("lon"))
}

// watchLocation names the country as it is typed, and clears typed coordinates once the city
// or country differs from the stored one's, so that saving looks the new place up.
func watchLocation(city, country, lat, lon *widget.Entry, countryName *widget.Label, stored func() (city, country string)) {
	forget := func() {
		c, k := stored()
		if city.Text != c || !strings.EqualFold(country.Text, k) {
			lat.SetText("")
			lon.SetText("")
		}
	}
	city.OnChanged = func(string) { forget() }
	country.OnChanged = func(c string) {
		countryName.SetText(exchange.CountryName(c))
		forget()
	}
}

func showCoordinates(lat, lon *widget.Entry, c exchange.Coordinates) {
	if c.IsZero() {
		lat.SetText("")
		lon.SetText("")
		return
	}
	lat.SetText(strconv.FormatFloat(c.Lat, 'f', -1, 64))
	lon.SetText(strconv.FormatFloat(c.Lon, 'f', -1, 64))
}

// readCoordinates reads what was typed as coordinates; both empty means none, to be looked
// up from the city. Numbers that are no point on the earth are refused as the store does.
func readCoordinates(lat, lon *widget.Entry) (exchange.Coordinates, error) {
	a, b := strings.TrimSpace(lat.Text), strings.TrimSpace(lon.Text)
	if a == "" && b == "" {
		return exchange.Coordinates{}, nil
	}
	la, err1 := strconv.ParseFloat(a, 64)
	lo, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil {
		return exchange.Coordinates{}, &exchange.RuleError{Field: "lat", Rule: exchange.RuleCoordinates,
			Reason: "write latitude and longitude in decimal degrees, like 50.3591 and 3.5251, or leave both empty"}
	}
	c := exchange.Coordinates{Lat: la, Lon: lo}
	return c, c.Validate()
}
