package rules

import (
	"strings"
	"unicode/utf8"
)

// Field names of request bodies match the way permissive backends bind
// them: Go's encoding/json (and ASP.NET Core) bind {"ROLE":…} and
// {"iſAdmin":…} to role and isAdmin, under Unicode simple case folding.
// Path keys are folded once, at load time, by foldName (schema.go).

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
		return strings.EqualFold(key, want)
	}
	return key == want
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
