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
