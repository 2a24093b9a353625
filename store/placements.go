package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
)

// BookingRequest is what staff fill in to book a placement.
type BookingRequest struct {
	HostID    exchange.ID
	VisitorID exchange.ID
	First     exchange.Date
	Last      exchange.Date
	Travel    exchange.TravelDays
	Goals     string
	// Green travel and the travel days it funds beyond the stay's own (Erasmus+ style profile).
	GreenTravel     bool
	ExtraTravelDays int
}

// maxExtraTravelDays bounds the travel days funded beyond the stay's own: a stay lasts at
// most a month, and the rate tables cap what is funded anyway.
const maxExtraTravelDays = 31

// Preview is what a booking would look like, without writing anything.
type Preview struct {
	Placement   exchange.Placement
	Host        exchange.Host
	Visitor     exchange.Visitor
	WorkingDays int
	// Priced says Placement.Price holds the quote; Budgeted that the programme has an
	// envelope, and Remaining what would be left of it after this booking.
	Priced    bool
	Budgeted  bool
	Remaining exchange.Cents
}

// Book checks every booking rule and stores a new draft placement, in one transaction. A
// broken rule returns the *exchange.RuleError values joined (see exchange.Violations) and
// writes nothing.
func (s *Store) Book(req BookingRequest) (exchange.Placement, error) {
	var p exchange.Placement
	err := s.db.Update(func(tx *bolt.Tx) error {
		pv, err := s.preview(tx, req)
		if err != nil {
			return err
		}
		p = pv.Placement
		return putPlacement(tx, p, nil)
	})
	if err != nil {
		return exchange.Placement{}, err
	}
	return p, nil
}

// Check returns what Book would do with req — the working days, and the same errors —
// without writing anything. The booking dialog calls it as the dates change.
func (s *Store) Check(req BookingRequest) (Preview, error) {
	var pv Preview
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		pv, err = s.preview(tx, req)
		return err
	})
	return pv, err
}

func (s *Store) preview(tx *bolt.Tx, req BookingRequest) (Preview, error) {
	var pv Preview
	if req.HostID.IsZero() {
		return pv, &exchange.RuleError{Field: "host", Rule: exchange.RuleRequired, Reason: "choose a host"}
	}
	if req.VisitorID.IsZero() {
		return pv, &exchange.RuleError{Field: "visitor", Rule: exchange.RuleRequired, Reason: "choose a visitor"}
	}
	h, v, err := parties(tx, req.HostID, req.VisitorID)
	if err != nil {
		return pv, err
	}
	if err := exchange.CheckText("goals", req.Goals); err != nil {
		return pv, err
	}
	p := exchange.NewPlacement(h.ID, v.ID, req.First, req.Last, req.Travel, s.Now(), s.Actor)
	p.Goals, p.GreenTravel, p.ExtraTravelDays = req.Goals, req.GreenTravel, req.ExtraTravelDays
	if p.ExtraTravelDays < 0 || p.ExtraTravelDays > maxExtraTravelDays {
		return pv, &exchange.RuleError{Field: "extra_travel_days", Rule: exchange.RuleFormat,
			Reason: fmt.Sprintf("extra travel days go from 0 to %d", maxExtraTravelDays)}
	}
	pv = Preview{Placement: p, Host: h, Visitor: v, WorkingDays: p.WorkingDays(h)}
	prog, err := programme(tx)
	if err != nil {
		return pv, err
	}
	t, err := currentRates(tx)
	if err != nil {
		return pv, err
	}
	// The quote first, so a dialog can show the price even while a rule is broken.
	if !p.First.IsZero() && !p.Last.IsZero() && !p.Last.Before(p.First) {
		if err := pv.quote(t, prog.Profile); err != nil {
			return pv, err
		}
	}
	b, err := booking(tx, p, h, v)
	if err != nil {
		return pv, err
	}
	if err := b.Check(); err != nil {
		return pv, err
	}
	return pv, pv.budget(tx, prog, nil)
}

// priceWith quotes the preview's placement and checks the budget; old is the placement as
// stored, for re-dating and re-pricing.
func (pv *Preview) priceWith(tx *bolt.Tx, t rates.Tables, prog exchange.Programme, old *exchange.Placement) error {
	if err := pv.quote(t, prog.Profile); err != nil {
		return err
	}
	return pv.budget(tx, prog, old)
}

func (pv *Preview) quote(t rates.Tables, profile string) error {
	q, err := rates.Quote(t, profile, pv.Placement, pv.Host, pv.Visitor)
	if err != nil {
		return err
	}
	pv.Placement.Price, pv.Priced = &q, true
	return nil
}

// budget checks the quoted lump sum against what is left of the envelope.
func (pv *Preview) budget(tx *bolt.Tx, prog exchange.Programme, old *exchange.Placement) error {
	var err error
	pv.Budgeted = prog.Envelope > 0
	pv.Remaining, err = checkBudget(tx, old, pv.Placement.Price.LumpSum)
	return err
}

