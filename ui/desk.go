// Package ui is Xchange Desk's desktop interface, built with Fyne. It never imports
// fyne.io/fyne/v2/app: cmd/xchange makes the app and hands it in, so tests drive every screen
// headless with fyne.io/fyne/v2/test against a real data file.
package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
	"github.com/xchangedesk/xchangedesk/store"
	"github.com/xchangedesk/xchangedesk/store/outbox"
)

// Bookings is what the screens need from the data file; *store.Store provides it, and a
// shared backend could later.
type Bookings interface {
	Snapshot() (store.Snapshot, error)
	IsEmpty() (bool, error)
	Load(store.Seed) error
	AddHost(exchange.Host) (exchange.Host, error)
	UpdateHost(exchange.Host) (exchange.Host, error)
	AddVisitor(exchange.Visitor) (exchange.Visitor, error)
	UpdateVisitor(exchange.Visitor) (exchange.Visitor, error)
	Check(store.BookingRequest) (store.Preview, error)
	Book(store.BookingRequest) (exchange.Placement, error)
	Act(exchange.ID, exchange.Action, string) (exchange.Placement, error)
	Tick(exchange.ID, exchange.Item, bool) (exchange.Placement, error)
	Reprice(exchange.ID) (exchange.Placement, error)
	Budget(exchange.Date) (store.Budget, error)
	Rates() (rates.Tables, error)
	RateVersions() ([]rates.Tables, error)
	SaveRates(rates.Tables, string) (rates.Tables, error)
	SetEnvelope(exchange.Cents) error
	SetProfile(string) error
	Reschedule(exchange.ID, exchange.Date, exchange.Date, exchange.TravelDays) (exchange.Placement, error)
	Outbox() ([]store.Message, error)
	Retry(exchange.ID) error
	SetSMTP(store.SMTPSettings) error
	SetOrganiser(name, email string) error
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

	placements *placementsScreen
	hosts      *hostsScreen
	visitors   *visitorsScreen
	budget     *budgetScreen
	outbox     *outboxScreen
	tabs       *container.AppTabs
	snap       store.Snapshot
	money      money // the budget and rate tables, read with each snapshot
	messages   []store.Message

	// Wake tells the background sender that a change queued messages; set by the app.
	Wake func()

	booking *bookingDialog // the open booking dialog, if any

	// background runs slow work off the UI goroutine; tests make it synchronous.
	background func(func())
	// loads counts reloads started, so a slow reload that finishes after a newer one is
	// dropped instead of showing older data (read and compared on the UI goroutine).
	loads int
}

// New builds the main window on app over data. Call Start to show it.
func New(a fyne.App, data Bookings, today func() exchange.Date) *Desk {
	d := &Desk{app: a, data: data, today: today, win: a.NewWindow(Title), status: widget.NewLabel(""),
		background: func(f func()) { go f() }}
	d.status.Truncation = fyne.TextTruncateEllipsis
	d.placements = newPlacementsScreen(d)
	d.hosts = newHostsScreen(d)
	d.visitors = newVisitorsScreen(d)
	d.budget = newBudgetScreen(d)
	d.outbox = newOutboxScreen(d)
	d.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Placements", theme.CalendarIcon(), d.placements.content),
		container.NewTabItemWithIcon("Hosts", theme.HomeIcon(), d.hosts.content),
		container.NewTabItemWithIcon("Visitors", theme.AccountIcon(), d.visitors.content),
		container.NewTabItemWithIcon("Budget", theme.InfoIcon(), d.budget.content),
		container.NewTabItemWithIcon("Outbox", theme.MailSendIcon(), d.outbox.content),
	)
	d.win.SetMainMenu(fyne.NewMainMenu(
		fyne.NewMenu("File", fyne.NewMenuItem("Export report…", d.budget.exportDialog)),
		fyne.NewMenu("Help", fyne.NewMenuItem("About Xchange Desk", d.about)),
	))
	d.tabs.SetTabLocation(container.TabLocationLeading)
	d.win.Resize(fyne.NewSize(1180, 760))
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
	d.reload()
}

// reload reads the data file off the UI goroutine and applies it to every screen. It is the
// one place that starts a goroutine.
func (d *Desk) reload() {
	d.loads++
	this := d.loads
	d.background(func() {
		snap, err := d.data.Snapshot()
		var m money
		if err == nil {
			m, err = d.loadMoney()
		}
		fyne.Do(func() {
			if this != d.loads {
				return // a newer reload is on its way
			}
			if err != nil {
				d.fail(err)
				return
			}
			d.money = m
			d.apply(snap)
		})
	})
}

// money is what the budget and outbox screens and the quotes show.
type money struct {
	programme exchange.Programme
	budget    store.Budget
	rates     rates.Tables
	versions  []rates.Tables
	messages  []store.Message
	smtp      store.SMTPSettings
	smtpSet   bool
}

func (d *Desk) loadMoney() (money, error) {
	var m money
	var err error
	if m.budget, err = d.data.Budget(d.today()); err != nil {
		return m, err
	}
	if m.rates, err = d.data.Rates(); err != nil {
		return m, err
	}
	if m.versions, err = d.data.RateVersions(); err != nil {
		return m, err
	}
	if m.messages, err = d.data.Outbox(); err != nil {
		return m, err
	}
	m.smtp, m.smtpSet, err = d.data.SMTP()
	return m, err
}

// changed reloads the screens and wakes the sender: a change may have queued messages.
func (d *Desk) changed() {
	d.reload()
	if d.Wake != nil {
		d.Wake()
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
	d.reload()
}

func (d *Desk) apply(snap store.Snapshot) {
	if d.status.Text == "" {
		d.say(fmt.Sprintf("%d placements, %d hosts, %d visitors.", len(snap.Placements), len(snap.Hosts), len(snap.Visitors)))
	}
	d.snap = snap
	d.messages = d.money.messages
	d.money.programme = snap.Programme
	if d.money.programme.Profile == "" {
		d.money.programme.Profile = rates.ClusterXchange
	}
	d.hosts.apply(snap)
	d.visitors.apply(snap)
	d.placements.apply(snap)
	d.budget.apply()
	d.outbox.apply(d.money.messages, snap.Programme, d.money.smtp, d.money.smtpSet)
	title := "Outbox"
	if n := waiting(d.messages); n > 0 {
		title = fmt.Sprintf("Outbox (%d)", n)
	}
	if d.tabs.Items[4].Text != title {
		d.tabs.Items[4].Text = title
		d.tabs.Refresh()
	}
}

// waiting counts messages not yet sent: queued or failed.
func waiting(ms []store.Message) int {
	n := 0
	for _, m := range ms {
		if m.Status != store.Sent {
			n++
		}
	}
	return n
}

// say puts a short message in the status bar.
func (d *Desk) say(msg string) { d.status.SetText(msg) }

// fail shows an error in the status bar, in the users' words.
func (d *Desk) fail(err error) { d.status.SetText("⚠ " + message(err)) }

func (d *Desk) hostByID(id exchange.ID) exchange.Host {
	for _, h := range d.snap.Hosts {
		if h.ID == id {
			return h
		}
	}
	return exchange.Host{}
}

func (d *Desk) visitorByID(id exchange.ID) exchange.Visitor {
	for _, v := range d.snap.Visitors {
		if v.ID == id {
			return v
		}
	}
	return exchange.Visitor{}
}
