// Package ui is Xchange Desk's desktop interface, built with Fyne. It never imports
// fyne.io/fyne/v2/app: cmd/xchange makes the app and hands it in, so tests drive every screen
// headless with fyne.io/fyne/v2/test against a real data file.
//
// Every screen is a struct that builds its widgets once. Its load reads what it shows from
// the data file in one transaction, off the UI goroutine; its apply sets the widgets' values
// on the UI goroutine. The bridge carries one to the other (see bridge.go).
package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/store"
	"github.com/xchangedesk/xchangedesk/store/outbox"
)

// Bookings is what the app needs from the data file: what each screen reads and changes, and
// what the welcome screen and the mail sender need. *store.Store provides it.
type Bookings interface {
	IsEmpty() (bool, error)
	Load(store.Seed) error
	placementsData
	hostsData
	visitorsData
	budgetData
	mailData
	bookingData
	repliesData
	outbox.Outbox // what the sender needs, for the test message
}

// Title is the main window's title.
const Title = "Xchange Desk"

// Desk is the main window and its screens.
type Desk struct {
	app    fyne.App
	win    fyne.Window
	data   Bookings
	today  func() exchange.Date
	status *widget.Label // the status bar: what just happened, or what went wrong
	bridge *bridge

	placements *placementsScreen
	hosts      *hostsScreen
	visitors   *visitorsScreen
	budget     *budgetScreen
	outbox     *outboxScreen
	tabs       *container.AppTabs

	// Wake tells the background sender that a change queued messages; SendInBackground sets it.
	Wake func()
	// wakeMailbox asks the mailbox reader to look now; ReadMailboxInBackground sets it.
	wakeMailbox func()

	booking *bookingDialog // the booking window while it is open; opening another closes it
}

// New builds the main window on app over data. Call Start to show it.
func New(a fyne.App, data Bookings, today func() exchange.Date) *Desk {
	return build(a, data, today, newBridge())
}

// build is New with the bridge given: tests hand in one that runs loads at once.
func build(a fyne.App, data Bookings, today func() exchange.Date, b *bridge) *Desk {
	d := &Desk{app: a, data: data, today: today, win: a.NewWindow(Title), status: widget.NewLabel(""), bridge: b}
	d.status.Truncation = fyne.TextTruncateEllipsis
	d.placements = newPlacementsScreen(d, data)
	d.hosts = newHostsScreen(d, data)
	d.visitors = newVisitorsScreen(d, data)
	d.budget = newBudgetScreen(d, data)
	d.outbox = newOutboxScreen(d, data)
	d.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Placements", theme.CalendarIcon(), d.placements.content),
		container.NewTabItemWithIcon("Hosts", theme.HomeIcon(), d.hosts.content),
		container.NewTabItemWithIcon("Visitors", theme.AccountIcon(), d.visitors.content),
		container.NewTabItemWithIcon("Budget", theme.InfoIcon(), d.budget.content),
		container.NewTabItemWithIcon("Outbox", theme.MailSendIcon(), d.outbox.content),
	)
	d.tabs.SetTabLocation(container.TabLocationLeading)
	d.menus()
	d.win.SetOnDropped(d.dropped) // .eml and .ics files with hosts' answers
	d.win.Resize(fyne.NewSize(1280, 800))
	return d
}

// Window is the main window.
func (d *Desk) Window() fyne.Window { return d.win }

// Start shows the welcome screen on an empty data file and the main screens otherwise.
func (d *Desk) Start() {
	empty, err := d.data.IsEmpty()
	if err != nil {
		d.showMain()
		d.fail(err)
		return
	}
	if empty {
		d.win.SetContent(d.welcome())
		return
	}
	d.showMain()
}

func (d *Desk) showMain() {
	d.win.SetContent(container.NewBorder(nil, container.NewPadded(d.status), nil, nil, d.tabs))
	d.refresh()
}

// refresh has every screen load what it shows again.
func (d *Desk) refresh() {
	d.placements.reload()
	d.hosts.reload()
	d.visitors.reload()
	d.budget.reload()
	d.outbox.reload()
}

// changed refreshes the screens and wakes the sender: a change may have queued messages.
func (d *Desk) changed() {
	d.refresh()
	if d.Wake != nil {
		d.Wake()
	}
}

// SendInBackground runs the outbox sender until the returned stop is called; stop returns
// once a round in progress has recorded what the server accepted. Every change wakes it, and
// each round's result shows in the status bar.
func (d *Desk) SendInBackground(sender *outbox.Sender) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{}, 1)
	d.Wake = func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			// A bug in the sender must not take the bookings window down with it.
			if r := recover(); r != nil {
				err := fmt.Errorf("the mail sender stopped: %v; messages wait in the outbox until the app restarts", r)
				d.bridge.post(func() { d.Sending(outbox.Report{}, err) })
			}
		}()
		sender.Run(ctx, wake, func(r outbox.Report, err error) {
			d.bridge.post(func() { d.Sending(r, err) })
		})
	}()
	return func() {
		cancel()
		<-done
	}
}

// Sending shows what a round of the background sender did, where staff see it without
// opening the outbox. Call it on the UI goroutine.
func (d *Desk) Sending(r outbox.Report, err error) {
	switch {
	case err != nil:
		d.fail(err)
	case r.Failed > 0 || r.Retrying > 0:
		d.say(fmt.Sprintf("⚠ Mail: %s. %s", r, strings.Join(r.Problems, "; ")))
	default:
		d.say(fmt.Sprintf("Mail: %s.", r))
	}
	d.placements.reloadDetail()
	d.outbox.reload()
}

// setOutboxCount shows how many messages wait on the Outbox tab.
func (d *Desk) setOutboxCount(n int) {
	title := "Outbox"
	if n > 0 {
		title = fmt.Sprintf("Outbox (%d)", n)
	}
	if item := d.tabs.Items[4]; item.Text != title {
		item.Text = title
		d.tabs.Refresh()
	}
}

// say puts a short message in the status bar.
func (d *Desk) say(msg string) { d.status.SetText(msg) }

// fail shows an error in the status bar, in the users' words.
func (d *Desk) fail(err error) { d.status.SetText("⚠ " + message(err)) }

// showMailSettings opens the Outbox screen with the cursor in the organiser's name.
func (d *Desk) showMailSettings() {
	d.tabs.SelectIndex(4)
	d.outbox.settings.focusOrganiser()
}
