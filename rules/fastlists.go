package rules

import (
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// map, filter, keys, values and the list literals of values answer a
// list. Compiled here, they write it as JSON text (an array of the
// elements' texts) into the storage the environment keeps for built
// strings (built.go), each element as the VM would hold it, written so
// that reading it back gives that value (a float keeps a fraction, a
// string its exact bytes): every compiled reader of a record's arrays
// (len, in, join, first, last, max, min, the predicates) then reads it as
// it reads a field, and nothing is decoded. A list with an element JSON
// cannot hold that way (a map of the caller's, a string that is not
// UTF-8, NaN, a time) is built as the VM builds it, a []any. An element of
// a list whose type expr knows is read here too (listIndex), and the
// count of an object's names (memberCount).

// listBuilders are the built-ins compiled here that answer a list.
var listBuilders = map[string]bool{"map": true, "filter": true}

// listBuilder compiles map(list, value), filter(list, predicate) and the
// filter with a map folded in that expr's optimizer makes of
// map(filter(...), ...).
func (c *fastCompiler) listBuilder(n *ast.BuiltinNode) (operand, bool) {
	if len(n.Arguments) != 2 || n.Threshold != nil || n.Throws {
		return nil, false
	}
	list, scope, ok := c.openLoop(n.Arguments[0])
	if !ok {
		return nil, false
	}
	defer c.closeLoop()
	value, test, mapped, ok := c.loopBody(n, n.Name == "map") // map's value of an element
	if !ok {
		return nil, false
	}
	if mapped != nil {
		value = mapped // filter's folded map
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		var each elements
		l, ok := beginLoop(env, list, &each, scope)
		if !ok {
			return l, false
		}
		item, out := &env.regs[scope.item], &env.regs[at]
		mark, n, memory := env.openList(), 0, env.memory
		for each.next(item) {
			if test != nil {
				b, ok := test(env)
				if !ok {
					env.dropList(mark)
					return item, false
				}
				if !b {
					continue
				}
			}
			v := item
			if value != nil {
				if v, ok = value(env); !ok {
					env.dropList(mark)
					return v, false
				}
			} else if item.kind == anyKind && item.v == unreadable {
				env.dropList(mark)
				return item, false // filter keeps a map's member: the VM fails to read it
			}
			if !env.addElement(mark, v) {
				env.memory = memory // counted again as the list is built again
				return out, listOfValues(env, out, l, item, scope, test, value)
			}
			n++
		}
		out.setRaw(env.closeList(mark))
		return out, env.grow(n)
	}, true
}

// arrayOf compiles a list literal whose elements are not all constants
// ([user.id, record.owner]), built as map builds its list.
func (c *fastCompiler) arrayOf(n *ast.ArrayNode) (operand, bool) {
	elems, ok := c.operands(n.Nodes)
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		out, mark, memory := &env.regs[at], env.openList(), env.memory
		for _, e := range elems {
			v, ok := e(env)
			if !ok {
				env.dropList(mark)
				return v, false
			}
			if env.addElement(mark, v) {
				continue
			}
			list := make([]any, len(elems)) // as the VM builds it, its elements counted again
			env.memory = memory
			for i, e := range elems {
				v, ok := e(env)
				if !ok {
					return v, false
				}
				list[i] = v.decoded()
			}
			out.setAny(list)
			return out, env.grow(len(elems))
		}
		out.setRaw(env.closeList(mark))
		return out, env.grow(len(elems))
	}, true
}

// openList begins a list in env.lists, after the elements of any list
// being built around it; the mark it answers is where it begins.
func (env *Env) openList() int {
	mark := len(env.lists)
	env.lists = append(env.lists, '[')
	return mark
}

// addElement appends v to the list begun at mark; false, the list
// dropped, for a value JSON cannot hold exactly.
func (env *Env) addElement(mark int, v *val) bool {
	if len(env.lists) > mark+1 {
		env.lists = append(env.lists, ',')
	}
	var ok bool
	if env.lists, ok = appendElement(env.lists, v); !ok {
		env.dropList(mark)
	}
	return ok
}

// closeList is the JSON text of the list begun at mark, kept in built.
func (env *Env) closeList(mark int) string { return env.takeList(mark, "]") }

// takeList keeps what env.lists holds from mark on, and then tail, in
// built, and ends it there.
func (env *Env) takeList(mark int, tail string) string {
	text := append(env.room(len(env.lists)-mark+len(tail)), env.lists[mark:]...)
	env.dropList(mark)
	return env.keep(append(text, tail...))
}

// dropList ends the list begun at mark.
func (env *Env) dropList(mark int) { env.lists = env.lists[:mark] }

// listOfValues is the list as the VM builds it, a []any of the values
// (the elements filter keeps, or map's values of them), for the lists
// JSON text cannot hold exactly.
func listOfValues(env *Env, out, l, item *val, scope *closureScope, test condition, value operand) bool {
	var each elements
	each.beginIn(env, l, scope)
	list := []any{}
	for each.next(item) {
		if test != nil {
			if b, ok := test(env); !ok {
				return false
			} else if !b {
				continue
			}
		}
		v := item
		if value != nil {
			var ok bool
			if v, ok = value(env); !ok {
				return false
			}
		}
		list = append(list, v.decoded())
	}
	out.setAny(list)
	return env.grow(len(list))
}

