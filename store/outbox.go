package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/ical"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

// The outbox: every message a change causes is composed and written in the transaction of
// that change, and sent after commit by the sender (package store/outbox). Keys are message
// ids (UUIDv7), so the bucket lists messages in the order they were queued.
var (
	bucketOutbox       = []byte("outbox")
	bucketOutboxRaw    = []byte("outbox_raw")          // message id → the rendered message, as sent
	bucketOutboxQueued = []byte("outbox_queued")       // message id → "" while the message is queued
	bucketOutboxByPl   = []byte("outbox_by_placement") // placement id | message id → ""
	keySMTP            = []byte("smtp")
	errNoOrganiser     = &exchange.RuleError{Field: "organiser", Rule: exchange.RuleOrganiserMissing, Reason: "set the programme's organiser (name and e-mail address, the mailbox that sends invitations) first"}
)

// MessageKind says what a message is for.
type MessageKind string

// The kinds of message.
const (
	HostRequest       MessageKind = "host-request"
	VisitorInvitation MessageKind = "visitor-invitation"
	Confirmation      MessageKind = "confirmation"
	Update            MessageKind = "update"
	Cancellation      MessageKind = "cancellation"
)

// MessageStatus is where a message stands.
type MessageStatus string

// The statuses of a message.
const (
	Queued MessageStatus = "queued"
	Sent   MessageStatus = "sent"
	Failed MessageStatus = "failed"
	// Superseded: a later change made the message pointless before it went, so it never
	// will; LastError says what made it so.
	Superseded MessageStatus = "superseded"
)

// Message is one e-mail in the outbox: its rendered bytes are exactly what is, or will be,
// sent, so an exported .eml and every retry are the same message.
type Message struct {
	ID          exchange.ID
	PlacementID exchange.ID
	Kind        MessageKind
	From        string
	To          string
	ToName      string
	Subject     string
	Method      string // REQUEST, CANCEL, or "" for a message without a calendar
	UID         string
	Sequence    int
	Raw         []byte
	Status      MessageStatus
	Attempts    int
	LastError   string
	NextAttempt time.Time
	Created     time.Time
	SentAt      time.Time
}

// MessageID is the Message-ID header value, stable for the outbox entry.
func (m Message) MessageID() string { return "<" + m.ID.String() + "@xchangedesk>" }

type messageRecord struct {
	ID          exchange.ID `json:"id"`
	PlacementID exchange.ID `json:"placement_id"`
	Kind        string      `json:"kind"`
	From        string      `json:"from"`
	To          string      `json:"to"`
	ToName      string      `json:"to_name,omitempty"`
	Subject     string      `json:"subject"`
	Method      string      `json:"method,omitempty"`
	UID         string      `json:"uid"`
	Sequence    int         `json:"sequence"`
	Status      string      `json:"status"`
	Attempts    int         `json:"attempts"`
	LastError   string      `json:"last_error,omitempty"`
	NextAttempt time.Time   `json:"next_attempt"`
	Created     time.Time   `json:"created"`
	SentAt      time.Time   `json:"sent_at"`
}

func (m Message) record() messageRecord {
	return messageRecord{m.ID, m.PlacementID, string(m.Kind), m.From, m.To, m.ToName, m.Subject, m.Method, m.UID, m.Sequence,
		string(m.Status), m.Attempts, m.LastError, m.NextAttempt, m.Created, m.SentAt}
}

// message joins a record with its rendered bytes, copied out of the transaction.
func (r messageRecord) message(tx *bolt.Tx) Message {
	return Message{r.ID, r.PlacementID, MessageKind(r.Kind), r.From, r.To, r.ToName, r.Subject, r.Method, r.UID, r.Sequence,
		append([]byte(nil), tx.Bucket(bucketOutboxRaw).Get(r.ID.Bytes())...), MessageStatus(r.Status), r.Attempts,
		r.LastError, r.NextAttempt, r.Created, r.SentAt}
}

// newMessage writes a message just composed: its record, its bytes and its index entries.
func newMessage(tx *bolt.Tx, m Message) error {
	if err := tx.Bucket(bucketOutboxByPl).Put(append(append([]byte(nil), m.PlacementID.Bytes()...), m.ID.Bytes()...), nil); err != nil {
		return err
	}
	if err := tx.Bucket(bucketOutboxRaw).Put(m.ID.Bytes(), m.Raw); err != nil {
		return err
	}
	return putMessage(tx, m)
}

