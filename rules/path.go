package rules

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Path is a parsed field path: dot-separated keys, where `*` is every
// element of an array or every value of an object, and `\.` escapes a dot.
type Path struct {
	segs     []segment
	text     string
	keyNames []string // the segments' keys, for set and lookups
	gjsonStr string   // the path in gjson syntax (no wildcards)
}

type segment struct {
	key  string
	star bool
}

// ParsePath parses a field path as rules write it.
func ParsePath(text string) (Path, error) {
	if text == "" {
		return Path{}, errors.New("empty field path")
	}
	var (
		segs    []segment
		cur     strings.Builder
		escaped bool // the current segment holds an escaped character
	)
	flush := func() error {
		if cur.Len() == 0 && !escaped {
			return errors.New("empty segment in field path " + text)
		}
		key := cur.String()
		segs = append(segs, segment{key: key, star: key == "*" && !escaped})
		cur.Reset()
		escaped = false
		return nil
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\\' && i+1 < len(text):
			i++
			cur.WriteByte(text[i])
			escaped = true
		case c == '.':
			if err := flush(); err != nil {
				return Path{}, err
			}
		default:
			cur.WriteByte(c)
		}
	}
	if err := flush(); err != nil {
		return Path{}, err
	}
	keys := make([]string, len(segs))
	for i, s := range segs {
		keys[i] = s.key
	}
	p := Path{segs: segs, text: text, keyNames: keys}
	p.gjsonStr = p.buildGjsonPath()
	return p, nil
}

// String returns the path as written.
func (p Path) String() string { return p.text }

// hasStar reports whether the path holds a wildcard.
func (p Path) hasStar() bool {
	for _, s := range p.segs {
		if s.star {
			return true
		}
	}
	return false
}

// gjsonPath returns the path in gjson syntax (no wildcards).
func (p Path) gjsonPath() string { return p.gjsonStr }

func (p Path) buildGjsonPath() string {
	var b strings.Builder
	for i, s := range p.segs {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(gjson.Escape(s.key))
	}
	return b.String()
}

// keyPath is the path of these keys, each a name as it is (no wildcard),
// as an expression's record.a.b reads them.
func keyPath(keys []string) Path {
	segs := make([]segment, len(keys))
	for i, k := range keys {
		segs[i] = segment{key: k}
	}
	return Path{segs: segs}
}

// Keys returns the path's keys.
func (p Path) Keys() []string { return p.keys() }

// keys returns the path's keys (shared: do not modify).
func (p Path) keys() []string { return p.keyNames }

// pathTree is a set of paths merged into a tree, for one-pass rewrites.
// Children are few, so they sit in a slice searched in order. A key that
// matches a named child and the `*` child goes on with both subtrees.
type pathTree struct {
	leaf     bool      // the path ends here: the whole value is selected
	at       uint8     // this node's index among its parent's named children (saturating at 255)
	id       int32     // in a program's descend tree: this node's number (see number)
	flat     bool      // in a program's descend tree: no named child leads further, so a scan of the object here goes no deeper
	up       *pathTree // in a program's descend tree: the parent (nil at the root)
	name     string    // in a program's descend tree: the key of the parent's child this is ("*" for its star)
	fold     bool      // keys match under simple case folding (request bodies)
	children []treeChild
	star     *pathTree
	elems    *pathTree // the named children alone: what meets each element of an array here
	lengths  uint64    // bit n set: a child key is n bytes long (63: 63 or more); every bit when fold
	folded   uint64    // fold: lengths of the folded child keys (those of the ASCII names that match)
	firsts   uint64    // fold: the firstBit of each child key's first byte, where it is ASCII
}

type treeChild struct {
	key    string
	folded string // key under foldName, for fold trees
	node   *pathTree
}

func newPathTree(paths []Path) *pathTree { return buildPathTree(paths, false) }

// newFoldTree is newPathTree whose keys match as permissive backends bind
// them: under Unicode simple case folding.
func newFoldTree(paths []Path) *pathTree { return buildPathTree(paths, true) }

func buildPathTree(paths []Path, fold bool) *pathTree {
	t := &pathTree{fold: fold}
	for _, p := range paths {
		n := t
		for _, s := range p.segs {
			n = n.child(s)
		}
		n.leaf = true
	}
	t.link()
	return t
}

