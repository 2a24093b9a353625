package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/ical"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

// The kinds of message a reply causes.
const (
	HostConfirmed   MessageKind = "host-confirmed"   // the updated event to a host who accepted: STATUS:CONFIRMED, their PARTSTAT=ACCEPTED
	CounterDeclined MessageKind = "counter-declined" // the answer to a host's proposal of other dates: DECLINECOUNTER
)

// Reply is an answer to an invitation, read from a mail or a file, ready to apply: what its
// calendar says and where it came from.
type Reply struct {
	Source    string // where it was read: "reply.eml", or "mailbox INBOX, UID 12"
	MessageID string // the mail's Message-ID; "" for a bare .ics file
	Digest    string // the SHA-256 of the calendar, in hex: what identifies a bare .ics file
	From      string // the mail's sender, as its From header says; "" when it has none
	Bare      bool   // a calendar file with no mail around it: its sender cannot be checked

	Method      string // ical.MethodReply or methodCounter
	UID         string
	Sequence    int
	Stamp       time.Time // DTSTAMP
	Attendee    string    // who answers
	PartStat    string    // ACCEPTED, DECLINED, TENTATIVE …
	Comment     string
	First, Last exchange.Date // the dates a COUNTER proposes
}

// methodCounter is the iTIP method of a proposal of other dates.
const methodCounter = "COUNTER"

// Outcome is what became of a reply.
type Outcome string

// The outcomes of a reply.
const (
	Applied   Outcome = "applied"     // it moved the placement, or was recorded as the answer
	Stale     Outcome = "stale"       // it answers an older invitation, or a newer answer came first: recorded, not applied
	Duplicate Outcome = "duplicate"   // the same message or file was read before: nothing changed
	Countered Outcome = "counter"     // the host proposed other dates: waiting for staff
	Refused   Outcome = "refused"     // not applied, and why is in ReplyResult.Reason
	NotReply  Outcome = "not-a-reply" // no reply in it: an invitation, a cancellation, an ordinary mail
)

// ReplyResult says what became of a reply.
type ReplyResult struct {
	Outcome     Outcome
	PlacementID exchange.ID // the placement it answers, when there is one
	Who         string      // "host" or "visitor"
	// Reason says why a reply was refused or is stale, as a rule error naming the rule and the
	// people; nil when it was applied.
	Reason error
}

// The rules a reply can break.
const (
	RuleReplyUnknown    = "reply-unknown-uid"   // no placement has the reply's UID
	RuleReplyNotInvited = "reply-not-invited"   // the attendee was never invited to it
	RuleReplySender     = "reply-sender"        // the mail does not come from the attendee
	RuleReplyStale      = "reply-stale"         // an older SEQUENCE, or older than the answer already read
	RuleReplyStatus     = "reply-status"        // the placement's status does not take this answer
	RuleReplyCounter    = "reply-counter"       // only the host proposes other dates
	RuleNoCounter       = "no-pending-proposal" // counter accept or refuse with nothing proposed
	RuleReplyUnreadable = "reply-unreadable"    // a mail or calendar file that cannot be read
)

type replyRecord struct {
	PlacementID exchange.ID `json:"placement_id,omitempty"`
	Outcome     string      `json:"outcome"`
	Source      string      `json:"source"`
	Read        time.Time   `json:"read"`
	Detail      string      `json:"detail,omitempty"` // what the placement's history says of it
}

// ReplyRead is a reply the desk has read, and what became of it.
type ReplyRead struct {
	PlacementID exchange.ID
	Outcome     Outcome
	Source      string
	Read        time.Time
	Detail      string
}

// replies lists the replies read, newest first.
func replies(tx *bolt.Tx) ([]ReplyRead, error) {
	var out []ReplyRead
	err := each(tx, bucketReplies, func(r replyRecord) error {
		out = append(out, ReplyRead{r.PlacementID, Outcome(r.Outcome), r.Source, r.Read, r.Detail})
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Read.After(out[j].Read) })
	return out, err
}

