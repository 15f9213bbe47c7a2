package rules

import (
	"bytes"
	"hash/maphash"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/caddy-crud/caddy-crud/internal/escape"
)

// PlainRequestJSON is a fast check for request bodies: true when b is one
// JSON value in valid UTF-8, with no duplicate key in any object and no
// deeper than maxDepth, and whose \u escapes name no lone surrogate (which
// would unescape to invalid UTF-8). False means "not shown here": the
// caller then asks a full validator for the verdict and its message, so it
// never accepts what the full check refuses. With fold, two keys of one
// object that fold alike (simple case folding, as Go's encoding/json binds
// them) are duplicates too.
//
// With ix, a body shown valid that is an object leaves its top-level
// members in ix (and with ix.Nested, the members of the objects that are
// their values, and so on down), for the before phase to read instead of
// finding them again; ix is reset otherwise.
func PlainRequestJSON(b []byte, maxDepth int, fold bool, ix *BodyIndex) bool {
	ix.Reset()
	escaped, ascii := bytes.IndexByte(b, '\\') >= 0, isASCII(unsafeString(b))
	if !ascii && !utf8.Valid(b) || escaped && !pairedSurrogates(b) {
		return false
	}
	names := exactNames
	switch {
	case fold && ascii && !escaped: // an escape may spell a name above ASCII
		names = foldedASCII
	case fold:
		names = foldedNames
	}
	s := unsafeString(b)
	i := skipSpace(s, 0)
	if i >= len(s) {
		return false
	}
	var members *[]member // scratch for the members of the objects open
	if ix != nil {
		members = &ix.scratch
	} else {
		members = memberPool.Get().(*[]member)
	}
	end, _ := plainValue(s, i, maxDepth, 0, members, names, ix)
	clear((*members)[:cap(*members)]) // no references to the body stay
	*members = (*members)[:0]
	if ix == nil {
		memberPool.Put(members)
	}
	if end < 0 || skipSpace(s, end) != len(s) {
		ix.Reset()
		return false
	}
	if ix != nil && ix.body != "" {
		ix.escaped = escaped
	}
	return true
}

// BodyIndex holds what the request check found of a body that the before
// phase would otherwise find again: the members of a top-level object and,
// when Nested is set, those of the objects that are members' values. The
// zero value holds nothing; a nil one is never filled.
type BodyIndex struct {
	// Nested asks for the members of nested objects too (the before
	// phase reads record.a.b: see Program.ReadsNested).
	Nested bool

	body    string   // the body indexed: the members are of this memory alone
	escaped bool     // body holds a backslash (an escape)
	members []member // its top-level members, in order
	tree    nested   // with Nested: the members of member values that are objects (member.deep)
	scratch []member // the check's storage for the members of the objects it is in
}

// Reset forgets the body, keeping the storage.
func (ix *BodyIndex) Reset() {
	if ix != nil {
		clear(ix.members) // no references to the body stay
		clear(ix.tree.kids)
		ix.body, ix.members, ix.tree.kids, ix.escaped = "", ix.members[:0], ix.tree.kids[:0], false
	}
}

// nestedIn returns the members of the nested objects of raw's members,
// when ix holds raw's members and those.
func (ix *BodyIndex) nestedIn(raw string) *nested {
	if ix == nil || !ix.Nested || !sameText(raw, ix.body) {
		return nil
	}
	return &ix.tree
}

// index keeps members as those of the top-level object of body.
func (ix *BodyIndex) index(body string, members []member) {
	if ix != nil {
		ix.body, ix.members = body, append(ix.members[:0], members...)
	}
}

// unescaped reports whether ix holds raw's members and raw holds no
// backslash, so no name or value of it is spelled with an escape.
func (ix *BodyIndex) unescaped(raw string) bool {
	return ix != nil && !ix.escaped && sameText(raw, ix.body)
}

