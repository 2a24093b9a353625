package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange/sample"
	"github.com/xchangedesk/xchangedesk/store"
)

// welcome is the first screen on an empty data file: load the sample programme, or start empty.
func (d *Desk) welcome() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Welcome to Xchange Desk", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = "headingText"
	intro := widget.NewLabel("Book ClusterXchange placements that respect every rule of the scheme: " +
		"find a host, check working days and capacity, follow each exchange from draft to payment.\n\n" +
		"This data file is empty. You can look around with a sample programme — rail and health clusters " +
		"such as DITECFER, Rail.S, Lyonbiopole and Fraunhofer HHI, with visitors from SMEs across Europe — " +
		"or start with your own hosts and visitors.")
	intro.Wrapping = fyne.TextWrapWord
	intro.Alignment = fyne.TextAlignCenter
	errLine := errorLine()
	sampleBtn := widget.NewButton("Load the sample programme", nil)
	sampleBtn.Importance = widget.HighImportance
	sampleBtn.OnTapped = func() {
		if err := d.data.Load(store.Seed(sample.Programme(d.today()))); err != nil {
			setLine(errLine, []string{message(err)})
			return
		}
		d.showMain()
		d.say("Loaded the sample programme.")
	}
	emptyBtn := widget.NewButton("Start empty", func() {
		d.showMain()
		d.tabs.SelectIndex(1)
		d.say("Start by adding your hosts, then your visitors; then book placements.")
	})
	card := widget.NewCard("", "", container.NewVBox(title, intro, container.NewCenter(container.NewHBox(sampleBtn, emptyBtn)), errLine))
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(620, 360), card))
}

// ShowStartupError tells someone who started the app from a desktop menu, with no terminal
// to read, why it cannot open, and returns when they close the window.
func ShowStartupError(a fyne.App, why string) {
	w := a.NewWindow(Title)
	msg := widget.NewLabel("Xchange Desk cannot open its data file.\n\n" + why)
	msg.Wrapping = fyne.TextWrapWord
	w.SetContent(container.NewBorder(nil, container.NewCenter(widget.NewButton("Close", a.Quit)), nil, nil, msg))
	w.Resize(fyne.NewSize(520, 220))
	w.ShowAndRun()
}