// key is what identifies the reply among those read: its mail's Message-ID or, for a bare
// calendar file, the digest of the calendar.
func (r Reply) key() []byte {
	if id := strings.Trim(strings.TrimSpace(r.MessageID), "<>"); id != "" {
		return []byte("message-id:" + strings.ToLower(id))
	}
	return []byte("sha256:" + strings.ToLower(r.Digest))
}

// ApplyReply applies a host's or visitor's answer to the placement it answers, in one
// transaction: an acceptance confirms a requested placement (queueing the visitor's
// invitation, the confirmation and the host's confirmed event), a decline declines it, a
// tentative answer or a visitor's answer is recorded, and a proposal of other dates waits for
// staff. Whatever becomes of it goes into the placement's history with its source, and the
// reply is remembered, so that reading it again changes nothing. A reply for no placement, or
// from someone never invited, changes nothing at all.
func (s *Store) ApplyReply(r Reply) (ReplyResult, error) {
	var res ReplyResult
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if res, err = s.applyReply(tx, r); err != nil {
			return err
		}
		if res.PlacementID.IsZero() || res.Outcome == Duplicate {
			return errUnchanged // nothing to write: roll back, so that the file stays as it was
		}
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return ReplyResult{}, err
	}
	return res, nil
}

// errUnchanged rolls back a transaction that found nothing to write.
var errUnchanged = errors.New("store: nothing to change")

