package mail_test

import (
	"strings"
	"testing"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
)

var kinds = []struct {
	name  string
	write func(mail.Facts) (mail.Content, error)
}{
	{"host request", mail.HostRequest},
	{"visitor invitation", mail.VisitorInvitation},
	{"update", mail.Update},
	{"cancellation", mail.Cancellation},
	{"confirmation", mail.Confirmation},
}

func TestEveryKindTellsWhoWhereAndWhen(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			c, err := k.write(facts)
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject == "" || strings.ContainsAny(c.Subject, "\r\n") {
				t.Errorf("subject %q is empty or not one line", c.Subject)
			}
			for _, body := range []string{c.Text, c.HTML} {
				for _, want := range []string{"Hello,", "Anna Nowak", "BioRegio STERN", "Mar 2026", "Marta Kowalczyk"} {
					if !strings.Contains(body, want) {
						t.Errorf("body lacks %q:\n%s", want, body)
					}
				}
			}
			if strings.Contains(c.Text, "\n\n\n") {
				t.Errorf("text has two blank lines in a row:\n%s", c.Text)
			}
			if !strings.HasPrefix(c.HTML, "<!DOCTYPE html>") {
				t.Errorf("HTML is not a page:\n%s", c.HTML)
			}
		})
	}
}

func TestNamesAreEscapedInHTML(t *testing.T) {
	f := facts
	f.Host = `R&D <Labs> "Nord"`
	f.Recipient = "<script>alert(1)</script>"
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			c, err := k.write(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(c.HTML, "<script>") || strings.Contains(c.HTML, "<Labs>") {
				t.Errorf("HTML carries unescaped input:\n%s", c.HTML)
			}
			if !strings.Contains(c.HTML, "R&amp;D &lt;Labs&gt;") {
				t.Errorf("HTML lacks the escaped host name:\n%s", c.HTML)
			}
			if !strings.Contains(c.Text, `R&D <Labs> "Nord"`) {
				t.Errorf("text does not show the host name as typed:\n%s", c.Text)
			}
		})
	}
}

func TestDatesReadNaturally(t *testing.T) {
	tests := []struct {
		name        string
		first, last string
		want        string
	}{
		{"a stay within a month", "2026-03-02", "2026-03-06", "2–6 Mar 2026 (5 days, both included)"},
		{"a stay across two months", "2026-04-27", "2026-05-08", "27 Apr – 8 May 2026 (12 days, both included)"},
		{"a stay across the new year", "2026-12-28", "2027-01-08", "28 Dec 2026 – 8 Jan 2027 (12 days, both included)"},
		{"a single day", "2026-03-02", "2026-03-02", "2 Mar 2026 (1 day)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts
			f.First, f.Last = exchange.MustDate(tt.first), exchange.MustDate(tt.last)
			c, err := mail.VisitorInvitation(f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(c.Text, "Dates: "+tt.want) {
				t.Errorf("text lacks %q:\n%s", tt.want, c.Text)
			}
		})
	}
}

func TestOptionalFactsAreLeftOut(t *testing.T) {
	f := mail.Facts{First: facts.First, Last: facts.Last}
	f.Visitor, f.Host = "Anna Nowak", "Biowin"
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			c, err := k.write(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, absent := range []string{"Lump sum", "Documents", "Contact at the host", "Goals", "Reason", "()", "planned from"} {
				if strings.Contains(c.Text, absent) || strings.Contains(c.HTML, absent) {
					t.Errorf("mentions %q though it was not given:\n%s", absent, c.Text)
				}
			}
		})
	}
}

func TestAStayNeedsItsDays(t *testing.T) {
	for _, k := range kinds {
		f := facts
		f.Last = f.First.AddDays(-1)
		if _, err := k.write(f); err == nil || !strings.HasPrefix(err.Error(), "mail: ") {
			t.Errorf("%s: last day before the first: error %v", k.name, err)
		}
		f.First = exchange.Date{}
		if _, err := k.write(f); err == nil {
			t.Errorf("%s: no first day: no error", k.name)
		}
	}
}
