package rules

import (
	"errors"
	"unsafe"

	"github.com/tidwall/gjson"
)

// The rewrites below copy a JSON value into dst in one pass, leaving out or
// replacing what a path tree selects. Keys are compared after unescaping, so
// "r\u006fle" is role, and every duplicate of a key is treated alike.

var errNotObject = errors.New("expected a JSON object")

// rewriteBuffers are the two buffers a record's successive rewrites
// alternate between: each reads the one and writes the other.
type rewriteBuffers struct {
	bufs [2][]byte
	used int // the buffer spare handed out last
}

// spare returns an empty buffer that does not hold cur (cur is the record
// as written, from its first byte); keep stores what was written into it
// (it may have grown).
func (w *rewriteBuffers) spare(cur []byte) []byte {
	w.used = 0
	if b := w.bufs[0]; cap(b) > 0 && len(cur) > 0 && &b[:1][0] == &cur[0] {
		w.used = 1
	}
	return w.bufs[w.used][:0]
}

func (w *rewriteBuffers) keep(written []byte) { w.bufs[w.used] = written }

// appendDeleting appends raw less every value the trees select. It
// returns how many values it removed. raw is validated JSON (request bodies
// are checked before rules run, responses before after rules).
func appendDeleting(dst []byte, raw gjson.Result, trees ...*pathTree) ([]byte, int) {
	return appendDeletingSpans(dst, raw.Raw, trees, nil)
}

// appendDeletingSpans is appendDeleting that records in top where the
// kept members of an object sit in the output.
func appendDeletingSpans(dst []byte, raw string, trees []*pathTree, top *spans) ([]byte, int) {
	if raw == "" {
		return dst, 0
	}
	dst, _, n := appendValueEditing(dst, raw, skipSpace(raw, 0), trees, nil, top)
	return dst, n
}

// spans are where the members of an object a rewrite wrote sit in its
// output (offsets from the object's first byte), so that the record need
// not be scanned again to be read.
type spans []span

type span struct{ k0, k1, v0, v1 int } // key as written, and value

// add records a member; a nil *spans records nothing.
func (sp *spans) add(k0, k1, v0, v1 int) {
	if sp != nil {
		*sp = append(*sp, span{k0, k1, v0, v1})
	}
}

// appendValueEditing copies the JSON value at s[i] (already validated)
// with each value a path of trees leads to removed, or, when replace is
// set, replaced by what replace writes for it (mask, redact). Each element
// of an array meets the named segments and the `*` that met the array, as
// for hide. It returns the index past the value and how many values it
// removed or replaced; top, when not nil, records where the kept members of
// an object sit in dst.
func appendValueEditing(dst []byte, s string, i int, trees []*pathTree, replace func(dst []byte, value string) []byte, top *spans) ([]byte, int, int) {
	if replace != nil && anyLeaf(trees) {
		end := trustedValue(s, i)
		return replace(dst, s[i:end]), end, 1
	}
	if s[i] != '{' && s[i] != '[' {
		end := trustedValue(s, i)
		return append(dst, s[i:end]...), end, 0
	}
	object := s[i] == '{'
	base := len(dst)
	dst = append(dst, s[i])
	i = skipSpace(s, i+1)
	edited := 0
	var sub [4]*pathTree
	for first := true; i < len(s) && s[i] != '}' && s[i] != ']'; {
		var key, keyRaw string
		next := sub[:0]
		if object {
			key, keyRaw, i = trustedKey(s, i)
			next = matchTrees(key, trees, next)
		} else {
			next = matchElement(trees, next)
		}
		if replace == nil && anyLeaf(next) {
			edited++
			i = trustedValue(s, i)
		} else {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			k0 := len(dst)
			if object {
				dst = append(dst, keyRaw...)
				dst = append(dst, ':')
			}
			v0 := len(dst)
			if len(next) == 0 {
				end := trustedValue(s, i)
				dst = append(dst, s[i:end]...)
				i = end
			} else {
				var n int
				dst, i, n = appendValueEditing(dst, s, i, next, replace, nil)
				edited += n
			}
			if object {
				top.add(k0-base, v0-1-base, v0-base, len(dst)-base)
			}
		}
		if i = skipSpace(s, i); i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
		}
	}
	if object {
		return append(dst, '}'), i + 1, edited
	}
	return append(dst, ']'), i + 1, edited
}

