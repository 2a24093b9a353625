package store

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// Programme returns the programme's settings.
func (s *Store) Programme() (exchange.Programme, error) {
	var p exchange.Programme
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		p, err = programme(tx)
		return err
	})
	return p, err
}

// AddHost validates h, gives it a new id and stores it. It returns the stored host, or a
// *exchange.RuleError for each bad field.
func (s *Store) AddHost(h exchange.Host) (exchange.Host, error) {
	h.ID = exchange.NewID()
	h.Normalise()
	if err := h.Validate(); err != nil {
		return exchange.Host{}, err
	}
	if err := locate(&h.Coordinates, h.City, h.Country); err != nil {
		return exchange.Host{}, err
	}
	return h, s.db.Update(func(tx *bolt.Tx) error { return putHost(tx, h) })
}

// UpdateHost replaces a host's details. It refuses a capacity below what is already booked
// and closed periods that fall on placements holding a place.
func (s *Store) UpdateHost(h exchange.Host) (exchange.Host, error) {
	h.Normalise()
	if err := h.Validate(); err != nil {
		return exchange.Host{}, err
	}
	if err := locate(&h.Coordinates, h.City, h.Country); err != nil {
		return exchange.Host{}, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		old, err := host(tx, h.ID)
		if err != nil {
			return err
		}
		ps, err := placementsAtHost(tx, h.ID)
		if err != nil {
			return err
		}
		if err := exchange.CheckCapacityChange(h, ps); err != nil {
			return err
		}
		for _, c := range h.Closed {
			if !containsPeriod(old.Closed, c) {
				if err := checkClosure(tx, h, c, ps); err != nil {
					return err
				}
			}
		}
		if err := putHost(tx, h); err != nil {
			return err
		}
		if old.Name == h.Name && old.Address == h.Address && old.City == h.City && old.Country == h.Country {
			return nil
		}
		// Where the visit takes place changed: calendars already invited get an update.
		for _, p := range ps {
			if p.Status != exchange.Requested && p.Status != exchange.Confirmed {
				continue
			}
			before := p
			p.Sequence++
			p.History = append(p.History, exchange.Event{At: s.Now().UTC().Truncate(time.Second), By: s.Actor,
				Action: exchange.HostChanged, Detail: fmt.Sprintf("%s, %s, %s", h.Name, h.Address, h.City)})
			if err := s.queue(tx, exchange.Reschedule, exchange.Placement{}, p, ""); err != nil {
				return err
			}
			if err := putPlacement(tx, p, &before); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return exchange.Host{}, err
	}
	return h, nil
}

func containsPeriod(list []exchange.ClosedPeriod, c exchange.ClosedPeriod) bool {
	for _, x := range list {
		if x.Period == c.Period {
			return true
		}
	}
	return false
}

// CloseHost adds a closed period to a host. It refuses a period that falls on a placement
// holding a place.
func (s *Store) CloseHost(id exchange.ID, c exchange.ClosedPeriod) (exchange.Host, error) {
	var h exchange.Host
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if h, err = host(tx, id); err != nil {
			return err
		}
		ps, err := placementsAtHost(tx, id)
		if err != nil {
			return err
		}
		if err := checkClosure(tx, h, c, ps); err != nil {
			return err
		}
		h.Closed = append(h.Closed, c)
		return putHost(tx, h)
	})
	return h, err
}

// checkClosure is exchange.CheckClosure with the names of the visitors booked at the host.
func checkClosure(tx *bolt.Tx, h exchange.Host, c exchange.ClosedPeriod, ps []exchange.Placement) error {
	names := map[exchange.ID]string{}
	for _, p := range ps {
		if _, ok := names[p.VisitorID]; !ok && p.Status.HoldsPlace() && p.Period().Overlaps(c.Period) {
			v, err := visitor(tx, p.VisitorID)
			if err != nil {
				return err
			}
			names[p.VisitorID] = v.Name
		}
	}
	return exchange.CheckClosureNamed(h, c, ps, names)
}

func putHost(tx *bolt.Tx, h exchange.Host) error {
	return put(tx, bucketHosts, h.ID.Bytes(), toHostRecord(h))
}

// Host returns one host, or an error matching exchange.ErrNotFound.
func (s *Store) Host(id exchange.ID) (exchange.Host, error) {
	var h exchange.Host
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		h, err = host(tx, id)
		return err
	})
	return h, err
}

// parties returns a placement's host and visitor.
func parties(tx *bolt.Tx, hostID, visitorID exchange.ID) (exchange.Host, exchange.Visitor, error) {
	h, err := host(tx, hostID)
	if err != nil {
		return h, exchange.Visitor{}, err
	}
	v, err := visitor(tx, visitorID)
	return h, v, err
}

func host(tx *bolt.Tx, id exchange.ID) (exchange.Host, error) {
	var r hostRecord
	ok, err := get(tx, bucketHosts, id.Bytes(), &r)
	if err != nil {
		return exchange.Host{}, err
	}
	if !ok {
		return exchange.Host{}, &exchange.NotFoundError{Field: "host", ID: id.String()}
	}
	return r.host(), nil
}

