package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/gazetteer"
	"github.com/xchangedesk/xchangedesk/exchange/rates"
)

var (
	bucketRates = []byte("rates")
	keyTotals   = []byte("totals")
)

// The rates bucket holds every version of the rate tables, keyed by version (uint64), as the
// JSON of rates.Tables — the same document `xchange rates export` writes, a stable format.

// Rates returns the rate tables in force: the latest version.
func (s *Store) Rates() (rates.Tables, error) {
	var t rates.Tables
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		t, err = currentRates(tx)
		return err
	})
	return t, err
}

// RateVersions returns every version of the rate tables, oldest first.
func (s *Store) RateVersions() ([]rates.Tables, error) {
	var out []rates.Tables
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = rateVersions(tx)
		return err
	})
	return out, err
}

// SaveRates validates t and stores it as a new version, which prices bookings from now on.
// Placements keep the version they were priced with.
func (s *Store) SaveRates(t rates.Tables, note string) (rates.Tables, error) {
	if err := t.Validate(); err != nil {
		return rates.Tables{}, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		cur, err := currentRates(tx)
		if err != nil {
			return err
		}
		t.Version, t.Created, t.Note = cur.Version+1, s.Now().UTC().Truncate(1e9), note
		return putRates(tx, t)
	})
	return t, err
}

func putRates(tx *bolt.Tx, t rates.Tables) error {
	return put(tx, bucketRates, binary.BigEndian.AppendUint64(nil, uint64(t.Version)), t)
}

func currentRates(tx *bolt.Tx) (rates.Tables, error) {
	var t rates.Tables
	k, v := tx.Bucket(bucketRates).Cursor().Last()
	if k == nil {
		return rates.Defaults(), nil
	}
	if err := json.Unmarshal(v, &t); err != nil {
		return t, fmt.Errorf("store: rates: %w", err)
	}
	return t, nil
}

func ratesVersion(tx *bolt.Tx, version int) (rates.Tables, error) {
	var t rates.Tables
	ok, err := get(tx, bucketRates, binary.BigEndian.AppendUint64(nil, uint64(version)), &t)
	if err == nil && !ok {
		err = fmt.Errorf("store: rate tables version %d are missing", version)
	}
	return t, err
}

// SetEnvelope sets the programme's budget. It refuses an envelope below what is already
// committed and paid.
func (s *Store) SetEnvelope(c exchange.Cents) error {
	if err := exchange.CheckAmount("envelope", c); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		prog, err := programme(tx)
		if err != nil {
			return err
		}
		tot, err := totals(tx)
		if err != nil {
			return err
		}
		if err := exchange.CheckEnvelope(c, exchange.Cents(tot.CommittedCents), exchange.Cents(tot.PaidCents)); err != nil {
			return err
		}
		prog.Envelope = c
		return put(tx, bucketMeta, keyProgramme, toProgrammeRecord(prog))
	})
}

// SetProfile picks the rate profile that prices bookings from now on.
func (s *Store) SetProfile(profile string) error {
	p, err := rates.ParseProfile(profile)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		prog, err := programme(tx)
		if err != nil {
			return err
		}
		prog.Profile = p
		return put(tx, bucketMeta, keyProgramme, toProgrammeRecord(prog))
	})
}

func programme(tx *bolt.Tx) (exchange.Programme, error) {
	var r programmeRecord
	_, err := get(tx, bucketMeta, keyProgramme, &r)
	p := r.programme()
	if p.Profile == "" {
		p.Profile = rates.ClusterXchange
	}
	return p, err
}

func totals(tx *bolt.Tx) (totalsRecord, error) {
	var t totalsRecord
	_, err := get(tx, bucketMeta, keyTotals, &t)
	return t, err
}

// contribution is what a placement adds to the committed and paid sums.
func contribution(p *exchange.Placement) (committed, paid int64) {
	if p == nil || p.Price == nil || !p.Status.HoldsPlace() {
		return 0, 0
	}
	if p.Status == exchange.Paid {
		return 0, int64(p.Price.LumpSum)
	}
	return int64(p.Price.LumpSum), 0
}

// adjustTotals moves the running sums from old's contribution to p's.
func adjustTotals(tx *bolt.Tx, old, p *exchange.Placement) error {
	oc, op := contribution(old)
	nc, np := contribution(p)
	if oc == nc && op == np {
		return nil
	}
	t, err := totals(tx)
	if err != nil {
		return err
	}
	t.CommittedCents += nc - oc
	t.PaidCents += np - op
	return put(tx, bucketMeta, keyTotals, t)
}

