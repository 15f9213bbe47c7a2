package rules

import (
	"strings"

	"github.com/tidwall/gjson"
)

// Writes come in shapes other than a record: a JSON Patch (RFC 6902) or
// MongoDB-style update operators and dotted keys. Such a body is read as
// the list of fields it writes. The before phase runs unchanged on a view
// of it (an object holding every value written), while protect and only
// act on the writes themselves (an operation on an object above a guarded
// field replaces that field too), and set, default and transform change a
// write's value or add one. The body is then written back in its shape.

// write is one field a request of another shape writes.
type write struct {
	path    []string // the field written
	from    []string // move, copy, $rename: where the value comes from
	moves   bool     // from is removed too (move, $rename)
	value   string   // what path gets, as JSON, when literal
	literal bool     // the request carries the value (add, replace, $set, a plain key)
	removes bool     // the field is removed (remove, $unset)
	gone    bool     // dropped by a guard, or overridden by a rule
	edited  bool     // a rule changed value
	added   bool     // written by a rule
}

// bodyShape writes a shape's body back from its writes.
type bodyShape interface {
	// sequential reports whether later writes apply after earlier ones (a
	// patch), rather than conflicting with them (update operators).
	sequential() bool
	// encode appends the body less the gone writes, with edited values and
	// added writes.
	encode(dst []byte, ws []write) []byte
}

// shape is a request body read as the fields it writes.
type shape struct {
	body    bodyShape
	writes  []write
	old     []byte // the stored record's JSON, when fetched
	changed bool
	fold    bool // field names match under simple case folding
}

// unknown reports whether the request writes w with a value it does not
// carry (an increment, a push, a move without the stored record...).
func (sh *shape) unknown(w *write) bool {
	return !w.literal && !w.removes && (w.from == nil || sh.old == nil)
}

// view is the object of every value the live writes put, in order; a
// value the request does not carry is absent.
func (sh *shape) view() []byte {
	root := &vnode{}
	for i := range sh.writes {
		w := &sh.writes[i]
		switch {
		case w.gone:
		case w.literal:
			root.put(w.path, w.value)
		case w.removes:
			root.remove(w.path)
		case w.from != nil && sh.old != nil:
			v := valueAt(parse(sh.old), w.from, false)
			if w.moves {
				root.remove(w.from)
			}
			if v.Exists() {
				root.put(w.path, v.Raw)
			} else {
				root.remove(w.path)
			}
		}
	}
	return root.appendJSON(nil)
}

// unreadable returns a field the request writes with a value it does not
// carry while a statement of p reads it (an expression, default or
// transform), or nil.
func (sh *shape) unreadable(p *Program) []string {
	for i := range sh.writes {
		w := &sh.writes[i]
		if !sh.unknown(w) {
			continue
		}
		if p.record.whole {
			return w.path
		}
		for _, r := range p.record.paths {
			if related(r, w.path, sh.fold) {
				return w.path
			}
		}
		for _, s := range p.stmts {
			if (s.op == opDefault || s.op == opTransform) && related(s.path.keys(), w.path, sh.fold) {
				return w.path
			}
		}
	}
	return nil
}

// guard applies protect or only to the writes: a write that touches a
// protected field (at it, under it, or on an object above it, through its
// target or its source) goes, as does one outside what only allows. With
// strict, the writes stay and a rejection names the fields.
func (sh *shape) guard(s *stmt) (*Rejection, bool) {
	if s.strict {
		var fields []string
		for i, p := range s.paths {
			for j := range sh.writes {
				if w := &sh.writes[j]; !w.gone && sh.violates(w, p, s.trees[i]) {
					fields = append(fields, p.text)
					break
				}
			}
		}
		if len(fields) > 0 {
			return &Rejection{Status: 403, Where: s.where, Detail: "the request may not set " + strings.Join(fields, ", ")}, false
		}
		return nil, false
	}
	changed := false
	for i := range sh.writes {
		w := &sh.writes[i]
		if w.gone {
			continue
		}
		var drop bool
		if s.op == opOnly {
			drop = !within(s.tree, w.path) || (w.from != nil && !within(s.tree, w.from))
		} else {
			drop = touches(s.tree, w.path) || (w.from != nil && touches(s.tree, w.from))
		}
		if drop {
			w.gone, changed = true, true
		}
	}
	sh.changed = sh.changed || changed
	return nil, changed
}

// violates reports whether w changes the field p (tree t) selects: with
// the stored record, a write that leaves its value as it was does not.
func (sh *shape) violates(w *write, p Path, t *pathTree) bool {
	if !touches(t, w.path) && (w.from == nil || !touches(t, w.from)) {
		return false
	}
	if sh.old == nil || w.from != nil || p.hasStar() || hasIndex(w.path) || (!w.literal && !w.removes) {
		return true
	}
	q, old := p.keys(), parse(sh.old)
	if isPrefix(w.path, q, sh.fold) { // the write replaces q or an object above it
		ov := valueAt(old, q, false)
		var nv gjson.Result
		if w.literal {
			nv = valueAt(gjson.Parse(w.value), q[len(w.path):], sh.fold)
		}
		return ov.Exists() != nv.Exists() || (ov.Exists() && !jsonEqual(ov, nv))
	}
	ov := valueAt(old, w.path, false) // the write is under q
	if w.removes {
		return ov.Exists()
	}
	return !ov.Exists() || !jsonEqual(ov, gjson.Parse(w.value))
}

// valueAt is the value at keys in v (the last of duplicate keys; names
// under folding with fold).
func valueAt(v gjson.Result, keys []string, fold bool) gjson.Result {
	for _, k := range keys {
		if v = lastMember(v, k, fold); !v.Exists() {
			break
		}
	}
	return v
}