// booking gathers what the rules need to check p: the placements that could conflict with it.
func booking(tx *bolt.Tx, p exchange.Placement, h exchange.Host, v exchange.Visitor) (exchange.Booking, error) {
	b := exchange.Booking{Placement: p, Host: h, Visitor: v}
	if p.First.IsZero() || p.Last.IsZero() {
		return b, nil
	}
	seen := map[exchange.ID]bool{}
	add := func(ps []exchange.Placement) {
		for _, o := range ps {
			if !seen[o.ID] {
				seen[o.ID] = true
				b.Others = append(b.Others, o)
			}
		}
	}
	// A stay lasts at most a month, so nothing that starts more than 31 days before p can
	// reach it; the host's later placements let a refusal say when the next free start is.
	until := p.Last
	if next := p.First.AddDays(exchange.NextFreeDays + p.Period().Days()); next.After(until) {
		until = next
	}
	atHost, err := placementsAtHostBetween(tx, h.ID, p.First.AddDays(-31), until)
	if err != nil {
		return b, err
	}
	add(atHost)
	mine, err := placementsOfVisitor(tx, v.ID)
	if err != nil {
		return b, err
	}
	add(mine)
	org, vs, err := placementsOfOrganisation(tx, v.OrganisationKey())
	if err != nil {
		return b, err
	}
	add(org)
	// The names of the others' visitors and hosts, so a refusal names people, not ids.
	b.Visitors, b.Hosts = vs, map[exchange.ID]exchange.Host{h.ID: h}
	for _, o := range b.Others {
		if _, ok := b.Visitors[o.VisitorID]; !ok && o.VisitorID != v.ID {
			ov, err := visitor(tx, o.VisitorID)
			if err != nil {
				return b, err
			}
			b.Visitors[o.VisitorID] = ov
		}
		if _, ok := b.Hosts[o.HostID]; !ok {
			oh, err := host(tx, o.HostID)
			if err != nil {
				return b, err
			}
			b.Hosts[o.HostID] = oh
		}
	}
	return b, nil
}

// Act takes a step in a placement's status flow (request, confirm, decline, cancel, complete,
// pay) and records it in the placement's history with detail. It returns a
// *exchange.TransitionError when the flow does not allow the step.
func (s *Store) Act(id exchange.ID, a exchange.Action, detail string) (exchange.Placement, error) {
	return s.change(id, func(tx *bolt.Tx, old exchange.Placement) (exchange.Placement, error) {
		p := old
		if err := exchange.CheckText("reason", detail); err != nil {
			return p, err
		}
		if err := p.Apply(a, s.Now(), s.Actor, detail); err != nil {
			var te *exchange.TransitionError
			if errors.As(err, &te) {
				// Name the placement, so the refusal says whose stay it is.
				if h, v, perr := parties(tx, p.HostID, p.VisitorID); perr == nil {
					te.Host, te.Visitor = h.Name, v.Name
				}
				te.First, te.Last = p.First, p.Last
			}
			var re *exchange.RuleError
			if errors.As(err, &re) && re.Visitor == "" {
				if h, v, perr := parties(tx, p.HostID, p.VisitorID); perr == nil {
					re.Host, re.Visitor = h.Name, v.Name
				}
			}
			return p, err
		}
		if a == exchange.Cancel {
			p.Sequence++ // a cancellation is a change that matters to every calendar
		}
		return p, s.queue(tx, a, old, p, detail)
	})
}

// Placement returns one placement, or an error matching exchange.ErrNotFound.
func (s *Store) Placement(id exchange.ID) (exchange.Placement, error) {
	var p exchange.Placement
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		p, err = placement(tx, id)
		return err
	})
	return p, err
}

// Filter narrows Placements; zero fields match everything.
type Filter struct {
	HostID    exchange.ID
	VisitorID exchange.ID
	Status    exchange.Status
}

