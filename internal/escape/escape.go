// Package escape reads the escapes that URLs and JSON strings write bytes
// with: %XX and \uXXXX. The rules and the HTTP engine share it so that
// both decode them alike.
package escape

import "strings"

// IsHex reports whether c is a hexadecimal digit (either case).
func IsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Unhex is the value of the hexadecimal digit c (IsHex(c) must hold).
func Unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// Hex4 reads the four hexadecimal digits b starts with, as in a JSON
// \uXXXX escape; false when there are not four.
func Hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		if !IsHex(c) {
			return 0, false
		}
		r = r<<4 | rune(Unhex(c))
	}
	return r, true
}

// Percent decodes the %XX escapes of s once, and with plusSpace a + as a
// space (as a query string writes it); a % that starts no escape is kept
// as written. s itself is returned when it holds nothing to decode.
func Percent(s string, plusSpace bool) string {
	if strings.IndexByte(s, '%') < 0 && (!plusSpace || strings.IndexByte(s, '+') < 0) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+' && plusSpace:
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && IsHex(s[i+1]) && IsHex(s[i+2]):
			b.WriteByte(Unhex(s[i+1])<<4 | Unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
