package rules

import (
	"math/big"
	"strconv"

	"github.com/tidwall/gjson"
)

// numbersEqual reports whether two JSON number texts have the same exact
// decimal value: 1.0 == 1, 1e2 == 100, -0 == 0, but
// 100000000000000000001 != 100000000000000000000 (float64 cannot tell
// those apart). It does not allocate for exponents that fit an int64.
func numbersEqual(a, b string) bool {
	x, y := decimalOf(a), decimalOf(b)
	if x.zero || y.zero {
		return x.zero && y.zero
	}
	if x.neg != y.neg || x.count != y.count || !sameDigits(x, y) {
		return false
	}
	if x.expOK && y.expOK {
		return x.exp+x.shift == y.exp+y.shift
	}
	return x.bigScale().Cmp(y.bigScale()) == 0
}

// decimal is a JSON number text read as digits × 10^(exp+shift): digits
// are text[first:last+1] less a '.', without leading or trailing zeros.
type decimal struct {
	text        string
	neg, zero   bool
	first, last int    // the first and last nonzero digits in text
	count       int    // how many digits from first to last
	shift       int64  // the scale the digits' position gives
	exp         int64  // the exponent, when expOK
	expOK       bool   // the exponent fits an int64
	expText     string // the exponent as written, "" when none
}

// decimalOf reads a JSON number text.
func decimalOf(s string) decimal {
	d := decimal{text: s, first: -1}
	i := 0
	if i < len(s) && s[i] == '-' {
		d.neg = true
		i++
	}
	intEnd, fracDigits := -1, 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if intEnd >= 0 {
				fracDigits++
			}
			if c != '0' {
				if d.first < 0 {
					d.first = i
				}
				d.last = i
			}
			continue
		case c == '.' && intEnd < 0:
			intEnd = i
			continue
		}
		break
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		d.expText = s[i+1:]
	}
	if d.first < 0 {
		d.zero = true
		return d
	}
	// trailing zeros after the last nonzero digit raise the scale
	trailing := 0
	for j := d.last + 1; j < i; j++ {
		if s[j] != '.' {
			trailing++
		}
	}
	d.shift = int64(trailing - fracDigits)
	for j := d.first; j <= d.last; j++ {
		if s[j] != '.' {
			d.count++
		}
	}
	d.expOK = true
	if d.expText != "" {
		e, err := strconv.ParseInt(trimPlus(d.expText), 10, 64)
		d.exp, d.expOK = e, err == nil && e > -1<<62 && e < 1<<62
	}
	return d
}

func trimPlus(s string) string {
	if len(s) > 0 && s[0] == '+' {
		return s[1:]
	}
	return s
}

// bigScale is exp+shift for an exponent beyond int64.
func (d decimal) bigScale() *big.Int {
	e, ok := new(big.Int).SetString(trimPlus(d.expText), 10)
	if !ok {
		e = new(big.Int)
	}
	return e.Add(e, big.NewInt(d.shift))
}

// sameDigits compares the significant digits of x and y, skipping the
// decimal point; both have count digits.
func sameDigits(x, y decimal) bool {
	i, j := x.first, y.first
	for i <= x.last && j <= y.last {
		if x.text[i] == '.' {
			i++
			continue
		}
		if y.text[j] == '.' {
			j++
			continue
		}
		if x.text[i] != y.text[j] {
			return false
		}
		i++
		j++
	}
	return true
}

// jsonEqual reports whether two JSON values are equal: numbers by their
// exact decimal value, strings by their decoded text, objects by their
// members whatever their order (the last of duplicate keys counts, as it
// does when a record is decoded), arrays element by element.
func jsonEqual(a, b gjson.Result) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case gjson.Number:
		return numbersEqual(a.Raw, b.Raw)
	case gjson.String:
		return a.Str == b.Str
	case gjson.JSON:
		if a.IsArray() != b.IsArray() {
			return false
		}
		if a.IsArray() {
			x, y := a.Array(), b.Array()
			if len(x) != len(y) {
				return false
			}
			for i := range x {
				if !jsonEqual(x[i], y[i]) {
					return false
				}
			}
			return true
		}
		x, y := members(a), members(b)
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	}
	return true // null, true, false
}

// members is an object's members by name, the last of duplicates.
func members(o gjson.Result) map[string]gjson.Result {
	m := map[string]gjson.Result{}
	o.ForEach(func(k, v gjson.Result) bool {
		m[k.Str] = v
		return true
	})
	return m
}