// checkBudget refuses a lump sum that, with what is committed and paid apart from the
// placement's own old sum, would go over the envelope. No envelope means no limit.
func checkBudget(tx *bolt.Tx, old *exchange.Placement, lump exchange.Cents) (remaining exchange.Cents, err error) {
	prog, err := programme(tx)
	if err != nil {
		return 0, err
	}
	t, err := totals(tx)
	if err != nil {
		return 0, err
	}
	oc, op := contribution(old)
	return exchange.CheckBudget(prog.Envelope, exchange.Cents(t.CommittedCents-oc+t.PaidCents-op), lump)
}

// Budget is the programme's money at a glance.
type Budget struct {
	Envelope, Committed, Paid, Remaining exchange.Cents
	ByCountry                            []Share // by host country
	ByPartnership                        []Share // by the visitor's partnership, which pays
	Overdue                              []exchange.Placement
}

// Share is one line of a budget split.
type Share struct {
	Key             string
	Placements      int
	Committed, Paid exchange.Cents
}

// Budget adds up the programme's money; today decides which payments are overdue.
func (s *Store) Budget(today exchange.Date) (Budget, error) {
	var b Budget
	err := s.db.View(func(tx *bolt.Tx) error {
		prog, err := programme(tx)
		if err != nil {
			return err
		}
		b, err = budget(tx, prog, today)
		return err
	})
	return b, err
}

func budget(tx *bolt.Tx, prog exchange.Programme, today exchange.Date) (Budget, error) {
	hs, err := hosts(tx)
	if err != nil {
		return Budget{}, err
	}
	vs, err := visitors(tx)
	if err != nil {
		return Budget{}, err
	}
	ps, err := placements(tx)
	if err != nil {
		return Budget{}, err
	}
	return budgetOf(prog, hs, vs, ps, today), nil
}

func budgetOf(prog exchange.Programme, hs []exchange.Host, vs []exchange.Visitor, ps []exchange.Placement, today exchange.Date) Budget {
	b := Budget{Envelope: prog.Envelope}
	hostCountry := map[exchange.ID]string{}
	for _, h := range hs {
		hostCountry[h.ID] = h.Country
	}
	partnership := map[exchange.ID]string{}
	for _, v := range vs {
		partnership[v.ID] = v.Partnership
	}
	countries, partnerships := map[string]*Share{}, map[string]*Share{}
	add := func(m map[string]*Share, key string, c, p int64) {
		if m[key] == nil {
			m[key] = &Share{Key: key}
		}
		m[key].Placements++
		m[key].Committed += exchange.Cents(c)
		m[key].Paid += exchange.Cents(p)
	}
	for i := range ps {
		p := &ps[i]
		c, pd := contribution(p)
		if c == 0 && pd == 0 {
			continue
		}
		b.Committed += exchange.Cents(c)
		b.Paid += exchange.Cents(pd)
		add(countries, hostCountry[p.HostID], c, pd)
		key := partnership[p.VisitorID]
		if key == "" {
			key = "(no partnership)"
		}
		add(partnerships, key, c, pd) // an exchange counts once, to the visitor's partnership
		if p.Overdue(today) {
			b.Overdue = append(b.Overdue, *p)
		}
	}
	b.Remaining = b.Envelope - b.Committed - b.Paid
	b.ByCountry, b.ByPartnership = shares(countries), shares(partnerships)
	return b
}

func shares(m map[string]*Share) []Share {
	out := make([]Share, 0, len(m))
	for _, s := range m {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		ti, tj := out[i].Committed+out[i].Paid, out[j].Committed+out[j].Paid
		if ti != tj {
			return ti > tj
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// locate fills in coordinates from the gazetteer when none were given. Call it before the
// transaction: the first lookup loads the gazetteer.
func locate(c *exchange.Coordinates, city, country string) error {
	if err := c.Validate(); err != nil || !c.IsZero() {
		return err
	}
	if exchange.CheckCountry("country", country) != nil || city == "" {
		return nil // Validate says what is wrong
	}
	p, err := gazetteer.Lookup(city, country)
	if err != nil {
		return err
	}
	*c = p.Coordinates
	return nil
}
