package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/gazetteer"
)

// Migration 2 is frozen as it was released: it reads and writes the records as JSON objects
// of schema 2 and keeps its own copy of the rate tables and the pricing rules of that time,
// so later changes to the record types, the defaults or the pricing cannot change what it
// does to an old file. It calls only bbolt, encoding/json, the gazetteer (data) and
// exchange's calendar and country look-ups.

// ratesV1 are the default rate tables as schema 2 stored them, version 1.
const ratesV1 = `{"version":1,"created":"0001-01-01T00:00:00Z","note":"defaults","cxc":{"default_cap_cents":110000,"caps_cents":{"PT":78000},"half_below_working_days":5,"half_below_km":200},"erasmus":{"bands":[{"from_km":10,"to_km":100,"standard_cents":2800,"green_cents":5600},{"from_km":100,"to_km":500,"standard_cents":21100,"green_cents":28500},{"from_km":500,"to_km":2000,"standard_cents":30900,"green_cents":41700},{"from_km":2000,"to_km":3000,"standard_cents":39500,"green_cents":53500},{"from_km":3000,"to_km":4000,"standard_cents":58000,"green_cents":78500},{"from_km":4000,"to_km":8000,"standard_cents":118800,"green_cents":0},{"from_km":8000,"to_km":0,"standard_cents":173500,"green_cents":0}],"country_groups":{"AT":2,"BE":2,"BG":3,"CY":2,"CZ":3,"DE":2,"DK":1,"EE":3,"ES":2,"FI":1,"FR":2,"GR":2,"HR":3,"HU":3,"IE":1,"IS":1,"IT":2,"LI":1,"LT":3,"LU":1,"LV":3,"MK":3,"MT":2,"NL":2,"NO":1,"PL":3,"PT":2,"RO":3,"RS":3,"SE":1,"SI":3,"SK":3,"TR":3},"daily_cents":{"1":11700,"2":10400,"3":9100},"full_rate_days":14,"reduced_percent":70,"travel_days":2,"green_travel_days":6}}`

// v2Cap is what migration 2 needs of the tables: the ClusterXchange lump sum figures.
type v2Cap struct {
	CXC struct {
		DefaultCap           int64            `json:"default_cap_cents"`
		Caps                 map[string]int64 `json:"caps_cents"`
		HalfBelowWorkingDays int              `json:"half_below_working_days"`
		HalfBelowKm          float64          `json:"half_below_km"`
	} `json:"cxc"`
}

type v2Place struct {
	lat, lon float64
	country  string
	closed   []exchange.Period
}

