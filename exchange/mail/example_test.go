package mail_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/ical"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
)

// facts is the placement the examples and tests talk about.
var facts = mail.Facts{
	Visit: ical.Visit{
		Programme:   "S3martMed ClusterXchange",
		Visitor:     "Anna Nowak",
		VisitorOrg:  "GAPR-Medsilesia",
		Host:        "BioRegio STERN",
		HostAddress: "Friedrichstraße 10, 70174 Stuttgart, Germany",
		Contact:     ical.Person{Name: "Jürgen Weber", Email: "weber@bioregio-stern.example"},
		LumpSum:     exchange.Euros(1100),
		Goals:       "Meet three med-tech SMEs and the clinical trials team.",
		Documents:   []string{"Passport or ID card", "European Health Insurance Card"},
	},
	Organiser: "Marta Kowalczyk",
	First:     exchange.MustDate("2026-03-02"),
	Last:      exchange.MustDate("2026-03-06"),
}

func ExampleHostRequest() {
	f := facts
	f.Recipient = "Jürgen Weber"
	c, err := mail.HostRequest(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Subject)
	fmt.Println()
	fmt.Print(c.Text)
	// Output:
	// Can you host Anna Nowak (GAPR-Medsilesia) from Monday 2 Mar 2026 to Friday 6 Mar 2026?
	//
	// Dear Jürgen Weber,
	//
	// S3martMed ClusterXchange asks whether BioRegio STERN can receive a visitor on these days:
	//
	// Visitor: Anna Nowak (GAPR-Medsilesia)
	// Host: BioRegio STERN, Friedrichstraße 10, 70174 Stuttgart, Germany
	// Contact at the host: Jürgen Weber <weber@bioregio-stern.example>
	// Dates: 2–6 Mar 2026 (5 days, both included)
	// Goals: Meet three med-tech SMEs and the clinical trials team.
	//
	// Please accept or decline the invitation in your calendar. If your mail program shows no invitation, reply to this e-mail with "yes" or "no".
	//
	// Kind regards,
	// Marta Kowalczyk
	// S3martMed ClusterXchange
}

func ExampleVisitorInvitation() {
	f := facts
	f.Recipient = "Anna Nowak"
	c, err := mail.VisitorInvitation(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Subject)
	fmt.Println()
	fmt.Print(c.Text)
	// Output:
	// Your visit to BioRegio STERN, 2–6 Mar 2026
	//
	// Dear Anna Nowak,
	//
	// BioRegio STERN expects you. The invitation in this e-mail puts your visit in your calendar; please accept it.
	//
	// Visitor: Anna Nowak (GAPR-Medsilesia)
	// Host: BioRegio STERN, Friedrichstraße 10, 70174 Stuttgart, Germany
	// Contact at the host: Jürgen Weber <weber@bioregio-stern.example>
	// Dates: 2–6 Mar 2026 (5 days, both included)
	// Goals: Meet three med-tech SMEs and the clinical trials team.
	//
	// Lump sum: EUR 1,100.00, paid by the programme towards travel and accommodation.
	//
	// Documents to bring:
	// - Passport or ID card
	// - European Health Insurance Card
	//
	// Kind regards,
	// Marta Kowalczyk
	// S3martMed ClusterXchange
}

func ExampleUpdate() {
	f := facts
	f.Recipient = "Jürgen Weber"
	f.PreviousFirst, f.PreviousLast = f.First, f.Last
	f.First, f.Last = exchange.MustDate("2026-03-30"), exchange.MustDate("2026-04-03")
	f.AskAgain = true
	c, err := mail.Update(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Subject)
	fmt.Println()
	fmt.Print(c.Text)
	// Output:
	// New dates: visit of Anna Nowak to BioRegio STERN, now 30 Mar – 3 Apr 2026
	//
	// Dear Jürgen Weber,
	//
	// The dates of this visit have changed: it was planned from Monday 2 Mar 2026 to Friday 6 Mar 2026. The invitation in this e-mail moves it in your calendar.
	//
	// Visitor: Anna Nowak (GAPR-Medsilesia)
	// Host: BioRegio STERN, Friedrichstraße 10, 70174 Stuttgart, Germany
	// Contact at the host: Jürgen Weber <weber@bioregio-stern.example>
	// Dates: 30 Mar – 3 Apr 2026 (5 days, both included)
	// Goals: Meet three med-tech SMEs and the clinical trials team.
	//
	// Please accept or decline the new dates in your calendar, or reply to this e-mail.
	//
	// Kind regards,
	// Marta Kowalczyk
	// S3martMed ClusterXchange
}

