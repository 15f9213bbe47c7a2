package rules

import (
	"unicode"
	"unicode/utf8"
)

// foldQueryName returns s under Unicode simple case folding, as a key:
// foldQueryName(a) == foldQueryName(b) exactly when strings.EqualFold(a, b)
// for valid UTF-8 (ROLE, Role and rOLE fold to role; ſ U+017F folds with s
// and K U+212A with k, as Go's encoding/json binds them). Each rune becomes
// one representative of its folding orbit: the ASCII letter in lower case
// when the orbit holds one, else the orbit's smallest rune. A byte that is
// not valid UTF-8 is kept as it is. Names that need no change are returned
// without allocating.
//
// It is the one folding function of query parameter names; body keys can
// share it.
func foldQueryName(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return foldFrom(s, i)
		}
	}
	return s
}

// foldFrom folds s, whose bytes before i need no change.
func foldFrom(s string, i int) string {
	b := make([]byte, i, len(s)+4)
	copy(b, s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, c)
			i++
			continue
		}
		b = utf8.AppendRune(b, foldQueryRune(r))
		i += n
	}
	return string(b)
}

// foldQueryRune is the representative of r's simple folding orbit.
func foldQueryRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	if 'A' <= least && least <= 'Z' {
		least += 'a' - 'A'
	}
	return least
}
