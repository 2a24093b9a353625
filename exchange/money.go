package exchange

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Cents is an amount of money in euro cents. Money is never a float in this program.
type Cents int64

// MaxAmount is the largest single amount the desk takes: a lump sum, a rate, an envelope.
// The scheme's sums are thousands of euros; ten million leaves room for any programme and
// keeps every sum of a partnership's placements far from overflowing.
const MaxAmount Cents = 10_000_000_00

// CheckAmount refuses an amount below zero or above MaxAmount, naming field.
func CheckAmount(field string, c Cents) error {
	if c >= 0 && c <= MaxAmount {
		return nil
	}
	return &RuleError{Field: field, Rule: RuleAmountRange, Amount: c,
		Reason: fmt.Sprintf("%s is out of range: amounts go from %s to %s", c, Cents(0), MaxAmount)}
}

// ErrOverflow is returned by Add and Mul when the result does not fit in Cents.
var ErrOverflow = errors.New("exchange: amount overflows")

// Add returns a + b, or ErrOverflow instead of wrapping around.
func (c Cents) Add(b Cents) (Cents, error) {
	s := c + b
	if (b > 0 && s < c) || (b < 0 && s > c) {
		return 0, ErrOverflow
	}
	return s, nil
}

// Mul returns c × n, or ErrOverflow instead of wrapping around.
func (c Cents) Mul(n int64) (Cents, error) {
	if c == 0 || n == 0 {
		return 0, nil
	}
	p := c * Cents(n)
	if p/Cents(n) != c || (c == -1 && n == math.MinInt64) || (n == -1 && c == math.MinInt64) {
		return 0, ErrOverflow
	}
	return p, nil
}

// Sum adds amounts with checked arithmetic.
func Sum(amounts ...Cents) (Cents, error) {
	var t Cents
	for _, a := range amounts {
		var err error
		if t, err = t.Add(a); err != nil {
			return 0, err
		}
	}
	return t, nil
}

// Euros returns whole euros as Cents.
func Euros(n int64) Cents { return Cents(n * 100) }

// Decimal writes the amount as a plain number of euros for files that programs read (CSV,
// spreadsheets): 1100.00, -12.50; no currency, no grouping.
func (c Cents) Decimal() string {
	sign, v := c.parts()
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// parts splits the amount into its sign and its absolute value (as an unsigned number, so the
// most negative amount has one too).
func (c Cents) parts() (string, uint64) {
	if c < 0 {
		return "-", uint64(-(c + 1)) + 1
	}
	return "", uint64(c)
}

// String formats the amount for people: EUR 1,100.00.
func (c Cents) String() string {
	sign, v := c.parts()
	whole := strconv.FormatUint(v/100, 10)
	var grouped []byte
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			grouped = append(grouped, ',')
		}
		grouped = append(grouped, whole[i])
	}
	return fmt.Sprintf("%sEUR %s.%02d", sign, grouped, v%100)
}

// ParseEuros reads an amount in euros as people write it: 40000, 40,000, 40000.5,
// 1,100.00 or EUR 1,100.00. At most two decimals; never negative.
func ParseEuros(s string) (Cents, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(t, "EUR"), "€"))
	bad := ruleErr("amount", RuleFormat, "%q is not an amount in euros (for example 40000 or 40,000.00)", s)
	bad.Value = s
	whole, frac, hasFrac := strings.Cut(t, ".")
	if whole == "" || strings.HasPrefix(whole, ",") || strings.HasSuffix(whole, ",") {
		return 0, bad
	}
	groups := strings.Split(whole, ",")
	for i, g := range groups {
		if g == "" || (i > 0 && len(g) != 3) || (len(groups) > 1 && i == 0 && len(g) > 3) {
			return 0, bad
		}
	}
	digits := strings.Join(groups, "")
	if hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return 0, bad
	}
	for len(frac) < 2 {
		frac += "0"
	}
	for _, r := range digits + frac {
		if r < '0' || r > '9' {
			return 0, bad
		}
	}
	n, err := strconv.ParseInt(digits+frac, 10, 64)
	if err != nil || Cents(n) > MaxAmount {
		// Only digits are left, so a parse error is a number too large for int64.
		return 0, &RuleError{Field: "amount", Rule: RuleAmountRange, Value: s, Amount: Cents(min(n, int64(MaxAmount)+1)),
			Reason: fmt.Sprintf("%s is out of range: amounts go up to %s", strings.TrimSpace(s), MaxAmount)}
	}
	return Cents(n), nil
}
