package rules

import (
	"reflect"

	"github.com/expr-lang/expr/ast"
)

// The predicate built-ins run here as loops over the elements of a
// record's array, read from its JSON one by one, the predicate compiled
// like any condition and # read from a slot of its own: all, any, none,
// one and count (len(filter(...)) is count, as expr's optimizer rewrites
// it), sum, find and findIndex (and the forms the optimizer folds into
// them). They compute what the VM computes: the loops begin on what
// OpBegin takes (any slice or array, a string as its bytes, a map, whose
// members are counted but cannot be read) and stop where the VM's jumps
// stop; where the VM would fail (no list, a predicate answering no
// boolean) they decline.

// closureScope is where a predicate reads # from, #index (a slot given
// when the predicate reads it, the loop then writing each element's index
// there) and reduce's #acc (-1 outside reduce, where it is the VM's).
type closureScope struct{ item, acc, index int }

// predicateLoops are the predicate built-ins compiled here that answer a
// boolean or a count.
var predicateLoops = map[string]bool{"all": true, "any": true, "none": true, "one": true, "count": true}

// predicateLoop compiles a predicate built-in over a list.
func (c *fastCompiler) predicateLoop(n *ast.BuiltinNode) (operand, bool) {
	var predicate ast.Node = &ast.PointerNode{} // count(list) counts the elements that are true
	switch {
	case len(n.Arguments) == 1 && n.Name == "count":
	case len(n.Arguments) != 2:
		return nil, false
	default:
		body, ok := n.Arguments[1].(*ast.PredicateNode)
		if !ok {
			return nil, false
		}
		predicate = body.Node
	}
	list, scope, ok := c.openLoop(n.Arguments[0])
	if !ok {
		return nil, false
	}
	test, ok := c.test(predicate, false)
	c.closeLoop()
	if !ok {
		return nil, false
	}
	threshold := -1 // count: stop once this many met the predicate (expr's optimizer sets it)
	if n.Threshold != nil {
		threshold = *n.Threshold
	}
	// What the loop does, decided here: stopOn is the predicate's answer
	// that ends it (all: false; any, none: true) and stopped what all, any
	// and none answer then, ended what they answer past the last element;
	// one and count count the elements instead.
	name := n.Name
	stopOn, stopped, ended := name != "all", name == "any", name != "any"
	one, counts := name == "one", name == "one" || name == "count"
	at := c.slot()
	return func(env *Env) (*val, bool) {
		var each elements
		if l, ok := beginLoop(env, list, &each, scope); !ok {
			return l, false
		}
		item, met := &env.regs[scope.item], 0
		for each.next(item) {
			b, ok := test(env)
			if !ok {
				return item, false
			}
			if b != stopOn {
				continue
			}
			if !counts {
				out := &env.regs[at]
				out.setBool(stopped)
				return out, true
			}
			if met++; threshold >= 0 && met >= threshold {
				break
			}
		}
		out := &env.regs[at]
		switch {
		case one:
			out.setBool(met == 1)
		case counts:
			out.setInt(met)
		default:
			out.setBool(ended)
		}
		return out, true
	}, true
}

// openLoop compiles the list a predicate built-in loops over and opens the
// scope its predicate reads # from, until closeLoop.
func (c *fastCompiler) openLoop(list ast.Node) (operand, *closureScope, bool) {
	l, ok := c.operand(list)
	if !ok {
		return nil, nil, false
	}
	scope := &closureScope{item: c.slot(), acc: -1, index: -1}
	c.scopes = append(c.scopes, scope)
	return l, scope, true
}

func (c *fastCompiler) closeLoop() { c.scopes = c.scopes[:len(c.scopes)-1] }

// beginLoop computes the list and begins to walk it, writing each
// element's index where the scope's predicate reads #index; false where the
// VM fails to begin the loop.
func beginLoop(env *Env, list operand, each *elements, scope *closureScope) (*val, bool) {
	l, ok := list(env)
	if !ok {
		return l, false
	}
	return l, each.beginIn(env, l, scope)
}

// beginIn is begin for the loop of scope, writing each element's index
// where its predicate reads #index.
func (e *elements) beginIn(env *Env, l *val, scope *closureScope) bool {
	if scope.index >= 0 {
		e.index = &env.regs[scope.index]
	}
	return e.begin(l)
}

// valueLoops are the predicate built-ins compiled here that answer a value.
var valueLoops = map[string]bool{"sum": true, "find": true, "findIndex": true, "findLast": true, "findLastIndex": true}

