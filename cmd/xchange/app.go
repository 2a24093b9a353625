package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/assets"
	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/store"
	"github.com/xchangedesk/xchangedesk/store/outbox"
	"github.com/xchangedesk/xchangedesk/ui"
)

// appID must match FyneApp.toml.
const appID = "eu.clusterxchange.xchangedesk"

// runApp opens the desktop app on the data file and returns when its window closes.
func runApp(dbPath string) int {
	// What `fyne package` would bake in from FyneApp.toml, for a plain `go build` binary
	// that runs away from the toml file.
	app.SetMetadata(fyne.AppMetadata{ID: appID, Name: ui.Title, Version: "0.1.0", Build: 1,
		Icon: assets.Icon(), Migrations: map[string]bool{"fyneDo": true}})
	a := app.NewWithID(appID)
	a.SetIcon(assets.Icon())
	s, err := store.Open(dbPath, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "xchange:", oneLine(err))
		showStartupError(a, err)
		return exitRefused
	}
	defer s.Close()
	if l, err := s.ServeBackups(); err == nil {
		defer l.Close()
	} else {
		fmt.Fprintln(os.Stderr, "xchange: backups from the command line are off while the app runs:", err)
	}
	d := ui.New(a, s, func() exchange.Date { return exchange.DateOf(time.Now()) })
	// The outbox is delivered in the background; a change wakes the sender at once.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	wake := make(chan struct{}, 1)
	d.Wake = func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	sender := &outbox.Sender{Outbox: s}
	sending := make(chan struct{})
	go func() {
		defer close(sending)
		defer func() {
			// A bug in the sender must not take the bookings window down with it.
			if r := recover(); r != nil {
				err := fmt.Errorf("the mail sender stopped: %v; messages wait in the outbox until the app restarts", r)
				fyne.Do(func() { d.Sending(outbox.Report{}, err) })
			}
		}()
		sender.Run(ctx, wake, func(r outbox.Report, err error) {
			fyne.Do(func() { d.Sending(r, err) })
		})
	}()
	d.Start()
	d.Window().ShowAndRun()
	// Let a round in progress record what the server accepted before the file closes.
	stop()
	<-sending
	return exitOK
}

// showStartupError tells someone who started the app from a desktop menu, with no terminal
// to read, why it cannot open.
func showStartupError(a fyne.App, err error) {
	w := a.NewWindow(ui.Title)
	msg := widget.NewLabel("Xchange Desk cannot open its data file.\n\n" + oneLine(err))
	msg.Wrapping = fyne.TextWrapWord
	w.SetContent(container.NewBorder(nil, container.NewCenter(widget.NewButton("Close", a.Quit)), nil, nil, msg))
	w.Resize(fyne.NewSize(520, 220))
	w.ShowAndRun()
}
