package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
)

// Reschedule moves a placement to new dates (and travel days), checking every booking rule
// and the budget again in one transaction. The placement keeps the rate profile and table
// version it was priced with; its lump sum follows the new dates under those rates. The
// iCalendar SEQUENCE goes up, since the change matters to everyone invited.
func (s *Store) Reschedule(id exchange.ID, first, last exchange.Date, travel exchange.TravelDays) (exchange.Placement, error) {
	return s.reschedule(id, first, last, travel, nil)
}

// reschedule is Reschedule; also, when set, settle changes the moved placement in the same
// transaction, before it is written.
func (s *Store) reschedule(id exchange.ID, first, last exchange.Date, travel exchange.TravelDays, settle func(*exchange.Placement)) (exchange.Placement, error) {
	return s.change(id, func(tx *bolt.Tx, old exchange.Placement) (exchange.Placement, error) {
		if !old.Status.Movable() {
			h, v, _ := parties(tx, old.HostID, old.VisitorID)
			return exchange.Placement{}, &exchange.RuleError{Field: "status", Rule: exchange.RuleNotMovable,
				Value: string(old.Status), Host: h.Name, Visitor: v.Name, First: old.First, Last: old.Last,
				Reason: fmt.Sprintf("a %s placement cannot be moved", old.Status)}
		}
		p := old
		p.First, p.Last = first, last
		if travel != "" {
			p.Travel = travel
		}
		if p.First == old.First && p.Last == old.Last && p.Travel == old.Travel {
			return exchange.Placement{}, &exchange.RuleError{Field: "first", Rule: exchange.RuleSameDates,
				First: old.First, Last: old.Last, Reason: "these are the placement's dates already"}
		}
		h, v, err := parties(tx, p.HostID, p.VisitorID)
		if err != nil {
			return exchange.Placement{}, err
		}
		b, err := booking(tx, p, h, v)
		if err != nil {
			return exchange.Placement{}, err
		}
		if err := b.Check(); err != nil {
			return exchange.Placement{}, err
		}
		profile, version := rates.ClusterXchange, 1
		if old.Price != nil {
			profile, version = old.Price.Profile, old.Price.Version
		}
		t, err := ratesVersion(tx, version)
		if err != nil {
			return exchange.Placement{}, err
		}
		pv := Preview{Placement: p, Host: h, Visitor: v}
		prog, err := programme(tx)
		if err != nil {
			return exchange.Placement{}, err
		}
		prog.Profile = profile
		if err := pv.priceWith(tx, t, prog, &old); err != nil {
			return exchange.Placement{}, err
		}
		p = pv.Placement
		p.Sequence++
		p.History = append(p.History, exchange.Event{At: s.Now().UTC().Truncate(1e9), By: s.Actor, Action: exchange.Reschedule,
			Detail: fmt.Sprintf("%s → %s, travel days: %s; lump sum %s", old.Period(), p.Period(), p.Travel, p.Price.LumpSum)})
		if settle != nil {
			settle(&p)
		}
		return p, s.queue(tx, exchange.Reschedule, old, p, "")
	})
}

// Reprice prices a placement again with the programme's current profile and rate tables, when
// staff ask for it. Paid, declined and cancelled placements keep their price.
func (s *Store) Reprice(id exchange.ID) (exchange.Placement, error) {
	return s.change(id, func(tx *bolt.Tx, old exchange.Placement) (exchange.Placement, error) {
		if !old.Status.Repriceable() {
			h, v, _ := parties(tx, old.HostID, old.VisitorID)
			return exchange.Placement{}, &exchange.RuleError{Field: "status", Rule: exchange.RuleNotRepriceable,
				Value: string(old.Status), Host: h.Name, Visitor: v.Name, First: old.First, Last: old.Last,
				Reason: fmt.Sprintf("a %s placement keeps its price", old.Status)}
		}
		h, v, err := parties(tx, old.HostID, old.VisitorID)
		if err != nil {
			return exchange.Placement{}, err
		}
		t, err := currentRates(tx)
		if err != nil {
			return exchange.Placement{}, err
		}
		prog, err := programme(tx)
		if err != nil {
			return exchange.Placement{}, err
		}
		pv := Preview{Placement: old, Host: h, Visitor: v}
		if err := pv.priceWith(tx, t, prog, &old); err != nil {
			return exchange.Placement{}, err
		}
		p := pv.Placement
		was := "unpriced"
		if old.Price != nil {
			was = fmt.Sprintf("%s (%s v%d)", old.Price.LumpSum, old.Price.Profile, old.Price.Version)
		}
		p.History = append(p.History, exchange.Event{At: s.Now().UTC().Truncate(1e9), By: s.Actor, Action: exchange.Reprice,
			Detail: fmt.Sprintf("%s → %s (%s v%d)", was, p.Price.LumpSum, p.Price.Profile, p.Price.Version)})
		return p, nil
	})
}

// Tick ticks (on) or unticks an item of a placement's documents checklist.
func (s *Store) Tick(id exchange.ID, item exchange.Item, on bool) (exchange.Placement, error) {
	return s.change(id, func(_ *bolt.Tx, p exchange.Placement) (exchange.Placement, error) {
		err := p.Tick(item, on, s.Now(), s.Actor)
		return p, err
	})
}

// change is one transaction that reads placement id, lets fn derive its new state (and
// queue what the change causes), and writes it with its indexes and budget totals. An error
// from fn writes nothing.
func (s *Store) change(id exchange.ID, fn func(tx *bolt.Tx, old exchange.Placement) (exchange.Placement, error)) (exchange.Placement, error) {
	var p exchange.Placement
	err := s.db.Update(func(tx *bolt.Tx) error {
		old, err := placement(tx, id)
		if err != nil {
			return err
		}
		if p, err = fn(tx, old); err != nil {
			return err
		}
		return putPlacement(tx, p, &old)
	})
	if err != nil {
		return exchange.Placement{}, err
	}
	return p, nil
}
