package mailbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange/oauth"
)

// DefaultEvery is how often a Poller reads the mailbox when Poller.Every is zero: often
// enough that a host's answer shows within minutes, rarely enough not to bother the server.
const DefaultEvery = 5 * time.Minute

// firstRetry is the wait after a round that failed (no connection, login refused); it
// doubles with each failure in a row, up to Every. A round that needs a new OAuth2 sign-in
// (oauth.ErrSignInAgain, or oauth.ErrNotSignedIn after a sign-out) waits Every: no retry
// brings the sign-in back.
const firstRetry = 30 * time.Second

// Handler reads one message. reply is true for a reply it dealt with (applied, stale,
// duplicate, refused: whatever the outcome, it is recorded) and false for a message that
// is not a reply. Either way the message is processed and not read again. An error means
// it could not be dealt with now (the data file is busy, say): it stays for the next round.
type Handler func(ctx context.Context, m Message) (reply bool, err error)

// Memory remembers processed messages where the server keeps no keywords. *store.Store
// is one.
type Memory interface {
	Seen(uidValidity, uid uint32) (bool, error)
	MarkSeen(uidValidity uint32, uids ...uint32) error
}

// Round is what one reading of the mailbox did.
type Round struct {
	Start, End time.Time
	// NotSet is true when no mailbox is set up: nothing was tried.
	NotSet bool
	// Fetched messages were new; each was a reply, not a reply, or failed.
	Fetched, Replies, NotReplies int
	// Failed are the messages the handler could not deal with; they are read again next round.
	Failed []MessageError
	// Remembered is true when the server keeps no keywords and the processed UIDs were
	// remembered in Memory instead.
	Remembered bool
	// Err is why the round could not run or finish (settings, connection, login, folder),
	// in words; nil when it did. The poller tries again sooner than usual, except when the
	// error matches oauth.ErrSignInAgain ("sign in again") or oauth.ErrNotSignedIn.
	Err error
	// Next is when the next round is due, for a "next check at …" line; zero for Once.
	Next time.Time
}

// MessageError is a message the handler could not deal with.
type MessageError struct {
	UID uint32
	Err error
}

func (e MessageError) Error() string { return fmt.Sprintf("message %d: %v", e.UID, e.Err) }

// Poller reads the mailbox every Every and whenever Wake is called, hands each new message
// to Handle, and marks the processed ones. Set the fields before Start or Run; a Poller
// must not be copied after first use.
type Poller struct {
	// Config is asked at the start of every round, so changed settings and a new
	// password apply from the next round on. ok false means no mailbox is set up.
	Config func() (cfg Config, ok bool, err error)
	Handle Handler
	// Memory remembers processed messages where the server refuses keywords; nil means
	// such messages are read again every round.
	Memory Memory
	// Every is the time between rounds; zero means DefaultEvery.
	Every time.Duration
	// Report, if set, is called after every round on the poller's goroutine, never on the
	// UI's: a screen hops to the UI with fyne.Do. It should return quickly.
	Report func(Round)
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	once  sync.Once
	wake  chan struct{}
	round sync.Mutex // one round at a time, whether from Run or Once
}

func (p *Poller) init() { p.once.Do(func() { p.wake = make(chan struct{}, 1) }) }

// Wake asks for a round now (the Check now button). It never blocks; asking while a round
// is due or running asks for one more round at most.
func (p *Poller) Wake() {
	p.init()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Start runs the poller in a goroutine of its own until ctx is cancelled; the returned
// channel is closed when it has stopped.
func (p *Poller) Start(ctx context.Context) <-chan struct{} {
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		p.Run(ctx)
	}()
	return stopped
}

// Run reads the mailbox at once, then every Every and on Wake, until ctx is cancelled. It
// blocks: call it in a goroutine of its own (or use Start). A round under way when ctx is
// cancelled stops at its next exchange with the server.
func (p *Poller) Run(ctx context.Context) {
	p.init()
	failures := 0
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-p.wake:
			timer.Stop() // since Go 1.23 a stopped timer delivers nothing stale
		}
		r := p.Once(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := p.every()
		switch {
		case errors.Is(r.Err, oauth.ErrSignInAgain), errors.Is(r.Err, oauth.ErrNotSignedIn):
			// Only a new sign-in helps: trying sooner would only say it again. The token
			// source asks the provider no more, and the server sees no login.
		case r.Err != nil:
			failures++
			wait = min(wait, firstRetry<<min(failures-1, 10))
		default:
			failures = 0
		}
		r.Next = r.End.Add(wait)
		if p.Report != nil {
			p.Report(r)
		}
		timer.Reset(wait)
	}
}

func (p *Poller) every() time.Duration {
	if p.Every <= 0 {
		return DefaultEvery
	}
	return p.Every
}

func (p *Poller) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

// Once runs one round now and returns what it did; fetch-replies calls it directly. It
// waits for a round already running to finish first.
func (p *Poller) Once(ctx context.Context) Round {
	p.round.Lock()
	defer p.round.Unlock()
	r := Round{Start: p.now()}
	r.Err = p.round1(ctx, &r)
	r.End = p.now()
	return r
}

func (p *Poller) round1(ctx context.Context, r *Round) error {
	if p.Config == nil || p.Handle == nil {
		return fmt.Errorf("mailbox: the poller has no settings or no handler")
	}
	cfg, ok, err := p.Config()
	if err != nil {
		return err
	}
	if !ok {
		r.NotSet = true
		return nil
	}
	c, err := Dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()

	// Fetch hands over a batch at a time; this round asks until none is left. What it
	// has handed over already (failed, or processed where nothing keeps the mark) is not
	// asked for again.
	var memErr error
	handed := map[uint32]bool{}
	done := func(v, uid uint32) bool {
		if handed[uid] {
			return true
		}
		if p.Memory == nil {
			return false
		}
		seen, err := p.Memory.Seen(v, uid)
		if err != nil && memErr == nil {
			memErr = err
		}
		return seen
	}
	for {
		msgs, err := c.Fetch(ctx, done)
		if err != nil {
			return err
		}
		if memErr != nil {
			return fmt.Errorf("mailbox: reading the processed messages: %w", memErr)
		}
		if len(msgs) == 0 {
			return nil
		}
		r.Fetched += len(msgs)
		var processed []uint32
		for _, m := range msgs {
			if ctx.Err() != nil {
				break
			}
			handed[m.UID] = true
			reply, err := p.Handle(ctx, m)
			switch {
			case err != nil:
				r.Failed = append(r.Failed, MessageError{UID: m.UID, Err: err})
				continue
			case reply:
				r.Replies++
			default:
				r.NotReplies++
			}
			processed = append(processed, m.UID)
		}
		if err := p.mark(ctx, c, r, processed); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// mark labels the processed messages, or remembers them where the server keeps no
// keywords or the STORE did not get through (a reply read twice would only be a duplicate).
func (p *Poller) mark(ctx context.Context, c *Client, r *Round, processed []uint32) error {
	if len(processed) == 0 {
		return nil
	}
	ok, markErr := c.MarkProcessed(ctx, processed)
	if ok {
		return nil
	}
	if p.Memory == nil {
		return markErr
	}
	if err := p.Memory.MarkSeen(c.UIDValidity(), processed...); err != nil {
		return fmt.Errorf("mailbox: remembering the processed messages: %w", err)
	}
	r.Remembered = true
	return markErr
}
