package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange/gazetteer"
)

// about names the app, its data file and the data it is built on.
func (d *Desk) about() {
	text := widget.NewLabel(fmt.Sprintf("%s — the booking desk for ClusterXchange-style mobility programmes.\n\n"+
		"Data file: %s\n\n%s\nMade with Fyne, bbolt and excelize.", Title, d.dataPath(), gazetteer.Attribution))
	text.Wrapping = fyne.TextWrapWord
	dlg := dialog.NewCustom("About "+Title, "Close", container.NewGridWrap(fyne.NewSize(480, 200), text), d.win)
	dlg.Show()
}

func (d *Desk) dataPath() string {
	if p, ok := d.data.(interface{ Path() string }); ok {
		return p.Path()
	}
	return "(shared)"
}