// set makes keys hold value (JSON), as a set, default or transform did on
// the view: in the write that puts it, inside the object a write puts
// above it, or as a write of its own.
func (sh *shape) set(keys []string, value []byte) {
	sh.changed = true
	for i := len(sh.writes) - 1; i >= 0; i-- {
		w := &sh.writes[i]
		if w.gone || !related(w.path, keys, sh.fold) {
			continue
		}
		if w.literal && len(w.path) == len(keys) {
			w.value, w.edited = string(value), true
			return
		}
		if w.literal && len(w.path) < len(keys) && gjson.Parse(w.value).IsObject() {
			if out, err := appendSetting(nil, w.value, keys[len(w.path):], value, nil, sh.fold); err == nil {
				w.value, w.edited = string(out), true
				return
			}
		}
		break
	}
	if !sh.body.sequential() {
		for i := range sh.writes {
			if w := &sh.writes[i]; related(w.path, keys, sh.fold) || (w.moves && related(w.from, keys, sh.fold)) {
				w.gone = true // the rule's value wins over a conflicting operator
			}
		}
	}
	sh.writes = append(sh.writes, write{path: append([]string(nil), keys...), value: string(value), literal: true, added: true})
}

// touches reports whether a write at keys changes a value the tree
// selects: one at or under a selected path, or an object above one. An
// array index may be an element of an array (a named path applies to each
// element) or an object's key.
func touches(t *pathTree, keys []string) bool {
	if t.leaf {
		return true
	}
	if len(keys) == 0 {
		return len(t.children) > 0 || t.star != nil
	}
	named, star := t.lookup(keys[0])
	if named != nil && touches(named, keys[1:]) || star != nil && touches(star, keys[1:]) {
		return true
	}
	return isIndex(keys[0]) && touches(t, keys[1:])
}

// within reports whether a write at keys stays inside what the tree
// selects (at or under a selected path).
func within(t *pathTree, keys []string) bool {
	if t.leaf {
		return true
	}
	if len(keys) == 0 {
		return false
	}
	named, star := t.lookup(keys[0])
	if named != nil && within(named, keys[1:]) || star != nil && within(star, keys[1:]) {
		return true
	}
	return isIndex(keys[0]) && within(t, keys[1:])
}

// isIndex reports whether a path segment may name an array element: a
// number, a patch's "-" (the end), or a MongoDB positional operator ($,
// $[], $[name]).
func isIndex(k string) bool {
	switch {
	case k == "-" || k == "$":
		return true
	case strings.HasPrefix(k, "$[") && strings.HasSuffix(k, "]"):
		return true
	case k == "":
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isDigit(k[i]) {
			return false
		}
	}
	return true
}

func hasIndex(keys []string) bool {
	for _, k := range keys {
		if isIndex(k) {
			return true
		}
	}
	return false
}

// isPrefix reports whether a is a prefix of b (or equal); with fold, names
// compare under simple case folding.
func isPrefix(a, b []string, fold bool) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if !sameKey(a[i], b[i], fold) {
			return false
		}
	}
	return true
}

// related reports whether one of a and b is a prefix of the other.
func related(a, b []string, fold bool) bool { return isPrefix(a, b, fold) || isPrefix(b, a, fold) }

// vnode is a field of a shape's view: an object of fields, or a value.
type vnode struct {
	keys []string
	kids map[string]*vnode
	raw  string // the value, when not an object built here
}

// object makes n an object, keeping the members of the object it held.
func (n *vnode) object() {
	if n.kids != nil {
		return
	}
	n.kids = map[string]*vnode{}
	v := gjson.Parse(n.raw)
	n.raw = ""
	if v.IsObject() {
		v.ForEach(func(k, v gjson.Result) bool {
			n.add(k.Str, &vnode{raw: v.Raw})
			return true
		})
	}
}

func (n *vnode) isObject() bool { return n.kids != nil || gjson.Parse(n.raw).IsObject() }

func (n *vnode) add(key string, c *vnode) {
	if _, ok := n.kids[key]; !ok {
		n.keys = append(n.keys, key)
	}
	n.kids[key] = c
}

// put sets the value at keys, creating objects on the way.
func (n *vnode) put(keys []string, raw string) {
	if len(keys) == 0 {
		*n = vnode{raw: raw}
		n.object() // the view is an object whatever the root became
		return
	}
	for _, k := range keys[:len(keys)-1] {
		n.object()
		c := n.kids[k]
		if c == nil {
			c = &vnode{}
			n.add(k, c)
		}
		n = c
	}
	n.object()
	n.add(keys[len(keys)-1], &vnode{raw: raw})
}

// remove deletes the value at keys, if there is one.
func (n *vnode) remove(keys []string) {
	if len(keys) == 0 {
		*n = vnode{kids: map[string]*vnode{}}
		return
	}
	for _, k := range keys[:len(keys)-1] {
		if !n.isObject() {
			return
		}
		if n.object(); n.kids[k] == nil {
			return
		}
		n = n.kids[k]
	}
	if !n.isObject() {
		return
	}
	n.object()
	k := keys[len(keys)-1]
	if _, ok := n.kids[k]; ok {
		delete(n.kids, k)
		for i, x := range n.keys {
			if x == k {
				n.keys = append(n.keys[:i], n.keys[i+1:]...)
				break
			}
		}
	}
}

func (n *vnode) appendJSON(dst []byte) []byte {
	if n.kids == nil {
		if n.raw == "" {
			return append(dst, "{}"...)
		}
		return append(dst, n.raw...)
	}
	dst = append(dst, '{')
	for i, k := range n.keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = n.kids[k].appendJSON(dst)
	}
	return append(dst, '}')
}