// Hosts returns every host in the order they were added.
func (s *Store) Hosts() ([]exchange.Host, error) {
	var out []exchange.Host
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = hosts(tx)
		return err
	})
	return out, err
}

func hosts(tx *bolt.Tx) ([]exchange.Host, error) {
	var out []exchange.Host
	err := each(tx, bucketHosts, func(r hostRecord) error { out = append(out, r.host()); return nil })
	return out, err
}

// AddVisitor validates v, gives it a new id and stores it.
func (s *Store) AddVisitor(v exchange.Visitor) (exchange.Visitor, error) {
	v.ID = exchange.NewID()
	v.Normalise()
	if err := v.Validate(); err != nil {
		return exchange.Visitor{}, err
	}
	if err := locate(&v.Coordinates, v.City, v.Country); err != nil {
		return exchange.Visitor{}, err
	}
	return v, s.db.Update(func(tx *bolt.Tx) error { return putVisitor(tx, v, nil) })
}

// UpdateVisitor replaces a visitor's details. Moving a visitor with a booking to an
// organisation that has already visited is refused.
func (s *Store) UpdateVisitor(v exchange.Visitor) (exchange.Visitor, error) {
	v.Normalise()
	if err := v.Validate(); err != nil {
		return exchange.Visitor{}, err
	}
	if err := locate(&v.Coordinates, v.City, v.Country); err != nil {
		return exchange.Visitor{}, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		old, err := visitor(tx, v.ID)
		if err != nil {
			return err
		}
		if old.OrganisationKey() != v.OrganisationKey() {
			mine, err := placementsOfVisitor(tx, v.ID)
			if err != nil {
				return err
			}
			theirs, _, err := placementsOfOrganisation(tx, v.OrganisationKey())
			if err != nil {
				return err
			}
			if holding(mine) && holding(theirs) {
				return &exchange.RuleError{Field: "organisation", Rule: exchange.RuleVisitOnce,
					Visitor: v.Name, Organisation: v.Organisation,
					Reason: fmt.Sprintf("%s already has a visit in the scheme and so has this visitor; an organisation visits only once", v.Organisation)}
			}
		}
		return putVisitor(tx, v, &old)
	})
	if err != nil {
		return exchange.Visitor{}, err
	}
	return v, nil
}

func holding(ps []exchange.Placement) bool {
	for _, p := range ps {
		if p.Status.HoldsPlace() {
			return true
		}
	}
	return false
}

func putVisitor(tx *bolt.Tx, v exchange.Visitor, old *exchange.Visitor) error {
	if old != nil {
		if err := tx.Bucket(bucketByOrg).Delete(orgKey(old.OrganisationKey(), old.ID)); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketByOrg).Put(orgKey(v.OrganisationKey(), v.ID), nil); err != nil {
		return err
	}
	return put(tx, bucketVisitors, v.ID.Bytes(), toVisitorRecord(v))
}

func orgKey(org string, id exchange.ID) []byte {
	k := append([]byte(org), 0)
	return append(k, id.Bytes()...)
}

// Visitor returns one visitor, or an error matching exchange.ErrNotFound.
func (s *Store) Visitor(id exchange.ID) (exchange.Visitor, error) {
	var v exchange.Visitor
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		v, err = visitor(tx, id)
		return err
	})
	return v, err
}

func visitor(tx *bolt.Tx, id exchange.ID) (exchange.Visitor, error) {
	var r visitorRecord
	ok, err := get(tx, bucketVisitors, id.Bytes(), &r)
	if err != nil {
		return exchange.Visitor{}, err
	}
	if !ok {
		return exchange.Visitor{}, &exchange.NotFoundError{Field: "visitor", ID: id.String()}
	}
	return r.visitor(), nil
}

// Visitors returns every visitor in the order they were added.
func (s *Store) Visitors() ([]exchange.Visitor, error) {
	var out []exchange.Visitor
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = visitors(tx)
		return err
	})
	return out, err
}

func visitors(tx *bolt.Tx) ([]exchange.Visitor, error) {
	var out []exchange.Visitor
	err := each(tx, bucketVisitors, func(r visitorRecord) error { out = append(out, r.visitor()); return nil })
	return out, err
}

// placementsOfOrganisation returns the placements of every visitor of one organisation, with
// those visitors.
func placementsOfOrganisation(tx *bolt.Tx, org string) ([]exchange.Placement, map[exchange.ID]exchange.Visitor, error) {
	prefix := append([]byte(org), 0)
	var out []exchange.Placement
	vs := map[exchange.ID]exchange.Visitor{}
	c := tx.Bucket(bucketByOrg).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var id exchange.ID
		if len(k)-len(prefix) != len(id) {
			return nil, nil, errors.New("store: malformed organisation index key")
		}
		copy(id[:], k[len(prefix):])
		v, err := visitor(tx, id)
		if err != nil {
			return nil, nil, err
		}
		vs[id] = v
		ps, err := placementsOfVisitor(tx, id)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, ps...)
	}
	return out, vs, nil
}
