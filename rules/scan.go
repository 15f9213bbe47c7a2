package rules

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/caddy-crud/caddy-crud/internal/escape"
)

// The scanner below reads JSON and checks it as it goes: the after phase
// touches each byte of a response once, validating it (RFC 8259 grammar,
// as encoding/json.Valid) while it finds each record's members, instead
// of a validation pass followed by a filtering pass. Functions that first
// touch input return -1 for an index where the JSON is malformed; the
// rewrites that run later on the same bytes see only validated JSON.

// ErrMalformed reports a body that is not valid JSON.
var ErrMalformed = errors.New("not valid JSON")

// member is one member of a scanned object.
type member struct {
	key    string // unescaped
	keyRaw string // as written, quotes included
	val    string // raw value
	miss   bool   // no path of the tree it was scanned against names this member
	at     uint8  // index of that tree's named child naming it (0 also when none does: read it only where miss is false and no wildcard matched)
	deep   bool   // val is an object whose members were scanned too:
	kids   int32  // nested.kids[kids : kids+nkids]
	nkids  int32
}

// nested holds the members of objects scanned along with their parent
// record, one contiguous block per object, reused from record to record.
type nested struct {
	kids      []member
	levels    [][]member // scratch for each depth while an object is scanned
	guesses   []keyGuess // the names of the last record scanned (see keyGuess)
	guessTree *pathTree  // the tree guesses were looked up in
	hits      int        // names that matched their guess
	misses    int        // names that did not
	unmet     int        // members scanned without meeting their guess (see scanObject)
	text      [2][]byte  // the kept names' text, one buffer written while the other is read (see keepKeys)
	textAt    int        // the buffer of text last written
}

// of returns the members of a deep member.
func (n *nested) of(m *member) []member { return n.kids[m.kids : m.kids+m.nkids] }

// ValidJSON reports whether b is one JSON value, with only white space
// around it.
func ValidJSON(b []byte) bool {
	s := unsafeString(b)
	i := skipSpace(s, 0)
	if i >= len(s) {
		return false
	}
	end := skipValue(s, i)
	return end >= 0 && skipSpace(s, end) == len(s)
}

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(s string, i int) int {
	for i < len(s) && s[i] <= ' ' && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
		i++
	}
	return i
}

// specialByte marks what ends a run of plain string bytes: the quote, the
// backslash, and the control characters JSON forbids in strings.
var specialByte = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// specialIn has the high bit set in the first byte of w (little endian)
// that is a quote, a backslash or a control character, if any; bits above
// it may be wrong (borrows), so only the lowest set bit is meaningful.
func specialIn(w uint64) uint64 {
	// One test finds the quote with the control characters: x^0x02 is at
	// most 0x20 exactly for 0x00-0x1f and for the quote 0x22.
	// x, b and w have the same high bit in every byte (0x02 and the
	// backslash have it clear), so one test of w's high bits serves both.
	x := w ^ ones*0x02
	b := w ^ ones*'\\'
	return ((x - ones*0x21) | (b - ones)) &^ w & highs
}

// wordAt is the eight bytes of s from i, little endian; i+8 <= len(s).
func wordAt(s string, i int) uint64 {
	return binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i))[:])
}

// textAt is s[i:i+n] where the caller has read those bytes already: no
// bounds to check again.
func textAt(s string, i, n int) string {
	// unsafe.String would test n again (negative, or past the address space)
	t := textHeader{unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i), n}
	return *(*string)(unsafe.Pointer(&t))
}

// textHeader is a string's layout: its bytes and their count.
type textHeader struct {
	data unsafe.Pointer
	n    int
}

// skipString returns the index just past the string whose opening quote is
// at i, or -1 when it is not a valid JSON string.
func skipString(s string, i int) int {
	end, _ := scanString(s, i)
	return end
}

// scanString is skipString that also reports whether the string holds an
// escape. Plain bytes are skipped eight at a time.
func scanString(s string, i int) (int, bool) {
	escaped := false
	base := unsafe.Pointer(unsafe.StringData(s))
	i++
	for {
		for i+16 <= len(s) { // two words a turn: most strings end within one or two
			w := binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(base, i))[:])
			if m := specialIn(w); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				goto special
			}
			w = binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(base, i+8))[:])
			if m := specialIn(w); m != 0 {
				i += 8 + bits.TrailingZeros64(m)>>3
				goto special
			}
			i += 16
		}
		if i+8 <= len(s) {
			w := binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(base, i))[:])
			if m := specialIn(w); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				goto special
			}
			i += 8
		}
		for ; i < len(s); i++ {
			if specialByte[s[i]] {
				goto special
			}
		}
		return -1, escaped
	special:
		switch s[i] {
		case '"':
			return i + 1, escaped
		case '\\':
			escaped = true
			if i = skipEscape(s, i); i < 0 {
				return -1, escaped
			}
		default:
			return -1, escaped // a control character
		}
	}
}

