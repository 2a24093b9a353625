package exchange_test

import (
	"fmt"

	"github.com/xchangedesk/xchangedesk/exchange"
)

func ExampleCents_String() {
	fmt.Println(exchange.Euros(1100))
	fmt.Println(exchange.Cents(39050))
	fmt.Println(exchange.Cents(5))
	fmt.Println(exchange.Cents(-123456789))
	// Output:
	// EUR 1,100.00
	// EUR 390.50
	// EUR 0.05
	// -EUR 1,234,567.89
}

func ExampleDate_SameDayNextMonth() {
	fmt.Println(exchange.MustDate("2027-03-01").SameDayNextMonth())
	fmt.Println(exchange.MustDate("2027-01-31").SameDayNextMonth())
	fmt.Println(exchange.MustDate("2028-01-31").SameDayNextMonth())
	fmt.Println(exchange.MustDate("2026-12-15").SameDayNextMonth())
	// Output:
	// 2027-04-01
	// 2027-02-28
	// 2028-02-29
	// 2027-01-15
}

func ExampleParseEuros() {
	for _, s := range []string{"40000", "40,000", "1,100.00", "EUR 780.5", "€ 0.05", "1,10", "12.345", "-5"} {
		c, err := exchange.ParseEuros(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(c)
	}
	// Output:
	// EUR 40,000.00
	// EUR 40,000.00
	// EUR 1,100.00
	// EUR 780.50
	// EUR 0.05
	// amount: "1,10" is not an amount in euros (for example 40000 or 40,000.00)
	// amount: "12.345" is not an amount in euros (for example 40000 or 40,000.00)
	// amount: "-5" is not an amount in euros (for example 40000 or 40,000.00)
}
