package mailbox_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox/mailboxtest"
	"github.com/xchangedesk/xchangedesk/store"
)

// reader stands in for the reply reader: a calendar reply is a reply, anything else is
// not, and the junk fails while the data file is "busy".
type reader struct{ busy bool }

func (r *reader) handle(_ context.Context, m mailbox.Message) (bool, error) {
	switch {
	case bytes.Contains(m.Raw, []byte("never-closed")) && r.busy:
		return false, errors.New("the data file is busy")
	case bytes.Contains(m.Raw, []byte("method=REPLY")) && !bytes.Contains(m.Raw, []byte("never-closed")):
		return true, nil
	}
	return false, nil
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "x.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func nextRound(t *testing.T, rounds <-chan mailbox.Round) mailbox.Round {
	t.Helper()
	select {
	case r := <-rounds:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("no round reported within 30 s")
	}
	return mailbox.Round{}
}

func TestThePollerHandsOverNewMessagesAndMarksThoseHandled(t *testing.T) {
	d := mailboxtest.Start(t)
	d.Append("INBOX", hostReply, newsletter, junk)
	r := &reader{busy: true}
	rounds := make(chan mailbox.Round, 10)
	settingsRead := 0
	p := &mailbox.Poller{
		Config: func() (mailbox.Config, bool, error) { settingsRead++; return d.Config(), true, nil },
		Handle: r.handle,
		Memory: openStore(t),
		Every:  time.Hour,
		Report: func(r mailbox.Round) { rounds <- r },
	}
	c, cancel := context.WithCancel(context.Background())
	stopped := p.Start(c)

	// The first round starts at once.
	first := nextRound(t, rounds)
	if first.Err != nil || first.Fetched != 3 || first.Replies != 1 || first.NotReplies != 1 || len(first.Failed) != 1 ||
		first.Failed[0].UID != 3 || first.Remembered {
		t.Fatalf("first round: %+v", first)
	}
	if wait := first.Next.Sub(first.End); wait != time.Hour {
		t.Errorf("next round in %v, want the hour set", wait)
	}

	// The junk waits for the next round, which Wake brings forward.
	r.busy = false
	p.Wake()
	second := nextRound(t, rounds)
	if second.Err != nil || second.Fetched != 1 || second.NotReplies != 1 || len(second.Failed) != 0 {
		t.Fatalf("second round: %+v", second)
	}
	p.Wake()
	if third := nextRound(t, rounds); third.Err != nil || third.Fetched != 0 {
		t.Fatalf("third round: %+v", third)
	}
	if settingsRead != 3 {
		t.Errorf("settings read %d times in 3 rounds, want once a round", settingsRead)
	}

	for uid, f := range d.Flags("INBOX") {
		if !has(f, mailbox.Keyword) || has(f, imap.FlagSeen) || has(f, imap.FlagDeleted) {
			t.Errorf("UID %d has flags %v; want %s and neither \\Seen nor \\Deleted", uid, f, mailbox.Keyword)
		}
	}

	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the poller did not stop within 5 s of its context being cancelled")
	}
}

func TestWhereTheServerKeepsNoKeywordsThePollerRemembersWhatItProcessed(t *testing.T) {
	d := mailboxtest.Start(t)
	d.Append(mailboxtest.NoKeywords, hostReply, newsletter, junk)
	s := openStore(t)
	cfg := d.Config()
	cfg.Folder = mailboxtest.NoKeywords
	p := &mailbox.Poller{
		Config: func() (mailbox.Config, bool, error) { return cfg, true, nil },
		Handle: (&reader{}).handle,
		Memory: s,
	}
	first := p.Once(ctx(t))
	if first.Err != nil || first.Fetched != 3 || !first.Remembered {
		t.Fatalf("first round: %+v", first)
	}
	if again := p.Once(ctx(t)); again.Err != nil || again.Fetched != 0 {
		t.Fatalf("second round fetched %d (%v): remembered messages came back", again.Fetched, again.Err)
	}
	c, err := mailbox.Dial(ctx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	validity := c.UIDValidity()
	c.Close()
	for uid := uint32(1); uid <= 3; uid++ {
		if seen, err := s.Seen(validity, uid); !seen || err != nil {
			t.Errorf("Seen(%d, %d) = %v, %v", validity, uid, seen, err)
		}
	}
	for uid, f := range d.Flags(mailboxtest.NoKeywords) {
		if has(f, imap.FlagSeen) || has(f, mailbox.Keyword) {
			t.Errorf("UID %d has flags %v", uid, f)
		}
	}
}

func TestAPollerThatCannotConnectSaysWhyAndTriesAgainSooner(t *testing.T) {
	port := mailboxtest.FreePort(t)
	rounds := make(chan mailbox.Round, 10)
	p := &mailbox.Poller{
		Config: func() (mailbox.Config, bool, error) {
			return mailbox.Config{Host: "127.0.0.1", Port: port, TLS: mail.NoTLS, User: mailboxtest.User}, true, nil
		},
		Handle: (&reader{}).handle,
		Every:  time.Hour,
		Report: func(r mailbox.Round) { rounds <- r },
	}
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.Start(c)
	r := nextRound(t, rounds)
	if !errors.Is(r.Err, mailbox.ErrUnreachable) {
		t.Fatalf("round: %+v", r)
	}
	if wait := r.Next.Sub(r.End); wait != 30*time.Second {
		t.Errorf("next try in %v, want 30 s after a failure", wait)
	}
	p.Wake()
	if r := nextRound(t, rounds); r.Next.Sub(r.End) != time.Minute {
		t.Errorf("after two failures the next try is in %v, want 1 min", r.Next.Sub(r.End))
	}
}

func TestWithoutMailboxSettingsARoundDoesNothing(t *testing.T) {
	p := &mailbox.Poller{
		Config: func() (mailbox.Config, bool, error) { return mailbox.Config{}, false, nil },
		Handle: func(context.Context, mailbox.Message) (bool, error) {
			t.Error("a message was handed over with no mailbox set up")
			return false, nil
		},
	}
	if r := p.Once(ctx(t)); !r.NotSet || r.Err != nil {
		t.Fatalf("round: %+v", r)
	}
}

func TestWakeNeverBlocks(t *testing.T) {
	p := &mailbox.Poller{}
	done := make(chan struct{})
	go func() {
		for range 100 {
			p.Wake() // nobody runs the poller: the asks collapse into one
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Wake blocked")
	}
}