func (s *Store) applyReply(tx *bolt.Tx, r Reply) (ReplyResult, error) {
	var seen replyRecord
	if ok, err := get(tx, bucketReplies, r.key(), &seen); err != nil || ok {
		return ReplyResult{Outcome: Duplicate, PlacementID: seen.PlacementID}, err
	}
	attendee := address(r.Attendee)
	refuse := func(rule, format string, args ...any) (ReplyResult, error) {
		return ReplyResult{Outcome: Refused, Reason: &exchange.RuleError{Field: "reply", Rule: rule, Value: attendee,
			Reason: fmt.Sprintf(format, args...)}}, nil
	}
	id, ok := placementOfUID(r.UID)
	old, err := placement(tx, id)
	if !ok || errors.Is(err, exchange.ErrNotFound) {
		return refuse(RuleReplyUnknown, "no placement has the UID %s: the reply answers an invitation that did not come from this desk", r.UID)
	}
	if err != nil {
		return ReplyResult{}, err
	}
	h, v, err := parties(tx, old.HostID, old.VisitorID)
	if err != nil {
		return ReplyResult{}, err
	}
	who, sentSeq, err := invitedAs(tx, old.ID, attendee)
	if err != nil {
		return ReplyResult{}, err
	}
	if who == "" {
		return refuse(RuleReplyNotInvited, "%s was never invited to the visit of %s to %s", attendee, v.Name, h.Name)
	}
	res := ReplyResult{Outcome: Applied, PlacementID: old.ID, Who: who}
	p := old
	now := s.Now()
	name := v.Name
	if who == "host" {
		name = h.Contact
	}
	source := r.Source
	if r.MessageID != "" {
		source += ", Message-ID <" + strings.Trim(r.MessageID, "<>") + ">"
	}
	if r.Bare {
		source += ", sender not checked"
	}
	note := func(detail string) {
		p.History = append(p.History, exchange.Event{At: now, By: s.Actor, Action: exchange.Reply, Detail: detail + " (" + source + ")"})
	}
	rule := func(rule, format string, args ...any) *exchange.RuleError {
		return &exchange.RuleError{Field: "reply", Rule: rule, Value: attendee, Host: h.Name, Visitor: v.Name,
			First: p.First, Last: p.Last, Reason: fmt.Sprintf(format, args...)}
	}
	// The latest answer read from this attendee, a proposal included: with the same SEQUENCE,
	// the newer DTSTAMP wins.
	var lastStamp time.Time
	lastSeq := -1
	if a := p.VisitorAnswer; who == "visitor" && a != nil {
		lastStamp, lastSeq = a.Stamp, a.Sequence
	}
	if a := p.HostAnswer; who == "host" && a != nil {
		lastStamp, lastSeq = a.Stamp, a.Sequence
	}
	if c := p.Counter; who == "host" && c != nil && (c.Sequence > lastSeq || c.Sequence == lastSeq && c.Stamp.After(lastStamp)) {
		lastStamp, lastSeq = c.Stamp, c.Sequence
	}
	r.Comment = oneLineText(r.Comment)
	answered := strings.ToLower(partStatText(r.PartStat))
	from := oneLineText(address(r.From))
	switch {
	case !r.Bare && from != attendee:
		if from == "" {
			from = "no readable sender"
		}
		res.Outcome, res.Reason = Refused, rule(RuleReplySender, "the reply names %s but the mail comes from %s, so it was not applied", attendee, from)
		note(fmt.Sprintf("a reply for %s %s came from %s and was not applied", name, answered, from))
	case r.Sequence < sentSeq:
		res.Outcome, res.Reason = Stale, rule(RuleReplyStale, "%s answered invitation %d, but invitation %d has been sent since, so the answer was only recorded", name, r.Sequence, sentSeq)
		note(fmt.Sprintf("%s %s an older invitation (%d; %d was sent since): not applied", name, answered, r.Sequence, sentSeq))
	case lastSeq >= 0 && r.Sequence == lastSeq && r.Stamp.Before(lastStamp):
		res.Outcome, res.Reason = Stale, rule(RuleReplyStale, "%s answered again before the answer already read, so this older answer was only recorded", name)
		note(fmt.Sprintf("%s %s, in an answer older than the one read before: not applied", name, answered))
	case r.Method == methodCounter && who != "host":
		res.Outcome, res.Reason = Refused, rule(RuleReplyCounter, "%s proposed other dates, but only the host's proposals are taken", name)
		note(fmt.Sprintf("%s proposed %s: only the host's proposals are taken", name, wording.Range(r.First, r.Last)))
	case r.Method == methodCounter && !(p.Status == exchange.Requested || p.Status == exchange.Confirmed):
		res.Outcome, res.Reason = Refused, rule(RuleReplyStatus, "%s proposed other dates, but the placement is %s, so nothing changed", name, p.Status)
		note(fmt.Sprintf("%s proposed %s; the placement is %s, so nothing changed", name, wording.Range(r.First, r.Last), p.Status))
	case r.Method == methodCounter:
		if err := exchange.Join(exchange.CheckDate("first", r.First), exchange.CheckDate("last", r.Last)); err != nil || r.Last.Before(r.First) {
			res.Outcome, res.Reason = Refused, rule(exchange.RuleDateRange, "%s proposed dates that are not a stay (%s to %s)", name, r.First, r.Last)
			note(fmt.Sprintf("%s proposed dates that are not a stay: not applied", name))
			break
		}
		p.Counter = &exchange.Proposal{First: r.First, Last: r.Last, Comment: r.Comment, Address: attendee,
			Sequence: r.Sequence, Stamp: r.Stamp, Source: source}
		res.Outcome = Countered
		p.History = append(p.History, exchange.Event{At: now, By: s.Actor, Action: exchange.Counter,
			Detail: fmt.Sprintf("%s proposed %s instead%s (%s)", name, wording.Range(r.First, r.Last), commented(r.Comment), source)})
	default:
		a := &exchange.Answer{Address: attendee, PartStat: strings.ToUpper(r.PartStat), Comment: r.Comment,
			Sequence: r.Sequence, Stamp: r.Stamp, Read: now, Source: source}
		if who == "visitor" {
			p.VisitorAnswer = a
			note(fmt.Sprintf("%s %s%s", name, answered, commented(r.Comment)))
			break
		}
		if err := s.hostAnswered(tx, &res, old, &p, h, r, name, answered, source, note, rule); err != nil {
			return ReplyResult{}, err
		}
		if res.Outcome == Applied {
			p.HostAnswer = a // a refused answer is in the history, not shown as the host's answer
		}
	}
	detail := ""
	if len(p.History) > len(old.History) {
		detail = p.History[len(p.History)-1].Detail
	}
	if err := put(tx, bucketReplies, r.key(), replyRecord{PlacementID: p.ID, Outcome: string(res.Outcome), Source: source, Read: now, Detail: detail}); err != nil {
		return ReplyResult{}, err
	}
	return res, putPlacement(tx, p, &old)
}