// valueLoop compiles sum (of the elements, or of a value computed from
// each, added as expr adds them from int 0), find (the first element the
// predicate holds for, or a value computed from it where expr's optimizer
// folded a map in; nil where none does, or the VM's error where the
// optimizer folded an index that would be out of range), findIndex, and
// findLast and findLastIndex (lastFound).
func (c *fastCompiler) valueLoop(n *ast.BuiltinNode) (operand, bool) {
	if len(n.Arguments) != 2 && !(n.Name == "sum" && len(n.Arguments) == 1) {
		return nil, false
	}
	list, scope, ok := c.openLoop(n.Arguments[0])
	if !ok {
		return nil, false
	}
	defer c.closeLoop()
	value, test, mapped, ok := c.loopBody(n, n.Name == "sum") // sum's value of an element; find's folded map
	if !ok {
		return nil, false
	}
	at := c.slot()
	if n.Name == "sum" {
		next := c.slot()
		return func(env *Env) (*val, bool) {
			var each elements
			if l, ok := beginLoop(env, list, &each, scope); !ok {
				return l, false
			}
			return sumOf(env, &each, &env.regs[scope.item], &env.regs[at], &env.regs[next], value)
		}, true
	}
	index, throws := n.Name == "findIndex" || n.Name == "findLastIndex", n.Throws
	if n.Name == "findLast" || n.Name == "findLastIndex" {
		return lastFound(list, scope, test, mapped, at, index, throws), true
	}
	return func(env *Env) (*val, bool) {
		var each elements
		if l, ok := beginLoop(env, list, &each, scope); !ok {
			return l, false
		}
		item, out := &env.regs[scope.item], &env.regs[at]
		for k := 0; each.next(item); k++ {
			b, ok := test(env)
			if !ok {
				return item, false
			}
			switch {
			case !b:
				continue
			case index:
				out.setInt(k)
				return out, true
			case mapped != nil:
				return mapped(env)
			}
			*out = *item
			return out, true
		}
		out.setAny(nil)
		return out, !throws
	}, true
}

// lastFound is findLast (index: findLastIndex): the walk reads the array
// from its start, as its text is read, keeping the last element the
// predicate holds for. Expr's VM walks from the end and stops there: the
// predicate failing on an element after that one is the VM's error, on
// one before it is nothing (the VM never tests it).
func lastFound(list operand, scope *closureScope, test condition, mapped operand, at int, index, throws bool) operand {
	return func(env *Env) (*val, bool) {
		var each elements
		if l, ok := beginLoop(env, list, &each, scope); !ok {
			return l, false
		}
		item, out := &env.regs[scope.item], &env.regs[at]
		found, failed, last, lastIndex := -1, -1, val{}, val{}
		for k := 0; each.next(item); k++ {
			b, ok := test(env)
			if !ok {
				failed = k
				continue
			}
			if b {
				found, last = k, *item
				if each.index != nil {
					lastIndex = *each.index
				}
			}
		}
		switch {
		case failed > found: // the VM tests it before it meets any element it answers
			return item, false
		case found < 0:
			out.setAny(nil)
			return out, !throws
		case index:
			out.setInt(found)
			return out, true
		case mapped != nil: // # (and #index) the element found, for the map folded in
			*item = last
			if each.index != nil {
				*each.index = lastIndex
			}
			return mapped(env)
		}
		*out = last
		return out, true
	}
}

// loopBody compiles the predicate of a loop built-in, when it has one,
// as a value (valued: sum's, map's) or as a condition, and the map expr's
// optimizer folded in (map(filter(...), ...), filter(...)[0].x).
func (c *fastCompiler) loopBody(n *ast.BuiltinNode, valued bool) (value operand, test condition, mapped operand, ok bool) {
	if len(n.Arguments) == 2 {
		body, isPredicate := n.Arguments[1].(*ast.PredicateNode)
		if !isPredicate {
			return nil, nil, nil, false
		}
		if valued {
			value, ok = c.operand(body.Node)
		} else {
			test, ok = c.test(body.Node, false)
		}
		if !ok {
			return nil, nil, nil, false
		}
	}
	if n.Map != nil {
		if mapped, ok = c.operand(n.Map); !ok {
			return nil, nil, nil, false
		}
	}
	return value, test, mapped, true
}

// sumOf adds the elements each walks (or value's answer on each) into
// sum, from int 0, each as expr adds it to the sum so far.
func sumOf(env *Env, each *elements, item, sum, next *val, value operand) (*val, bool) {
	sum.setInt(0)
	for each.next(item) {
		v := item
		if value != nil {
			var ok bool
			if v, ok = value(env); !ok {
				return v, false
			}
		}
		if !add(next, v, sum) {
			return next, false
		}
		*sum = *next
	}
	return sum, true
}

// pointer compiles # (the element a predicate is on), and #acc and
// #index inside reduce.
func (c *fastCompiler) pointer(n *ast.PointerNode) (operand, bool) {
	if len(c.scopes) == 0 {
		return nil, false
	}
	scope := c.scopes[len(c.scopes)-1]
	switch at := -1; n.Name {
	case "index":
		if scope.index < 0 {
			scope.index = c.slot()
		}
		at = scope.index
		return func(env *Env) (*val, bool) { return &env.regs[at], true }, true
	case "acc":
		if at = scope.acc; at < 0 {
			return nil, false // of another predicate: the VM's
		}
		return func(env *Env) (*val, bool) { return &env.regs[at], true }, true
	case "":
		at = scope.item
		return func(env *Env) (*val, bool) {
			item := &env.regs[at]
			return item, item.kind != anyKind || item.v != unreadable
		}, true
	}
	return nil, false
}

