package rules

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAppendStringAsByBytes checks appendString, which passes plain ASCII
// a word at a time, against the same encoding written a byte at a time,
// on texts of every length up to 40 mixing plain bytes with quotes,
// backslashes, control characters, characters above ASCII and invalid
// bytes at every place, and checks that JSON reads each back as the text
// with invalid bytes replaced.
func TestAppendStringAsByBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"a", "Z", " ", "~", "\x7f", `"`, `\`, "\n", "\t", "\x00", "\x1f", "é", "\u2028", "😀", "\xff", "\xe2\x82"}
	for n := range 41 {
		for range 500 {
			var b strings.Builder
			for b.Len() < n {
				if r.IntN(4) == 0 {
					b.WriteString(pieces[r.IntN(len(pieces))])
				} else {
					b.WriteByte(byte('a' + r.IntN(26)))
				}
			}
			text := b.String()
			got, want := string(appendString(nil, text)), string(appendStringByBytes(nil, text))
			if got != want {
				t.Fatalf("appendString(%q) = %s, want %s", text, got, want)
			}
			var back string
			if err := json.Unmarshal([]byte(got), &back); err != nil || back != replaceInvalid(text) {
				t.Fatalf("appendString(%q) = %s reads back as %q (%v)", text, got, back, err)
			}
		}
	}
}

// replaceInvalid is text with each byte that is not part of valid UTF-8
// replaced by U+FFFD.
func replaceInvalid(text string) string {
	var b strings.Builder
	for _, r := range text { // an invalid byte ranges as U+FFFD, one at a time
		b.WriteRune(r)
	}
	return b.String()
}

// appendStringByBytes is appendString a byte at a time, plainly.
func appendStringByBytes(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c == '\r':
			dst = append(dst, `\r`...)
		case c == '\t':
			dst = append(dst, `\t`...)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return append(dst, '"')
}
