package rules

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/caddy-crud/caddy-crud/internal/escape"
)

// TestFoldQueryNameMatchesEqualFold compares foldName with its plain
// reference, strings.EqualFold, on random spellings.
func TestFoldQueryNameMatchesEqualFold(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aAbBkKsSzZ_-0.\u017f\u212a\u00e9\u00c9\u00df\u1e9e\u03a3\u03c3\u03c2\u0130\u0131iI\u2126\u03c9")
	word := func() string {
		n := rng.IntN(6)
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for range 20000 {
		a, b := word(), word()
		if rng.IntN(2) == 0 {
			b = respell(rng, a)
		}
		got := foldName(a) == foldName(b)
		if want := strings.EqualFold(a, b); got != want {
			t.Fatalf("foldName(%q) == foldName(%q) is %v, strings.EqualFold says %v", a, b, got, want)
		}
	}
	if s := "plain_name"; foldName(s) != s {
		t.Fatal("a folded name changed")
	}
	if n := testing.AllocsPerRun(100, func() { foldName("plain_name") }); n != 0 {
		t.Fatalf("folding a folded name allocates %v times", n)
	}
}

// respell replaces each rune of s with a random rune of its simple folding
// orbit.
func respell(rng *rand.Rand, s string) string {
	var b strings.Builder
	for _, r := range s {
		for range rng.IntN(4) {
			r = unicode.SimpleFold(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// encode percent-encodes some bytes of s at random, as a client may.
func encode(rng *rand.Rand, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' || c == '&' || c == ';' || c == '+' || c == '=' || c == '#' || c >= utf8.RuneSelf || rng.IntN(4) == 0:
			b.WriteString("%")
			b.WriteString(strings.ToUpper(string("0123456789abcdef"[c>>4])) + string("0123456789abcdef"[c&15]))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// refNamed is the plain reference of the protect matcher for a field of
// one key: the name, decoded, split at brackets and dots, has a piece
// equal to the field under strings.EqualFold.
func refNamed(raw, field string) bool {
	name, err := url.QueryUnescape(raw)
	if err != nil {
		panic(err)
	}
	for _, s := range strings.FieldsFunc(name, func(r rune) bool { return r == '[' || r == ']' || r == '.' }) {
		if strings.EqualFold(s, field) {
			return true
		}
	}
	return false
}

// TestQueryFieldNamedProperty spells protected field names at random
// (case, folding orbit, percent-encoding, bracket and dotted forms, near
// misses) and compares the matcher with refNamed.
func TestQueryFieldNamedProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fields := []string{"role", "isAdmin", "kind", "ssn", "createdAt", "s", "k"}
	others := []string{"user", "profile", "data", "x", "roles", "kinds", "is", "admin"}
	for range 20000 {
		field := fields[rng.IntN(len(fields))]
		f := newQueryField(mustPath(t, field))
		seg := respell(rng, field)
		switch rng.IntN(4) { // a near miss
		case 0:
			seg += "s"
		case 1:
			seg = others[rng.IntN(len(others))]
		}
		var name string
		switch rng.IntN(6) {
		case 0:
			name = seg
		case 1:
			name = seg + "[]"
		case 2:
			name = others[rng.IntN(len(others))] + "[" + seg + "]"
		case 3:
			name = "a[" + others[rng.IntN(len(others))] + "][" + seg + "][]"
		case 4:
			name = others[rng.IntN(len(others))] + "." + seg
		case 5:
			name = seg + "[" + others[rng.IntN(len(others))] + "]"
		}
		raw := encode(rng, name)
		whole, dotted := nameSegments(escape.Percent(raw, true))
		if got, want := f.named(whole, dotted, false), refNamed(raw, field); got != want {
			t.Fatalf("protect %s, parameter %q (%q): matched %v, want %v", field, raw, name, got, want)
		}
	}
}

// FuzzQueryProtection checks on any query that protect removes exactly the
// pairs that name the field, keeping every other pair byte for byte and in
// order.
func FuzzQueryProtection(f *testing.F) {
	for _, s := range []string{"role=a", "a=1&ROLE=2;b", "user[role]=1&&x", "&r%6Fle=1&", "a=%zz&role[]=;", "profile.verified=1"} {
		f.Add(s)
	}
	s := &stmt{op: opProtect, where: "w"}
	for _, p := range []string{"role", "profile.verified"} {
		s.query = append(s.query, newQueryField(mustPath(f, p)))
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out, changed, _, _ := queryProtection(raw, []*stmt{s}, false)
		named := func(pair string) bool {
			drop, _, _ := protectedPair(pair, []*stmt{s}, false)
			return drop
		}
		var kept []string
		for _, p := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' || r == ';' }) {
			if !named(p) {
				kept = append(kept, p)
			}
		}
		var left []string
		for _, p := range strings.FieldsFunc(out, func(r rune) bool { return r == '&' || r == ';' }) {
			if named(p) {
				t.Fatalf("%q: %q still names a protected field", raw, p)
			}
			left = append(left, p)
		}
		if strings.Join(left, "\n") != strings.Join(kept, "\n") {
			t.Fatalf("%q became %q: kept %q, want %q", raw, out, left, kept)
		}
		if !changed && out != raw {
			t.Fatalf("%q became %q, unchanged", raw, out)
		}
	})
}