// putMessage writes a message's record and keeps the queued index in step with its status.
func putMessage(tx *bolt.Tx, m Message) error {
	q := tx.Bucket(bucketOutboxQueued)
	var err error
	if m.Status == Queued {
		err = q.Put(m.ID.Bytes(), nil)
	} else {
		err = q.Delete(m.ID.Bytes())
	}
	if err != nil {
		return err
	}
	return put(tx, bucketOutbox, m.ID.Bytes(), m.record())
}

func message(tx *bolt.Tx, id exchange.ID) (Message, error) {
	var r messageRecord
	ok, err := get(tx, bucketOutbox, id.Bytes(), &r)
	if err != nil {
		return Message{}, err
	}
	if !ok {
		return Message{}, &exchange.NotFoundError{Field: "message", ID: id.String()}
	}
	return r.message(tx), nil
}

// queued calls fn with every queued message, oldest first.
func queued(tx *bolt.Tx, fn func(Message) error) error {
	return tx.Bucket(bucketOutboxQueued).ForEach(func(k, _ []byte) error {
		var id exchange.ID
		copy(id[:], k)
		m, err := message(tx, id)
		if err != nil {
			return err
		}
		return fn(m)
	})
}

func messagesOf(tx *bolt.Tx, placement exchange.ID) ([]Message, error) {
	var out []Message
	prefix := placement.Bytes()
	c := tx.Bucket(bucketOutboxByPl).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var id exchange.ID
		copy(id[:], k[len(prefix):])
		m, err := message(tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Outbox lists every message, oldest first.
func (s *Store) Outbox() ([]Message, error) {
	var out []Message
	err := s.db.View(func(tx *bolt.Tx) error {
		return each(tx, bucketOutbox, func(r messageRecord) error { out = append(out, r.message(tx)); return nil })
	})
	return out, err
}

// Messages lists the messages a placement caused, oldest first.
func (s *Store) Messages(placement exchange.ID) ([]Message, error) {
	var out []Message
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = messagesOf(tx, placement)
		return err
	})
	return out, err
}

// Due returns the queued messages that may be sent at now, oldest first. A message waits
// while an earlier one to the same recipient about the same placement is still queued, so
// a CANCEL never overtakes the REQUEST it cancels.
func (s *Store) Due(now time.Time) ([]Message, error) {
	var out []Message
	err := s.db.View(func(tx *bolt.Tx) error {
		waiting := map[string]bool{}
		return queued(tx, func(m Message) error {
			key := m.PlacementID.String() + "/" + strings.ToLower(m.To)
			if !waiting[key] && !m.NextAttempt.After(now) {
				out = append(out, m)
			}
			waiting[key] = true
			return nil
		})
	})
	return out, err
}

// Queued counts the messages waiting to be sent.
func (s *Store) Queued() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketOutboxQueued).Stats().KeyN
		return nil
	})
	return n, err
}

// NextDue is when the earliest queued message may be tried; zero when none is queued.
func (s *Store) NextDue() (time.Time, error) {
	var next time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		found := false
		heads := map[string]bool{} // only the first queued message of a chain can be due
		return queued(tx, func(m Message) error {
			key := m.PlacementID.String() + "/" + strings.ToLower(m.To)
			if heads[key] {
				return nil
			}
			heads[key] = true
			if !found || m.NextAttempt.Before(next) {
				next, found = m.NextAttempt, true
			}
			return nil
		})
	})
	return next, err
}

// MarkSent records that the server accepted a message. Marking a sent message again
// changes nothing; a message superseded while it was on its way is marked sent, since it went.
func (s *Store) MarkSent(id exchange.ID, at time.Time) error {
	return s.updateMessage(id, func(m *Message) {
		if m.Status == Sent {
			return
		}
		m.Status, m.SentAt, m.LastError = Sent, at.UTC(), ""
		m.Attempts++
	})
}

// MarkRetry records a temporary failure: the message is tried again at next.
func (s *Store) MarkRetry(id exchange.ID, reason string, next time.Time) error {
	return s.updateMessage(id, func(m *Message) {
		if m.Status != Queued {
			return
		}
		m.Attempts++
		m.LastError, m.NextAttempt = reason, next.UTC()
	})
}

// MarkFailed records a permanent failure with the server's reply.
func (s *Store) MarkFailed(id exchange.ID, reason string) error {
	return s.updateMessage(id, func(m *Message) {
		if m.Status != Queued {
			return
		}
		m.Attempts++
		m.Status, m.LastError = Failed, reason
	})
}

