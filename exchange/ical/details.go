package ical

import (
	"fmt"
	"strings"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// Visit is what people need to know about a placement, in plain values: who visits whom,
// where, and what to prepare. HostRequest and VisitorInvitation turn it into Details.
type Visit struct {
	Programme   string         // the partnership running the scheme, "BSR Stars ClusterXchange"
	Visitor     string         // the visiting person's name
	VisitorOrg  string         // the organisation the visitor comes from
	Host        string         // the host organisation's name
	HostAddress string         // street, city and country of the host, one line
	Contact     Person         // the host's contact person
	LumpSum     exchange.Cents // what the programme pays the visitor; zero leaves it out
	Goals       string         // goals or agenda of the visit, free text
	Documents   []string       // what the visitor brings, one item each
}

// HostRequest writes the Details of an availability request to the host: who would visit
// and from where; the host accepts or declines in their calendar client.
func HostRequest(v Visit) Details {
	return hostDetails(v, "Availability request", "Please accept or decline this invitation to tell the organiser whether you can receive the visitor on these days.")
}

// HostConfirmed writes the Details of the host's event once they accepted: the same visit,
// confirmed, with nothing more to answer.
func HostConfirmed(v Visit) Details {
	return hostDetails(v, "Confirmed visit", "You accepted this visit; it is confirmed, and there is nothing more to answer.")
}

func hostDetails(v Visit, head, tail string) Details {
	var d strings.Builder
	if v.Programme != "" {
		line(&d, "%s from %s.", head, v.Programme)
	} else {
		line(&d, "%s.", head)
	}
	line(&d, "")
	line(&d, "Visitor: %s", withOrg(v.Visitor, v.VisitorOrg))
	line(&d, "Host: %s", where(v))
	if c := contact(v.Contact); c != "" {
		line(&d, "Host contact: %s", c)
	}
	if v.Goals != "" {
		line(&d, "Goals: %s", v.Goals)
	}
	line(&d, "")
	line(&d, "%s", tail)
	return Details{
		Summary:     titled(v.Programme, "Visitor "+withOrg(v.Visitor, v.VisitorOrg)),
		Location:    where(v),
		Description: d.String(),
	}
}

// VisitorInvitation writes the Details of the visitor's invitation, sent once the host
// accepted: where to go, whom to ask for, the lump sum and the documents to bring.
func VisitorInvitation(v Visit) Details {
	var d strings.Builder
	if v.Programme != "" {
		line(&d, "Your visit with %s.", v.Programme)
	} else {
		line(&d, "Your visit.")
	}
	line(&d, "")
	line(&d, "Host: %s", where(v))
	if c := contact(v.Contact); c != "" {
		line(&d, "Contact on site: %s", c)
	}
	if v.LumpSum != 0 {
		line(&d, "Lump sum: %s", v.LumpSum)
	}
	if v.Goals != "" {
		line(&d, "Goals: %s", v.Goals)
	}
	if len(v.Documents) > 0 {
		line(&d, "Documents to bring:")
		for _, doc := range v.Documents {
			line(&d, "- %s", doc)
		}
	}
	return Details{
		Summary:     titled(v.Programme, "Visit to "+v.Host),
		Location:    where(v),
		Description: d.String(),
	}
}

func line(b *strings.Builder, format string, args ...any) {
	fmt.Fprintf(b, format+"\n", args...)
}

func titled(programme, what string) string {
	if programme == "" {
		return what
	}
	return programme + ": " + what
}

func withOrg(name, org string) string {
	if org == "" {
		return name
	}
	return name + " (" + org + ")"
}

func where(v Visit) string {
	if v.HostAddress == "" {
		return v.Host
	}
	return v.Host + ", " + v.HostAddress
}

func contact(p Person) string {
	switch {
	case p.Name == "":
		return p.Email
	case p.Email == "":
		return p.Name
	}
	return p.Name + " <" + p.Email + ">"
}
