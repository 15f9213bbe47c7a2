package rules

import (
	"encoding/binary"
	"strings"
	"unsafe"
)

// The records of a list nearly always name the same members in the same
// order, so the scan first expects, at each member name of a record, the
// name the record before it had at the same place (and inside a member's
// value, the names that value had). When the bytes there are that name's
// bytes, from its opening quote to its value, the name needs no string
// scan (those bytes were shown valid when they were first read) and no
// lookup in the path tree (the answer is remembered with it); otherwise
// the name is read as usual and remembered for the next record. Either
// way every byte is read: a guess is compared byte for byte.
//
// Remembered names point into the body being scanned, which is not
// written while it is scanned; they are forgotten before the storage goes
// back to its pool.

// nameSpan is the text from a member name's opening quote to its value,
// the colon and white space between included.
type nameSpan struct {
	span string
	head [2]uint64 // span's first 16 bytes as little-endian words, zero past its end
	mask [2]uint64 // the bits of head that span fills
}

// newNameSpan remembers span with its first 16 bytes as words.
func newNameSpan(span string) nameSpan {
	k := nameSpan{span: span}
	for b := 0; b < len(span) && b < 16; b++ {
		k.head[b/8] |= uint64(span[b]) << (8 * (b % 8))
		k.mask[b/8] |= 0xff << (8 * (b % 8))
	}
	return k
}

// valueAt returns the index of the value when s[i:] starts with the span
// (white space after it skipped), or -1. Spans of up to 16 bytes are
// compared as two words.
func (k *nameSpan) valueAt(s string, i int) int {
	end := i + len(k.span)
	if i+16 >= len(s) || len(k.span) > 16 {
		return k.valueAtSlow(s, i)
	}
	base := unsafe.Pointer(unsafe.StringData(s))
	w0 := binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(base, i))[:])
	w1 := binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(base, i+8))[:])
	if (w0^k.head[0])&k.mask[0]|(w1^k.head[1])&k.mask[1] != 0 {
		return -1
	}
	if s[end] > ' ' { // end < len(s): the span is at most 16 bytes
		return end
	}
	return skipSpace(s, end)
}

// valueAtSlow is valueAt for a long span or near the end of s.
func (k *nameSpan) valueAtSlow(s string, i int) int {
	if !strings.HasPrefix(s[i:], k.span) {
		return -1
	}
	if end := skipSpace(s, i+len(k.span)); end < len(s) {
		return end
	}
	return -1
}

// keyGuess is a member name met at one place of an object, with what the
// path tree answered for it and the names inside its value.
type keyGuess struct {
	nameSpan
	nameLen     int        // the name's length in span, quotes included
	key         string     // unescaped
	named, star *pathTree  // pathTree.lookupExact's answer
	kids        []keyGuess // the members of the value, when it was scanned as an object
	inner       []nameSpan // the member names in the value, in order, when it was skipped
}

// known returns the names remembered for the records scanned against t,
// forgetting those remembered against another tree.
func (n *nested) known(t *pathTree) *[]keyGuess {
	if n.guessTree != t {
		forgetKeys(n.guesses)
		n.guesses, n.guessTree = n.guesses[:0], t
	}
	return &n.guesses
}

// rememberKey makes the name s[i:name], whose value is at v, member j of
// *known and returns its guess (nil when nothing is kept). The guess it
// replaces lends it its storage.
func rememberKey(known *[]keyGuess, j int, s string, i, name, v int, key string, named, star *pathTree) *keyGuess {
	if known == nil || j > len(*known) {
		return nil
	}
	if j < cap(*known) {
		*known = (*known)[:max(j+1, len(*known))]
	} else {
		*known = append(*known, keyGuess{})
	}
	g := &(*known)[j]
	*g = keyGuess{nameSpan: newNameSpan(s[i:v]), nameLen: name - i, key: key, named: named, star: star, kids: g.kids[:0], inner: g.inner[:0]}
	return g
}

// skipKnownKey is skipKey for name k of a skipped value whose remembered
// names are *known (nil: none are kept).
func skipKnownKey(known *[]nameSpan, k int, s string, i int) int {
	if known == nil {
		return skipKey(s, i)
	}
	if k < len(*known) {
		if v := (*known)[k].valueAt(s, i); v >= 0 {
			return v
		}
	}
	v := skipKey(s, i)
	switch {
	case v < 0:
	case k < len(*known):
		(*known)[k] = newNameSpan(s[i:v])
	case k == len(*known):
		*known = append(*known, newNameSpan(s[i:v]))
	}
	return v
}

// forgetKeys drops every remembered name, nested ones too, keeping the
// storage.
func forgetKeys(known []keyGuess) {
	all := known[:cap(known)]
	for i := range all {
		g := &all[i]
		forgetKeys(g.kids)
		clear(g.inner[:cap(g.inner)])
		*g = keyGuess{kids: g.kids[:0], inner: g.inner[:0]}
	}
}
