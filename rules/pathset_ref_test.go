package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"unicode/utf8"
)

// A plain reference for what a set of paths does to a record, written
// apart from the product: the record is decoded into ordered nodes (every
// duplicate key kept), and each path is applied on its own by walking the
// nodes.

// jnode is a decoded JSON value that keeps member order and duplicates.
type jnode struct {
	kind    byte // '{', '[' or 's' (a scalar)
	scalar  string
	members []jmember
	elems   []*jnode
}

type jmember struct {
	key string // unescaped
	val *jnode
}

// decodeOrdered decodes one JSON value into nodes.
func decodeOrdered(b []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := decodeNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the value")
	}
	return n, nil
}

func decodeNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n := &jnode{kind: '{'}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				n.members = append(n.members, jmember{key: k.(string), val: v})
			}
			_, err := dec.Token()
			return n, err
		}
		n := &jnode{kind: '['}
		for dec.More() {
			v, err := decodeNode(dec)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, v)
		}
		_, err := dec.Token()
		return n, err
	case string:
		b, _ := json.Marshal(t)
		return &jnode{kind: 's', scalar: string(b)}, nil
	case json.Number:
		return &jnode{kind: 's', scalar: t.String()}, nil
	case bool:
		return &jnode{kind: 's', scalar: fmt.Sprint(t)}, nil
	}
	return &jnode{kind: 's', scalar: "null"}, nil
}

func (n *jnode) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *jnode) write(b *strings.Builder) {
	switch n.kind {
	case '{':
		b.WriteByte('{')
		for i, m := range n.members {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(m.key)
			b.Write(k)
			b.WriteByte(':')
			m.val.write(b)
		}
		b.WriteByte('}')
	case '[':
		b.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			e.write(b)
		}
		b.WriteByte(']')
	default:
		b.WriteString(n.scalar)
	}
}

// refSeg is one segment of a reference path.
type refSeg struct {
	key  string
	star bool
}

// refPath splits a path as rules write it: `.` separates, `\` escapes the
// next byte, a bare `*` is the wildcard.
func refPath(text string) []refSeg {
	var segs []refSeg
	var cur []byte
	escaped := false
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '\\' && i+1 < len(text):
			i++
			cur = append(cur, text[i])
			escaped = true
		case text[i] == '.':
			segs = append(segs, refSeg{key: string(cur), star: string(cur) == "*" && !escaped})
			cur, escaped = nil, false
		default:
			cur = append(cur, text[i])
		}
	}
	return append(segs, refSeg{key: string(cur), star: string(cur) == "*" && !escaped})
}

// refMatch reports whether a named segment names the member key.
func refMatch(seg refSeg, key string, fold bool) bool {
	if seg.star {
		return true
	}
	if fold {
		return strings.EqualFold(seg.key, key)
	}
	return seg.key == key
}

// refDelete removes from n every value the path selects: each member a
// segment names (every duplicate), each element for `*`; a named segment
// that meets an array goes on into each element.
func refDelete(n *jnode, path []refSeg, fold bool) {
	seg := path[0]
	switch n.kind {
	case '{':
		kept := n.members[:0]
		for _, m := range n.members {
			if refMatch(seg, m.key, fold) {
				if len(path) == 1 {
					continue
				}
				refDelete(m.val, path[1:], fold)
			}
			kept = append(kept, m)
		}
		n.members = kept
	case '[':
		if !seg.star {
			for _, e := range n.elems {
				refDelete(e, path, fold)
			}
			return
		}
		if len(path) == 1 {
			n.elems = nil
			return
		}
		for _, e := range n.elems {
			refDelete(e, path[1:], fold)
		}
	}
}