func migration2(tx *bolt.Tx) error {
	rb, err := tx.CreateBucketIfNotExists([]byte("rates"))
	if err != nil {
		return err
	}
	if k, _ := rb.Cursor().First(); k == nil {
		if err := rb.Put(binary.BigEndian.AppendUint64(nil, 1), []byte(ratesV1)); err != nil {
			return err
		}
	}
	var tables v2Cap
	k1, v1 := rb.Cursor().First()
	if k1 == nil {
		return fmt.Errorf("no rate tables")
	}
	if err := json.Unmarshal(v1, &tables); err != nil {
		return fmt.Errorf("rate tables version 1: %w", err)
	}
	// Earlier files have no coordinates: look them up where the city is known.
	hostsAt, err := v2Locate(tx, []byte("hosts"))
	if err != nil {
		return err
	}
	visitorsAt, err := v2Locate(tx, []byte("visitors"))
	if err != nil {
		return err
	}
	// Price what was booked before prices existed, with the first tables, and keep the
	// budget's running sums.
	pb := tx.Bucket([]byte("placements"))
	type priced struct {
		key []byte
		rec map[string]any
	}
	var todo []priced
	var committed, paid int64
	err = pb.ForEach(func(k, v []byte) error {
		rec, err := v2Decode(v)
		if err != nil {
			return fmt.Errorf("placements/%x: %w", k, err)
		}
		if rec["price"] != nil {
			return nil
		}
		h, okH := hostsAt[fmt.Sprint(rec["host_id"])]
		vis, okV := visitorsAt[fmt.Sprint(rec["visitor_id"])]
		if !okH || !okV || (h.lat == 0 && h.lon == 0) || (vis.lat == 0 && vis.lon == 0) {
			return nil // unpriced, as schema 2 left a placement it could not price
		}
		first, err1 := exchange.ParseDate(fmt.Sprint(rec["first"]))
		last, err2 := exchange.ParseDate(fmt.Sprint(rec["last"]))
		if err1 != nil || err2 != nil {
			return nil
		}
		travel, _ := rec["travel_days"].(string)
		price := v2Price(tables, h, vis, first, last, travel)
		rec["price"] = price
		lump := price["lump_sum_cents"].(int64)
		switch rec["status"] {
		case "declined", "cancelled":
		case "paid":
			paid += lump
		default:
			committed += lump
		}
		todo = append(todo, priced{append([]byte(nil), k...), rec})
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range todo {
		b, err := json.Marshal(p.rec)
		if err != nil {
			return err
		}
		if err := pb.Put(p.key, b); err != nil {
			return err
		}
	}
	if committed == 0 && paid == 0 {
		return nil
	}
	meta := tx.Bucket([]byte("meta"))
	tot := map[string]any{"committed_cents": int64(0), "paid_cents": int64(0)}
	if raw := meta.Get([]byte("totals")); raw != nil {
		if tot, err = v2Decode(raw); err != nil {
			return fmt.Errorf("totals: %w", err)
		}
	}
	tot["committed_cents"] = v2Int(tot["committed_cents"]) + committed
	tot["paid_cents"] = v2Int(tot["paid_cents"]) + paid
	b, err := json.Marshal(tot)
	if err != nil {
		return err
	}
	return meta.Put([]byte("totals"), b)
}

// v2Decode reads a record as a JSON object, keeping numbers exact.
func v2Decode(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	err := d.Decode(&m)
	return m, err
}

func v2Int(v any) int64 {
	switch n := v.(type) {
	case json.Number:
		i, _ := n.Int64()
		return i
	case int64:
		return n
	}
	return 0
}

func v2Float(v any) float64 {
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		return f
	}
	return 0
}

// v2Locate fills in the coordinates of a bucket's hosts or visitors that have none, from the
// gazetteer, and returns where each one is, by id.
func v2Locate(tx *bolt.Tx, bucket []byte) (map[string]v2Place, error) {
	b := tx.Bucket(bucket)
	out := map[string]v2Place{}
	changed := map[string][]byte{}
	err := b.ForEach(func(k, v []byte) error {
		rec, err := v2Decode(v)
		if err != nil {
			return fmt.Errorf("%s/%x: %w", bucket, k, err)
		}
		p := v2Place{lat: v2Float(rec["lat"]), lon: v2Float(rec["lon"])}
		p.country, _ = rec["country"].(string)
		city, _ := rec["city"].(string)
		if p.lat == 0 && p.lon == 0 && city != "" && exchange.CountryName(p.country) != "" {
			if found, err := gazetteer.Lookup(city, p.country); err == nil {
				p.lat, p.lon = found.Coordinates.Lat, found.Coordinates.Lon
				rec["lat"], rec["lon"] = p.lat, p.lon
				nb, err := json.Marshal(rec)
				if err != nil {
					return err
				}
				changed[string(k)] = nb
			}
		}
		if closed, ok := rec["closed"].([]any); ok {
			for _, c := range closed {
				cm, _ := c.(map[string]any)
				from, err1 := exchange.ParseDate(fmt.Sprint(cm["from"]))
				to, err2 := exchange.ParseDate(fmt.Sprint(cm["to"]))
				if err1 == nil && err2 == nil {
					p.closed = append(p.closed, exchange.Period{From: from, To: to})
				}
			}
		}
		out[fmt.Sprint(rec["id"])] = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k, v := range changed {
		if err := b.Put([]byte(k), v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// v2Price is the ClusterXchange lump sum as schema 2 worked it out: the host country's cap
// (or the default cap), halved when the stay has fewer working days, or the organisations
// are nearer, than the tables say.
func v2Price(t v2Cap, h, v v2Place, first, last exchange.Date, travel string) map[string]any {
	if travel == "" {
		travel = "both"
	}
	working := 0
	for d := first; !d.After(last); d = d.AddDays(1) {
		travelDay := (d == first && (travel == "both" || travel == "first")) || (d == last && (travel == "both" || travel == "last"))
		closed := false
		for _, c := range h.closed {
			if !d.Before(c.From) && !d.After(c.To) {
				closed = true
			}
		}
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday && !closed && !travelDay {
			working++
		}
	}
	rad := func(x float64) float64 { return x * math.Pi / 180 }
	dLat, dLon := rad(v.lat-h.lat), rad(v.lon-h.lon)
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(h.lat))*math.Cos(rad(v.lat))*math.Sin(dLon/2)*math.Sin(dLon/2)
	km := math.Round(2*6371.0088*math.Asin(math.Min(1, math.Sqrt(a)))*10) / 10

	limit, ok := t.CXC.Caps[h.country]
	label := "Lump sum, cap for " + exchange.CountryName(h.country)
	if !ok {
		limit, label = t.CXC.DefaultCap, "Lump sum, default cap ("+exchange.CountryName(h.country)+" has no cap of its own)"
	}
	lines := []any{map[string]any{"label": label, "amount_cents": limit}}
	var reasons []any
	if working < t.CXC.HalfBelowWorkingDays {
		reasons = append(reasons, fmt.Sprintf("fewer than %d working days at the host (%d)", t.CXC.HalfBelowWorkingDays, working))
	}
	if km < t.CXC.HalfBelowKm {
		reasons = append(reasons, fmt.Sprintf("the organisations are less than %g km apart (%.1f km)", t.CXC.HalfBelowKm, km))
	}
	lump := limit
	if len(reasons) > 0 {
		lump = (limit + 1) / 2 // half, rounded half up
		lines = append(lines, map[string]any{"label": "Halved", "amount_cents": lump - limit})
	}
	price := map[string]any{"profile": "cxc", "version": 1, "host_lat": h.lat, "host_lon": h.lon,
		"visitor_lat": v.lat, "visitor_lon": v.lon, "distance_km": km, "working_days": working,
		"halved": len(reasons) > 0, "lines": lines, "lump_sum_cents": lump}
	if len(reasons) > 0 {
		price["reasons"] = reasons
	}
	return price
}
