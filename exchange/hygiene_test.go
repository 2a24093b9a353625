package exchange

import (
	"math"
	"testing"
)

func TestOneLineFieldsRefuseControlCharacters(t *testing.T) {
	tests := []struct {
		name      string
		value     string
		multiline bool
		want      string // the character named, "" when accepted
	}{
		{"a plain name with accents is fine", "Martin Kováč", false, ""},
		{"a line break that would start a new mail header is refused", "Eve\nBcc: x@evil.example", false, "U+000A"},
		{"a carriage return is refused", "Eve\rBcc", false, "U+000D"},
		{"a NUL is refused", "Eve\x00", false, "U+0000"},
		{"an escape that would colour a terminal is refused", "HHI\x1b[31m", false, "U+001B"},
		{"a tab in a name is refused", "Ana\tSousa", false, "U+0009"},
		{"DEL is refused", "Ana\x7f", false, "U+007F"},
		{"a C1 control such as CSI is refused", "Ana\u009b31m", false, "U+009B"},
		{"a C1 next line is refused", "Ana\u0085Sousa", false, "U+0085"},
		{"a Unicode line separator is refused", "Ana\u2028Sousa", false, "U+2028"},
		{"goals keep their line breaks and tabs", "Day 1: the lab\n\tDay 2: the clinic", true, ""},
		{"goals refuse an escape", "Day 1\x1b[2J", true, "U+001B"},
		{"goals refuse a carriage return", "Day 1\r\nDay 2", true, "U+000D"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := CheckLine
			if tt.multiline {
				check = CheckText
			}
			err := check("name", tt.value)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			vs := Violations(err)
			if len(vs) != 1 || vs[0].Rule != RuleControlChars || vs[0].Value != tt.want || vs[0].Field != "name" {
				t.Fatalf("got %#v", vs)
			}
		})
	}
	if err := CheckLine("name", "Ana\xffSousa"); err == nil {
		t.Fatal("invalid UTF-8 accepted")
	}
}

func TestDatesAndAmountsStayInRange(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		rule string
	}{
		{"the first day of the century is in range", "2000-01-01", ""},
		{"the last day of the century is in range", "2099-12-31", ""},
		{"year 0 is out of range", "0000-03-06", RuleDateRange},
		{"1 January of year 1, the zero Date, is out of range rather than missing", "0001-01-01", RuleDateRange},
		{"the last days of year 9999 are out of range", "9999-12-27", RuleDateRange},
		{"a day that does not exist is a format error", "2027-02-30", RuleFormat},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDateInRange("first", tt.in)
			if tt.rule == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if vs := Violations(err); len(vs) != 1 || vs[0].Rule != tt.rule {
				t.Fatalf("got %v", err)
			}
		})
	}
	for _, tt := range []struct {
		name string
		in   string
		want Cents
		rule string
	}{
		{"ten million euros is the largest amount", "10,000,000.00", MaxAmount, ""},
		{"a cent more is out of range", "10000000.01", 0, RuleAmountRange},
		{"an amount beyond int64 is out of range, not wrapped", "92233720368547758.08", 0, RuleAmountRange},
		{"a sign is a format error", "-5", 0, RuleFormat},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEuros(tt.in)
			if tt.rule == "" {
				if err != nil || got != tt.want {
					t.Fatalf("%v %v", got, err)
				}
				return
			}
			if vs := Violations(err); len(vs) != 1 || vs[0].Rule != tt.rule {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestSumsNeverWrapAround(t *testing.T) {
	if _, err := Cents(math.MaxInt64).Add(1); err != ErrOverflow {
		t.Fatal("MaxInt64 + 1 did not overflow")
	}
	if _, err := Cents(math.MinInt64).Add(-1); err != ErrOverflow {
		t.Fatal("MinInt64 - 1 did not overflow")
	}
	if _, err := Cents(math.MaxInt64 / 2).Mul(3); err != ErrOverflow {
		t.Fatal("a product did not overflow")
	}
	if s, err := Sum(Euros(1100), Euros(550)); err != nil || s != Euros(1650) {
		t.Fatal(s, err)
	}
	if got := Cents(math.MinInt64).String(); got != "-EUR 92,233,720,368,547,758.08" {
		t.Fatal(got)
	}
	if got := Cents(-1250).Decimal(); got != "-12.50" {
		t.Fatal(got)
	}
}

func TestWhichPlacementsMayBeMovedOrRepriced(t *testing.T) {
	for _, tt := range []struct {
		status            Status
		movable, repriced bool
	}{
		{Draft, true, true}, {Requested, true, true}, {Confirmed, true, true},
		{Completed, false, true}, {Paid, false, false}, {Declined, false, false}, {Cancelled, false, false},
	} {
		if tt.status.Movable() != tt.movable || tt.status.Repriceable() != tt.repriced {
			t.Errorf("%s: movable %v, repriceable %v", tt.status, tt.status.Movable(), tt.status.Repriceable())
		}
	}
}

func TestCoordinatesAreAPointOnTheEarth(t *testing.T) {
	for _, tt := range []struct {
		name  string
		c     Coordinates
		field string
	}{
		{"Berlin is fine", Coordinates{52.52, 13.405}, ""},
		{"no coordinates are fine (the gazetteer fills them in)", Coordinates{}, ""},
		{"a latitude past the pole is refused", Coordinates{91, 0}, "lat"},
		{"a longitude past the date line is refused", Coordinates{0, 181}, "lon"},
		{"NaN is refused", Coordinates{math.NaN(), 3}, "lat"},
		{"infinity is refused", Coordinates{3, math.Inf(1)}, "lat"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if vs := Violations(err); len(vs) != 1 || vs[0].Field != tt.field || vs[0].Rule != RuleCoordinates {
				t.Fatalf("got %v", err)
			}
		})
	}
}
