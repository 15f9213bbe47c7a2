package rules

import (
	"encoding/binary"
	"math"
	"strings"
	"unsafe"
)

// The records of a list nearly always name the same members in the same
// order, so the scan first expects, at each member of a record, the text
// the record before it had there (and inside a member's value, the names
// that value had): from the end of what precedes the member (the opening
// brace or the previous value) to the member's value, the comma, the name,
// the colon and the white space between included. When the bytes there
// are those bytes, the name needs no string scan (the bytes were shown
// valid when they were first read) and no lookup in the path tree (the
// answer is remembered with it); otherwise the member is read as usual,
// and remembered for the next record when the guess there missed the time
// before too (records that alternate between two shapes keep their
// guesses). Either way every byte is read: a guess is compared byte for
// byte. Records that do not repeat one another's names turn the guessing
// off for the rest of the body (see known).
//
// Remembered names point into the body being scanned, which is not
// written while it is scanned. Before the storage goes back to its pool
// their text is copied into storage of its own (keepKeys), so that the
// next body scanned with it, by the same program, is expected to repeat
// the names of this one's last records: the first records of a response
// meet their names as the later ones do.

// maxKnownNames bounds the names remembered for one object and for one
// skipped value, so that what a pooled scan keeps stays small however
// wide the records are; names past it are read as usual.
const maxKnownNames = 64

// nameSpan is the text before a value that holds its member's name: in a
// record (scanObject) from the end of what precedes the member, in a
// skipped value (skipContainer) from the name's opening quote.
type nameSpan struct {
	span   string
	head   [2]uint64 // span's first 16 bytes as little-endian words, zero past its end
	mask   [2]uint64 // the bits of head that span fills
	long   int       // 0 when span has at most 16 bytes, else more than any text's length (see spanAt)
	missed bool      // the last text compared with it differed: the next that differs replaces it
}

// newNameSpan remembers s[start:end] with its first 16 bytes as words.
func newNameSpan(s string, start, end int) nameSpan {
	k := nameSpan{span: s[start:end]}
	if end-start > 16 {
		k.long = math.MaxInt / 2
	}
	n := min(end-start, 16)
	if start+16 <= len(s) {
		p := unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), start)
		k.mask[0], k.mask[1] = lowBytes(n), lowBytes(n-8)
		k.head[0] = binary.LittleEndian.Uint64((*[8]byte)(p)[:]) & k.mask[0]
		k.head[1] = binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(p, 8))[:]) & k.mask[1]
		return k
	}
	for b := range n {
		k.head[b/8] |= uint64(k.span[b]) << (8 * (b % 8))
		k.mask[b/8] |= 0xff << (8 * (b % 8))
	}
	return k
}

// lowBytes is a word with its n low bytes set (none for n ≤ 0, all for
// n ≥ 8).
func lowBytes(n int) uint64 {
	switch {
	case n <= 0:
		return 0
	case n >= 8:
		return ^uint64(0)
	}
	return 1<<(8*n) - 1
}

// valueAt returns the index of the value when s[i:] starts with the span
// (white space after it skipped), or -1.
func (k *nameSpan) valueAt(s string, i int) int {
	if len(k.span) <= 16 && i+16 < len(s) {
		if !k.headAt(s, i) {
			return -1
		}
	} else if !strings.HasPrefix(s[i:], k.span) {
		return -1
	}
	if end := skipSpace(s, i+len(k.span)); end < len(s) {
		return end
	}
	return -1
}

// spanAt reports whether s[i:] starts with the span, a short one, with a
// byte after it: valueAt's usual case, small enough to inline. The byte
// after the span may be white space (more than the span ends with): the
// callers find out where they read the value.
func (k *nameSpan) spanAt(s string, i int) bool {
	return i+16+k.long < len(s) && k.headAt(s, i)
}

// missedTwice notes that the text compared with k differed, and reports
// whether it differed the time before too: only then is a guess replaced,
// so that records alternating between two shapes keep theirs.
func (k *nameSpan) missedTwice() bool {
	twice := k.missed
	k.missed = true
	return twice
}

// headAt reports whether the 16 bytes at s[i] (there must be as many)
// start with the span's first 16 bytes, compared as two words.
func (k *nameSpan) headAt(s string, i int) bool {
	p := unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i)
	w0 := binary.LittleEndian.Uint64((*[8]byte)(p)[:])
	w1 := binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(p, 8))[:])
	return (w0^k.head[0])&k.mask[0]|(w1^k.head[1])&k.mask[1] == 0
}

// memberPlace is where a member sits in the tree an object is scanned
// against (the zero value: no tree), as scanObject finds it.
type memberPlace struct {
	miss bool      // no path names it
	at   uint8     // the index of the named child naming it
	into *pathTree // the named child, when the scan goes into the member's object
}

// keyGuess is a member name met at one place of an object, with what the
// path tree answered for it and the names inside its value.
type keyGuess struct {
	nameSpan
	nameAt  int         // where the name starts in span
	nameLen int         // the name's length, quotes included
	key     string      // unescaped
	place   memberPlace // where the name sits in the tree the object is scanned against
	kept    bool        // the scan keeps the member (see scanMembers' sparse)
	kids    []keyGuess  // the members of the value, when it was scanned as an object
	inner   []nameSpan  // the member names in the value, in order, when it was skipped
}

