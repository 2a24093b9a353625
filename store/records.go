package store

import (
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
)

type programmeRecord struct {
	Name           string `json:"name"`
	OrganiserName  string `json:"organiser_name"`
	OrganiserEmail string `json:"organiser_email"`
	EnvelopeCents  int64  `json:"envelope_cents"`
	Profile        string `json:"profile"`
}

type periodRecord struct {
	From   exchange.Date `json:"from"`
	To     exchange.Date `json:"to"`
	Reason string        `json:"reason,omitempty"`
}

type hostRecord struct {
	ID          exchange.ID    `json:"id"`
	Name        string         `json:"name"`
	Kind        string         `json:"kind"`
	Country     string         `json:"country"`
	City        string         `json:"city"`
	Address     string         `json:"address,omitempty"`
	Lat         float64        `json:"lat,omitempty"`
	Lon         float64        `json:"lon,omitempty"`
	Contact     string         `json:"contact"`
	Email       string         `json:"email"`
	Capacity    int            `json:"capacity"`
	Closed      []periodRecord `json:"closed,omitempty"`
	Topics      []string       `json:"topics,omitempty"`
	Partnership string         `json:"partnership,omitempty"`
}

type visitorRecord struct {
	ID           exchange.ID `json:"id"`
	Name         string      `json:"name"`
	Email        string      `json:"email"`
	Organisation string      `json:"organisation"`
	Kind         string      `json:"kind"`
	Country      string      `json:"country"`
	City         string      `json:"city"`
	Lat          float64     `json:"lat,omitempty"`
	Lon          float64     `json:"lon,omitempty"`
	Partnership  string      `json:"partnership,omitempty"`
}

