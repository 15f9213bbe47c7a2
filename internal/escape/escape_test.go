package escape

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

func TestHex4(t *testing.T) {
	for in, want := range map[string]rune{"0041": 'A', "d83D": 0xD83D, "FFFF": 0xFFFF, "00e9x": 0xE9} {
		if r, ok := Hex4([]byte(in)); !ok || r != want {
			t.Errorf("Hex4(%q) = %#x, %v; want %#x", in, r, ok, want)
		}
	}
	for _, in := range []string{"", "004", "004g", "+041", " 041"} {
		if _, ok := Hex4([]byte(in)); ok {
			t.Errorf("Hex4(%q) read four digits", in)
		}
	}
}

// TestPercentAsURL: where every % starts an escape, Percent decodes as
// net/url does (query unescaping with plusSpace, path unescaping without),
// on random strings with fixed seeds.
func TestPercentAsURL(t *testing.T) {
	const alphabet = "aZ09+% /%2B%41%e9%ff%0a"
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			if rng.IntN(3) == 0 {
				b.WriteString([]string{"%41", "%2b", "%2F", "%e9", "%zz", "%"}[rng.IntN(6)])
			} else {
				b.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
		}
		s := b.String()
		if q, err := url.QueryUnescape(s); err == nil && Percent(s, true) != q {
			t.Fatalf("Percent(%q, true) = %q, url.QueryUnescape = %q", s, Percent(s, true), q)
		}
		if p, err := url.PathUnescape(s); err == nil && Percent(s, false) != p {
			t.Fatalf("Percent(%q, false) = %q, url.PathUnescape = %q", s, Percent(s, false), p)
		}
	}
	for in, want := range map[string]string{"%zz%4": "%zz%4", "a%41+": "aA ", "%": "%", "100%": "100%"} {
		if got := Percent(in, true); got != want {
			t.Errorf("Percent(%q, true) = %q, want %q", in, got, want)
		}
	}
}