// anyLeaf reports whether a path of trees ends here.
func anyLeaf(trees []*pathTree) bool {
	for _, t := range trees {
		if t.leaf {
			return true
		}
	}
	return false
}

// appendMembersEditing writes the object src (its text, braces included),
// whose members the trees may name were scanned from it against d (a node
// of the program's descend tree; members no path names may be left out of
// members), with each value a path of trees leads to removed, or, when
// replace is set, replaced by what replace writes for it (mask, redact).
// With bits (the pending hides' own bits of trees, or nil) members are told
// by their bit instead of their key. The text between the members it edits
// is copied as it is, white space included; a member removed takes the
// comma before it along (after it, for the first one). It returns how many
// values it removed or replaced.
func appendMembersEditing(dst []byte, src string, members []member, trees []*pathTree, n *nested, replace func(dst []byte, value string) []byte, d *pathTree, bits *memberBits) ([]byte, int) {
	edited := 0
	at := 0          // src[:at] is written or left out
	leading := false // every member before at went: the next one kept loses its comma
	var sub [4]*pathTree
	remove, enter, byBit := bits.at(d)
	for i := range members {
		m := &members[i]
		var next []*pathTree
		var leaf bool
		switch bit := uint64(1) << m.at; {
		case m.miss: // the trees are part of the paths the member was scanned against
		case byBit && (remove|enter)&bit == 0:
		case byBit && remove&bit != 0 && replace == nil:
			leaf = true
		default:
			next, leaf = matchKey(m.key, trees, sub[:0])
		}
		if !leaf && len(next) == 0 {
			continue // copied with the text around it
		}
		start, v := offsetIn(src, m.keyRaw), offsetIn(src, m.val)
		if leaf && replace == nil {
			edited++
			dst, at = leaveOut(dst, src, at, start, v+len(m.val), &leading)
			continue
		}
		dst = appendKept(dst, src, at, v, &leading)
		var k int
		switch {
		case leaf:
			dst, k = replace(dst, m.val), 1
		case m.deep:
			var into *pathTree // scanned against d's child m.at (when d has bits, at is exact)
			if d != nil && d.hasBits() {
				into = d.children[m.at].node
			}
			dst, k = appendMembersEditing(dst, m.val, n.of(m), next, n, replace, into, bits)
		default:
			dst, _, k = appendValueEditing(dst, m.val, 0, next, replace, nil)
		}
		at = v + len(m.val)
		edited += k
	}
	return appendKept(dst, src, at, len(src), &leading), edited
}

// commaBefore returns the index of the comma right before the member that
// starts at src[start], and whether there is one right after a value, the
// usual place of a member that is not its object's first: leaving the
// member out is then leaving out the text from that comma on.
func commaBefore(src string, start int) (int, bool) {
	c := start - 1
	return c, src[c] == ',' && src[c-1] > ' '
}

// leaveOut writes src[at:start], the text before the member at
// src[start:end], leaving out the member and the comma before it (after it,
// for the first one, through *leading), and returns end, the new at.
func leaveOut(dst []byte, src string, at, start, end int, leading *bool) ([]byte, int) {
	if c, ok := commaBefore(src, start); ok && !*leading { // the usual case
		if at < c {
			dst = append(dst, src[at:c]...)
		}
		return dst, end
	}
	comma := skipSpaceBack(src, start)
	if src[comma] == '{' { // the first member
		*leading = true
		return append(dst, src[at:start]...), end
	}
	return appendKept(dst, src, at, skipSpaceBack(src, comma)+1, leading), end
}