// of returns the members of raw, when ix holds them.
func (ix *BodyIndex) of(raw string) ([]member, bool) {
	if ix == nil || !sameText(raw, ix.body) {
		return nil, false
	}
	return ix.members, true
}

// pairedSurrogates reports whether every \u escape of a UTF-16 surrogate
// in b is a high one followed at once by an escaped low one. Backslashes
// outside strings are the scanner's to refuse.
func pairedSurrogates(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '\\')
		if i < 0 || i+1 >= len(b) {
			return true
		}
		if b[i+1] != 'u' {
			b = b[i+2:] // \\, \" and the like: two bytes
			continue
		}
		r, ok := escape.Hex4(b[i+2:])
		switch {
		case !ok:
			return false
		case r >= 0xDC00 && r <= 0xDFFF:
			return false // a low surrogate first
		case r >= 0xD800 && r <= 0xDBFF:
			if len(b) < i+12 || b[i+6] != '\\' || b[i+7] != 'u' {
				return false
			}
			if lo, ok := escape.Hex4(b[i+8:]); !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			b = b[i+12:]
		default:
			b = b[i+6:]
		}
	}
}

// nameMatch is how the body check compares the names of an object.
type nameMatch uint8

const (
	exactNames  nameMatch = iota
	foldedNames           // under simple case folding
	foldedASCII           // under folding, in a body all ASCII and without escapes: names alike are as long, their letters differ in case only
)

// asciiFoldHash hashes an ASCII name by what folding keeps: its length and
// its first and last bytes with any letter in lower case (0x20 set), so
// names that fold alike hash alike.
func asciiFoldHash(key string) uint64 {
	x := uint64(len(key)) << 16
	if key != "" {
		x |= uint64(key[0]|0x20)<<8 | uint64(key[len(key)-1]|0x20)
	}
	return x * 0x9E3779B97F4A7C15 >> 32
}

// maxPlainMembers is the most members an object may have for the fast
// check (its table of names has twice as many slots).
const maxPlainMembers = 64

var seed = maphash.MakeSeed()

// hasDuplicate reports whether two members share a name (under folding
// with fold), through a small open-addressing table of the names' hashes
// (no allocation).
func hasDuplicate(members []member, names nameMatch) bool {
	fold := names != exactNames
	if len(members) < 8 {
		for j := range members {
			for k := j + 1; k < len(members); k++ {
				if a, b := members[j].key, members[k].key; !(fold && foldApart(a, b)) && sameKey(a, b, fold) {
					return true
				}
			}
		}
		return false
	}
	var slots [2 * maxPlainMembers]uint8 // member index + 1
	for j := range members {
		var h uint64
		switch names {
		case foldedASCII:
			h = asciiFoldHash(members[j].key)
		case foldedNames:
			h = foldHash(members[j].key)
		default:
			h = maphash.String(seed, members[j].key)
		}
		at := h % uint64(len(slots))
		for ; slots[at] != 0; at = (at + 1) % uint64(len(slots)) {
			if sameKey(members[slots[at]-1].key, members[j].key, fold) {
				return true
			}
		}
		slots[at] = uint8(j + 1)
	}
	return false
}

// FoldedDuplicate finds, in validated JSON, the first object key that
// folds like an earlier key of its object (simple case folding); it
// returns the later key as the client sent it (unescaped).
func FoldedDuplicate(b []byte) (string, bool) {
	return foldedDuplicate(parse(b))
}

func foldedDuplicate(v gjson.Result) (string, bool) {
	if !v.IsObject() && !v.IsArray() {
		return "", false
	}
	var seen map[string]bool
	if v.IsObject() {
		seen = map[string]bool{}
	}
	key, found := "", false
	v.ForEach(func(k, e gjson.Result) bool {
		if seen != nil {
			f := foldName(k.Str)
			if seen[f] {
				key, found = k.Str, true
				return false
			}
			seen[f] = true
		}
		key, found = foldedDuplicate(e)
		return !found
	})
	return key, found
}

