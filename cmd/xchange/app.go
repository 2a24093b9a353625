package main

import (
	"fmt"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

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
		ui.ShowStartupError(a, oneLine(err))
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
	stop := d.SendInBackground(&outbox.Sender{Outbox: s})
	// Hosts' answers are read from the organiser's mailbox, when one is set.
	stopReading := d.ReadMailboxInBackground(s.MailboxPoller)
	d.Start()
	d.Window().ShowAndRun()
	// Let rounds in progress record what they did before the file closes.
	stopReading()
	stop()
	return exitOK
}