// refKeep keeps of n only what one of the paths leads to (a path that
// meets a scalar before its end keeps it).
func refKeep(n *jnode, paths [][]refSeg, fold bool) {
	for _, p := range paths {
		if len(p) == 0 {
			return // the whole value
		}
	}
	switch n.kind {
	case '{':
		kept := n.members[:0]
		for _, m := range n.members {
			var rest [][]refSeg
			for _, p := range paths {
				if refMatch(p[0], m.key, fold) {
					rest = append(rest, p[1:])
				}
			}
			if len(rest) == 0 {
				continue
			}
			refKeep(m.val, rest, fold)
			kept = append(kept, m)
		}
		n.members = kept
	case '[':
		var rest [][]refSeg
		for _, p := range paths {
			if p[0].star {
				rest = append(rest, p[1:])
			} else {
				rest = append(rest, p)
			}
		}
		for _, e := range n.elems {
			refKeep(e, rest, fold)
		}
	}
}

// refLast reads the value at keys (no wildcards) the way a backend that keeps
// the last of duplicate keys reads it; nil when absent.
func refLast(n *jnode, keys []string, fold bool) *jnode {
	for _, k := range keys {
		if n == nil || n.kind != '{' {
			return nil
		}
		var found *jnode
		for _, m := range n.members {
			if refMatch(refSeg{key: k}, m.key, fold) {
				found = m.val
			}
		}
		n = found
	}
	return n
}

// refSet sets keys to v in the object n: the first member that a key
// names is set (its duplicates dropped), a value on the way that is not an
// object is replaced, and what is missing is added with the rule's names.
func refSet(n *jnode, keys []string, v *jnode, fold bool) {
	at := -1
	kept := n.members[:0]
	for _, m := range n.members {
		if refMatch(refSeg{key: keys[0]}, m.key, fold) {
			if at >= 0 {
				continue
			}
			at = len(kept)
		}
		kept = append(kept, m)
	}
	n.members = kept
	if at < 0 {
		n.members = append(n.members, jmember{key: keys[0], val: &jnode{kind: '{'}})
		at = len(n.members) - 1
	}
	m := &n.members[at]
	if len(keys) == 1 {
		m.val = v
		return
	}
	if m.val.kind != '{' {
		m.val = &jnode{kind: '{'}
	}
	refSet(m.val, keys[1:], v, fold)
}

// refHasFoldedDuplicate reports whether an object of n holds two keys that
// are the same (under folding when fold is set).
func refHasFoldedDuplicate(n *jnode, fold bool) bool {
	switch n.kind {
	case '{':
		for i, a := range n.members {
			for _, b := range n.members[i+1:] {
				if refMatch(refSeg{key: a.key}, b.key, fold) {
					return true
				}
			}
			if refHasFoldedDuplicate(a.val, fold) {
				return true
			}
		}
	case '[':
		for _, e := range n.elems {
			if refHasFoldedDuplicate(e, fold) {
				return true
			}
		}
	}
	return false
}

// The generators below write random records and path sets that meet the
// corners: names in every case and folding spelling, escaped keys and
// dots, duplicates, arrays at any depth, `*` beside names, prefixes.

// genNames are the field names records and paths use.
var genNames = []string{"role", "isAdmin", "k", "s", "a", "b", "name", "meta", "secret", "x.y", "sk"}

// spellName writes name in a random case and folding spelling (ſ for s, the
// Kelvin sign for k) when variants is set.
func spellName(r *rand.Rand, name string, variants bool) string {
	if !variants || r.Intn(3) == 0 {
		return name
	}
	var b strings.Builder
	for _, c := range name {
		switch {
		case (c == 's' || c == 'S') && r.Intn(3) == 0:
			b.WriteRune('ſ')
		case (c == 'k' || c == 'K') && r.Intn(3) == 0:
			b.WriteRune('\u212a')
		case r.Intn(2) == 0:
			b.WriteString(strings.ToUpper(string(c)))
		default:
			b.WriteString(strings.ToLower(string(c)))
		}
	}
	return b.String()
}

