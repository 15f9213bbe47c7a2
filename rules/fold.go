package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field names of request bodies match the way permissive backends bind
// them: Go's encoding/json (and ASP.NET Core) bind {"ROLE":…} and
// {"iſAdmin":…} to role and isAdmin, under Unicode simple case folding.
// Path keys are folded once, at load time, by foldName.

// equalFolded reports whether key folds to folded (a foldName result),
// without allocating; ASCII bytes are compared directly.
func equalFolded(key, folded string) bool {
	i, j := 0, 0
	for i < len(key) && j < len(folded) {
		c := key[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != folded[j] {
				return false
			}
			i, j = i+1, j+1
			continue
		}
		r, n := utf8.DecodeRuneInString(key[i:])
		f, m := utf8.DecodeRuneInString(folded[j:])
		if foldRune(r) != f {
			return false
		}
		i, j = i+n, j+m
	}
	return i == len(key) && j == len(folded)
}

// sameKey reports whether the member name key is the rule's name want:
// exactly, or under folding when fold is set.
func sameKey(key, want string, fold bool) bool {
	if fold {
		return equalFold(key, want)
	}
	return key == want
}

// equalFold is strings.EqualFold, answering at once for two names whose
// first bytes are ASCII and differ even in case (see foldApart) and for
// two names spelled alike, the usual match.
func equalFold(a, b string) bool {
	return !foldApart(a, b) && (a == b || strings.EqualFold(a, b))
}

// foldApart reports that a and b do not fold alike, from their first
// bytes alone (false: they may). An ASCII character folds to no other
// ASCII character than its other case (k and s fold to the Kelvin sign
// and the long s too, which are not ASCII), and c|0x20 is a letter's
// lower case: two ASCII bytes for which it differs are not one letter's
// two cases. Small enough to inline where names are compared in a loop.
func foldApart(a, b string) bool {
	return len(a) > 0 && len(b) > 0 && (a[0]|b[0]) < utf8.RuneSelf && a[0]|0x20 != b[0]|0x20
}

// isASCII reports whether s holds only ASCII bytes, eight at a time.
func isASCII(s string) bool {
	i, or := 0, uint64(0)
	for ; i+8 <= len(s); i += 8 {
		or |= wordAt(s, i)
	}
	for ; i < len(s); i++ {
		or |= uint64(s[i])
	}
	return or&highs == 0
}

// foldName returns s under Unicode simple case folding, as a key:
// foldName(a) == foldName(b) exactly when strings.EqualFold(a, b)
// for valid UTF-8 (ROLE, Role and rOLE fold to role; ſ U+017F folds with s
// and K U+212A with k, as Go's encoding/json binds them). Each rune becomes
// one representative of its folding orbit: the ASCII letter in lower case
// when the orbit holds one, else the orbit's smallest rune. A byte that is
// not valid UTF-8 is kept as it is. Names that need no change are returned
// without allocating.
//
// It is the one folding function: of body keys, path keys (at load time),
// query parameter names, schema property names and route segments.
func foldName(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return string(AppendFoldName(append(make([]byte, 0, len(s)+4), s[:i]...), s[i:]))
		}
	}
	return s
}

// FoldName is foldName for other packages (the router keys routes by it).
func FoldName(s string) string { return foldName(s) }

// AppendFoldName appends foldName(s) to dst: into a buffer of the
// caller's, it folds without allocating.
func AppendFoldName(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, c)
			i++
			continue
		}
		dst = utf8.AppendRune(dst, foldRune(r))
		i += n
	}
	return dst
}

// foldRune is the representative of r's simple folding orbit.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	if 'A' <= least && least <= 'Z' {
		least += 'a' - 'A'
	}
	return least
}