// appendElement appends v as JSON that reads back as v: false for a
// value that would read back otherwise.
func appendElement(dst []byte, v *val) ([]byte, bool) {
	switch v.kind {
	case rawKind:
		return append(dst, v.s...), true
	case strKind:
		return appendExactString(dst, v.s)
	case intKind:
		return strconv.AppendInt(dst, int64(v.int()), 10), true
	case floatKind:
		return appendExactFloat(dst, v.float())
	case boolKind:
		return strconv.AppendBool(dst, v.n != 0), true
	case timeKind, durationKind, int64Kind:
		return dst, false // the VM's list holds a time.Time, a time.Duration or an int64
	}
	switch x := v.v.(type) {
	case nil:
		return append(dst, "null"...), true
	case string:
		return appendExactString(dst, x)
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case float64:
		return appendExactFloat(dst, x)
	case bool:
		return strconv.AppendBool(dst, x), true
	}
	return dst, false
}

// appendExactString appends s as a JSON string; false when s is not
// UTF-8 (JSON would read back a replacement character).
func appendExactString(dst []byte, s string) ([]byte, bool) {
	if !utf8.ValidString(s) {
		return dst, false
	}
	return appendString(dst, s), true
}

// appendExactFloat appends f as a JSON number that reads back as the same
// float64, with a fraction or an exponent so that it does not read back
// as an int; false for NaN and the infinities.
func appendExactFloat(dst []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
	for _, c := range dst[start:] {
		if c == '.' || c == 'e' {
			return dst, true
		}
	}
	return append(dst, ".0"...), true
}

// keysOrValues is keys(o) or values(o) of an object's JSON text: its
// names, each once as a Go map holds them, or the value each name holds
// last, in the order the names first appear (expr answers a map's, which
// has none). False for anything else, or an object of more than
// maxPlainMembers names: expr's function reads it.
func (env *Env) keysOrValues(out, o *val, values bool) bool {
	if o.kind != rawKind || o.s[0] != '{' {
		return false
	}
	var names, texts [maxPlainMembers]string
	n, ok := distinctMembers(o.s, &names, &texts)
	if !ok {
		return false
	}
	mark := env.openList()
	for k := range n {
		var e val
		if values {
			e.setRaw(texts[k])
		} else {
			e.setStr(names[k])
		}
		if !env.addElement(mark, &e) {
			return false
		}
	}
	out.setRaw(env.closeList(mark))
	return true
}

// sortedTexts is sort(list[, order]) of a JSON array of at most
// maxPlainMembers strings written without escapes: their texts sorted by
// what they hold, as expr's sort compares strings (byte by byte), and
// written as the list; equal strings are the same text, so expr's
// unstable sort leaves no order of its own to match. False for anything
// else (expr's function sorts it, or fails), and where the list would
// reach the memory budget (so that the VM fails it).
func (env *Env) sortedTexts(out *val, args []*val) bool {
	desc := false
	if len(args) == 2 {
		order, ok := args[1].text()
		if !ok || order != "asc" && order != "desc" {
			return false
		}
		desc = order == "desc"
	}
	return env.sortStrings(out, args[0], desc)
}

// sortStrings is sortedTexts of list in the order desc says (and
// sortBy(list, #), which sorts strings alike).
func (env *Env) sortStrings(out, list *val, desc bool) bool {
	if list.kind != rawKind || list.s[0] != '[' {
		return false
	}
	var texts [maxPlainMembers]string
	n, raw := 0, list.s
	for i := skipSpace(raw, 1); i < len(raw) && raw[i] != ']'; n++ {
		end := trustedValue(raw, i)
		if n == len(texts) || raw[i] != '"' || strings.IndexByte(raw[i:end], '\\') >= 0 {
			return false
		}
		texts[n] = raw[i+1 : end-1]
		if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	if !env.grow(n) {
		env.memory -= n // counted again by expr's function, which then fails
		return false
	}
	sorted := texts[:n]
	slices.Sort(sorted)
	if desc {
		slices.Reverse(sorted)
	}
	mark := env.openList()
	for k, text := range sorted {
		if k > 0 {
			env.lists = append(env.lists, ',')
		}
		env.lists = append(append(append(env.lists, '"'), text...), '"')
	}
	out.setRaw(env.closeList(mark))
	return true
}

// memberCount compiles len(keys(o)) and len(values(o)) (list, the
// compiled keys(o)) as len(o) of the object o, the list never written;
// where o is no object the list is built and counted (and expr's keys
// fails).
func (c *fastCompiler) memberCount(node ast.Node, list operand) (operand, bool) {
	b, ok := node.(*ast.BuiltinNode)
	if !ok || b.Name != "keys" && b.Name != "values" || len(b.Arguments) != 1 {
		return nil, false
	}
	object, ok := c.operand(b.Arguments[0])
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		memory := env.memory
		o, ok := object(env)
		if !ok {
			return o, false
		}
		out := &env.regs[at]
		if o.kind == rawKind && o.s[0] == '{' {
			return out, length(out, o)
		}
		env.memory = memory // counted again as o is computed again
		l, ok := list(env)
		if !ok {
			return l, false
		}
		return out, length(out, l)
	}, true
}