// Waiting says whether the message is still queued, as the sender asks just before it goes.
func (s *Store) Waiting(id exchange.ID) (bool, error) {
	var waiting bool
	err := s.db.View(func(tx *bolt.Tx) error {
		m, err := message(tx, id)
		waiting = err == nil && m.Status == Queued
		return err
	})
	return waiting, err
}

// Retry puts a failed message back in the queue, to be sent at once. A message that a later
// one to the same person about the same placement has superseded (an update, a
// cancellation) is not sent again: it would arrive after it, with older news.
func (s *Store) Retry(id exchange.ID) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		m, err := message(tx, id)
		if err != nil {
			return err
		}
		if m.Status != Failed {
			return &exchange.RuleError{Field: "message", Rule: exchange.RuleRetry, Reason: fmt.Sprintf("only a failed message is retried; this one is %s", m.Status)}
		}
		later, err := messagesOf(tx, m.PlacementID)
		if err != nil {
			return err
		}
		for _, o := range later {
			if o.Created.After(m.Created) || bytes.Compare(o.ID.Bytes(), m.ID.Bytes()) > 0 {
				if strings.EqualFold(o.To, m.To) && o.Method != "" {
					return &exchange.RuleError{Field: "message", Rule: exchange.RuleRetry, Reason: fmt.Sprintf(
						"a later %s to %s supersedes it; sending this one now would arrive after it", o.Kind, o.To)}
				}
			}
		}
		m.Status, m.NextAttempt = Queued, time.Time{}
		return putMessage(tx, m)
	})
}

func (s *Store) updateMessage(id exchange.ID, change func(*Message)) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		m, err := message(tx, id)
		if err != nil {
			return err
		}
		before := m.record()
		change(&m)
		if fmt.Sprint(before) == fmt.Sprint(m.record()) {
			return nil
		}
		return putMessage(tx, m)
	})
}

// queue composes the messages that change a of placement p causes and writes them. old is
// the placement before the change.
func (s *Store) queue(tx *bolt.Tx, a exchange.Action, old, p exchange.Placement, reason string) error {
	return queueAt(tx, a, old, p, reason, s.Now())
}

// queueAt is queue with the moment the messages are written.
func queueAt(tx *bolt.Tx, a exchange.Action, old, p exchange.Placement, reason string, at time.Time) error {
	var sends []send
	switch a {
	case exchange.Request:
		sends = []send{{kind: HostRequest, who: "host"}}
	case exchange.Confirm:
		sends = []send{{kind: VisitorInvitation, who: "visitor"}, {kind: Confirmation, who: "visitor"}}
	case exchange.Reschedule, exchange.Cancel:
		// What has not gone yet and speaks of the old dates is pointless now. Invitations
		// (REQUESTs) stay, so that a cancellation never overtakes the request it cancels.
		why := "not sent: the placement was cancelled first"
		if a == exchange.Reschedule {
			why = "not sent: the stay moved to new dates first"
		}
		n, err := supersede(tx, p.ID, why, Confirmation, Update, HostConfirmed, CounterDeclined)
		if err != nil {
			return err
		}
		invited, err := invited(tx, p.ID)
		if err != nil {
			return err
		}
		kind := Update
		if a == exchange.Cancel {
			kind = Cancellation
		}
		for _, snd := range invited {
			snd.kind = kind
			sends = append(sends, snd)
		}
		if a == exchange.Reschedule && n[Confirmation] > 0 {
			// The visitor still gets the confirmation, with the dates as they are now.
			sends = append(sends, send{kind: Confirmation, who: "visitor"})
		}
	}
	if len(sends) == 0 {
		return nil
	}
	prog, err := programme(tx)
	if err != nil {
		return err
	}
	if prog.OrganiserEmail == "" {
		return errNoOrganiser
	}
	h, v, err := parties(tx, p.HostID, p.VisitorID)
	if err != nil {
		return err
	}
	now := at.UTC().Truncate(time.Second)
	for _, snd := range sends {
		m, err := compose(snd, prog, old, p, h, v, reason, now)
		if err != nil {
			return fmt.Errorf("outbox: %s to %s: %w", snd.kind, snd.who, err)
		}
		if err := newMessage(tx, m); err != nil {
			return err
		}
	}
	return nil
}

