package rules

import (
	"math/bits"
	"strings"
)

// memberAt is a member readMet read and the scan keeps: its guess's index
// in the names remembered for its object, where its name starts, where its
// value starts and where it ends.
type memberAt struct {
	guess, name, value, end int
}

// readMetGo is scanHits' loop over the members that meet their remembered
// names: from the j-th guess on it compares each name's span, reads a
// string without escapes, an integer or a literal, and notes the kept
// members in met. It stops at the first member it does not read itself and
// returns the index of that member (-1 when malformed), its guess, and its
// value's index as v (-1 where it stopped at a name, or at more white space
// than the span ends with), with the count of met it filled. A value the
// scan goes into, an array or an object, a string with an escape and a
// number with a fraction or an exponent stop it at the value.
//
// readMet is readMetGo where no assembly is built for the architecture;
// on amd64 it is readmet_amd64.s, which also walks an array or object in
// the usual form (no escape, no number but an integer, at most 62 levels)
// and stops at any other. The property tests hold scanHits, which calls
// it, to a plain loop in Go (metmembers_prop_test.go).
func readMetGo(s string, i int, known []keyGuess, j int, met *[maxKnownNames]memberAt) (_, _, v, n int) {
	for ; j < len(known); j++ {
		g := &known[j]
		if !g.spanAt(s, i) {
			return i, j, -1, n // scanObject compares the rest
		}
		v = i + len(g.span)
		if g.place.into != nil { // scanObject goes into the value
			if s[v] <= ' ' {
				return i, j, -1, n // after more white space than the span ends with: scanObject reads past it
			}
			return i, j, v, n
		}
		g.missed = false
		e := v + 1 // past the value, when read here
		switch c := s[v]; {
		case c == '"':
			for e+16 <= len(s) { // two words a turn
				if m := specialIn(wordAt(s, e)); m != 0 {
					e += bits.TrailingZeros64(m) >> 3
					goto special
				}
				if m := specialIn(wordAt(s, e+8)); m != 0 {
					e += 8 + bits.TrailingZeros64(m)>>3
					goto special
				}
				e += 16
			}
			if e+8 <= len(s) {
				if m := specialIn(wordAt(s, e)); m != 0 {
					e += bits.TrailingZeros64(m) >> 3
					goto special
				}
				e += 8
			}
			for e < len(s) && !specialByte[s[e]] {
				e++
			}
		special:
			if e >= len(s) || s[e] != '"' {
				return i, j, v, n // an escape, or malformed: skipMemberValue tells
			}
			e++
		case c-'0' <= 9, c == '-':
			// an integer; a fraction or an exponent is skipNumber's
			if c == '-' {
				if e >= len(s) || s[e]-'0' > 9 {
					return -1, j, -1, n
				}
				c, e = s[e], e+1
			}
			if c != '0' {
				e = digitsEnd(s, e)
			}
			if e < len(s) && (s[e] == '.' || s[e]|0x20 == 'e') {
				return i, j, v, n
			}
		case c == 't' && strings.HasPrefix(s[v:], "true"), c == 'n' && strings.HasPrefix(s[v:], "null"):
			e = v + 4
		case c == 'f' && strings.HasPrefix(s[v:], "false"):
			e = v + 5
		case c <= ' ': // more white space than the span ends with: scanObject reads past it
			return i, j, -1, n
		default: // a container, or malformed
			return i, j, v, n
		}
		if g.kept {
			met[n] = memberAt{j, i + g.nameAt, v, e}
			n++
		}
		i = e
	}
	return i, j, -1, n
}