// distinctMembers reads the members of the object raw (validated JSON)
// as decoding it keeps them: each name once, in the order it first
// appears, with the value it holds last (texts nil: the names alone);
// false past maxPlainMembers names.
func distinctMembers(raw string, names, texts *[maxPlainMembers]string) (int, bool) {
	n := 0
	for i := skipSpace(raw, 1); i < len(raw) && raw[i] != '}'; {
		name, _, v := trustedKey(raw, i)
		end := trustedValue(raw, v)
		at := slices.Index(names[:n], name)
		if at < 0 {
			if n == len(names) {
				return 0, false
			}
			at, n = n, n+1
			names[at] = name
		}
		if texts != nil {
			texts[at] = raw[v:end]
		}
		if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return n, true
}

// listIndex compiles l[i] of a list (or a map) whose type expr knows when
// it compiles (map(...)[0], [a, b][1], keys(...)[-1], groupBy(...)[k]):
// expr reads it itself, not nil-safe, so an index out of range, or not a
// number, is its error and is left to it. An element of a list's JSON
// text is read there; any other value is read by expr's own
// runtime.Fetch.
func (c *fastCompiler) listIndex(n *ast.MemberNode) (operand, bool) {
	if n.Method || n.Optional {
		return nil, false
	}
	t := n.Node.Type()
	if t == nil || t.Kind() != reflect.Slice && t.Kind() != reflect.Array && t.Kind() != reflect.Map {
		return nil, false
	}
	if op, ok := c.mapElement(n); ok {
		return op, true
	}
	list, index, ok := c.both(n.Node, n.Property)
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		l, i, ok := computeBoth(env, list, index)
		if !ok {
			return l, false
		}
		out := &env.regs[at]
		if l.kind != rawKind || l.s[0] != '[' {
			return out, fetchStrictly(out, l, i)
		}
		k, ok := i.toInt()
		if !ok {
			return i, false
		}
		e, ok := rawElement(l.s, k)
		if ok {
			out.setRaw(e)
		}
		return out, ok
	}, true
}

// mapWalk compiles the walk of map(list, v) that reads its values as they
// are computed instead of building the list (mapElement, overMap): the
// list, the loop's scope and v; false for anything but a plain map.
func (c *fastCompiler) mapWalk(node ast.Node) (list operand, scope *closureScope, value operand, ok bool) {
	m, isMap := node.(*ast.BuiltinNode)
	if !isMap || m.Name != "map" || len(m.Arguments) != 2 || m.Map != nil || m.Threshold != nil || m.Throws {
		return nil, nil, nil, false
	}
	if list, scope, ok = c.openLoop(m.Arguments[0]); !ok {
		return nil, nil, nil, false
	}
	value, _, _, ok = c.loopBody(m, true)
	c.closeLoop()
	return list, scope, value, ok
}

// maxMapIndexFromEnd bounds the elements mapElement keeps to answer an
// index from the end (map(...)[-1]).
const maxMapIndexFromEnd = 4

// mapElement compiles map(list, v)[k] for a constant k as one walk: every
// value is computed, as the VM computes them all to build the list (and
// counted against the memory budget as that list), but only the k-th is
// kept (the last -k ones for a k from the end), the list never written.
// An index out of range is the VM's error, left to it.
func (c *fastCompiler) mapElement(n *ast.MemberNode) (operand, bool) {
	index, isInt := n.Property.(*ast.IntegerNode)
	if !isInt || index.Value < -maxMapIndexFromEnd {
		return nil, false
	}
	list, scope, value, ok := c.mapWalk(n.Node)
	if !ok {
		return nil, false
	}
	k, at := index.Value, c.slot()
	return func(env *Env) (*val, bool) {
		var each elements
		l, ok := beginLoop(env, list, &each, scope)
		if !ok {
			return l, false
		}
		var last [maxMapIndexFromEnd]val // the values met last, by count modulo its size
		var kept val
		count := 0
		for each.next(&env.regs[scope.item]) {
			v, ok := value(env)
			if !ok {
				return v, false
			}
			switch {
			case k < 0:
				last[count%maxMapIndexFromEnd] = *v
			case count == k:
				kept = *v
			}
			count++
		}
		out := &env.regs[at]
		switch {
		case k >= count || -k > count:
			return out, false // index out of range: the VM's error
		case k < 0:
			kept = last[(count+k)%maxMapIndexFromEnd]
		}
		*out = kept
		return out, env.grow(count)
	}, true
}

// fetchStrictly is runtime.Fetch of the decoded values, as the VM reads
// l[i] (fetch's, not nil-safe); false where it fails.
func fetchStrictly(out, l, i *val) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	out.setTyped(runtime.Fetch(l.decoded(), i.decoded()))
	return true
}
