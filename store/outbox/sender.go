// Package outbox delivers the store's outbox: after a change has committed its messages,
// the sender takes what is due, sends it over one SMTP connection per batch, and records
// each result as it comes. Temporary failures (4xx replies, time-outs, a server that is down)
// back off and retry; permanent ones (5xx) mark the message failed with the server's reply.
// A message is marked sent only after the server accepted it, and before the next one can
// be accepted, so a crash sends again at most that one message — with the same Message-ID,
// since the outbox keeps its rendered bytes.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/store"
)

// Outbox is what the sender needs of the store.
type Outbox interface {
	Due(now time.Time) ([]store.Message, error)
	NextDue() (time.Time, error)
	Queued() (int, error)
	MarkSent(id exchange.ID, at time.Time) error
	MarkRetry(id exchange.ID, reason string, next time.Time) error
	MarkFailed(id exchange.ID, reason string) error
	SMTP() (store.SMTPSettings, bool, error)
	// Waiting says whether a message is still queued: not superseded since the batch began.
	Waiting(id exchange.ID) (bool, error)
}

// Sender delivers an outbox.
type Sender struct {
	Outbox Outbox
	Now    func() time.Time
	// Password finds the SMTP password for the settings' user and host; mail.Password by
	// default (the keyring, else XCHANGE_SMTP_PASSWORD).
	Password func(host, user string) string
	// InsecureSkipVerify accepts any server certificate; only for tests against a local
	// server (mail.SMTPConfig refuses it for any other host).
	InsecureSkipVerify bool
}

// Report says what one round of sending did.
type Report struct {
	Configured bool     // false: no SMTP settings, the messages wait
	Sent       int      // accepted by the server
	Retrying   int      // failed for now; tried again later
	Failed     int      // refused for good
	Problems   []string // one line per message that did not go, saying why
	Waiting    int      // queued messages not yet due (backing off, or behind another)
}

func (r Report) String() string {
	if !r.Configured {
		return "no SMTP settings: messages wait in the outbox"
	}
	return fmt.Sprintf("%d sent, %d to retry, %d failed", r.Sent, r.Retrying, r.Failed)
}

// afterSend runs between the server's acceptance of a message and recording it; tests use
// it to kill the process there.
var afterSend = func() {}

// Backoff is how long a message waits after its nth temporary failure: 30 s, doubling, at
// most an hour.
func Backoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Config reads the SMTP settings with their password.
func (s *Sender) Config() (mail.SMTPConfig, bool, error) {
	st, ok, err := s.Outbox.SMTP()
	if err != nil || !ok {
		return mail.SMTPConfig{}, false, err
	}
	mode, err := mail.ParseTLSMode(st.TLS)
	if err != nil {
		return mail.SMTPConfig{}, false, err
	}
	password := s.Password
	if password == nil {
		password = mail.Password
	}
	cfg := mail.SMTPConfig{Host: st.Host, Port: st.Port, TLS: mode, User: st.User, InsecureSkipVerify: s.InsecureSkipVerify}
	if st.User != "" {
		cfg.Password = password(st.Host, st.User)
	}
	return cfg, true, nil
}

// Once sends every message that is due now and records the results. Each round goes over
// one connection and takes at most one message per recipient and placement (the store's
// Due), so a later message goes out only once the earlier one was accepted; rounds repeat
// while they deliver something.
func (s *Sender) Once(ctx context.Context) (Report, error) {
	var r Report
	cfg, ok, err := s.Config()
	if err != nil {
		return r, err
	}
	r.Configured = ok
	for round := 0; ok && round < maxRounds; round++ {
		due, err := s.Outbox.Due(s.now())
		if err != nil || len(due) == 0 {
			if err != nil {
				return r, err
			}
			break
		}
		sent, err := s.round(ctx, cfg, due, &r)
		if err != nil {
			return r, err
		}
		if sent == 0 {
			break
		}
	}
	r.Waiting, err = s.Outbox.Queued()
	return r, err
}

// maxRounds bounds one call of Once: a placement causes at most a few messages per person.
const maxRounds = 20

// round sends one batch over one connection and records each result the moment it is
// known: a message is marked sent, in its own small transaction, as soon as the server
// accepted it, and mail.SendEach holds back the next message's acceptance until that is
// written. A crash then sends again at most the one message the server accepted last.
func (s *Sender) round(ctx context.Context, cfg mail.SMTPConfig, due []store.Message, r *Report) (sent int, err error) {
	out := make([]mail.Outgoing, len(due))
	byID := map[string]store.Message{}
	for i, m := range due {
		id := m.ID
		out[i] = mail.Outgoing{ID: m.ID.String(), From: m.From, To: m.To, Raw: m.Raw, Skip: func() bool {
			waiting, err := s.Outbox.Waiting(id)
			return err == nil && !waiting
		}}
		byID[m.ID.String()] = m
	}
	err = mail.SendEach(ctx, cfg, out, func(res mail.Result) error {
		m := byID[res.ID]
		why := reason(res)
		switch {
		case res.Status == mail.Sent:
			afterSend()
			if err := s.Outbox.MarkSent(m.ID, s.now()); err != nil {
				return err
			}
			r.Sent++
			sent++
		case res.Status == mail.Temporary || errors.Is(res.Err, mail.ErrAuth) || errors.Is(res.Err, mail.ErrConfig):
			// A refused login or bad settings are for staff to fix, not a reason to give
			// up on the message: it waits and is tried again.
			if err := s.Outbox.MarkRetry(m.ID, why, s.now().Add(Backoff(m.Attempts+1))); err != nil {
				return err
			}
			r.Retrying++
			r.Problems = append(r.Problems, fmt.Sprintf("%s to %s: %s (will retry)", m.Kind, m.To, why))
		default:
			if err := s.Outbox.MarkFailed(m.ID, why); err != nil {
				return err
			}
			r.Failed++
			r.Problems = append(r.Problems, fmt.Sprintf("%s to %s: %s", m.Kind, m.To, why))
		}
		return nil
	})
	return sent, err
}

func reason(res mail.Result) string {
	if res.Reply != "" {
		return strings.TrimSpace(res.Reply)
	}
	if res.Err != nil {
		return strings.TrimPrefix(res.Err.Error(), "mail: ")
	}
	return res.Status.String()
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Run sends what is due, then sleeps until the next message is due or wake says a change
// queued more, until ctx ends. report hears every round that did something.
func (s *Sender) Run(ctx context.Context, wake <-chan struct{}, report func(Report, error)) {
	for {
		r, err := s.Once(ctx)
		if report != nil && (err != nil || r.Sent+r.Retrying+r.Failed > 0) {
			report(r, err)
		}
		wait := time.Minute
		if next, err := s.Outbox.NextDue(); err == nil && !next.IsZero() {
			wait = min(wait, max(time.Until(next), time.Second))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}