// skipEscape returns the index past the escape whose backslash is at i,
// or -1.
func skipEscape(s string, i int) int {
	if i+1 >= len(s) {
		return -1
	}
	switch s[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 2
	case 'u':
		if i+6 > len(s) {
			return -1
		}
		for _, c := range []byte(s[i+2 : i+6]) {
			if !escape.IsHex(c) {
				return -1
			}
		}
		return i + 6
	}
	return -1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// skipDigits returns the index past the digits at i, or -1 when there is
// none.
func skipDigits(s string, i int) int {
	if e := digitsEnd(s, i); e > i {
		return e
	}
	return -1
}

// digitsEnd returns the index past the digits from i on (i when there is
// none), small enough to inline in the scan's loops.
func digitsEnd(s string, i int) int {
	for i < len(s) && s[i]-'0' <= 9 {
		i++
	}
	return i
}

// skipNumber returns the index past the number at i, or -1.
func skipNumber(s string, i int) int {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return -1
	case s[i] == '0':
		i++
	default:
		if i = skipDigits(s, i); i < 0 {
			return -1
		}
	}
	if i < len(s) && s[i] == '.' {
		if i = skipDigits(s, i+1); i < 0 {
			return -1
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i = skipDigits(s, i); i < 0 {
			return -1
		}
	}
	return i
}

// skipScalar returns the index past the string, number or literal at i,
// or -1.
func skipScalar(s string, i int) int {
	switch s[i] {
	case '"':
		return skipString(s, i)
	case 't':
		return skipWord(s, i, "true")
	case 'f':
		return skipWord(s, i, "false")
	case 'n':
		return skipWord(s, i, "null")
	}
	return skipNumber(s, i)
}

func skipWord(s string, i int, w string) int {
	if strings.HasPrefix(s[i:], w) {
		return i + len(w)
	}
	return -1
}

// scanKey reads the member name whose opening quote is at s[i] and the
// colon after it: the name unescaped, as written, and the index of the
// member's value (-1 when malformed).
func scanKey(s string, i int) (key, keyRaw string, value int) {
	if i >= len(s) || s[i] != '"' {
		return "", "", -1
	}
	k := i
	i, escaped := scanString(s, i)
	if i < 0 {
		return "", "", -1
	}
	keyRaw = s[k:i]
	key = keyRaw[1 : len(keyRaw)-1]
	if escaped {
		key = gjson.Parse(keyRaw).Str
	}
	if i = skipSpace(s, i); i >= len(s) || s[i] != ':' {
		return key, keyRaw, -1
	}
	if i = skipSpace(s, i+1); i >= len(s) {
		return key, keyRaw, -1
	}
	return key, keyRaw, i
}

// skipValue returns the index just past the value that starts at i, or -1
// when it is not valid JSON.
func skipValue(s string, i int) int {
	if i < 0 || i >= len(s) {
		return -1
	}
	if c := s[i]; c == '{' || c == '[' {
		return skipContainer(s, i, nil)
	}
	return skipScalar(s, i)
}

// openers is a stack of the containers skipContainer is inside, one bit
// each (1: object), so nesting costs no recursion however deep it goes.
type openers struct {
	n    int
	low  uint64   // the first 64 levels
	more []uint64 // deeper levels, rarely needed
}

// pushDeep opens a level beyond the first 64 (skipContainer sets those in
// low itself).
func (o *openers) pushDeep(object bool) {
	var bit uint64
	if object {
		bit = 1
	}
	w, at := (o.n-64)/64, (o.n-64)%64
	if w == len(o.more) {
		o.more = append(o.more, 0)
	}
	o.more[w] = o.more[w]&^(1<<at) | bit<<at
	o.n++
}

// object reports whether the innermost container is an object.
func (o *openers) object() bool {
	top := o.n - 1
	if top < 64 {
		return o.low&(1<<top) != 0
	}
	return o.more[(top-64)/64]&(1<<((top-64)%64)) != 0
}

// skipContainer returns the index past the object or array at s[i], or
// -1, expecting the member names remembered in *known (nil: none are kept;
// see skipKnownKey). It walks nested containers without recursion, from
// one value to the comma or close after it and on to the next value, the
// usual case (a comma right before the next name) first.
func skipContainer(s string, i int, known *[]nameSpan) int {
	var in openers
	names := 0
	c := s[i]
	var object bool // the innermost container is an object
open: // s[i] is c, an opening bracket
	object = c == '{'
	switch {
	case in.n >= 64:
		in.pushDeep(object)
	case object:
		in.low |= 1 << in.n
		in.n++
	default:
		in.low &^= 1 << in.n
		in.n++
	}
	if i++; i >= len(s) {
		return -1
	} else if s[i] <= ' ' {
		if i = skipSpace(s, i); i >= len(s) {
			return -1
		}
	}
	if c = s[i]; c == '}' || c == ']' {
		goto close
	}
item: // s[i] starts a member or an element
	if object {
		switch {
		case known == nil:
			i = skipKey(s, i)
		case names < len(*known) && (*known)[names].spanAt(s, i): // skipKnownKey's usual case
			g := &(*known)[names]
			i, g.missed = i+len(g.span), false
			names++
		default:
			i = skipKnownKey(known, names, s, i)
			names++
		}
		if i < 0 {
			return -1
		}
	}
value: // s[i] starts a value
	switch c = s[i]; c {
	case '{', '[':
		goto open
	case '"': // skipScalar, one call less for the usual string
		if i+9 <= len(s) { // and none for one without escapes
			if m := specialIn(wordAt(s, i+1)); m != 0 {
				if e := i + 1 + bits.TrailingZeros64(m)>>3; s[e] == '"' {
					i = e + 1
					goto after
				}
			} else { // scanString's loop in line: a call costs the loop's registers
				for e := i + 9; e+8 <= len(s); e += 8 {
					if m := specialIn(wordAt(s, e)); m != 0 {
						if e += bits.TrailingZeros64(m) >> 3; s[e] == '"' {
							i = e + 1
							goto after
						}
						break
					}
				}
			}
		}
		i, _ = scanString(s, i) // an escape, the text's last bytes, or malformed
	case '1', '2', '3', '4', '5', '6', '7', '8', '9': // an integer in line; skipNumber reads on a fraction or an exponent
		e := digitsEnd(s, i+1)
		if e < len(s) && (s[e] == '.' || s[e]|0x20 == 'e') {
			e = skipNumber(s, i)
		}
		i = e
	case ' ', '\t', '\n', '\r': // more white space after a name than its span ends with
		if i = skipSpace(s, i); i >= len(s) {
			return -1
		}
		goto value
	default:
		i = skipScalar(s, i)
	}
	if i < 0 {
		return -1
	}
after: // past a value: a comma or the close follows
	if i+1 < len(s) {
		switch c = s[i]; {
		case c == ',' && s[i+1] > ' ':
			i++
			goto item
		case c == '}' || c == ']':
			goto close
		}
	}
	if i = skipSpace(s, i); i >= len(s) {
		return -1
	}
	switch c = s[i]; c {
	case ',':
		if i = skipSpace(s, i+1); i >= len(s) {
			return -1
		}
		goto item
	case '}', ']':
		goto close
	}
	return -1
close: // s[i] is c, a closing bracket
	if (c == '}') != object {
		return -1
	}
	in.n--
	i++
	if in.n == 0 {
		return i
	}
	object = in.object()
	goto after
}

// skipKey returns the index of the value of the member whose name starts
// at s[i], or -1.
func skipKey(s string, i int) int {
	if s[i] != '"' {
		return -1
	}
	if i = skipString(s, i); i < 0 {
		return -1
	}
	if i = skipSpace(s, i); i >= len(s) || s[i] != ':' {
		return -1
	}
	if i = skipSpace(s, i+1); i >= len(s) {
		return -1
	}
	return i
}

// scanMembers appends the members of the object at s[i] ('{') to dst and
// returns them with the index just past the object (-1: malformed). With
// a tree t it also scans, into n, the members of the nested objects a
// named path of t leads into, so that a rewrite of them needs no second
// scan, and marks the members no path of t names; with sparse it leaves
// those out (every byte is validated all the same). n also remembers the
// object's member names, which the next object scanned with it is
// expected to repeat (see keyGuess).
func scanMembers(s string, i int, dst []member, t *pathTree, n *nested, depth int, sparse bool) ([]member, int) {
	var known *[]keyGuess
	if n != nil {
		known = n.known(t)
	}
	return scanObject(s, i, dst, t, n, depth, sparse, known)
}

// scanObject is scanMembers expecting the names remembered in *known
// (nil: none are kept; see keyGuess).
func scanObject(s string, i int, dst []member, t *pathTree, n *nested, depth int, sparse bool, known *[]keyGuess) ([]member, int) {
	i++ // past '{'; then past each value
	for j := 0; ; j++ {
		at := -1 // the value of the j-th member, when its name met its guess
		if known != nil && j < len(*known) {
			j0 := j
			if dst, i, j, at = scanHits(s, i, dst, *known, j); i < 0 {
				return dst, -1
			}
			n.hits += j - j0
			if j == len(*known) && i < len(s) && s[i] == '}' { // every name met: the usual end
				return dst, i + 1
			}
			if at >= 0 { // scanHits stopped at a value: the usual one to go into is read here
				if g := &(*known)[j]; g.place.into != nil && g.place.into.flat && s[at] == '{' {
					k := i + g.nameAt
					kids, nkids, e := n.scanFlat(s, at, g.place.into, depth+1, sparse, &g.kids)
					if i = e; i < 0 {
						return dst, -1
					}
					g.missed = false
					n.hits++
					dst = append(dst, member{key: g.key, keyRaw: textAt(s, k, g.nameLen), val: textAt(s, at, i-at),
						miss: g.place.miss, at: g.place.at, deep: true, kids: kids, nkids: nkids})
					if j+1 == len(*known) && i < len(s) && s[i] == '}' {
						return dst, i + 1
					}
					continue
				}
			}
		}
		var m member
		var v int
		var into *pathTree
		var g *keyGuess
		if known != nil && j < len(*known) {
			// where scanHits stopped at a name: one spelled with other
			// white space around it, or a long one, may meet its guess
			// still
			if g = &(*known)[j]; at < 0 {
				at = g.valueAt(s, i)
			}
		}
		if at >= 0 {
			g.missed = false
			n.hits++
			k := i + g.nameAt
			m.key, m.keyRaw, m.miss, m.at, into, v = g.key, s[k:k+g.nameLen], g.place.miss, g.place.at, g.place.into, at
		} else {
			start := i
			if i = skipSpace(s, i); i >= len(s) {
				return dst, -1
			}
			switch {
			case s[i] == '}':
				if known != nil && j < len(*known) {
					n.unmet++ // fewer members than guesses
				}
				return dst, i + 1
			case j == 0:
			case s[i] == ',':
				if i = skipSpace(s, i+1); i >= len(s) {
					return dst, -1
				}
			default:
				return dst, -1
			}
			if n != nil {
				n.unmet++
			}
			if m.key, m.keyRaw, v = scanKey(s, i); v < 0 {
				return dst, -1
			}
			if t != nil {
				c, star := t.lookupExact(m.key) // after-phase trees are exact
				m.miss = c == nil && star == nil
				// With a wildcard beside the name, the nested members meet
				// both subtrees: they are rewritten from the text, not from
				// a scan that knows only one.
				if c != nil {
					m.at = c.at
					if star == nil && (len(c.children) > 0 || c.star != nil) {
						into = c
					}
				}
			}
			if known != nil {
				if g != nil {
					n.misses++
				}
				if g != nil && !g.missedTwice() {
					g = nil // kept: the value is read without its guesses
				} else {
					g = rememberKey(known, j, s, start, i, i+len(m.keyRaw), v, m.key, memberPlace{m.miss, m.at, into}, !m.miss || !sparse)
				}
			}
		}
		if into != nil && s[v] == '{' {
			var kids *[]keyGuess
			if g != nil {
				kids = &g.kids
			}
			if into.flat {
				if m.kids, m.nkids, i = n.scanFlat(s, v, into, depth+1, sparse, kids); i < 0 {
					return dst, -1
				}
				m.deep = true
			} else { // scanned aside, as deeper members join n.kids meanwhile
				for len(n.levels) <= depth {
					n.levels = append(n.levels, nil)
				}
				var sub []member
				if sub, i = scanObject(s, v, n.levels[depth][:0], into, n, depth+1, sparse, kids); i < 0 {
					return dst, -1
				}
				m.deep, m.kids, m.nkids = true, int32(len(n.kids)), int32(len(sub))
				n.kids = append(n.kids, sub...)
				n.levels[depth] = sub[:0]
			}
		} else if i = skipMemberValue(s, v, g); i < 0 {
			return dst, -1
		}
		if m.val = s[v:i]; !m.miss || !sparse {
			dst = append(dst, m)
		}
	}
}

// scanFlat scans the object at s[v], gone into by into, a flat node
// (nothing in the object is gone into), its members going to n.kids as
// they are scanned: it returns where they start in n.kids, how many they
// are and the index past the object (-1: malformed).
func (n *nested) scanFlat(s string, v int, into *pathTree, depth int, sparse bool, known *[]keyGuess) (kids, nkids int32, i int) {
	at := len(n.kids)
	n.kids, i = scanObject(s, v, n.kids, into, n, depth, sparse, known)
	return int32(at), int32(len(n.kids) - at), i
}

// scanHits scans the members of an object from the j-th on while each
// meets its remembered name (scanObject's usual case, in a loop of its
// own). It reads a string without escapes (scanString's loop, in line), an
// integer and a literal itself, calling nothing but the walk of a
// container, so that its state stays in registers; at a value the scan
// goes into and at any other value it stops and returns the value's index
// as v, for the caller to read it as the j-th member's (v is -1 when it
// stops at a name).
// i is the index of the first member it leaves to scanObject, -1 when
// malformed. A member whose guess is not kept (a name nothing reads or
// rewrites, in a sparse scan) is validated and left out.
func scanHits(s string, i int, dst []member, known []keyGuess, j int) (_ []member, _, _, v int) {
	dst = slices.Grow(dst, len(known)-j) // no call in the loop
	out, nd := dst[:cap(dst)], len(dst)  // a kept member goes to out[nd]: its length stays in a register
	for ; j < len(known); j++ {
		g := &known[j]
		if !g.spanAt(s, i) {
			break // scanObject compares the rest
		}
		v = i + len(g.span)
		if g.place.into != nil { // scanObject goes into the value
			if s[v] <= ' ' {
				return out[:nd], i, j, -1 // after more white space than the span ends with: scanObject reads past it
			}
			return out[:nd], i, j, v
		}
		g.missed = false
		e := v + 1 // past the value, when read here
		switch c := s[v]; {
		case c == '"':
			for e+16 <= len(s) { // two words a turn
				if m := specialIn(wordAt(s, e)); m != 0 {
					e += bits.TrailingZeros64(m) >> 3
					goto special
				}
				if m := specialIn(wordAt(s, e+8)); m != 0 {
					e += 8 + bits.TrailingZeros64(m)>>3
					goto special
				}
				e += 16
			}
			if e+8 <= len(s) {
				if m := specialIn(wordAt(s, e)); m != 0 {
					e += bits.TrailingZeros64(m) >> 3
					goto special
				}
				e += 8
			}
			for e < len(s) && !specialByte[s[e]] {
				e++
			}
		special:
			if e >= len(s) || s[e] != '"' {
				return out[:nd], i, j, v // an escape, or malformed: skipMemberValue tells
			}
			e++
		case c-'0' <= 9, c == '-':
			// an integer; a fraction or an exponent is skipNumber's
			if c == '-' {
				if e >= len(s) || s[e]-'0' > 9 {
					return out[:nd], -1, j, -1
				}
				c, e = s[e], e+1
			}
			if c != '0' {
				e = digitsEnd(s, e)
			}
			if e < len(s) && (s[e] == '.' || s[e]|0x20 == 'e') {
				return out[:nd], i, j, v
			}
		case c == 't' && strings.HasPrefix(s[v:], "true"), c == 'n' && strings.HasPrefix(s[v:], "null"):
			e = v + 4
		case c == 'f' && strings.HasPrefix(s[v:], "false"):
			e = v + 5
		case c == '[' || c == '{':
			if e = skipContainer(s, v, &g.inner); e < 0 {
				return out[:nd], -1, j, -1
			}
		case c <= ' ': // more white space than the span ends with: scanObject reads past it
			return out[:nd], i, j, -1
		default:
			return out[:nd], i, j, v
		}
		k := i + g.nameAt
		i = e
		if g.kept {
			m := &out[nd]
			nd++
			m.key, m.keyRaw, m.val, m.miss, m.at, m.deep, m.kids, m.nkids = g.key, textAt(s, k, g.nameLen), textAt(s, v, i-v), g.place.miss, g.place.at, false, 0, 0
		}
	}
	return out[:nd], i, j, -1
}

// skipMemberValue is skipValue for the value at s[v] of a member scanObject
// does not go into, expecting the names in it that g remembers (g nil: none).
func skipMemberValue(s string, v int, g *keyGuess) int {
	switch s[v] { // one call less for the usual string
	case '"':
		i, _ := scanString(s, v)
		return i
	case '{', '[':
		var inner *[]nameSpan
		if g != nil {
			inner = &g.inner
		}
		return skipContainer(s, v, inner)
	}
	return skipScalar(s, v)
}
