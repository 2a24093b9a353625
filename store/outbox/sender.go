// Package outbox delivers the store's outbox: after a change has committed its messages,
// the sender takes what is due, sends it over one SMTP connection per batch, and records
// each result as it comes. Temporary failures (4xx replies, time-outs, a server that is down)
// back off and retry; permanent ones (5xx) mark the message failed with the server's reply.
// A message is marked sent only after the server accepted it, and before the next one can
// be accepted, so a crash sends again at most that one message — with the same Message-ID,
// since the outbox keeps its rendered bytes.
//
// With OAuth2 (SMTPSettings.Auth "oauth2") the sender signs in with the mailbox's shared
// token source. A sign-in the provider no longer accepts stops sending at once: the
// messages wait untouched, with no attempt counted, Once says "sign in again", and nobody
// asks the provider or the mail server again until there is a new sign-in.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
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
	// Tokens gives the mailbox's one shared OAuth2 token source, for SMTPSettings.Auth
	// "oauth2": store.(*Store).OAuthSource. When nil, the Outbox's own OAuthSource is used
	// if it has one (a *store.Store has).
	Tokens func() (*oauth.Source, error)
}

// signInError says the OAuth2 sign-in must be renewed: the provider refused the refresh
// token, or there is none. It matches oauth.ErrSignInAgain and reads "sign in again: …".
type signInError struct{ err error }

func (e *signInError) Error() string {
	msg := e.err.Error()
	if i := strings.Index(msg, "sign in again: "); i >= 0 {
		return msg[i:] // the provider's refusal, without the layers of context before it
	}
	return "sign in again: " + strings.TrimPrefix(strings.TrimPrefix(msg, "oauth: "), "store: ")
}
func (e *signInError) Unwrap() error        { return e.err }
func (e *signInError) Is(target error) bool { return target == oauth.ErrSignInAgain }

// needsSignIn says whether err can only be mended by signing in (again).
func needsSignIn(err error) bool {
	return errors.Is(err, oauth.ErrSignInAgain) || errors.Is(err, oauth.ErrNotSignedIn) || errors.Is(err, store.ErrNoOAuth)
}

func (s *Sender) tokens() (*oauth.Source, error) {
	if s.Tokens != nil {
		return s.Tokens()
	}
	if o, ok := s.Outbox.(interface{ OAuthSource() (*oauth.Source, error) }); ok {
		return o.OAuthSource()
	}
	return nil, fmt.Errorf("%w: SMTP signs in with OAuth2, but this sender has no token source", mail.ErrConfig)
}

// Report says what one round of sending did.
type Report struct {
	Configured bool     // false: no SMTP settings, the messages wait
	Sent       int      // accepted by the server
	Retrying   int      // failed for now; tried again later
	Failed     int      // refused for good
	Problems   []string // one line per message that did not go, saying why
	Waiting    int      // queued messages not yet due (backing off, or behind another)
	// SignInAgain, when set, says why the OAuth2 sign-in must be renewed ("sign in again:
	// …"): nothing was sent and the messages wait, their attempts uncounted.
	SignInAgain string
}

func (r Report) String() string {
	if !r.Configured {
		return "no SMTP settings: messages wait in the outbox"
	}
	if r.SignInAgain != "" {
		return r.SignInAgain + "; messages wait in the outbox"
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
	if strings.EqualFold(strings.TrimSpace(st.Auth), "oauth2") {
		// The user is the signed-in mailbox; the password is never looked up.
		src, err := s.tokens()
		if err != nil {
			if needsSignIn(err) {
				err = &signInError{err}
			}
			return mail.SMTPConfig{}, true, err
		}
		cfg.User, cfg.OAuth2 = src.Account(), mail.OAuth2Tokens(src)
		return cfg, true, nil
	}
	if st.User != "" {
		cfg.Password = password(st.Host, st.User)
	}
	return cfg, true, nil
}

// Once sends every message that is due now and records the results. Each round goes over
// one connection and takes at most one message per recipient and placement (the store's
// Due), so a later message goes out only once the earlier one was accepted; rounds repeat
// while they deliver something.
//
// When the OAuth2 sign-in must be renewed and something is due, it sends nothing, touches
// no message, and returns the Report with SignInAgain and an error matching
// oauth.ErrSignInAgain, "sign in again: …".
func (s *Sender) Once(ctx context.Context) (Report, error) {
	var r Report
	cfg, ok, err := s.Config()
	if err != nil && needsSignIn(err) {
		r.Configured = true
		return s.signInAgain(r, err)
	}
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
		if r.SignInAgain != "" {
			r.Waiting, err = s.Outbox.Queued()
			if err != nil {
				return r, err
			}
			return r, &signInError{errors.New(r.SignInAgain)}
		}
		if sent == 0 {
			break
		}
	}
	r.Waiting, err = s.Outbox.Queued()
	return r, err
}

// signInAgain reports a sign-in to renew, as an error only when something is due: with
// nothing to send, no sign-in is needed yet.
func (s *Sender) signInAgain(r Report, err error) (Report, error) {
	due, derr := s.Outbox.Due(s.now())
	if derr != nil {
		return r, derr
	}
	if r.Waiting, derr = s.Outbox.Queued(); derr != nil {
		return r, derr
	}
	if len(due) == 0 {
		return r, nil
	}
	r.SignInAgain = err.Error()
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
		case needsSignIn(res.Err):
			// Nothing went out: the message waits as it was, its attempt not counted.
			if r.SignInAgain == "" {
				r.SignInAgain = (&signInError{res.Err}).Error()
			}
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
//
// A sign-in to renew is reported once, not every round; until a new sign-in it looks again
// only once a minute (or on wake), and that costs no request to the provider or the server:
// the token source remembers the refusal.
func (s *Sender) Run(ctx context.Context, wake <-chan struct{}, report func(Report, error)) {
	var signIn string // the sign-in to renew last reported
	for {
		r, err := s.Once(ctx)
		again := errors.Is(err, oauth.ErrSignInAgain)
		if report != nil && (err != nil || r.Sent+r.Retrying+r.Failed > 0) && !(again && err.Error() == signIn) {
			report(r, err)
		}
		signIn = ""
		if again {
			signIn = err.Error()
		}
		wait := time.Minute
		if next, err := s.Outbox.NextDue(); err == nil && !next.IsZero() && !again {
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
