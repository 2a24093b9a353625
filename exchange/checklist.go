package exchange

import (
	"fmt"
	"time"
)

// Item is a document on a placement's checklist (CLUSTERXCHANGE.md § The scheme: the
// Commitment to Quality signed by visitor, host and both partnerships; the closing report
// validated by the visitor's partnership; evidence such as boarding passes and invoices).
type Item string

// The checklist items.
const (
	CTQVisitor            Item = "ctq-visitor"
	CTQHost               Item = "ctq-host"
	CTQVisitorPartnership Item = "ctq-visitor-partnership"
	CTQHostPartnership    Item = "ctq-host-partnership"
	ClosingReport         Item = "closing-report"
	Evidence              Item = "evidence"
)

// Items lists the checklist in the order people work through it, with labels.
var Items = []struct {
	Item  Item
	Label string
}{
	{CTQVisitor, "Commitment to Quality signed by the visitor"},
	{CTQHost, "Commitment to Quality signed by the host"},
	{CTQVisitorPartnership, "Commitment to Quality signed by the visitor's partnership"},
	{CTQHostPartnership, "Commitment to Quality signed by the host's partnership"},
	{ClosingReport, "Closing report received and validated"},
	{Evidence, "Evidence received (boarding passes, invoices)"},
}

// PaymentDueDays is how long after completion the lump sum must be paid: "paid in one payment
// within 10 days of the end of the exchange" (clamtex.eu/faq-page; CLUSTERXCHANGE.md § Money).
const PaymentDueDays = 10

// ParseItem reads a checklist item name.
func ParseItem(s string) (Item, error) {
	for _, x := range Items {
		if string(x.Item) == s {
			return x.Item, nil
		}
	}
	return "", ruleErr("item", RuleFormat, "%q is not a checklist item (want one of ctq-visitor, ctq-host, ctq-visitor-partnership, ctq-host-partnership, closing-report, evidence)", s)
}

// Label is the item as people read it.
func (i Item) Label() string {
	for _, x := range Items {
		if x.Item == i {
			return x.Label
		}
	}
	return string(i)
}

// Ticked reports whether item is ticked on the placement's checklist.
func (p Placement) Ticked(item Item) bool {
	_, ok := p.Checklist[item]
	return ok
}

// Missing lists the checklist items not yet ticked.
func (p Placement) Missing() []Item {
	var out []Item
	for _, x := range Items {
		if !p.Ticked(x.Item) {
			out = append(out, x.Item)
		}
	}
	return out
}

// Tick ticks (or, with on false, unticks) an item, recording it in the history. A paid
// placement's checklist is closed.
func (p *Placement) Tick(item Item, on bool, at time.Time, by string) error {
	if p.Status == Paid || p.Status == Cancelled || p.Status == Declined {
		return ruleErr("item", RuleChecklistClosed, "the checklist of a %s placement cannot change", p.Status)
	}
	if on == p.Ticked(item) {
		return nil
	}
	if !on && item == ClosingReport && p.Status == Completed {
		return ruleErr("item", RuleChecklistClosed, "a completed placement needs its closing report")
	}
	if on {
		if p.Checklist == nil {
			p.Checklist = map[Item]Date{}
		}
		p.Checklist[item] = DateOf(at)
		p.record(Check, at, by, item.Label())
	} else {
		delete(p.Checklist, item)
		p.record(Uncheck, at, by, item.Label())
	}
	return nil
}

// PaymentDue is the day by which a completed placement must be paid; zero before completion.
func (p Placement) PaymentDue() Date {
	if p.CompletedOn.IsZero() {
		return Date{}
	}
	return p.CompletedOn.AddDays(PaymentDueDays)
}

// Overdue reports whether a completed placement is still unpaid after its due day.
func (p Placement) Overdue(today Date) bool {
	return p.Status == Completed && today.After(p.PaymentDue())
}

func missingText(items []Item) string {
	s := ""
	for i, it := range items {
		if i > 0 {
			s += ", "
		}
		s += string(it)
	}
	return fmt.Sprintf("still missing: %s", s)
}