func ExampleCancellation() {
	f := facts
	f.Recipient = "Anna Nowak"
	f.Reason = "The visitor cannot travel in March."
	c, err := mail.Cancellation(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Subject)
	fmt.Println()
	fmt.Print(c.Text)
	// Output:
	// Cancelled: visit of Anna Nowak to BioRegio STERN, 2–6 Mar 2026
	//
	// Dear Anna Nowak,
	//
	// The visit of Anna Nowak (GAPR-Medsilesia) to BioRegio STERN from Monday 2 Mar 2026 to Friday 6 Mar 2026 is cancelled.
	// Reason: The visitor cannot travel in March.
	//
	// The cancellation in this e-mail removes the visit from your calendar.
	//
	// Kind regards,
	// Marta Kowalczyk
	// S3martMed ClusterXchange
}

func ExampleConfirmation() {
	f := facts
	f.Recipient = "Anna Nowak"
	c, err := mail.Confirmation(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Subject)
	fmt.Println()
	fmt.Print(c.Text)
	fmt.Println()
	fmt.Print(c.HTML)
	// Output:
	// Confirmed: your visit to BioRegio STERN, 2–6 Mar 2026
	//
	// Dear Anna Nowak,
	//
	// Good news: BioRegio STERN has accepted your visit. A calendar invitation follows in a separate e-mail.
	//
	// Visitor: Anna Nowak (GAPR-Medsilesia)
	// Host: BioRegio STERN, Friedrichstraße 10, 70174 Stuttgart, Germany
	// Contact at the host: Jürgen Weber <weber@bioregio-stern.example>
	// Dates: 2–6 Mar 2026 (5 days, both included)
	// Goals: Meet three med-tech SMEs and the clinical trials team.
	//
	// Lump sum: EUR 1,100.00, paid by the programme towards travel and accommodation.
	//
	// Documents to bring:
	// - Passport or ID card
	// - European Health Insurance Card
	//
	// Kind regards,
	// Marta Kowalczyk
	// S3martMed ClusterXchange
	//
	// <!DOCTYPE html>
	// <html lang="en">
	// <head>
	// <meta charset="UTF-8">
	// <title>Confirmed: your visit to BioRegio STERN, 2–6 Mar 2026</title>
	// </head>
	// <body style="font-family: sans-serif; font-size: 15px; line-height: 1.4; color: #222;">
	// <p>Dear Anna Nowak,</p>
	// <p>Good news: BioRegio STERN has accepted your visit. A calendar invitation follows in a separate e-mail.</p>
	// <table style="border-collapse: collapse;">
	// <tr><th style="text-align: left; padding: 2px 12px 2px 0;">Visitor</th><td>Anna Nowak (GAPR-Medsilesia)</td></tr>
	// <tr><th style="text-align: left; padding: 2px 12px 2px 0;">Host</th><td>BioRegio STERN, Friedrichstraße 10, 70174 Stuttgart, Germany</td></tr>
	// <tr><th style="text-align: left; padding: 2px 12px 2px 0;">Contact at the host</th><td>Jürgen Weber <a href="mailto:weber@bioregio-stern.example">weber@bioregio-stern.example</a></td></tr>
	// <tr><th style="text-align: left; padding: 2px 12px 2px 0;">Dates</th><td>2–6 Mar 2026 (5 days, both included)</td></tr>
	// <tr><th style="text-align: left; padding: 2px 12px 2px 0;">Goals</th><td>Meet three med-tech SMEs and the clinical trials team.</td></tr>
	// </table>
	// <p><strong>Lump sum:</strong> EUR 1,100.00, paid by the programme towards travel and accommodation.</p>
	// <p><strong>Documents to bring:</strong></p>
	// <ul>
	// <li>Passport or ID card</li>
	// <li>European Health Insurance Card</li>
	// </ul>
	// <p>Kind regards,<br>
	// Marta Kowalczyk<br>
	// S3martMed ClusterXchange</p>
	// </body>
	// </html>
}