// supersede takes the placement's queued messages of kind out of the queue, for a reason:
// a confirmation still waiting when the placement is cancelled would arrive with, or
// after, the cancellation. A message already sent, or being sent, is not recalled: the
// sender's MarkSent records what happened.
func supersede(tx *bolt.Tx, placement exchange.ID, reason string, kinds ...MessageKind) (map[MessageKind]int, error) {
	ms, err := messagesOf(tx, placement)
	if err != nil {
		return nil, err
	}
	n := map[MessageKind]int{}
	for _, m := range ms {
		if slices.Contains(kinds, m.Kind) && m.Status == Queued {
			m.Status, m.LastError = Superseded, reason
			if err := putMessage(tx, m); err != nil {
				return nil, err
			}
			n[m.Kind]++
		}
	}
	return n, nil
}

type send struct {
	kind MessageKind
	who  string      // "host" or "visitor"
	to   ical.Person // for updates and cancellations: the address that was invited
}

// invited lists whoever has had a calendar invitation or update about the placement that did
// not fail for good, at the address it went to, so updates and cancellations reach the same calendar even if
// the host's or visitor's address has changed since.
func invited(tx *bolt.Tx, placement exchange.ID) ([]send, error) {
	ms, err := messagesOf(tx, placement)
	if err != nil {
		return nil, err
	}
	var order []string
	first := map[string]send{} // the first invitation to each address says who it is
	live := map[string]bool{}  // some REQUEST to the address did not fail for good
	for _, m := range ms {
		if m.Method != ical.MethodRequest {
			continue
		}
		key := strings.ToLower(m.To)
		if _, ok := first[key]; !ok {
			who := "visitor"
			if m.Kind == HostRequest {
				who = "host"
			}
			first[key] = send{who: who, to: ical.Person{Name: m.ToName, Email: m.To}}
			order = append(order, key)
		}
		live[key] = live[key] || m.Status != Failed
	}
	var out []send
	for _, key := range order {
		if live[key] {
			out = append(out, first[key])
		}
	}
	return out, nil
}

// compose writes one message: the calendar (REQUEST or CANCEL, or none), the readable text,
// and the MIME message around them.
func compose(snd send, prog exchange.Programme, old, p exchange.Placement, h exchange.Host, v exchange.Visitor, reason string, now time.Time) (Message, error) {
	organiser := ical.Person{Name: prog.OrganiserName, Email: prog.OrganiserEmail}
	to := snd.to
	switch {
	case to.Email != "":
	case snd.who == "host":
		to = ical.Person{Name: h.Contact, Email: h.Email}
	default:
		to = ical.Person{Name: v.Name, Email: v.Email}
	}
	address := h.Address
	if !strings.Contains(address, h.City) {
		address = strings.Trim(address+", "+h.City, ", ")
	}
	visit := ical.Visit{Programme: prog.Name, Visitor: v.Name, VisitorOrg: v.Organisation, Host: h.Name,
		HostAddress: address + ", " + exchange.CountryName(h.Country), Contact: ical.Person{Name: h.Contact, Email: h.Email},
		Goals: p.Goals, Documents: documentsToBring()}
	if p.Price != nil {
		visit.LumpSum = p.Price.LumpSum
	}
	facts := mail.Facts{Visit: visit, Recipient: to.Name, Organiser: prog.OrganiserName, First: p.First, Last: p.Last, Reason: reason}
	tentative := p.Status == exchange.Requested || p.Status == exchange.Draft
	inv := ical.Invitation{UID: p.UID, Sequence: p.Sequence, Stamp: now, First: p.First, Last: p.Last,
		Organizer: organiser, Attendee: to, Tentative: tentative && snd.who == "host"}
	if snd.who == "host" {
		inv.Details = ical.HostRequest(visit)
	} else {
		inv.Details = ical.VisitorInvitation(visit)
	}
	var content mail.Content
	var cal []byte
	var err error
	method := ical.MethodRequest
	switch snd.kind {
	case HostRequest:
		content, err = mail.HostRequest(facts)
	case VisitorInvitation:
		content, err = mail.VisitorInvitation(facts)
	case Confirmation:
		content, err = mail.Confirmation(facts)
		method = ""
	case Update:
		facts.PreviousFirst, facts.PreviousLast = old.First, old.Last
		facts.AskAgain = snd.who == "host" && p.Status == exchange.Requested
		content, err = mail.Update(facts)
	case Cancellation:
		method = ical.MethodCancel
		content, err = mail.Cancellation(facts)
		inv.Description = "Cancelled: " + strings.TrimSuffix(inv.Summary, ".") + ", " + wording.Range(p.First, p.Last) + "."
		if reason != "" {
			inv.Description += "\nReason: " + reason
		}
	case HostConfirmed:
		inv.Details = ical.HostConfirmed(visit)
		content, err = mail.HostConfirmed(facts)
	case CounterDeclined:
		method = ical.MethodDeclineCounter
		facts.AskAgain = p.Status == exchange.Requested // a confirmed stay keeps its dates: nothing to answer
		content, err = mail.CounterDeclined(facts)
	}
	if err != nil {
		return Message{}, err
	}
	switch {
	case snd.kind == HostConfirmed:
		cal, err = ical.Confirmed(inv, to.Email)
	case method == ical.MethodDeclineCounter:
		cal, err = ical.DeclineCounter(inv, to.Email, reason)
	case method == ical.MethodRequest:
		cal, err = ical.Request(inv)
	case method == ical.MethodCancel:
		cal, err = ical.Cancel(inv)
	}
	if err != nil {
		return Message{}, err
	}
	m := Message{ID: exchange.NewID(), PlacementID: p.ID, Kind: snd.kind, From: prog.OrganiserEmail, To: to.Email, ToName: to.Name,
		Subject: content.Subject, Method: method, UID: p.UID, Sequence: p.Sequence, Status: Queued, Created: now}
	m.Raw, err = mail.Compose(mail.Message{MessageID: m.MessageID(), Date: now,
		From: mail.Address{Name: organiser.Name, Email: organiser.Email}, To: mail.Address{Name: to.Name, Email: to.Email},
		Content: content, Calendar: cal, Method: method})
	return m, err
}

