package exchange

import (
	"fmt"
	"strconv"
	"strings"
)

// Cents is an amount of money in euro cents. Money is never a float in this program.
type Cents int64

// Euros returns whole euros as Cents.
func Euros(n int64) Cents { return Cents(n * 100) }

// String formats the amount for people: EUR 1,100.00.
func (c Cents) String() string {
	sign := ""
	v := int64(c)
	if v < 0 {
		sign = "-"
		v = -v
	}
	whole := strconv.FormatInt(v/100, 10)
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
	n, err := strconv.ParseInt(digits+frac, 10, 64)
	if err != nil || n < 0 || strings.ContainsAny(digits+frac, "+-") {
		return 0, bad
	}
	return Cents(n), nil
}