// Placements returns the placements that match f, ordered by first day then booking time
// when filtered by host, and by booking time otherwise. Unknown host or visitor ids are an
// error matching exchange.ErrNotFound.
func (s *Store) Placements(f Filter) ([]exchange.Placement, error) {
	var out []exchange.Placement
	err := s.db.View(func(tx *bolt.Tx) error {
		var all []exchange.Placement
		var err error
		switch {
		case !f.HostID.IsZero():
			if _, err = host(tx, f.HostID); err != nil {
				return err
			}
			all, err = placementsAtHost(tx, f.HostID)
		case !f.VisitorID.IsZero():
			if _, err = visitor(tx, f.VisitorID); err != nil {
				return err
			}
			all, err = placementsOfVisitor(tx, f.VisitorID)
		default:
			all, err = placements(tx)
		}
		if err != nil {
			return err
		}
		for _, p := range all {
			if (f.VisitorID.IsZero() || p.VisitorID == f.VisitorID) && (f.Status == "" || p.Status == f.Status) {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}

// Snapshot is the whole data file at one moment.
type Snapshot struct {
	Programme  exchange.Programme
	Hosts      []exchange.Host
	Visitors   []exchange.Visitor
	Placements []exchange.Placement
}

// Snapshot reads everything in one transaction, so the lists agree with each other.
func (s *Store) Snapshot() (Snapshot, error) {
	var snap Snapshot
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if snap.Programme, err = programme(tx); err != nil {
			return err
		}
		if snap.Hosts, err = hosts(tx); err != nil {
			return err
		}
		if snap.Visitors, err = visitors(tx); err != nil {
			return err
		}
		snap.Placements, err = placements(tx)
		return err
	})
	return snap, err
}

// IsEmpty reports whether the file holds no hosts, visitors or placements.
func (s *Store) IsEmpty() (bool, error) {
	empty := true
	err := s.db.View(func(tx *bolt.Tx) error {
		empty = isEmpty(tx)
		return nil
	})
	return empty, err
}

func isEmpty(tx *bolt.Tx) bool {
	for _, b := range [][]byte{bucketHosts, bucketVisitors, bucketPlacements} {
		if k, _ := tx.Bucket(b).Cursor().First(); k != nil {
			return false
		}
	}
	return true
}

func placement(tx *bolt.Tx, id exchange.ID) (exchange.Placement, error) {
	var r placementRecord
	ok, err := get(tx, bucketPlacements, id.Bytes(), &r)
	if err != nil {
		return exchange.Placement{}, err
	}
	if !ok {
		return exchange.Placement{}, &exchange.NotFoundError{Field: "placement", ID: id.String()}
	}
	return r.placement(), nil
}

func placements(tx *bolt.Tx) ([]exchange.Placement, error) {
	var out []exchange.Placement
	err := each(tx, bucketPlacements, func(r placementRecord) error { out = append(out, r.placement()); return nil })
	return out, err
}

// putPlacement writes p and keeps the indexes in step; old is the stored version, if any.
func putPlacement(tx *bolt.Tx, p exchange.Placement, old *exchange.Placement) error {
	byHost, byVisitor := tx.Bucket(bucketByHost), tx.Bucket(bucketByVisitor)
	if old != nil {
		if err := byHost.Delete(hostKey(old.HostID, old.First, old.ID)); err != nil {
			return err
		}
		if err := byVisitor.Delete(visitorKey(old.VisitorID, old.ID)); err != nil {
			return err
		}
	}
	if err := byHost.Put(hostKey(p.HostID, p.First, p.ID), nil); err != nil {
		return err
	}
	if err := byVisitor.Put(visitorKey(p.VisitorID, p.ID), nil); err != nil {
		return err
	}
	if err := adjustTotals(tx, old, &p); err != nil {
		return err
	}
	return put(tx, bucketPlacements, p.ID.Bytes(), toPlacementRecord(p))
}

func dayKey(d exchange.Date) []byte {
	t := d.Time()
	return binary.BigEndian.AppendUint32(nil, uint32(t.Year()*10000+int(t.Month())*100+t.Day()))
}

func hostKey(h exchange.ID, first exchange.Date, p exchange.ID) []byte {
	k := append(append([]byte(nil), h.Bytes()...), dayKey(first)...)
	return append(k, p.Bytes()...)
}

func visitorKey(v, p exchange.ID) []byte {
	return append(append([]byte(nil), v.Bytes()...), p.Bytes()...)
}

// placementsAtHostBetween returns the host's placements whose first day is from from to to.
func placementsAtHostBetween(tx *bolt.Tx, h exchange.ID, from, to exchange.Date) ([]exchange.Placement, error) {
	prefix := h.Bytes()
	start := append(append([]byte(nil), prefix...), dayKey(from)...)
	end := append(append([]byte(nil), prefix...), dayKey(to)...)
	return placementsByIndex(tx, bucketByHost, start, func(k []byte) bool {
		return bytes.HasPrefix(k, prefix) && bytes.Compare(k[:len(end)], end) <= 0
	})
}

// placementsAtHost returns every placement at the host, by first day.
func placementsAtHost(tx *bolt.Tx, h exchange.ID) ([]exchange.Placement, error) {
	prefix := h.Bytes()
	return placementsByIndex(tx, bucketByHost, prefix, func(k []byte) bool { return bytes.HasPrefix(k, prefix) })
}

func placementsOfVisitor(tx *bolt.Tx, v exchange.ID) ([]exchange.Placement, error) {
	prefix := v.Bytes()
	return placementsByIndex(tx, bucketByVisitor, prefix, func(k []byte) bool { return bytes.HasPrefix(k, prefix) })
}

// placementsByIndex walks an index from start while within holds; the placement id is the
// last 16 bytes of each key.
func placementsByIndex(tx *bolt.Tx, index, start []byte, within func([]byte) bool) ([]exchange.Placement, error) {
	var out []exchange.Placement
	c := tx.Bucket(index).Cursor()
	for k, _ := c.Seek(start); k != nil && within(k); k, _ = c.Next() {
		var id exchange.ID
		if len(k) < len(id) {
			return nil, fmt.Errorf("store: malformed %s key %x", index, k)
		}
		copy(id[:], k[len(k)-len(id):])
		p, err := placement(tx, id)
		if err != nil {
			return nil, fmt.Errorf("store: %s points at a missing placement: %w", index, err)
		}
		out = append(out, p)
	}
	return out, nil
}