func documentsToBring() []string {
	return []string{"the Commitment to Quality, signed", "boarding passes and travel invoices (evidence for the lump sum)"}
}

// SMTPSettings are how the outbox reaches the mail server. The password is not here: it
// lives in the operating system's keyring (package exchange/mail), as does an OAuth2
// sign-in's refresh token (package exchange/oauth).
type SMTPSettings struct {
	Host string `json:"host"`
	Port int    `json:"port"`
	TLS  string `json:"tls"`
	User string `json:"user"`
	// Auth is how the server is signed in to: "password" (or empty) with User and the
	// keyring's password, or "oauth2" with the OAuth2 sign-in (OAuthSettings), whose
	// mailbox is then the user.
	Auth string `json:"auth,omitempty"`
}

// SMTP returns the mail server settings; ok is false when none are set (the outbox then
// holds its messages).
func (s *Store) SMTP() (settings SMTPSettings, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		ok, err = get(tx, bucketMeta, keySMTP, &settings)
		return err
	})
	return settings, ok && settings.Host != "", err
}

// SetSMTP stores the mail server settings, checked by mail.SMTPConfig.Validate.
func (s *Store) SetSMTP(settings SMTPSettings) error {
	if err := settings.Validate(); err != nil {
		return err
	}
	mode, _ := mail.ParseTLSMode(settings.TLS)
	settings.TLS = string(mode)
	return s.db.Update(func(tx *bolt.Tx) error { return put(tx, bucketMeta, keySMTP, settings) })
}

// Validate checks the settings as SetSMTP does, without saving them.
func (settings SMTPSettings) Validate() error {
	if err := exchange.Join(exchange.CheckLine("host", settings.Host), exchange.CheckLine("user", settings.User)); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(settings.Auth)) {
	case "", "password", "oauth2":
	default:
		return &exchange.RuleError{Field: "auth", Rule: exchange.RuleFormat, Value: settings.Auth,
			Reason: fmt.Sprintf("%q is not a way to sign in (want password or oauth2)", settings.Auth)}
	}
	mode, err := mail.ParseTLSMode(settings.TLS)
	if err != nil {
		return &exchange.RuleError{Field: "tls", Rule: exchange.RuleFormat, Reason: err.Error()}
	}
	if err := (mail.SMTPConfig{Host: settings.Host, Port: settings.Port, TLS: mode, User: settings.User}).Validate(); err != nil {
		return err // *exchange.RuleError values, wrapped in mail.ErrConfig
	}
	return nil
}

// SetOrganiser sets who sends the programme's invitations: the From and ORGANIZER address.
func (s *Store) SetOrganiser(name, email string) error {
	if err := exchange.CheckEmail("email", strings.TrimSpace(email)); err != nil {
		return err
	}
	if strings.TrimSpace(name) == "" {
		return &exchange.RuleError{Field: "name", Rule: exchange.RuleRequired, Reason: "is required"}
	}
	if err := exchange.CheckLine("name", name); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		prog, err := programme(tx)
		if err != nil {
			return err
		}
		prog.OrganiserName, prog.OrganiserEmail = strings.TrimSpace(name), strings.TrimSpace(email)
		return put(tx, bucketMeta, keyProgramme, toProgrammeRecord(prog))
	})
}
