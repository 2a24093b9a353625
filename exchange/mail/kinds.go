package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/ical"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

// Facts are what a message tells a person about one placement. The same Visit also writes
// the calendar's Details (ical.HostRequest, ical.VisitorInvitation).
type Facts struct {
	ical.Visit
	Recipient string        // the name the message greets ("Dear …"); empty greets "Hello,"
	Organiser string        // who signs: the organiser's name
	First     exchange.Date // first day of the stay
	Last      exchange.Date // last day of the stay, included

	// PreviousFirst and PreviousLast are the dates an Update replaces; zero leaves them out.
	PreviousFirst, PreviousLast exchange.Date
	// AskAgain makes an Update ask the recipient to accept or decline the new dates: for a
	// host who has not answered yet.
	AskAgain bool
	// Reason says why a placement was cancelled, in a sentence; may be empty.
	Reason string
}

// The kinds of message, each a template pair in templates/messages.txt and .html.
const (
	kindHostRequest     = "host-request"
	kindInvitation      = "visitor-invitation"
	kindUpdate          = "update"
	kindCancellation    = "cancellation"
	kindConfirmation    = "confirmation"
	kindHostConfirmed   = "host-confirmed"
	kindCounterDeclined = "counter-declined"
)

// HostRequest writes the availability request to the host's contact: who would visit, when,
// and how to answer without a calendar client.
func HostRequest(f Facts) (Content, error) { return render(kindHostRequest, f) }

// VisitorInvitation writes the invitation to the visitor once the host accepted: where,
// when, whom to ask for, the lump sum and the documents to bring.
func VisitorInvitation(f Facts) (Content, error) { return render(kindInvitation, f) }

// Update writes the message that moves a placement to new dates, for everyone invited.
func Update(f Facts) (Content, error) { return render(kindUpdate, f) }

// Cancellation writes the message that cancels a placement, for everyone invited.
func Cancellation(f Facts) (Content, error) { return render(kindCancellation, f) }

// Confirmation writes the e-mail that tells the visitor the host accepted. It goes without
// a calendar; the visitor's invitation is a message of its own.
func Confirmation(f Facts) (Content, error) { return render(kindConfirmation, f) }

// HostConfirmed thanks the host who accepted; its calendar marks the event confirmed in the
// host's calendar, so that they are not asked again.
func HostConfirmed(f Facts) (Content, error) { return render(kindHostConfirmed, f) }

// CounterDeclined tells the host who proposed other dates that the stay keeps its dates; its
// calendar is a DECLINECOUNTER. Facts.Reason may say why.
func CounterDeclined(f Facts) (Content, error) { return render(kindCounterDeclined, f) }

//go:embed templates/messages.txt templates/messages.html
var templateFiles embed.FS

var funcs = map[string]any{"date": longDate}

var (
	textTemplates = texttemplate.Must(texttemplate.New("").Funcs(funcs).ParseFS(templateFiles, "templates/messages.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Funcs(funcs).ParseFS(templateFiles, "templates/messages.html"))
)

// view is what the templates see: the facts and a few phrases made from them.
type view struct {
	Facts
	Dates       string // "2–6 Mar 2026", as wording.Range writes it
	DaysText    string // "5 days, both included"
	ContactLine string // "Jürgen Weber <weber@example.org>"
}

func render(kind string, f Facts) (Content, error) {
	if f.First.IsZero() || f.Last.IsZero() || f.Last.Before(f.First) {
		return Content{}, fmt.Errorf("mail: %s: the stay needs a first and a last day, in order (got %s and %s)", kind, f.First, f.Last)
	}
	v := view{Facts: f, Dates: wording.Range(f.First, f.Last), ContactLine: contactLine(f.Contact)}
	if n := f.First.DaysUntil(f.Last) + 1; n == 1 {
		v.DaysText = "1 day"
	} else {
		v.DaysText = fmt.Sprintf("%d days, both included", n)
	}

	var subject, text, body bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&subject, kind+".subject", v); err != nil {
		return Content{}, fmt.Errorf("mail: %s subject: %w", kind, err)
	}
	if err := textTemplates.ExecuteTemplate(&text, kind, v); err != nil {
		return Content{}, fmt.Errorf("mail: %s text: %w", kind, err)
	}
	if err := htmlTemplates.ExecuteTemplate(&body, kind, v); err != nil {
		return Content{}, fmt.Errorf("mail: %s HTML: %w", kind, err)
	}
	c := Content{Subject: oneLine(subject.String()), Text: strings.TrimSpace(text.String()) + "\n"}
	var page bytes.Buffer
	err := htmlTemplates.ExecuteTemplate(&page, "page", struct {
		Subject string
		Body    htmltemplate.HTML // already escaped by the kind's template
	}{c.Subject, htmltemplate.HTML(strings.TrimSpace(body.String()))})
	if err != nil {
		return Content{}, fmt.Errorf("mail: %s HTML page: %w", kind, err)
	}
	c.HTML = page.String()
	return c, nil
}

// longDate writes a day as people read it in a letter, with its weekday: "Monday 2 Mar 2026",
// the date as wording.Date writes it everywhere else.
func longDate(d exchange.Date) string { return d.Weekday().String() + " " + wording.Date(d) }

func contactLine(p ical.Person) string {
	switch {
	case p.Name == "":
		return p.Email
	case p.Email == "":
		return p.Name
	}
	return p.Name + " <" + p.Email + ">"
}

// oneLine makes a subject of one line: line breaks in names would otherwise end the header.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
