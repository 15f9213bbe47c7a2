package rules

import (
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// mask and redact keep a record's shape and hide a value: mask turns a
// string into as many `*` as it has characters (Unicode code points, however
// the upstream escaped them), keeping the last n; any other value becomes
// null. redact writes another value in its place (null by default). Both
// act on every value their paths lead to, every copy of a duplicate key
// included; an absent field stays absent.

// appendReplacing copies the JSON value at s[i] (already validated),
// writing, in place of each value a path of trees leads to, what replace
// writes for it. It returns the index past the value and how many values it
// replaced. Each element of an array meets the named segments and the `*`
// that met the array, as for hide.
func appendReplacing(dst []byte, s string, i int, trees []*pathTree, replace func(dst []byte, value string) []byte) ([]byte, int, int) {
	for _, t := range trees {
		if t.leaf {
			end := trustedValue(s, i)
			return replace(dst, s[i:end]), end, 1
		}
	}
	if s[i] != '{' && s[i] != '[' {
		end := trustedValue(s, i)
		return append(dst, s[i:end]...), end, 0
	}
	object := s[i] == '{'
	dst = append(dst, s[i])
	i = skipSpace(s, i+1)
	replaced := 0
	var sub [4]*pathTree
	for first := true; i < len(s) && s[i] != '}' && s[i] != ']'; first = false {
		if !first {
			dst = append(dst, ',')
		}
		next := sub[:0]
		if object {
			key, keyRaw, value := trustedKey(s, i)
			next = matchTrees(key, trees, next)
			dst = append(append(dst, keyRaw...), ':')
			i = value
		} else {
			next = matchElement(trees, next)
		}
		if len(next) == 0 {
			end := trustedValue(s, i)
			dst = append(dst, s[i:end]...)
			i = end
		} else {
			var n int
			dst, i, n = appendReplacing(dst, s, i, next, replace)
			replaced += n
		}
		if i = skipSpace(s, i); i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
		}
	}
	if object {
		return append(dst, '}'), i + 1, replaced
	}
	return append(dst, ']'), i + 1, replaced
}

// maskValue writes the masked form of the JSON value raw: a string of as
// many characters with all but the last keep turned into `*`, or null.
func maskValue(dst []byte, raw string, keep int) []byte {
	if raw == "" || raw[0] != '"' {
		return append(dst, "null"...)
	}
	s := raw[1 : len(raw)-1]
	escaped := false
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			s, escaped = gjson.Parse(raw).Str, true // count the characters the escapes stand for
			break
		}
	}
	var stars int
	var tail string
	if isASCII(s) {
		stars = max(len(s)-keep, 0)
		tail = s[stars:]
	} else {
		stars = max(utf8.RuneCountInString(s)-keep, 0)
		tail = s
		for range stars {
			_, size := utf8.DecodeRuneInString(tail)
			tail = tail[size:]
		}
	}
	if escaped {
		return appendString(dst, strings.Repeat("*", stars)+tail)
	}
	dst = append(dst, '"')
	for range stars {
		dst = append(dst, '*')
	}
	dst = append(dst, tail...) // as the upstream wrote it: already valid in a JSON string
	return append(dst, '"')
}
