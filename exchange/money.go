package exchange

import (
	"fmt"
	"strconv"
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