type eventRecord struct {
	At     time.Time `json:"at"`
	By     string    `json:"by,omitempty"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

type placementRecord struct {
	ID        exchange.ID   `json:"id"`
	HostID    exchange.ID   `json:"host_id"`
	VisitorID exchange.ID   `json:"visitor_id"`
	First     exchange.Date `json:"first"`
	Last      exchange.Date `json:"last"`
	Travel    string        `json:"travel_days"`
	Status    string        `json:"status"`
	Goals     string        `json:"goals,omitempty"`
	UID       string        `json:"uid"`
	Sequence  int           `json:"sequence"`
	Created   time.Time     `json:"created"`
	History   []eventRecord `json:"history"`

	GreenTravel     bool                     `json:"green_travel,omitempty"`
	ExtraTravelDays int                      `json:"extra_travel_days,omitempty"`
	Price           *breakdownRecord         `json:"price,omitempty"`
	Checklist       map[string]exchange.Date `json:"checklist,omitempty"`
	CompletedOn     exchange.Date            `json:"completed_on"`
	PaidOn          exchange.Date            `json:"paid_on"`
	HostAnswer      *answerRecord            `json:"host_answer,omitempty"`
	VisitorAnswer   *answerRecord            `json:"visitor_answer,omitempty"`
	Counter         *proposalRecord          `json:"counter,omitempty"`
}

type answerRecord struct {
	Address  string    `json:"address"`
	PartStat string    `json:"partstat"`
	Comment  string    `json:"comment,omitempty"`
	Sequence int       `json:"sequence"`
	Stamp    time.Time `json:"dtstamp"`
	Read     time.Time `json:"read"`
	Source   string    `json:"source"`
}

type proposalRecord struct {
	First    exchange.Date `json:"first"`
	Last     exchange.Date `json:"last"`
	Comment  string        `json:"comment,omitempty"`
	Address  string        `json:"address"`
	Sequence int           `json:"sequence"`
	Stamp    time.Time     `json:"dtstamp"`
	Source   string        `json:"source"`
}

func toAnswerRecord(a *exchange.Answer) *answerRecord {
	if a == nil {
		return nil
	}
	r := answerRecord(*a)
	return &r
}

func (r *answerRecord) answer() *exchange.Answer {
	if r == nil {
		return nil
	}
	a := exchange.Answer(*r)
	return &a
}

func toProposalRecord(p *exchange.Proposal) *proposalRecord {
	if p == nil {
		return nil
	}
	r := proposalRecord(*p)
	return &r
}

func (r *proposalRecord) proposal() *exchange.Proposal {
	if r == nil {
		return nil
	}
	p := exchange.Proposal(*r)
	return &p
}

type breakdownRecord struct {
	Profile      string       `json:"profile"`
	Version      int          `json:"version"`
	HostLat      float64      `json:"host_lat"`
	HostLon      float64      `json:"host_lon"`
	VisitorLat   float64      `json:"visitor_lat"`
	VisitorLon   float64      `json:"visitor_lon"`
	DistanceKm   float64      `json:"distance_km"`
	WorkingDays  int          `json:"working_days"`
	Halved       bool         `json:"halved"`
	Reasons      []string     `json:"reasons,omitempty"`
	Lines        []lineRecord `json:"lines"`
	LumpSumCents int64        `json:"lump_sum_cents"`
}

type lineRecord struct {
	Label       string `json:"label"`
	AmountCents int64  `json:"amount_cents"`
}

// totalsRecord keeps the budget's running sums, changed in the transaction of every
// placement change, so checking the envelope never scans all placements.
type totalsRecord struct {
	CommittedCents int64 `json:"committed_cents"`
	PaidCents      int64 `json:"paid_cents"`
}

func toProgrammeRecord(p exchange.Programme) programmeRecord {
	return programmeRecord{p.Name, p.OrganiserName, p.OrganiserEmail, int64(p.Envelope), p.Profile}
}

func (r programmeRecord) programme() exchange.Programme {
	return exchange.Programme{Name: r.Name, OrganiserName: r.OrganiserName, OrganiserEmail: r.OrganiserEmail,
		Envelope: exchange.Cents(r.EnvelopeCents), Profile: r.Profile}
}

func toHostRecord(h exchange.Host) hostRecord {
	r := hostRecord{ID: h.ID, Name: h.Name, Kind: string(h.Kind), Country: h.Country, City: h.City,
		Address: h.Address, Lat: h.Coordinates.Lat, Lon: h.Coordinates.Lon, Contact: h.Contact,
		Email: h.Email, Capacity: h.Capacity, Topics: h.Topics, Partnership: h.Partnership}
	for _, c := range h.Closed {
		r.Closed = append(r.Closed, periodRecord{c.From, c.To, c.Reason})
	}
	return r
}

func (r hostRecord) host() exchange.Host {
	h := exchange.Host{ID: r.ID, Name: r.Name, Kind: exchange.Kind(r.Kind), Country: r.Country, City: r.City,
		Address: r.Address, Coordinates: exchange.Coordinates{Lat: r.Lat, Lon: r.Lon}, Contact: r.Contact,
		Email: r.Email, Capacity: r.Capacity, Topics: r.Topics, Partnership: r.Partnership}
	for _, c := range r.Closed {
		h.Closed = append(h.Closed, exchange.ClosedPeriod{Period: exchange.Period{From: c.From, To: c.To}, Reason: c.Reason})
	}
	return h
}

func toVisitorRecord(v exchange.Visitor) visitorRecord {
	return visitorRecord{ID: v.ID, Name: v.Name, Email: v.Email, Organisation: v.Organisation, Kind: string(v.Kind),
		Country: v.Country, City: v.City, Lat: v.Coordinates.Lat, Lon: v.Coordinates.Lon, Partnership: v.Partnership}
}

func (r visitorRecord) visitor() exchange.Visitor {
	return exchange.Visitor{ID: r.ID, Name: r.Name, Email: r.Email, Organisation: r.Organisation,
		Kind: exchange.Kind(r.Kind), Country: r.Country, City: r.City,
		Coordinates: exchange.Coordinates{Lat: r.Lat, Lon: r.Lon}, Partnership: r.Partnership}
}

func toPlacementRecord(p exchange.Placement) placementRecord {
	r := placementRecord{ID: p.ID, HostID: p.HostID, VisitorID: p.VisitorID, First: p.First, Last: p.Last,
		Travel: string(p.Travel), Status: string(p.Status), Goals: p.Goals, UID: p.UID, Sequence: p.Sequence,
		Created: p.Created}
	for _, e := range p.History {
		r.History = append(r.History, eventRecord{e.At, e.By, string(e.Action), e.Detail})
	}
	r.GreenTravel, r.ExtraTravelDays, r.CompletedOn, r.PaidOn = p.GreenTravel, p.ExtraTravelDays, p.CompletedOn, p.PaidOn
	r.HostAnswer, r.VisitorAnswer, r.Counter = toAnswerRecord(p.HostAnswer), toAnswerRecord(p.VisitorAnswer), toProposalRecord(p.Counter)
	if len(p.Checklist) > 0 {
		r.Checklist = map[string]exchange.Date{}
		for k, v := range p.Checklist {
			r.Checklist[string(k)] = v
		}
	}
	if b := p.Price; b != nil {
		r.Price = &breakdownRecord{Profile: b.Profile, Version: b.Version, HostLat: b.HostCoordinates.Lat, HostLon: b.HostCoordinates.Lon,
			VisitorLat: b.VisitorCoordinates.Lat, VisitorLon: b.VisitorCoordinates.Lon, DistanceKm: b.DistanceKm,
			WorkingDays: b.WorkingDays, Halved: b.Halved, Reasons: b.Reasons, LumpSumCents: int64(b.LumpSum)}
		for _, l := range b.Lines {
			r.Price.Lines = append(r.Price.Lines, lineRecord{l.Label, int64(l.Amount)})
		}
	}
	return r
}

func (r placementRecord) placement() exchange.Placement {
	p := exchange.Placement{ID: r.ID, HostID: r.HostID, VisitorID: r.VisitorID, First: r.First, Last: r.Last,
		Travel: exchange.TravelDays(r.Travel), Status: exchange.Status(r.Status), Goals: r.Goals, UID: r.UID,
		Sequence: r.Sequence, Created: r.Created}
	for _, e := range r.History {
		p.History = append(p.History, exchange.Event{At: e.At, By: e.By, Action: exchange.Action(e.Action), Detail: e.Detail})
	}
	p.GreenTravel, p.ExtraTravelDays, p.CompletedOn, p.PaidOn = r.GreenTravel, r.ExtraTravelDays, r.CompletedOn, r.PaidOn
	p.HostAnswer, p.VisitorAnswer, p.Counter = r.HostAnswer.answer(), r.VisitorAnswer.answer(), r.Counter.proposal()
	if len(r.Checklist) > 0 {
		p.Checklist = map[exchange.Item]exchange.Date{}
		for k, v := range r.Checklist {
			p.Checklist[exchange.Item(k)] = v
		}
	}
	if b := r.Price; b != nil {
		p.Price = &exchange.Breakdown{Profile: b.Profile, Version: b.Version,
			HostCoordinates:    exchange.Coordinates{Lat: b.HostLat, Lon: b.HostLon},
			VisitorCoordinates: exchange.Coordinates{Lat: b.VisitorLat, Lon: b.VisitorLon},
			DistanceKm:         b.DistanceKm, WorkingDays: b.WorkingDays, Halved: b.Halved, Reasons: b.Reasons,
			LumpSum: exchange.Cents(b.LumpSumCents)}
		for _, l := range b.Lines {
			p.Price.Lines = append(p.Price.Lines, exchange.Line{Label: l.Label, Amount: exchange.Cents(l.AmountCents)})
		}
	}
	return p
}
