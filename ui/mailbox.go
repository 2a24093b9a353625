package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"

	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
	"github.com/xchangedesk/xchangedesk/store"
)

// ReadMailboxInBackground reads the organiser's mailbox every few minutes, and at once when
// its settings change or staff ask, until the returned stop is called. poller makes the
// poller that tells of each message read; store.(*Store).MailboxPoller is one. What each look
// found shows in the status bar and the mailbox settings, and a notification says when a
// host answered.
func (d *Desk) ReadMailboxInBackground(poller func(each func(store.Fetched)) *mailbox.Poller) (stop func()) {
	answered := 0 // the poller's goroutine only: each and Report both run there
	p := poller(func(f store.Fetched) {
		if f.Result.Outcome == store.Applied || f.Result.Outcome == store.Countered {
			answered++
		}
	})
	p.Report = func(r mailbox.Round) {
		n := answered
		answered = 0
		d.bridge.post(func() { d.mailboxRound(r, n) })
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := p.Start(ctx)
	d.wakeMailbox = p.Wake
	return func() {
		cancel()
		<-done
	}
}

// mailboxRound shows what a look at the mailbox found. Call it on the UI goroutine.
func (d *Desk) mailboxRound(r mailbox.Round, answered int) {
	d.outbox.settings.mailbox.round(r)
	switch {
	case r.NotSet:
	case r.Err != nil:
		d.say("⚠ Mailbox: " + message(r.Err))
	case r.Fetched > 0:
		d.say(fmt.Sprintf("Mailbox: %d new %s, %d %s read.", r.Fetched, plural(r.Fetched, "message", "messages"),
			r.Replies, plural(r.Replies, "reply", "replies")))
		if answered > 0 {
			d.app.SendNotification(fyne.NewNotification(Title, fmt.Sprintf("%d %s answered: see the placements.", answered,
				plural(answered, "host or visitor", "hosts or visitors"))))
		}
		d.refresh()
	}
}

// mailboxChanged looks at the mailbox at once, with the settings just saved.
func (d *Desk) mailboxChanged() {
	if d.wakeMailbox != nil {
		d.wakeMailbox()
	}
	d.refresh()
}