// appendKept appends src[from:to], text of an object kept as it is; when
// every member before it went (*leading), the comma it starts with goes
// too, with the white space after it.
func appendKept(dst []byte, src string, from, to int, leading *bool) []byte {
	if from >= to { // two members left out side by side
		return dst
	}
	if *leading {
		if j := skipSpace(src, from); src[j] == ',' {
			from = skipSpace(src, j+1)
			*leading = false
		} else if src[j] != '}' {
			*leading = false
		}
	}
	return append(dst, src[from:to]...)
}

// skipSpaceBack returns the index of the last byte before i that is not
// white space (src is validated: there is one).
func skipSpaceBack(src string, i int) int {
	for i--; src[i] <= ' ' && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r'); i-- {
	}
	return i
}

// matchKey appends to next the subtrees of trees that apply to key, and
// reports whether one of them ends there (the member goes). The trees are
// the after phase's: exact.
func matchKey(key string, trees []*pathTree, next []*pathTree) ([]*pathTree, bool) {
	leaf := false
	for _, t := range trees {
		named, star := t.lookupExact(key)
		if named != nil {
			leaf = leaf || named.leaf
			next = append(next, named)
		}
		if star != nil {
			leaf = leaf || star.leaf
			next = append(next, star)
		}
	}
	return next, leaf
}

// offsetIn returns where sub starts in s; it panics when sub is not a
// substring of s's own bytes (an equal text elsewhere does not count).
func offsetIn(s, sub string) int {
	off := uintptr(unsafe.Pointer(unsafe.StringData(sub))) - uintptr(unsafe.Pointer(unsafe.StringData(s)))
	if off > uintptr(len(s)) || uintptr(len(sub)) > uintptr(len(s))-off {
		panic("rules: a scanned member is not part of the text it was scanned from")
	}
	return int(off)
}

// appendKeeping appends raw with only the values the tree selects (for
// `only`); it reports whether it left something out. What a path meets
// before its end that is not an object stays whole, and each element of an
// array meets the named segments (and the `*`) that met the array.
func appendKeeping(dst []byte, raw gjson.Result, t *pathTree) ([]byte, bool) {
	if raw.Raw == "" {
		return dst, false
	}
	trees := [1]*pathTree{t}
	dst, _, changed := appendValueKeeping(dst, raw.Raw, skipSpace(raw.Raw, 0), trees[:])
	return dst, changed
}

// appendValueKeeping writes the value at s[i] with only what one of the
// trees selects; it returns the index past the value and whether it left
// something out.
func appendValueKeeping(dst []byte, s string, i int, trees []*pathTree) ([]byte, int, bool) {
	whole := s[i] != '{' && s[i] != '['
	for _, t := range trees {
		whole = whole || t.leaf
	}
	if whole {
		end := trustedValue(s, i)
		return append(dst, s[i:end]...), end, false
	}
	object := s[i] == '{'
	dst = append(dst, s[i])
	i = skipSpace(s, i+1)
	changed := false
	var sub [4]*pathTree
	for first := true; i < len(s) && s[i] != '}' && s[i] != ']'; {
		var keyRaw string
		next := sub[:0]
		if object {
			var key string
			key, keyRaw, i = trustedKey(s, i)
			next = matchTrees(key, trees, next)
		} else {
			next = matchElement(trees, next)
		}
		if len(next) == 0 { // a member no path names (an element always meets one)
			changed = true
			i = trustedValue(s, i)
		} else {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			if object {
				dst = append(dst, keyRaw...)
				dst = append(dst, ':')
			}
			var c bool
			dst, i, c = appendValueKeeping(dst, s, i, next)
			changed = changed || c
		}
		if i = skipSpace(s, i); i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
		}
	}
	if object {
		return append(dst, '}'), i + 1, changed
	}
	return append(dst, ']'), i + 1, changed
}

