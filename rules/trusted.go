package rules

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// The functions below re-read JSON that was validated already (a request
// body, or a response or record the validating scanner has been through):
// they only find where strings and values end, checking nothing, which
// makes a rewrite's pass cheaper than the pass that validated. On input
// that is not valid JSON they stay within bounds and answer nonsense.

// quoteOrBackslash has the high bit set in the first byte of w that is a
// quote or a backslash, if any (only the lowest set bit is meaningful).
func quoteOrBackslash(w uint64) uint64 {
	q := w ^ (ones * '"')
	b := w ^ (ones * '\\')
	return ((q-ones)&^q | (b-ones)&^b) & highs
}

// trustedString returns the index past the string whose quote is at s[i]
// and whether it holds an escape. Its first 64 bytes are read a word at a
// time; a string that goes on is searched with the library's vector byte
// search, which pays off only past a few words.
func trustedString(s string, i int) (int, bool) {
	base := unsafe.Pointer(unsafe.StringData(s))
	i++
	for stop := min(i+64, len(s)-8); i <= stop; i += 8 {
		m := quoteOrBackslash(binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(base, i))[:]))
		if m == 0 {
			continue
		}
		if i += bits.TrailingZeros64(m) >> 3; s[i] == '"' {
			return i + 1, false
		}
		return longString(s, i) // an escape: the search takes it from here
	}
	return longString(s, i)
}

// longString is trustedString from s[i] inside the string: the closing
// quote is the first quote no backslash escapes. Each byte is searched at
// most twice (once for a quote, once for a backslash), however many
// escapes the string holds.
func longString(s string, i int) (int, bool) {
	escaped := false
	quote := -1 // the first quote at or after i, once searched
	for i < len(s) {
		if quote < i {
			q := strings.IndexByte(s[i:], '"')
			if q < 0 { // unterminated: not valid JSON
				return len(s), escaped || strings.IndexByte(s[i:], '\\') >= 0
			}
			quote = i + q
		}
		b := strings.IndexByte(s[i:quote], '\\')
		if b < 0 {
			return quote + 1, escaped
		}
		escaped = true
		i += b + 2 // past the escaped byte; \uXXXX's digits are plain bytes
	}
	return len(s), escaped
}

// trustedValue returns the index past the value at s[i].
func trustedValue(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	switch s[i] {
	case '"':
		end, _ := trustedString(s, i)
		return end
	case '{', '[':
		depth := 0
		for i < len(s) {
			switch s[i] {
			case '"':
				i, _ = trustedString(s, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(s)
	}
	for i < len(s) {
		switch s[i] {
		case ',', '}', ']', ' ', '\n', '\r', '\t':
			return i
		}
		i++
	}
	return i
}

// trustedKey reads the member name whose quote is at s[i]: unescaped, as
// written, and the index of the member's value.
func trustedKey(s string, i int) (key, keyRaw string, value int) {
	k := i
	i, escaped := trustedString(s, i)
	keyRaw = s[k:i]
	if len(keyRaw) >= 2 {
		key = keyRaw[1 : len(keyRaw)-1]
	}
	if escaped {
		key = gjson.Parse(keyRaw).Str
	}
	return key, keyRaw, skipSpace(s, skipSpace(s, i)+1) // past ':'
}

// trustedMembers appends the members of the object at s[i] ('{') to dst;
// it returns them and the index past the object.
func trustedMembers(s string, i int, dst []member) ([]member, int) {
	for i = skipSpace(s, i+1); i < len(s) && s[i] != '}'; {
		key, keyRaw, v := trustedKey(s, i)
		i = trustedValue(s, v)
		dst = append(dst, member{key: key, keyRaw: keyRaw, val: s[min(v, i):i]})
		if i = skipSpace(s, i); i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
		}
	}
	return dst, min(i+1, len(s))
}