// Compose renders a message whose shape, headers and boundaries are the same every time;
// this prints its headers and MIME structure (the bodies are quoted-printable and base64).
func ExampleCompose() {
	f := facts
	f.Recipient = "Jürgen Weber"
	content, err := mail.HostRequest(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	organiser := ical.Person{Name: "Marta Kowalczyk", Email: "office@s3martmed.example"}
	cal, err := ical.Request(ical.Invitation{
		UID: "0190f3c2-7b1e-7c55-a000-000000000001@xchangedesk", Sequence: 0,
		Stamp: time.Date(2026, 2, 2, 9, 30, 0, 0, time.UTC),
		First: f.First, Last: f.Last,
		Organizer: organiser, Attendee: f.Contact, Tentative: true,
		Details: ical.HostRequest(f.Visit),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	raw, err := mail.Compose(mail.Message{
		MessageID: "<0190f3c2-0000-7000-8000-00000000000a@xchangedesk>",
		Date:      time.Date(2026, 2, 2, 9, 30, 0, 0, time.UTC),
		From:      mail.Address(organiser),
		To:        mail.Address(f.Contact),
		Content:   content,
		Calendar:  cal,
		Method:    ical.MethodRequest,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	header, body, _ := strings.Cut(string(raw), "\r\n\r\n")
	fmt.Println(strings.ReplaceAll(header, "\r\n", "\n"))
	for _, line := range strings.Split(body, "\r\n") {
		if strings.HasPrefix(line, "--") || strings.HasPrefix(line, "Content-") || strings.HasPrefix(line, " boundary=") {
			fmt.Println(line)
		}
	}
	// Output:
	// Date: Mon, 02 Feb 2026 09:30:00 +0000
	// MIME-Version: 1.0
	// Message-ID: <0190f3c2-0000-7000-8000-00000000000a@xchangedesk>
	// Subject: Can you host Anna Nowak (GAPR-Medsilesia) from Monday 2 Mar
	//  2026 to Friday 6 Mar 2026?
	// From: "Marta Kowalczyk" <office@s3martmed.example>
	// To: =?utf-8?q?J=C3=BCrgen_Weber?= <weber@bioregio-stern.example>
	// Content-Type: multipart/mixed;
	//  boundary=xchangedesk-1-2369606965943f14dae14212
	// --xchangedesk-1-2369606965943f14dae14212
	// Content-Type: multipart/alternative;
	//  boundary=xchangedesk-2-2369606965943f14dae14212
	// --xchangedesk-2-2369606965943f14dae14212
	// Content-Transfer-Encoding: quoted-printable
	// Content-Type: text/plain; charset=UTF-8
	// --xchangedesk-2-2369606965943f14dae14212
	// Content-Transfer-Encoding: quoted-printable
	// Content-Type: text/html; charset=UTF-8
	// --xchangedesk-2-2369606965943f14dae14212
	// Content-Transfer-Encoding: base64
	// Content-Type: text/calendar; method=REQUEST; charset=UTF-8
	// --xchangedesk-2-2369606965943f14dae14212--
	// --xchangedesk-1-2369606965943f14dae14212
	// Content-Disposition: attachment; filename="invite.ics"
	// Content-Transfer-Encoding: base64
	// Content-Type: application/ics; name="invite.ics"
	// --xchangedesk-1-2369606965943f14dae14212--
}