// hostAnswered moves a requested placement as the host answered: accepted confirms it,
// declined declines it; any other answer, or one to a placement past asking, is noted.
func (s *Store) hostAnswered(tx *bolt.Tx, res *ReplyResult, old exchange.Placement, p *exchange.Placement, h exchange.Host,
	r Reply, name, answered, source string, note func(string), rule func(string, string, ...any) *exchange.RuleError) error {
	var a exchange.Action
	switch strings.ToUpper(r.PartStat) {
	case "ACCEPTED":
		a = exchange.Confirm
	case "DECLINED":
		a = exchange.Decline
	default:
		note(fmt.Sprintf("%s %s%s; the placement stays %s", name, answered, commented(r.Comment), p.Status))
		return nil
	}
	if done := map[exchange.Action]exchange.Status{exchange.Confirm: exchange.Confirmed, exchange.Decline: exchange.Declined}[a]; p.Status == done {
		note(fmt.Sprintf("%s %s%s; the placement was %s already", name, answered, commented(r.Comment), p.Status))
		return nil
	}
	if !p.Status.Allows(a) {
		res.Outcome, res.Reason = Refused, rule(RuleReplyStatus, "%s %s, but the placement is %s, so nothing changed", name, answered, p.Status)
		note(fmt.Sprintf("%s %s%s; the placement is %s, so nothing changed", name, answered, commented(r.Comment), p.Status))
		return nil
	}
	detail := fmt.Sprintf("%s %s by e-mail%s (%s)", name, answered, commented(r.Comment), source)
	if err := p.Apply(a, s.Now(), s.Actor, detail); err != nil {
		return err
	}
	if a != exchange.Confirm {
		return nil
	}
	if err := s.queue(tx, a, old, *p, ""); err != nil {
		return err
	}
	// The host's own copy of the event turns confirmed, without asking them again.
	return s.queueTo(tx, HostConfirmed, *p, ical.Person{Name: h.Contact, Email: address(r.Attendee)}, "")
}

// AnswerCounter accepts or refuses the host's pending proposal of other dates. Accepting
// moves the stay as Reschedule does, with every rule and the budget checked, and updates go
// to everyone invited; refusing keeps the dates and answers the host with a DECLINECOUNTER.
func (s *Store) AnswerCounter(id exchange.ID, accept bool, comment string) (exchange.Placement, error) {
	if err := exchange.CheckText("reason", comment); err != nil {
		return exchange.Placement{}, err
	}
	old, err := s.Placement(id)
	if err != nil {
		return exchange.Placement{}, err
	}
	c := old.Counter
	if c == nil {
		return exchange.Placement{}, &exchange.RuleError{Field: "counter", Rule: RuleNoCounter,
			Reason: "the host has proposed no other dates for this placement"}
	}
	if accept {
		// Reschedule checks every rule and the budget, raises SEQUENCE and queues the updates;
		// the proposal is settled in the same transaction.
		return s.reschedule(id, c.First, c.Last, "", func(p *exchange.Placement) {
			p.Counter = nil
			p.History = append(p.History, exchange.Event{At: s.Now(), By: s.Actor, Action: exchange.Counter,
				Detail: "the host's proposal of " + wording.Range(c.First, c.Last) + " was accepted"})
		})
	}
	return s.change(id, func(tx *bolt.Tx, p exchange.Placement) (exchange.Placement, error) {
		if p.Counter == nil {
			return p, &exchange.RuleError{Field: "counter", Rule: RuleNoCounter, Reason: "the host has proposed no other dates for this placement"}
		}
		if !p.Status.Movable() {
			return p, &exchange.RuleError{Field: "counter", Rule: RuleReplyStatus, Value: string(p.Status),
				Reason: fmt.Sprintf("the placement is %s: there is no proposal to answer", p.Status)}
		}
		h, _, err := parties(tx, p.HostID, p.VisitorID)
		if err != nil {
			return p, err
		}
		to := ical.Person{Name: h.Contact, Email: p.Counter.Address}
		p.History = append(p.History, exchange.Event{At: s.Now(), By: s.Actor, Action: exchange.RefuseCounter,
			Detail: fmt.Sprintf("%s proposed %s; the dates stay%s", h.Contact, wording.Range(c.First, c.Last), commented(comment))})
		p.Counter = nil
		return p, s.queueTo(tx, CounterDeclined, p, to, comment)
	})
}

