package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// Seed is a whole programme to load into an empty data file: the sample programme, or data
// brought over from elsewhere. Ids must be set; placements carry their status and history.
type Seed struct {
	Programme  exchange.Programme
	Hosts      []exchange.Host
	Visitors   []exchange.Visitor
	Placements []exchange.Placement
}

// Load writes a seed into an empty data file in one transaction, checking every host,
// visitor and placement as if each had been added by hand. It returns ErrNotEmpty, and
// writes nothing, when the file already holds data; any broken rule also writes nothing.
func (s *Store) Load(seed Seed) error {
	// Coordinates first, outside the transaction (the first lookup loads the gazetteer).
	seed.Hosts = append([]exchange.Host(nil), seed.Hosts...)
	for i := range seed.Hosts {
		h := &seed.Hosts[i]
		h.Normalise()
		if err := locate(&h.Coordinates, h.City, h.Country); err != nil {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	seed.Visitors = append([]exchange.Visitor(nil), seed.Visitors...)
	for i := range seed.Visitors {
		v := &seed.Visitors[i]
		v.Normalise()
		if err := locate(&v.Coordinates, v.City, v.Country); err != nil {
			return fmt.Errorf("visitor %s: %w", v.Name, err)
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if !isEmpty(tx) {
			return ErrNotEmpty
		}
		if err := put(tx, bucketMeta, keyProgramme, toProgrammeRecord(seed.Programme)); err != nil {
			return err
		}
		prog, err := programme(tx)
		if err != nil {
			return err
		}
		t, err := currentRates(tx)
		if err != nil {
			return err
		}
		for _, h := range seed.Hosts {
			if err := h.Validate(); err != nil {
				return fmt.Errorf("host %s: %w", h.Name, err)
			}
			if err := putHost(tx, h); err != nil {
				return err
			}
		}
		for _, v := range seed.Visitors {
			if err := v.Validate(); err != nil {
				return fmt.Errorf("visitor %s: %w", v.Name, err)
			}
			if err := putVisitor(tx, v, nil); err != nil {
				return err
			}
		}
		for _, p := range seed.Placements {
			h, v, err := parties(tx, p.HostID, p.VisitorID)
			if err != nil {
				return err
			}
			if p.Status.HoldsPlace() {
				b, err := booking(tx, p, h, v)
				if err != nil {
					return err
				}
				if err := b.Check(); err != nil {
					return fmt.Errorf("placement of %s at %s: %w", v.Name, h.Name, err)
				}
			}
			if p.Price == nil {
				pv := Preview{Placement: p, Host: h, Visitor: v}
				if err := pv.priceWith(tx, t, prog, nil); err != nil {
					return fmt.Errorf("placement of %s at %s: %w", v.Name, h.Name, err)
				}
				p = pv.Placement
			}
			if prog.OrganiserEmail != "" {
				if err := replayMail(tx, &p); err != nil {
					return fmt.Errorf("placement of %s at %s: %w", v.Name, h.Name, err)
				}
			}
			if err := putPlacement(tx, p, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// replayMail writes the messages a seeded placement's history says went out — the
// availability request, the visitor's invitation and confirmation, the cancellation —
// each marked sent when its step was taken, so the outbox tells the same story as the
// history. A cancellation raises the SEQUENCE, as Act does.
func replayMail(tx *bolt.Tx, p *exchange.Placement) error {
	state := *p
	state.Status = exchange.Draft
	for _, e := range p.History {
		before := state
		switch e.Action {
		case exchange.Request:
			state.Status = exchange.Requested
		case exchange.Confirm:
			state.Status = exchange.Confirmed
		case exchange.Decline:
			state.Status = exchange.Declined
		case exchange.Complete:
			state.Status = exchange.Completed
		case exchange.Pay:
			state.Status = exchange.Paid
		case exchange.Cancel:
			state.Status = exchange.Cancelled
			state.Sequence++
		default:
			continue
		}
		if e.Action != exchange.Request && e.Action != exchange.Confirm && e.Action != exchange.Cancel {
			continue
		}
		reason := ""
		if e.Action == exchange.Cancel {
			reason = e.Detail
		}
		if err := queueAt(tx, e.Action, before, state, reason, e.At); err != nil {
			return err
		}
		ms, err := messagesOf(tx, p.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Status == Queued {
				m.Status, m.SentAt, m.Attempts = Sent, e.At.Add(time.Minute).UTC(), 1
				if err := putMessage(tx, m); err != nil {
					return err
				}
			}
		}
	}
	p.Sequence = state.Sequence
	return nil
}
