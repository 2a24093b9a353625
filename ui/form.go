package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
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
	e := widget.NewEntry()
	e.SetPlaceHolder(placeholder)
	e.OnChanged = changed
	return e
}