// plainValue returns the index past the value at s[i], or -1 when it is
// malformed, has duplicate keys, or nests deeper than maxDepth, and, for
// an object indexed into ix.tree, how many members it put last there.
// members is scratch, shared by every level; a level whose members go to
// no index (ix nil) keeps only their names, for the duplicates.
func plainValue(s string, i, maxDepth, depth int, members *[]member, names nameMatch, ix *BodyIndex) (int, int) {
	if s[i] != '{' && s[i] != '[' {
		return skipScalar(s, i), 0
	}
	if depth+1 > maxDepth {
		return -1, 0
	}
	object, mark := s[i] == '{', len(*members) // members[mark:] are this object's, dropped when it closes
	if i = skipSpace(s, i+1); i < len(s) && (s[i] == '}' && object || s[i] == ']' && !object) {
		return i + 1, 0
	}
	for i < len(s) {
		if object {
			// the usual name, without escapes and right before its colon,
			// is read here; scanKey reads any other (one with an escape
			// again, to unescape it)
			if *members = append(*members, member{}); len(*members)-mark > maxPlainMembers {
				return -1, 0 // the full check finds duplicates without quadratic cost
			}
			m := &(*members)[len(*members)-1] // written in place: a member is 64 bytes
			v, e, escaped := -1, -1, true
			if s[i] == '"' {
				e, escaped = scanString(s, i)
			}
			if !escaped && e > 0 && e < len(s)-1 && s[e] == ':' {
				m.key, v = textAt(s, i+1, e-i-2), e+1
				if ix != nil {
					m.keyRaw = textAt(s, i, e-i)
				}
				if s[v] <= ' ' {
					v = skipSpace(s, v)
				}
			} else if m.key, m.keyRaw, v = scanKey(s, i); v < 0 {
				return -1, 0
			}
			if i = v; i >= len(s) {
				return -1, 0
			}
		}
		// each value validated once, nested ones by the recursion
		v, n := i, 0
		switch c := s[i]; {
		case c == '"':
			i = skipString(s, v)
		case c-'0' <= 9: // an integer in line; skipNumber reads on a fraction or an exponent
			if i = digitsEnd(s, v+1); c == '0' || i < len(s) && (s[i] == '.' || s[i]|0x20 == 'e') {
				i = skipNumber(s, v)
			}
		case c == '{' || c == '[':
			var kids *BodyIndex
			if object && ix != nil && ix.Nested {
				kids = ix // a member's object value leaves its members in ix.tree
			}
			i, n = plainValue(s, v, maxDepth, depth+1, members, names, kids)
		default:
			i = skipScalar(s, v)
		}
		if i < 0 {
			return -1, 0
		}
		if object && ix != nil {
			m := &(*members)[len(*members)-1] // the nested levels have gone: this member is last
			m.val = s[v:i]
			if n > 0 {
				m.deep, m.kids, m.nkids = true, int32(len(ix.tree.kids)-n), int32(n)
			}
		}
		if i < len(s)-1 && s[i] == ',' && s[i+1] > ' ' { // the usual comma
			i++
			continue
		}
		if i = skipSpace(s, i); i >= len(s) {
			return -1, 0
		}
		switch {
		case s[i] == ',':
			i = skipSpace(s, i+1)
		case s[i] == '}' && object, s[i] == ']' && !object:
			if object && hasDuplicate((*members)[mark:], names) {
				return -1, 0
			}
			n = 0
			switch {
			case object && depth == 0:
				ix.index(s, (*members)[mark:])
			case object && ix != nil:
				ix.tree.kids = append(ix.tree.kids, (*members)[mark:]...)
				n = len(*members) - mark
			}
			*members = (*members)[:mark] // on a failure, the caller drops them all
			return i + 1, n
		default:
			return -1, 0
		}
	}
	return -1, 0
}
