package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
)

// The views below are what one screen of the app shows, each read in one transaction so that
// what a screen shows agrees with itself.

// PlacementRow is a placement with the host and visitor it names, as a list row shows it.
type PlacementRow struct {
	Placement exchange.Placement
	Host      exchange.Host
	Visitor   exchange.Visitor
}

// PlacementList returns every placement with its host and visitor, in booking order.
func (s *Store) PlacementList() ([]PlacementRow, error) {
	var out []PlacementRow
	err := s.db.View(func(tx *bolt.Tx) error {
		hs, vs, err := people(tx)
		if err != nil {
			return err
		}
		return each(tx, bucketPlacements, func(r placementRecord) error {
			p := r.placement()
			out = append(out, PlacementRow{Placement: p, Host: hs[p.HostID], Visitor: vs[p.VisitorID]})
			return nil
		})
	})
	return out, err
}

// PlacementDetail is one placement with its host, its visitor and the messages it caused.
type PlacementDetail struct {
	PlacementRow
	Messages []Message
}

// PlacementDetail returns placement id with what its detail shows, or an error matching
// exchange.ErrNotFound.
func (s *Store) PlacementDetail(id exchange.ID) (PlacementDetail, error) {
	var d PlacementDetail
	err := s.db.View(func(tx *bolt.Tx) error {
		p, err := placement(tx, id)
		if err != nil {
			return err
		}
		h, v, err := parties(tx, p.HostID, p.VisitorID)
		if err != nil {
			return err
		}
		d.PlacementRow = PlacementRow{Placement: p, Host: h, Visitor: v}
		d.Messages, err = messagesOf(tx, id)
		return err
	})
	return d, err
}

// VisitorPlacements returns a visitor's placements with their hosts, in booking order.
func (s *Store) VisitorPlacements(id exchange.ID) ([]PlacementRow, error) {
	var out []PlacementRow
	err := s.db.View(func(tx *bolt.Tx) error {
		v, err := visitor(tx, id)
		if err != nil {
			return err
		}
		ps, err := placementsOfVisitor(tx, id)
		if err != nil {
			return err
		}
		for _, p := range ps {
			h, err := host(tx, p.HostID)
			if err != nil {
				return err
			}
			out = append(out, PlacementRow{Placement: p, Host: h, Visitor: v})
		}
		return nil
	})
	return out, err
}

// Money is what the budget screen shows: the programme, its budget and every version of the
// rate tables, the last of which is in force.
type Money struct {
	Programme exchange.Programme
	Budget    Budget
	Overdue   []PlacementRow // Budget.Overdue with the people they name
	Versions  []rates.Tables
}

// Rates returns the rate tables in force.
func (m Money) Rates() rates.Tables {
	if len(m.Versions) == 0 {
		return rates.Tables{}
	}
	return m.Versions[len(m.Versions)-1]
}

// Money reads the programme's money; today decides which payments are overdue.
func (s *Store) Money(today exchange.Date) (Money, error) {
	var m Money
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if m.Programme, err = programme(tx); err != nil {
			return err
		}
		if m.Budget, err = budget(tx, m.Programme, today); err != nil {
			return err
		}
		for _, p := range m.Budget.Overdue {
			h, v, err := parties(tx, p.HostID, p.VisitorID)
			if err != nil {
				return err
			}
			m.Overdue = append(m.Overdue, PlacementRow{Placement: p, Host: h, Visitor: v})
		}
		m.Versions, err = rateVersions(tx)
		return err
	})
	return m, err
}

// Mail is what the outbox screen shows: every message, who sends them, and the mail server.
type Mail struct {
	Programme exchange.Programme
	Messages  []Message
	SMTP      SMTPSettings
	SMTPSet   bool        // false: no server is set, and the outbox holds its messages
	Replies   []ReplyRead // the answers read from mail and files, newest first
	IMAP      IMAPSettings
	IMAPSet   bool // false: no mailbox is read; replies come from files
	OAuth     OAuthSettings
	OAuthSet  bool // false: no OAuth2 provider is set; the servers take passwords
}

// Waiting counts the messages not yet sent: queued or failed.
func (m Mail) Waiting() int {
	n := 0
	for _, x := range m.Messages {
		if x.Status == Queued || x.Status == Failed {
			n++
		}
	}
	return n
}

// Mail reads the outbox and the mail settings.
func (s *Store) Mail() (Mail, error) {
	var m Mail
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if m.Programme, err = programme(tx); err != nil {
			return err
		}
		ok, err := get(tx, bucketMeta, keySMTP, &m.SMTP)
		if err != nil {
			return err
		}
		m.SMTPSet = ok && m.SMTP.Host != ""
		if m.Replies, err = replies(tx); err != nil {
			return err
		}
		if ok, err = get(tx, bucketMeta, keyIMAP, &m.IMAP); err != nil {
			return err
		}
		m.IMAPSet = ok && m.IMAP.Host != ""
		if ok, err = get(tx, bucketMeta, keyOAuth, &m.OAuth); err != nil {
			return err
		}
		m.OAuthSet = ok && m.OAuth.Kind != ""
		return each(tx, bucketOutbox, func(r messageRecord) error { m.Messages = append(m.Messages, r.message(tx)); return nil })
	})
	return m, err
}

// Choices is what the booking dialog offers: every host and visitor, and the programme whose
// rate profile prices the booking.
type Choices struct {
	Programme exchange.Programme
	Hosts     []exchange.Host
	Visitors  []exchange.Visitor
}

// Choices reads what the booking dialog offers.
func (s *Store) Choices() (Choices, error) {
	var c Choices
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if c.Programme, err = programme(tx); err != nil {
			return err
		}
		if c.Hosts, err = hosts(tx); err != nil {
			return err
		}
		c.Visitors, err = visitors(tx)
		return err
	})
	return c, err
}

// people returns every host and visitor by id.
func people(tx *bolt.Tx) (map[exchange.ID]exchange.Host, map[exchange.ID]exchange.Visitor, error) {
	hs, err := hosts(tx)
	if err != nil {
		return nil, nil, err
	}
	vs, err := visitors(tx)
	if err != nil {
		return nil, nil, err
	}
	hm := make(map[exchange.ID]exchange.Host, len(hs))
	for _, h := range hs {
		hm[h.ID] = h
	}
	vm := make(map[exchange.ID]exchange.Visitor, len(vs))
	for _, v := range vs {
		vm[v.ID] = v
	}
	return hm, vm, nil
}

func rateVersions(tx *bolt.Tx) ([]rates.Tables, error) {
	var out []rates.Tables
	err := tx.Bucket(bucketRates).ForEach(func(k, v []byte) error {
		var t rates.Tables
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("store: rates version %x: %w", k, err)
		}
		out = append(out, t)
		return nil
	})
	return out, err
}
