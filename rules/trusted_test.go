package rules

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// refTrustedString is trustedString byte by byte.
func refTrustedString(s string, i int) (int, bool) {
	escaped := false
	for i++; i < len(s); i++ {
		switch s[i] {
		case '"':
			return i + 1, escaped
		case '\\':
			escaped = true
			i++
		}
	}
	return len(s), escaped
}

// TestTrustedStringAgreesWithByteByByte compares trustedString with the
// byte-by-byte reading on strings of every length made of plain bytes,
// quotes and backslashes (runs of them included), whatever follows.
func TestTrustedStringAgreesWithByteByByte(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "é", `"`, `\`, `\\`, `\"`, `\u00e9`, "bcdefghij", strings.Repeat("x", 40)}
	for range 200_000 {
		var b strings.Builder
		b.WriteByte('"')
		for n := r.IntN(12); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		end, esc := trustedString(s, 0)
		wantEnd, wantEsc := refTrustedString(s, 0)
		if end != wantEnd || esc != wantEsc {
			t.Fatalf("trustedString(%q) = %d, %v; want %d, %v", s, end, esc, wantEnd, wantEsc)
		}
	}
}

// FuzzTrustedString is the same comparison on any text.
func FuzzTrustedString(f *testing.F) {
	f.Add(`"abc\"def" tail`)
	f.Add(`"0123456789\\"`)
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" || s[0] != '"' {
			return
		}
		end, esc := trustedString(s, 0)
		if wantEnd, wantEsc := refTrustedString(s, 0); end != wantEnd || esc != wantEsc {
			t.Fatalf("trustedString(%q) = %d, %v; want %d, %v", s, end, esc, wantEnd, wantEsc)
		}
	})
}