// matchTrees appends to next the subtrees of trees that apply to the
// member key.
func matchTrees(key string, trees, next []*pathTree) []*pathTree {
	for _, t := range trees {
		named, star := t.lookup(key)
		if named != nil {
			next = append(next, named)
		}
		if star != nil {
			next = append(next, star)
		}
	}
	return next
}

// matchElement appends to next the subtrees of trees that apply to each
// element of an array.
func matchElement(trees, next []*pathTree) []*pathTree {
	for _, t := range trees {
		named, star := t.element()
		if named != nil {
			next = append(next, named)
		}
		if star != nil {
			next = append(next, star)
		}
	}
	return next
}

// appendSetting appends the object raw (validated JSON) with the value at
// keys replaced by value (raw JSON), creating the member and intermediate
// objects when absent. top, when not nil, records where the members sit.
// With fold, keys name members under simple case folding.
func appendSetting(dst []byte, raw string, keys []string, value []byte, top *spans, fold bool) ([]byte, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return dst, errNotObject
	}
	dst, _ = appendObjectSetting(dst, raw, i, keys, value, top, fold)
	return dst, nil
}

// appendObjectSetting streams the object at s[i] through the scanner,
// setting keys to value; it returns the index past the object.
func appendObjectSetting(dst []byte, s string, i int, keys []string, value []byte, top *spans, fold bool) ([]byte, int) {
	base := len(dst)
	dst = append(dst, '{')
	i = skipSpace(s, i+1)
	first, found := true, false
	for i < len(s) && s[i] != '}' {
		var key, keyRaw string
		key, keyRaw, i = trustedKey(s, i)
		end := trustedValue(s, i)
		named := sameKey(key, keys[0], fold)
		if !named || !found { // a duplicate of the key set is left out (refused before rules run)
			if !first {
				dst = append(dst, ',')
			}
			first = false
			k0 := len(dst) - base
			dst = append(dst, keyRaw...)
			dst = append(dst, ':')
			v0 := len(dst) - base
			switch {
			case !named:
				dst = append(dst, s[i:end]...)
			case len(keys) == 1:
				dst = append(dst, value...)
			case s[i] == '{':
				dst, _ = appendObjectSetting(dst, s, i, keys[1:], value, nil, fold)
			default:
				dst = appendNested(dst, keys[1:], value)
			}
			found = found || named
			top.add(k0, v0-1, v0, len(dst)-base)
		}
		if i = skipSpace(s, end); i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
		}
	}
	if !found {
		if !first {
			dst = append(dst, ',')
		}
		k0 := len(dst) - base
		dst = appendString(dst, keys[0])
		dst = append(dst, ':')
		v0 := len(dst) - base
		dst = appendNested(dst, keys[1:], value)
		top.add(k0, v0-1, v0, len(dst)-base)
	}
	return append(dst, '}'), i + 1
}

// appendNested appends value wrapped in one object per key.
func appendNested(dst []byte, keys []string, value []byte) []byte {
	for _, k := range keys {
		dst = append(dst, '{')
		dst = appendString(dst, k)
		dst = append(dst, ':')
	}
	dst = append(dst, value...)
	for range keys {
		dst = append(dst, '}')
	}
	return dst
}

// present reports whether raw holds a value at any path the tree selects.
func present(raw gjson.Result, t *pathTree) bool {
	if !raw.IsObject() && !raw.IsArray() {
		return false
	}
	isObject := raw.IsObject()
	found := false
	raw.ForEach(func(k, v gjson.Result) bool {
		var named, star *pathTree
		if isObject {
			named, star = t.lookup(k.Str)
		} else {
			named, star = t.element()
		}
		for _, n := range [2]*pathTree{named, star} {
			if n != nil && (n.leaf || present(v, n)) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}