func (t *pathTree) child(s segment) *pathTree {
	if s.star {
		if t.star == nil {
			t.star = &pathTree{fold: t.fold}
		}
		return t.star
	}
	key := s.key
	if t.fold {
		key = foldName(s.key)
	}
	for i := range t.children {
		if c := &t.children[i]; c.key == s.key || t.fold && c.folded == key {
			return c.node
		}
	}
	c := &pathTree{fold: t.fold, at: uint8(min(len(t.children), 255))}
	t.children = append(t.children, treeChild{key: s.key, folded: key, node: c})
	t.lengths |= lengthBit(key)
	if t.fold {
		t.folded |= lengthBit(key)
		t.lengths = ^uint64(0) // a name that is not ASCII may fold to another length
		if key != "" && key[0] < utf8.RuneSelf {
			t.firsts |= firstBit(key[0])
		}
	}
	return c
}

// firstBit is an ASCII first byte's bit in pathTree.firsts: the byte with
// 0x20 set, a letter's lower case (see foldApart), so that both cases of
// a letter share it, taken modulo 64 (bytes that share a bit only let a
// name on to the full comparison).
func firstBit(b byte) uint64 { return 1 << ((b | 0x20) & 63) }

// link gives every node with named children its elems twin: the same
// children, no leaf and no star, so that a named segment that meets an
// array applies to each of its elements (arrays in arrays too).
func (t *pathTree) link() {
	if len(t.children) > 0 {
		t.elems = &pathTree{fold: t.fold, children: t.children, lengths: t.lengths, folded: t.folded, firsts: t.firsts}
		t.elems.elems = t.elems
	}
	for i := range t.children {
		t.children[i].node.link()
	}
	if t.star != nil {
		t.star.link()
	}
}

// number numbers t's nodes from next on, depth first, links each to its
// parent (up, name), and returns the number after the last.
func (t *pathTree) number(next int) int {
	t.id = int32(next)
	next++
	t.flat = true
	for i := range t.children {
		c := t.children[i].node
		c.up, c.name = t, t.children[i].key
		next = c.number(next)
		t.flat = t.flat && len(c.children) == 0 && c.star == nil
	}
	if t.star != nil {
		t.star.up, t.star.name = t, "*"
		next = t.star.number(next)
	}
	return next
}

// hasBits reports whether the members scanned against t can be told
// apart by the bit of their named child (member.at): no wildcard may
// match them too, and the children fit in 64 bits.
func (t *pathTree) hasBits() bool { return t.star == nil && len(t.children) <= 64 }

// namesOnly reports whether every path of t is one top-level name.
func (t *pathTree) namesOnly() bool {
	if t.leaf || t.star != nil || len(t.children) == 0 {
		return false
	}
	for _, c := range t.children {
		if !c.node.leaf {
			return false
		}
	}
	return true
}

func lengthBit(key string) uint64 { return 1 << min(len(key), 63) }

// lookup returns the subtrees that apply to key (its own and the wildcard's).
func (t *pathTree) lookup(key string) (named, star *pathTree) {
	if t.lengths&lengthBit(key) != 0 { // no child key is that long: most keys stop here
		named = t.named(key)
	}
	return named, t.star
}

// lookupExact is lookup for a tree that is not folded (the after phase's),
// small enough to inline in the scans every response member meets.
func (t *pathTree) lookupExact(key string) (named, star *pathTree) {
	if t.lengths&lengthBit(key) == 0 {
		return nil, t.star
	}
	for i := range t.children {
		if t.children[i].key == key {
			return t.children[i].node, t.star
		}
	}
	return nil, t.star
}

// named returns the child named key, or nil.
func (t *pathTree) named(key string) *pathTree {
	if t.fold {
		return t.lookupFolded(key)
	}
	for i := range t.children {
		if t.children[i].key == key {
			return t.children[i].node
		}
	}
	return nil
}

// lookupFolded is lookup under case folding.
func (t *pathTree) lookupFolded(key string) *pathTree {
	if key != "" && key[0] < utf8.RuneSelf && t.firsts&firstBit(key[0]) == 0 {
		return nil // no child key starts with what that byte folds to
	}
	if t.folded&lengthBit(key) == 0 && isASCII(key) {
		return nil // an ASCII key folds to as many bytes
	}
	for i := range t.children {
		if equalFolded(key, t.children[i].folded) {
			return t.children[i].node
		}
	}
	return nil
}

// element returns the subtrees that apply to each element of an array met
// at t: the wildcard's, and t's named children (a named segment that meets
// an array applies to each of its elements).
func (t *pathTree) element() (named, star *pathTree) { return t.elems, t.star }