// writeKey writes a JSON string for s, escaping some characters as \u.
func writeKey(r *rand.Rand, b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case r.Intn(6) == 0 && c < 0x10000:
			fmt.Fprintf(b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
}

// genValue writes a random JSON value.
func genValue(r *rand.Rand, b *strings.Builder, depth int, variants bool) {
	if depth <= 0 {
		genScalar(r, b)
		return
	}
	switch r.Intn(6) {
	case 0, 1:
		genObject(r, b, depth, variants)
	case 2:
		b.WriteByte('[')
		for i, n := 0, r.Intn(4); i < n; i++ {
			if i > 0 {
				b.WriteString(" ,")
			}
			genValue(r, b, depth-1, variants)
		}
		b.WriteByte(']')
	default:
		genScalar(r, b)
	}
}

func genScalar(r *rand.Rand, b *strings.Builder) {
	b.WriteString([]string{`1`, `"v"`, `null`, `true`, `-0.5e3`, `"\u00e9"`, `12345678901234567890`}[r.Intn(7)])
}

// genObject writes a random object: names from genNames, some twice.
func genObject(r *rand.Rand, b *strings.Builder, depth int, variants bool) {
	b.WriteByte('{')
	for i, n := 0, r.Intn(5); i < n; i++ {
		if i > 0 {
			genSpace(r, b)
			b.WriteByte(',')
		}
		genSpace(r, b)
		writeKey(r, b, spellName(r, genNames[r.Intn(len(genNames))], variants))
		genSpace(r, b)
		b.WriteByte(':')
		genSpace(r, b)
		genValue(r, b, depth-1, variants)
	}
	genSpace(r, b)
	b.WriteByte('}')
}

// genSpace writes white space a quarter of the time.
func genSpace(r *rand.Rand, b *strings.Builder) {
	if r.Intn(4) == 0 {
		b.WriteString([]string{" ", "\n\t", "\r\n  "}[r.Intn(3)])
	}
}

// genRecord writes a random record: an object.
func genRecord(r *rand.Rand, variants bool) []byte {
	var b strings.Builder
	genObject(r, &b, 4, variants)
	return []byte(b.String())
}

// genPath writes a random path of one to three segments.
func genPath(r *rand.Rand, variants bool) string {
	var segs []string
	for i, n := 0, 1+r.Intn(3); i < n; i++ {
		if r.Intn(4) == 0 {
			segs = append(segs, "*")
			continue
		}
		segs = append(segs, genSeg(r, variants))
	}
	return strings.Join(segs, ".")
}

// genPaths writes a set of one to four paths that overlap: some share a
// prefix with, extend, or put `*` beside an earlier one.
func genPaths(r *rand.Rand, variants bool) []string {
	paths := []string{genPath(r, variants)}
	for n := r.Intn(4); n > 0; n-- {
		prev := refPathText(paths[r.Intn(len(paths))])
		switch r.Intn(4) {
		case 0: // an extension or a prefix of an earlier path
			if len(prev) > 1 && r.Intn(2) == 0 {
				paths = append(paths, strings.Join(prev[:len(prev)-1], "."))
			} else {
				paths = append(paths, strings.Join(prev, ".")+"."+genPath(r, variants))
			}
		case 1: // `*` beside a name at some depth, or a name beside `*`
			i := r.Intn(len(prev))
			alt := append([]string{}, prev...)
			if alt[i] == "*" {
				alt[i] = genSeg(r, variants)
			} else {
				alt[i] = "*"
			}
			if r.Intn(2) == 0 {
				alt[len(alt)-1] = genSeg(r, variants)
			}
			paths = append(paths, strings.Join(alt, "."))
		case 2: // the same prefix, another end
			alt := append([]string{}, prev...)
			alt[len(alt)-1] = spellName(r, genNames[r.Intn(len(genNames))], variants)
			alt[len(alt)-1] = genSeg(r, variants)
			paths = append(paths, strings.Join(alt, "."))
		default:
			paths = append(paths, genPath(r, variants))
		}
	}
	return paths
}

// genSeg writes a named segment, its dots escaped.
func genSeg(r *rand.Rand, variants bool) string {
	return strings.ReplaceAll(spellName(r, genNames[r.Intn(len(genNames))], variants), ".", `\.`)
}

// refPathText splits a path into its segments as written (escapes kept).
func refPathText(text string) []string {
	var segs []string
	start := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '.':
			segs = append(segs, text[start:i])
			start = i + 1
		}
	}
	return append(segs, text[start:])
}

// validKeys reports whether every key of the document is valid UTF-8 (the
// fuzz targets feed arbitrary bytes).
func validKeys(b []byte) bool { return utf8.Valid(b) }