// placementOfUID reads the placement id out of a UID this desk wrote ("<id>@xchangedesk").
func placementOfUID(uid string) (exchange.ID, bool) {
	s, ok := strings.CutSuffix(strings.TrimSpace(uid), "@xchangedesk")
	if !ok {
		return exchange.ID{}, false
	}
	id, err := exchange.ParseID(s)
	return id, err == nil
}

// invitedAs says whether address was sent an invitation to the placement, as "host" or
// "visitor", and the highest SEQUENCE the desk has sent it, queued or gone: an answer to
// older dates does not confirm dates moved since. "" when it never was invited.
func invitedAs(tx *bolt.Tx, placement exchange.ID, addr string) (who string, seq int, err error) {
	ms, err := messagesOf(tx, placement)
	if err != nil {
		return "", 0, err
	}
	seq = -1
	for _, m := range ms {
		if m.Method != ical.MethodRequest || address(m.To) != addr || m.Status == Failed || m.Status == Superseded {
			continue
		}
		if who == "" {
			who = "visitor"
			if m.Kind == HostRequest {
				who = "host"
			}
		}
		seq = max(seq, m.Sequence)
	}
	return who, seq, nil
}

// address is an e-mail address as replies are matched: mailto: stripped, any case, trimmed.
func address(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	return strings.ToLower(strings.TrimSpace(s))
}

func partStatText(ps string) string {
	switch strings.ToUpper(ps) {
	case "ACCEPTED":
		return "accepted"
	case "DECLINED":
		return "declined"
	case "TENTATIVE":
		return "answered maybe"
	case "DELEGATED":
		return "delegated"
	}
	return "answered " + strings.ToLower(ps)
}

// oneLineText is text from outside made safe for a history line and a terminal: control
// characters and line breaks become spaces.
func oneLineText(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return ' '
		}
		return r
	}, s)), " ")
}

func commented(c string) string {
	if c = strings.TrimSpace(c); c != "" {
		return ": “" + c + "”"
	}
	return ""
}

// queueTo composes one message of kind about placement p to a person, and writes it.
func (s *Store) queueTo(tx *bolt.Tx, kind MessageKind, p exchange.Placement, to ical.Person, reason string) error {
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
	m, err := compose(send{kind: kind, who: "host", to: to}, prog, p, p, h, v, reason, s.Now().UTC().Truncate(time.Second))
	if err != nil {
		return fmt.Errorf("outbox: %s to %s: %w", kind, to.Email, err)
	}
	return newMessage(tx, m)
}

// ErrNotAReply says a mail or a file holds no reply: an invitation, a cancellation, an
// ordinary mail.
var ErrNotAReply = errors.New("store: not a reply")

// ReadReply reads the reply in a mail (an .eml, with its sender and Message-ID) or in a bare
// calendar file (.ics, which has neither), as other clients send them. source names where it
// came from, for the history. It returns ErrNotAReply when there is none, and an error saying
// what is wrong with a file that cannot be read; it never panics.
func ReadReply(source string, raw []byte, calendarFile bool) (Reply, error) {
	if calendarFile {
		rep, err := ical.ReadReply(raw)
		if err != nil {
			return Reply{}, readErr(source, err)
		}
		sum := sha256.Sum256(raw)
		r := replyOf(source, rep, "", "", hex.EncodeToString(sum[:]))
		r.Bare = true
		return r, nil
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return Reply{}, readErr(source, &mail.Problem{Text: "the mail is empty"})
	}
	in, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Reply{}, readErr(source, err)
	}
	var first error
	for _, cal := range in.Calendars {
		rep, err := ical.ReadReply(cal)
		if err == nil {
			sum := sha256.Sum256(cal)
			return replyOf(source, rep, in.MessageID, in.From, hex.EncodeToString(sum[:])), nil
		}
		if first == nil && !errors.Is(err, ical.ErrNotAReply) {
			first = err
		}
	}
	if first != nil {
		return Reply{}, readErr(source, first)
	}
	return Reply{}, ErrNotAReply
}

