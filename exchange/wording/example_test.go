package wording_test

import (
	"fmt"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

func ExampleDate() {
	wording.SetLocale("en_GB.UTF-8")
	fmt.Println(wording.Date(exchange.MustDate("2026-12-05")))
	// Output: 5 Dec 2026
}

func ExampleRange() {
	wording.SetLocale("en_GB.UTF-8")
	fmt.Println(wording.Range(exchange.MustDate("2027-03-15"), exchange.MustDate("2027-03-19")))
	fmt.Println(wording.Range(exchange.MustDate("2026-11-30"), exchange.MustDate("2026-12-04")))
	fmt.Println(wording.Range(exchange.MustDate("2026-12-28"), exchange.MustDate("2027-01-03")))
	fmt.Println(wording.Range(exchange.MustDate("2027-03-15"), exchange.MustDate("2027-03-15")))
	// Output:
	// 15–19 Mar 2027
	// 30 Nov – 4 Dec 2026
	// 28 Dec 2026 – 3 Jan 2027
	// 15 Mar 2027
}

func ExampleSetLocale() {
	first, last := exchange.MustDate("2026-11-30"), exchange.MustDate("2026-12-04")
	for _, tag := range []string{"en_US.UTF-8", "de_DE.UTF-8", "fr_FR", "C"} {
		wording.SetLocale(tag)
		fmt.Printf("%-12s %s | %s | %s\n", tag, wording.Date(first), wording.Range(first, last),
			wording.Range(exchange.MustDate("2027-03-15"), exchange.MustDate("2027-03-19")))
	}
	wording.SetLocale("en_GB")
	// Output:
	// en_US.UTF-8  Nov 30, 2026 | Nov 30 – Dec 4, 2026 | Mar 15–19, 2027
	// de_DE.UTF-8  30.11.2026 | 30.11. – 4.12.2026 | 15.–19.3.2027
	// fr_FR        30 Nov 2026 | 30 Nov – 4 Dec 2026 | 15–19 Mar 2027
	// C            30 Nov 2026 | 30 Nov – 4 Dec 2026 | 15–19 Mar 2027
}

func ExampleStamp() {
	wording.SetLocale("en_GB")
	t := time.Date(2026, 12, 2, 14, 30, 0, 0, time.Local)
	fmt.Println(wording.Stamp(t))
	// Output: 2 Dec 2026 14:30
}

// A host that is full names who holds the places, and when the same stay could start.
func ExampleError_capacity() {
	wording.SetLocale("en_GB")
	railgrup := exchange.Host{ID: exchange.NewID(), Name: "Railgrup", Kind: exchange.ClusterOrganisation, Country: "ES",
		City: "Barcelona", Capacity: 1}
	martin := exchange.Visitor{ID: exchange.NewID(), Name: "Martin Kováč", Organisation: "ŽSR Inovácie", Country: "SK"}
	ana := exchange.Visitor{ID: exchange.NewID(), Name: "Ana Sousa", Organisation: "Ferrovia Lda", Country: "PT"}
	at := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	his := exchange.NewPlacement(railgrup.ID, martin.ID, exchange.MustDate("2027-03-15"), exchange.MustDate("2027-03-19"), exchange.TravelBoth, at, "desk")
	hers := exchange.NewPlacement(railgrup.ID, ana.ID, exchange.MustDate("2027-03-15"), exchange.MustDate("2027-03-19"), exchange.TravelBoth, at, "desk")
	b := exchange.Booking{Placement: hers, Host: railgrup, Visitor: ana, Others: []exchange.Placement{his},
		Visitors: map[exchange.ID]exchange.Visitor{martin.ID: martin}}
	fmt.Println(wording.Error(b.Check()))
	// Output: Railgrup is full on 15–19 Mar 2027 (Martin Kováč, draft). The next free start for a stay of the same length is 21 Mar 2027.
}

func ExampleError_transition() {
	wording.SetLocale("en_GB")
	err := &exchange.TransitionError{From: exchange.Requested, Action: exchange.Complete, Visitor: "Ana Sousa",
		Host: "Fraunhofer HHI", First: exchange.MustDate("2027-03-01"), Last: exchange.MustDate("2027-03-05")}
	fmt.Println(wording.Error(err))
	fmt.Println(wording.Error(&exchange.TransitionError{From: exchange.Paid, Action: exchange.Cancel}))
	// Output:
	// Ana Sousa at Fraunhofer HHI (1–5 Mar 2027) is requested, so it cannot be completed.
	// A paid placement cannot be cancelled.
}

// Several broken rules are said one after the other, on one line.
func ExampleError_validation() {
	wording.SetLocale("en_GB")
	v := exchange.Visitor{Name: "Eve\nBcc: x@evil.example", Email: "eve@example.org", Organisation: "Evil\x1b[31m Ltd",
		Kind: exchange.SME, Country: "DE", City: "Berlin"}
	fmt.Println(wording.Error(v.Validate()))
	// Output: The name must be one line: it holds a line break. The organisation holds an escape character (U+001B), which cannot be saved; type it again in plain characters.
}

func ExampleViolation() {
	wording.SetLocale("en_GB")
	for _, err := range []error{
		exchange.CheckEnvelope(0, exchange.Euros(16500), 0),
		exchange.CheckEnvelope(exchange.Euros(10000), exchange.Euros(16500), 0),
		func() error {
			_, err := exchange.CheckBudget(exchange.Euros(2000), exchange.Euros(1500), exchange.Euros(1100))
			return err
		}(),
		exchange.CheckAmount("envelope", exchange.MaxAmount+1),
		func() error { _, err := exchange.ParseDateInRange("first", "0001-01-01"); return err }(),
		func() error { _, err := exchange.ParseDateInRange("first", "2027-02-30"); return err }(),
		exchange.CheckEmail("email", ""),
	} {
		fmt.Println(wording.Violation(exchange.Violations(err)[0]))
	}
	// Output:
	// EUR 16,500.00 is already committed or paid, so the envelope cannot be removed.
	// EUR 16,500.00 is already committed or paid, so the envelope cannot be EUR 10,000.00.
	// This needs EUR 1,100.00, but only EUR 500.00 of the programme’s EUR 2,000.00 remains: EUR 600.00 is missing.
	// The envelope is too large: amounts go up to EUR 10,000,000.00.
	// The first day, 0001-01-01, is out of range: dates go from 1 Jan 2000 to 31 Dec 2099.
	// The first day "2027-02-30" is not a date; write it as YYYY-MM-DD.
	// The e-mail address is required.
}
