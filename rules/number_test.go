package rules

import (
	"math/big"
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestNumbersEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"1", "1", true},
		{"1.0", "1", true},
		{"1e2", "100", true},
		{"1E+2", "100.000", true},
		{"-0", "0", true},
		{"-0.0e-5", "0E9", true},
		{"0.1", "1e-1", true},
		{"0.10000000000000001", "0.1", false},
		{"100000000000000000001", "100000000000000000000", false},
		{"100000000000000000000", "1e20", true},
		{"12.5", "125e-1", true},
		{"-12.5", "12.5", false},
		{"10", "1", false},
		{"1e99999999999999999999", "1e99999999999999999999", true},
		{"1e99999999999999999999", "10e99999999999999999998", true},
		{"1e99999999999999999999", "1e99999999999999999998", false},
		{"1e-99999999999999999999", "0", false},
		{"123", "1.23e2", true},
		{"123", "1.24e2", false},
	} {
		if got := numbersEqual(c.a, c.b); got != c.want {
			t.Errorf("numbersEqual(%s, %s) = %v", c.a, c.b, got)
		}
		if got := numbersEqual(c.b, c.a); got != c.want {
			t.Errorf("numbersEqual(%s, %s) = %v", c.b, c.a, got)
		}
	}
}

// jsonNumber is the JSON grammar of a number.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// ratEqual is the reference: both texts as exact rationals.
func ratEqual(t testing.TB, a, b string) bool {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	if !ok1 || !ok2 {
		t.Fatalf("reference cannot read %q or %q", a, b)
	}
	return x.Cmp(y) == 0
}

// spell writes digits × 10^scale (digits without leading zeros, or "0")
// as a random valid JSON number text.
func spell(r *rand.Rand, neg bool, digits string, scale int) string {
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	exp := r.Intn(11) - 5 // the written exponent
	if r.Intn(3) == 0 {
		exp = 0
	}
	pos := len(digits) + scale - exp // where the point goes in digits
	mant := digits
	switch {
	case digits == "0":
	case pos >= len(mant):
		mant += strings.Repeat("0", pos-len(mant))
	case pos <= 0:
		mant = "0." + strings.Repeat("0", -pos) + mant
	default:
		mant = mant[:pos] + "." + mant[pos:]
	}
	if mant != "0" && !strings.Contains(mant, ".") && r.Intn(3) == 0 {
		mant += "."
	}
	if strings.HasSuffix(mant, ".") || strings.Contains(mant, ".") && r.Intn(2) == 0 {
		mant += strings.Repeat("0", 1+r.Intn(3))
	}
	b.WriteString(mant)
	if exp != 0 || r.Intn(4) == 0 {
		b.WriteString([]string{"e", "E"}[r.Intn(2)])
		switch {
		case exp < 0:
			b.WriteByte('-')
			exp = -exp
		case r.Intn(2) == 0:
			b.WriteByte('+')
		}
		b.WriteString(strings.Repeat("0", r.Intn(2)))
		b.WriteString(big.NewInt(int64(exp)).String())
	}
	return b.String()
}

// randomDigits is a digit string without leading zeros (or "0").
func randomDigits(r *rand.Rand) string {
	n := 1 + r.Intn(25)
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.Intn(10))
	}
	s := strings.TrimLeft(string(b), "0")
	if s == "" {
		return "0"
	}
	return s
}

// TestNumbersEqualProperty compares numbersEqual with exact rationals on
// random spellings of equal values and of values a digit apart.
func TestNumbersEqualProperty(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewSource(seed))
		equal := 0
		for range 5000 {
			digits, scale, neg := randomDigits(r), r.Intn(41)-20, r.Intn(2) == 0
			other, otherScale, otherNeg := digits, scale, neg
			switch r.Intn(4) {
			case 0: // another value
				other, otherScale = randomDigits(r), r.Intn(41)-20
			case 1: // one digit apart
				i := r.Intn(len(digits))
				other = digits[:i] + string('0'+(digits[i]-'0'+1)%10) + digits[i+1:]
				if other[0] == '0' {
					other = "1" + other
				}
			case 2: // the other sign
				otherNeg = !neg
			}
			a, b := spell(r, neg, digits, scale), spell(r, otherNeg, other, otherScale)
			if !jsonNumber.MatchString(a) || !jsonNumber.MatchString(b) {
				t.Fatalf("bad spelling %q or %q", a, b)
			}
			want := ratEqual(t, a, b)
			if want {
				equal++
			}
			if got := numbersEqual(a, b); got != want {
				t.Fatalf("seed %d: numbersEqual(%s, %s) = %v, want %v", seed, a, b, got, want)
			}
		}
		if equal < 1000 {
			t.Fatalf("seed %d: only %d equal pairs", seed, equal)
		}
	}
}

func FuzzNumbersEqual(f *testing.F) {
	for _, s := range [][2]string{
		{"1", "1.0"}, {"1e2", "100"}, {"-0", "0"}, {"0.10000000000000001", "0.1"},
		{"100000000000000000001", "100000000000000000000"}, {"1E+02", "100.00"}, {"-1.5e-3", "-0.0015"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !jsonNumber.MatchString(a) || !jsonNumber.MatchString(b) {
			return
		}
		got := numbersEqual(a, b)
		if got != numbersEqual(b, a) || !numbersEqual(a, a) {
			t.Fatalf("numbersEqual(%s, %s) is not an equivalence", a, b)
		}
		if exponentDigits(a) > 4 || exponentDigits(b) > 4 {
			return // the reference would build 10^exponent
		}
		if want := ratEqual(t, a, b); got != want {
			t.Fatalf("numbersEqual(%s, %s) = %v, want %v", a, b, got, want)
		}
	})
}

func exponentDigits(s string) int {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		return len(strings.TrimLeft(s[i+1:], "+-0"))
	}
	return 0
}

func TestJSONEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[1.0,"x"]}`, `{"b":[1,"x"],"a":1e0}`, true},
		{`{"a":1}`, `{"a":1,"b":null}`, false},
		{`{"a":100000000000000000001}`, `{"a":100000000000000000000}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`"\u0041"`, `"A"`, true},
		{`null`, `false`, false},
		{`true`, `true`, true},
		{`{"a":1,"a":2}`, `{"a":2}`, true},
		{`[]`, `{}`, false},
	} {
		if got := jsonEqual(gjson.Parse(c.a), gjson.Parse(c.b)); got != c.want {
			t.Errorf("jsonEqual(%s, %s) = %v", c.a, c.b, got)
		}
	}
}
