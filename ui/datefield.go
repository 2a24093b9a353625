package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

// dateField is a date typed in, or picked from a calendar behind its icon. It is wide enough
// for a date; the icon takes no keyboard focus, so Tab moves from field to field.
type dateField struct {
	widget.Entry
	Date     *time.Time       // nil while the text is not a date
	OnPicked func(*time.Time) // after every change of Date, typed or picked
	quiet    bool
	calendar *widget.PopUp
}

// dateLayouts are the ways people write a date, tried in turn: the app's own, ISO, and the
// common European numeric forms.
var dateLayouts = []string{"2 Jan 2006", "2 January 2006", "2006-01-02", "02/01/2006", "2/1/2006", "2.1.2006", "02.01.2006", "2 Jan. 2006"}

func newDateField() *dateField {
	d := &dateField{}
	d.ExtendBaseWidget(d)
	d.SetPlaceHolder("e.g. " + wording.Date(exchange.NewDate(2027, time.March, 15)))
	d.ActionItem = newTappable(widget.NewIcon(theme.CalendarIcon()), d.pick)
	d.Entry.OnChanged = func(text string) {
		if d.quiet {
			return
		}
		d.Date = parseDate(text)
		if d.OnPicked != nil {
			d.OnPicked(d.Date)
		}
	}
	return d
}

// parseDate reads a date in any of dateLayouts, or returns nil.
func parseDate(text string) *time.Time {
	text = strings.TrimSpace(text)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, text); err == nil {
			return &t
		}
	}
	if d, err := exchange.ParseDate(text); err == nil {
		t := d.Time()
		return &t
	}
	return nil
}

// SetDate shows t, or empties the field for nil, and tells OnPicked.
func (d *dateField) SetDate(t *time.Time) {
	d.quiet = true
	if t == nil {
		d.SetText("")
	} else {
		d.SetText(wording.Date(exchange.DateOf(*t)))
	}
	d.quiet = false
	d.Date = t
	if d.OnPicked != nil {
		d.OnPicked(t)
	}
}

// MinSize is wide enough for the longest date.
func (d *dateField) MinSize() fyne.Size {
	s := d.Entry.MinSize()
	return fyne.NewSize(max(s.Width, 170), s.Height)
}

// pick opens a calendar under the field.
func (d *dateField) pick() {
	c := fyne.CurrentApp().Driver().CanvasForObject(d)
	if c == nil {
		return
	}
	start := time.Now()
	if d.Date != nil {
		start = *d.Date
	}
	cal := widget.NewCalendar(start, func(t time.Time) {
		d.SetDate(&t)
		if d.calendar != nil {
			d.calendar.Hide()
		}
	})
	d.calendar = widget.NewPopUp(cal, c)
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(d)
	d.calendar.ShowAtPosition(at.Add(fyne.NewPos(0, d.Size().Height)))
}