// readErr says why a mail or calendar cannot be read, as a rule error naming the file, in the
// reader's own sentence.
func readErr(source string, err error) error {
	if errors.Is(err, ical.ErrNotAReply) {
		return ErrNotAReply
	}
	why := err.Error()
	var said interface{ Sentence() string } // the readers' problems say themselves
	if errors.As(err, &said) {
		why = said.Sentence()
	}
	return fmt.Errorf("%w: %w", &exchange.RuleError{Field: "file", Rule: RuleReplyUnreadable, Value: source,
		Reason: why}, err)
}

func replyOf(source string, r ical.Reply, messageID, from, digest string) Reply {
	return Reply{Source: source, MessageID: messageID, Digest: digest, From: from, Method: r.Method, UID: r.UID,
		Sequence: r.Sequence, Stamp: r.Stamp, Attendee: r.Attendee, PartStat: r.PartStat, Comment: r.Comment,
		First: r.First, Last: r.Last}
}

// maxReplyFile is the largest mail or calendar file read for a reply: replies are a few
// kilobytes, a mail with attachments a few megabytes.
const maxReplyFile = 32 << 20

// ReadReplyFile reads the reply in a mail (.eml) or calendar (.ics) file, telling one from the
// other by its name or by what it starts with; the file's name is the reply's source.
func ReadReplyFile(path string) (Reply, error) {
	f, err := os.Open(path)
	if err != nil {
		return Reply{}, fileError(path, "cannot be read", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxReplyFile+1))
	if err != nil {
		return Reply{}, fileError(path, "cannot be read", err)
	}
	if len(raw) > maxReplyFile {
		return Reply{}, fileError(path, "is too large for a reply", fmt.Errorf("more than %d MB", maxReplyFile>>20))
	}
	start := bytes.TrimLeft(bytes.TrimPrefix(raw, []byte("\uFEFF")), " \t\r\n")
	calendar := strings.EqualFold(filepath.Ext(path), ".ics") ||
		len(start) >= 15 && strings.EqualFold(string(start[:15]), "BEGIN:VCALENDAR")
	return ReadReply(filepath.Base(path), raw, calendar)
}

func fileError(path, problem string, err error) error {
	return fmt.Errorf("%w: %w", &exchange.RuleError{Field: "file", Rule: exchange.RuleFormat, Value: path,
		Reason: fmt.Sprintf("the file %s %s (%v)", path, problem, err)}, err)
}

// Fetched is what became of one message read from the organiser's mailbox.
type Fetched struct {
	Source string // "mailbox INBOX, UID 12"
	Reply  Reply  // what it said, when it held a reply
	Result ReplyResult
	Err    error // why it could not be read; the message is left alone from now on
}

// MailboxPoller is the poller that reads the organiser's mailbox, as the IMAP settings and
// the keyring say, and applies every reply in it; each message it reads is told to each. A
// message that is no reply, or cannot be read, is marked processed and left as it was; a
// reply the data file could not take is read again next round.
func (s *Store) MailboxPoller(each func(Fetched)) *mailbox.Poller {
	var folder string
	return &mailbox.Poller{
		Config: func() (mailbox.Config, bool, error) {
			st, ok, err := s.IMAP()
			if err != nil || !ok {
				return mailbox.Config{}, ok, err
			}
			folder = st.Folder
			if st.OAuth2() {
				src, err := s.OAuthSource()
				if err != nil {
					return mailbox.Config{}, true, err
				}
				return st.OAuth2Config(src), true, nil
			}
			return st.Config(mail.IMAPPassword(st.Host, st.User)), true, nil
		},
		Memory: s,
		Handle: func(_ context.Context, m mailbox.Message) (bool, error) {
			f := Fetched{Source: fmt.Sprintf("mailbox %s, UID %d", folder, m.UID)}
			r, err := ReadReply(f.Source, m.Raw, false)
			switch {
			case errors.Is(err, ErrNotAReply):
				f.Result.Outcome = NotReply
				each(f)
				return false, nil
			case err != nil:
				f.Err = err
				each(f)
				return false, nil
			}
			f.Reply = r
			if f.Result, err = s.ApplyReply(r); err != nil {
				return false, err
			}
			each(f)
			return true, nil
		},
	}
}