// known returns the names remembered for the records scanned against t,
// forgetting those remembered against another tree; nil (expect nothing)
// once the records have shown they do not repeat one another's names:
// after 64 names that did not match their guess, at most one in five
// matching.
func (n *nested) known(t *pathTree) *[]keyGuess {
	if n.guessTree != t {
		forgetKeys(n.guesses)
		n.guesses, n.guessTree, n.hits, n.misses = n.guesses[:0], t, 0, 0
	}
	if n.misses >= 64 && n.misses > 4*n.hits {
		return nil
	}
	return &n.guesses
}

// rememberKey makes member j of *known the one whose text before its value
// at v starts at start, with its name at s[i:name], and returns its guess
// (nil when it keeps none). The guess it replaces lends it its storage.
func rememberKey(known *[]keyGuess, j int, s string, start, i, name, v int, key string, place memberPlace, kept bool) *keyGuess {
	if j > len(*known) || j >= maxKnownNames {
		return nil
	}
	if j < cap(*known) {
		*known = (*known)[:max(j+1, len(*known))]
	} else {
		*known = append(*known, keyGuess{})
	}
	g := &(*known)[j]
	forgetKeys(g.kids) // what the guess it replaces remembered goes with it (see forgetKeys)
	clear(g.inner)
	*g = keyGuess{nameSpan: newNameSpan(s, start, v), nameAt: i - start, nameLen: name - i, key: key, place: place, kept: kept, kids: g.kids[:0], inner: g.inner[:0]}
	return g
}

// skipKnownKey is skipKey for name k of a skipped value whose remembered
// names are *known.
func skipKnownKey(known *[]nameSpan, k int, s string, i int) int {
	if k < len(*known) {
		g := &(*known)[k]
		if v := g.valueAt(s, i); v >= 0 {
			g.missed = false
			return v
		}
		if !g.missedTwice() {
			return skipKey(s, i)
		}
	}
	v := skipKey(s, i)
	switch {
	case v < 0:
	case k < len(*known):
		(*known)[k] = newNameSpan(s, i, v)
	case k == len(*known) && k < maxKnownNames:
		*known = append(*known, newNameSpan(s, i, v))
	}
	return v
}

// forgetKeys drops every remembered name, nested ones too, keeping the
// storage. It walks the names within each slice's length only: past it
// the storage is empty, as a slice grows one name at a time and a name is
// emptied, with what it holds, wherever a slice is cut (here, and where
// rememberKey replaces a guess).
func forgetKeys(known []keyGuess) {
	for i := range known {
		g := &known[i]
		forgetKeys(g.kids)
		clear(g.inner)
		*g = keyGuess{kids: g.kids[:0], inner: g.inner[:0]}
	}
}

// maxKeptText bounds the text of the names kept from one body for the
// next (keepKeys); names wider than that are forgotten instead.
const maxKeptText = 8 << 10

// keepKeys makes the remembered names hold their own copy of their text,
// none of the body's, so that they outlive it. The copies go to one of
// two buffers in turn: names kept from the body before are read from the
// one they are in while the other is written.
func (n *nested) keepKeys() {
	n.hits, n.misses = 0, 0
	size, own := keptSize(n.guesses, unsafeString(n.text[n.textAt]))
	if own {
		return // the names are those kept before, none read anew from this body
	}
	if size > maxKeptText {
		forgetKeys(n.guesses)
		n.guesses = n.guesses[:0]
		return
	}
	n.textAt ^= 1
	text := n.text[n.textAt][:0]
	if cap(text) < size {
		text = make([]byte, 0, size) // the strings made below point into it: it must not grow
	}
	keepText(n.guesses, &text)
	n.text[n.textAt] = text
}

// keptSize is the text keepText copies for known, and whether all of it
// is in text already.
func keptSize(known []keyGuess, text string) (size int, own bool) {
	own = true
	for i := range known {
		g := &known[i]
		kids, kidsOwn := keptSize(g.kids, text)
		size += len(g.span) + len(g.key) + kids
		own = own && kidsOwn && inText(g.span, text) && inText(g.key, text)
		for k := range g.inner {
			size += len(g.inner[k].span)
			own = own && inText(g.inner[k].span, text)
		}
	}
	return size, own
}

// inText reports whether s is empty or part of text's memory.
func inText(s, text string) bool { return s == "" || inside(text, s) }

// keepText copies the text of the names in known, nested ones too, to
// *text, whose capacity holds it, and points the names at the copies.
func keepText(known []keyGuess, text *[]byte) {
	for i := range known {
		g := &known[i]
		g.span, g.key = ownText(text, g.span), ownText(text, g.key)
		for k := range g.inner {
			g.inner[k].span = ownText(text, g.inner[k].span)
		}
		keepText(g.kids, text)
	}
}

// ownText appends s to *text, which has room for it, and returns the copy.
func ownText(text *[]byte, s string) string {
	if s == "" {
		return ""
	}
	at := len(*text)
	*text = append(*text, s...)
	return unsafe.String(&(*text)[at], len(s))
}