// reduceLoop compiles reduce(list, step, initial): #acc is the value so
// far, from initial (or, without one, the first element: an empty list is
// then the VM's error), and the step's value on each element after;
// #index the element's index.
func (c *fastCompiler) reduceLoop(n *ast.BuiltinNode) (operand, bool) {
	if len(n.Arguments) != 2 && len(n.Arguments) != 3 {
		return nil, false
	}
	body, ok := n.Arguments[1].(*ast.PredicateNode)
	if !ok {
		return nil, false
	}
	var initial operand
	if len(n.Arguments) == 3 {
		if initial, ok = c.operand(n.Arguments[2]); !ok {
			return nil, false
		}
	}
	list, scope, ok := c.openLoop(n.Arguments[0])
	if !ok {
		return nil, false
	}
	scope.acc = c.slot()
	step, ok := c.operand(body.Node)
	c.closeLoop()
	if !ok {
		return nil, false
	}
	return func(env *Env) (*val, bool) {
		var each elements
		if l, ok := beginLoop(env, list, &each, scope); !ok {
			return l, false
		}
		item, acc := &env.regs[scope.item], &env.regs[scope.acc]
		if initial != nil {
			v, ok := initial(env)
			if !ok {
				return v, false
			}
			*acc = *v
		} else {
			if !each.next(item) || item.kind == anyKind && item.v == unreadable {
				return item, false // an empty list, or a map's member: the VM fails
			}
			*acc = *item
		}
		for each.next(item) {
			v, ok := step(env)
			if !ok {
				return v, false
			}
			*acc = *v
		}
		return acc, true
	}, true
}

// unreadable is the element of a map a predicate loops over: the VM
// counts a map's members but fails to read one (reflect's Index).
var unreadable any = unreadableItem{}

type unreadableItem struct{}

// elements walks a list as the VM's loops do: a JSON array element by
// element from its text, a decoded slice or array, a string byte by byte
// (as uint8, what reflect's Index gives), an object or map as many
// elements as it has members, none of which can be read.
type elements struct {
	raw   string // a JSON array's text
	at    int    // the next element's index in raw (or in the list below)
	items []any
	ints  []int
	text  string
	list  reflect.Value // any other slice or array
	n     int           // a map's members
	kind  uint8
	index *val // where each element's index goes, when a predicate reads #index
	k     int  // the next element's index
}

const (
	noElements = iota
	rawElements
	mapElements
	anyElements
	intElements
	byteElements
	valueElements
)

// begin takes l; false where the VM's OpBegin fails (no length).
func (e *elements) begin(l *val) bool {
	switch l.kind {
	case rawKind:
		switch l.s[0] {
		case '[':
			e.raw, e.at, e.kind = l.s, skipSpace(l.s, 1), rawElements
			return true
		case '{': // a map: its members are counted, by their names as decoded
			e.n, e.kind = len(l.decoded().(map[string]any)), mapElements
			return true
		case '"':
			e.text, _ = l.text()
			e.kind = byteElements
			return true
		}
		return false // a number, a boolean or null
	case strKind:
		e.text, e.kind = l.s, byteElements
		return true
	case anyKind:
	default:
		return false
	}
	switch v := l.v.(type) {
	case []any:
		e.items, e.kind = v, anyElements
		return true
	case []int: // a range
		e.ints, e.kind = v, intElements
		return true
	case string:
		e.text, e.kind = v, byteElements
		return true
	case nil:
		return false
	}
	rv := reflect.ValueOf(l.v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		e.list, e.kind = rv, valueElements
		return true
	case reflect.String:
		e.text, e.kind = rv.String(), byteElements
		return true
	case reflect.Map:
		e.n, e.kind = rv.Len(), mapElements
		return true
	}
	return false // no length: OpBegin fails
}

// next puts the next element in out, and its index where the predicate
// reads #index; false past the last.
func (e *elements) next(out *val) bool {
	if !e.element(out) {
		return false
	}
	if e.index != nil {
		e.index.setInt(e.k)
		e.k++
	}
	return true
}

// element puts the next element in out; false past the last.
func (e *elements) element(out *val) bool {
	switch e.kind {
	case rawElements:
		raw, i := e.raw, e.at
		if i >= len(raw) || raw[i] == ']' {
			return false
		}
		end := trustedValue(raw, i)
		out.setRaw(raw[i:end])
		if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		e.at = i
		return true
	case anyElements:
		if e.at >= len(e.items) {
			return false
		}
		out.setTyped(e.items[e.at])
	case intElements:
		if e.at >= len(e.ints) {
			return false
		}
		out.setInt(e.ints[e.at])
	case byteElements:
		if e.at >= len(e.text) {
			return false
		}
		out.setAny(e.text[e.at])
	case valueElements:
		if e.at >= e.list.Len() {
			return false
		}
		out.setTyped(e.list.Index(e.at).Interface())
	case mapElements:
		if e.at >= e.n {
			return false
		}
		out.setAny(unreadable)
	default:
		return false
	}
	e.at++
	return true
}
