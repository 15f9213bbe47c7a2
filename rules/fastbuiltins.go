package rules

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
)

// The built-ins of expr's library (int, string, type, trimPrefix,
// indexOf, round, split, date, keys, toJSON, ...) are compiled without the
// VM: a call runs expr's own function (its Fast form or its Func, as the VM
// calls them) on its operands' decoded values, so the answers and the
// failures are the VM's; only the record is not decoded around them. A
// few (libraryBuiltins) first try their usual case on the values as they
// are (numbers unboxed, an array's JSON text), which allocates nothing.
// The ones that account for the memory they build (Safe: repeat, concat,
// sort, reverse, flatten) count it against the budget as the VM counts
// it (memory.go). The predicate built-ins are fastpredicates.go's.

// libraryBuiltins are the library built-ins with a usual case.
var libraryBuiltins = map[string]libraryCall{
	"abs": callAbs, "max": callMax, "min": callMin, "first": callFirst, "last": callLast, "type": callType,
	"int": callInt, "float": callFloat, "round": callRound, "ceil": callCeil, "floor": callFloor,
	"trimPrefix": callTrimPrefix, "trimSuffix": callTrimSuffix, "indexOf": callIndexOf,
	"lastIndexOf": callLastIndexOf, "hasPrefix": callHasPrefix, "hasSuffix": callHasSuffix,
	"string": callString, "replace": callReplace, "join": callJoin, "date": callDate,
	"get": callGet, "keys": callKeys, "values": callValues, "timezone": callTimezone, "sort": callSort,
}

// libraryCall names a compiled library built-in.
type libraryCall uint8

const (
	callOnly libraryCall = iota // no usual case: expr's function on the decoded values
	callAbs
	callMax
	callMin
	callFirst
	callLast
	callType
	callInt
	callFloat
	callRound
	callCeil
	callFloor
	callTrimPrefix
	callTrimSuffix
	callIndexOf
	callLastIndexOf
	callHasPrefix
	callHasSuffix
	callString
	callReplace
	callJoin
	callDate
	callGet
	callKeys
	callValues
	callTimezone
	callSort
)

// usualCase computes call's usual case into out, a string it builds
// kept in env (built.go); false, out untouched, where it does not apply. A
// switch, not a table of functions: the operands' slice stays on the
// stack.
func usualCase(env *Env, call libraryCall, out *val, args []*val) bool {
	switch call {
	case callString:
		return env.stringOf(out, args[0])
	case callDate:
		return env.dateOf(out, args)
	case callGet:
		return getMember(out, args)
	case callKeys, callValues:
		return len(args) == 1 && env.keysOrValues(out, args[0], call == callValues)
	case callTimezone:
		return len(args) == 1 && zoneNamed(out, args[0])
	case callSort:
		return env.sortedTexts(out, args)
	case callReplace, callJoin:
		return env.buildStrings(call, out, args)
	case callAbs, callMax, callMin:
		return numbersOnly(out, args, call == callAbs, call == callMax)
	case callFirst:
		return arrayElement(out, args[0], firstIndex)
	case callLast:
		return arrayElement(out, args[0], lastIndex)
	case callType:
		return typeName(out, args[0])
	case callInt, callFloat, callRound, callCeil, callFloor:
		return convertNumber(call, out, args[0])
	}
	return stringsOnly(call, out, args)
}

// typeName is type(v) of a value held as it is: what the decoded value's
// type is named.
func typeName(out *val, v *val) bool {
	name := ""
	switch v.kind {
	case strKind:
		name = "string"
	case intKind, int64Kind:
		name = "int"
	case floatKind:
		name = "float"
	case boolKind:
		name = "bool"
	case rawKind:
		switch v.s[0] {
		case '"':
			name = "string"
		case '[':
			name = "array"
		case '{':
			name = "map"
		case 't', 'f':
			name = "bool"
		case 'n':
			name = "nil"
		default:
			if _, _, isInt, _ := rawNumber(v.s); isInt {
				name = "int"
			} else {
				name = "float"
			}
		}
	default:
		return false
	}
	out.setStr(name)
	return true
}

// convertNumber is int, float, round, ceil or floor of a number: int
// truncates a float, the others answer a float.
func convertNumber(call libraryCall, out *val, v *val) bool {
	i, f, isInt, ok := v.number()
	if !ok {
		return false // a string (int("12")) or no number: expr's function
	}
	switch {
	case call == callInt && isInt:
		out.setInt(i)
	case call == callInt:
		out.setInt(int(f))
	case isInt:
		out.setFloat(float64(i))
	case call == callRound:
		out.setFloat(math.Round(f))
	case call == callCeil:
		out.setFloat(math.Ceil(f))
	case call == callFloor:
		out.setFloat(math.Floor(f))
	default:
		out.setFloat(f)
	}
	return true
}

// stringsOnly is the string built-ins of one or two strings (trimPrefix
// and trimSuffix trim a space without a second one).
func stringsOnly(call libraryCall, out *val, args []*val) bool {
	a, ok := args[0].text()
	if !ok {
		return false
	}
	b := " "
	if len(args) == 2 {
		if b, ok = args[1].text(); !ok {
			return false
		}
	} else if call != callTrimPrefix && call != callTrimSuffix {
		return false
	}
	switch call {
	case callTrimPrefix:
		out.setStr(strings.TrimPrefix(a, b))
	case callTrimSuffix:
		out.setStr(strings.TrimSuffix(a, b))
	case callIndexOf:
		out.setInt(strings.Index(a, b))
	case callLastIndexOf:
		out.setInt(strings.LastIndex(a, b))
	case callHasPrefix:
		out.setBool(strings.HasPrefix(a, b))
	case callHasSuffix:
		out.setBool(strings.HasSuffix(a, b))
	default:
		return false
	}
	return true
}

// getMember is get(v, k) of an object's JSON text and a name (the last
// member so named, the name matched exactly as a Go map's key is, nil when
// there is none) or of an array's and a number (an element, from the end
// when negative, the number read as expr's ToInt reads it; nil out of
// range). False for anything else: expr's function reads it.
func getMember(out *val, args []*val) bool {
	if len(args) != 2 || args[0].kind != rawKind {
		return false
	}
	switch raw := args[0].s; raw[0] {
	case '{':
		name, ok := args[1].text()
		if ok {
			rawMember(out, raw, name, false)
		}
		return ok
	case '[':
		i, ok := args[1].toInt()
		if ok {
			rawMember(out, raw, i, false)
		}
		return ok
	}
	return false
}

// buildStrings is replace of three strings (the old one not empty) and
// join of an array of strings, with or without its glue.
func (env *Env) buildStrings(call libraryCall, out *val, args []*val) bool {
	if call == callJoin {
		glue := ""
		if len(args) == 2 {
			var ok bool
			if glue, ok = args[1].text(); !ok {
				return false
			}
		}
		return env.joinTexts(out, args[0], glue)
	}
	if len(args) != 3 {
		return false
	}
	s, ok1 := args[0].text()
	old, ok2 := args[1].text()
	new, ok3 := args[2].text()
	if !ok1 || !ok2 || !ok3 || old == "" {
		return false
	}
	out.setStr(env.replaceAll(s, old, new))
	return true
}

// maxLibraryArgs is the most operands a compiled library built-in takes.
const maxLibraryArgs = 4

// libraryBuiltin compiles a call of a built-in of expr's library.
func (c *fastCompiler) libraryBuiltin(n *ast.BuiltinNode) (operand, bool) {
	id, ok := builtin.Index[n.Name]
	if !ok {
		return nil, false
	}
	fn, call := builtin.Builtins[id], libraryBuiltins[n.Name]
	switch {
	case fn.Predicate, fn.Fast == nil && fn.Func == nil && fn.Safe == nil:
		return nil, false
	case len(n.Arguments) > maxLibraryArgs, fn.Fast != nil && len(n.Arguments) != 1:
		return nil, false
	}
	args, ok := c.operands(n.Arguments)
	if !ok {
		return nil, false
	}
	at := c.slot()
	if fused, ok := c.overMap(n, at); ok {
		general := c.libraryCall(fn, call, args, at)
		return func(env *Env) (*val, bool) {
			memory := env.memory
			if v, ok, decided := fused(env); decided {
				return v, ok
			}
			env.memory = memory // counted again as the list is built
			return general(env)
		}, true
	}
	return c.libraryCall(fn, call, args, at), true
}

// libraryCall is a library built-in's call on its compiled operands.
func (c *fastCompiler) libraryCall(fn *builtin.Function, call libraryCall, args []operand, at int) operand {
	return func(env *Env) (*val, bool) {
		var vals [maxLibraryArgs]*val
		if v, ok := computeArgs(env, args, vals[:]); !ok {
			return v, false
		}
		out := &env.regs[at]
		if call != callOnly && usualCase(env, call, out, vals[:len(args)]) {
			return out, true
		}
		var values [maxLibraryArgs]any
		for i, v := range vals[:len(args)] {
			values[i] = v.decoded()
		}
		r, memory, ok := callLibrary(fn, values[:len(args)])
		if ok {
			out.setTyped(r)
		}
		return out, ok && env.grow(memory)
	}
}

// computeArgs computes each of args, in order, into vals; false, with
// the value that failed, where one fails.
func computeArgs(env *Env, args []operand, vals []*val) (*val, bool) {
	for i, arg := range args {
		v, ok := arg(env)
		if !ok {
			return v, false
		}
		vals[i] = v
	}
	return nil, true
}

// overMap compiles max, min and join of a map's list (max(map(list, v)),
// join(map(list, v), glue)) as one walk over the list's elements, the
// list never built (but counted against the memory budget as the VM
// builds it). Its operand answers decided false where a value is not what
// the walk reads (a string for max, a number for join, an int64, a time):
// the list is then built and read as usual.
func (c *fastCompiler) overMap(n *ast.BuiltinNode, at int) (func(env *Env) (v *val, ok, decided bool), bool) {
	if len(n.Arguments) == 0 {
		return nil, false
	}
	switch {
	case (n.Name == "max" || n.Name == "min") && len(n.Arguments) == 1:
	case n.Name == "join" && len(n.Arguments) <= 2:
	default:
		return nil, false
	}
	var glue operand
	if len(n.Arguments) == 2 {
		var ok bool
		if glue, ok = c.operand(n.Arguments[1]); !ok {
			return nil, false
		}
	}
	list, scope, value, ok := c.mapWalk(n.Arguments[0])
	if !ok {
		return nil, false
	}
	if n.Name == "join" {
		return joinOfMap(list, scope, value, glue, at), true
	}
	return extremeOfMap(list, scope, value, n.Name == "max", at), true
}

// extremeOfMap is max (most) or min of a map's values, the greatest
// (least) kept as the walk meets it.
func extremeOfMap(list operand, scope *closureScope, value operand, most bool, at int) func(env *Env) (*val, bool, bool) {
	return func(env *Env) (*val, bool, bool) {
		var each elements
		l, ok := beginLoop(env, list, &each, scope)
		if !ok {
			return l, false, true
		}
		item, out := &env.regs[scope.item], &env.regs[at]
		m, count := extreme{most: most}, 0
		for each.next(item) {
			v, ok := value(env)
			if !ok {
				return v, false, true
			}
			if v.kind == int64Kind || !m.add(v, 1) {
				return v, false, false
			}
			count++
		}
		m.answer(out)
		return out, env.grow(count), true
	}
}

// joinOfMap is join of a map's values, each a string, with the glue
// between them ("" without one): the pieces gather in env.lists (where a
// value that builds a list of its own builds it after them), then the
// whole is built as built.go builds strings.
func joinOfMap(list operand, scope *closureScope, value, glue operand, at int) func(env *Env) (*val, bool, bool) {
	return func(env *Env) (*val, bool, bool) {
		by := ""
		if glue != nil {
			g, ok := glue(env)
			if !ok {
				return g, false, true
			}
			if by, ok = g.text(); !ok {
				return g, false, false
			}
		}
		var each elements
		l, ok := beginLoop(env, list, &each, scope)
		if !ok {
			return l, false, true
		}
		item, out, mark := &env.regs[scope.item], &env.regs[at], len(env.lists)
		count := 0
		for each.next(item) {
			v, ok := value(env)
			if !ok {
				env.dropList(mark)
				return v, false, true
			}
			s, ok := v.text()
			if !ok {
				env.dropList(mark)
				return v, false, false
			}
			if count > 0 {
				env.lists = append(env.lists, by...)
			}
			env.lists = append(env.lists, s...)
			count++
		}
		out.setStr(env.takeList(mark, ""))
		return out, env.grow(count), true
	}
}

// The indexes first and last read, boxed once.
var firstIndex, lastIndex any = 0, -1

// arrayElement is first (at 0) and last (at -1) of an array's JSON text.
func arrayElement(out *val, list *val, at any) bool {
	if list.kind != rawKind || list.s[0] != '[' {
		return false
	}
	rawMember(out, list.s, at, false)
	return true
}

// numbersOnly computes abs, max (most) or min of numbers, as
// expr's functions do: a negative number negated (-0.0 stays), the first
// value no later one is greater (less) than, compared as numbers and
// kept with its type; max and min read the elements of an array's JSON
// text too, and of the arrays in it (nil when there are none). False, with
// out untouched, for any other value: expr's function then reads it.
func numbersOnly(out *val, vals []*val, abs, most bool) bool {
	for _, v := range vals {
		if v.kind == int64Kind {
			return false // expr answers the int64 itself
		}
	}
	var m extreme
	m.most = most
	if abs {
		i, f, isInt, ok := vals[0].number()
		if !ok {
			return false
		}
		switch {
		case isInt && i < 0:
			i = -i
		case !isInt && f < 0:
			f = -f
		}
		m.i, m.f, m.isInt, m.have = i, f, isInt, true
	} else {
		for _, v := range vals {
			if !m.add(v, 0) {
				return false
			}
		}
	}
	m.answer(out)
	return true
}

// answer writes the number met, nil when none was.
func (m *extreme) answer(out *val) {
	switch {
	case !m.have:
		out.setAny(nil)
	case m.isInt:
		out.setInt(m.i)
	default:
		out.setFloat(m.f)
	}
}

// extreme is the greatest (most) or least number met so far.
type extreme struct {
	i     int
	f     float64
	isInt bool
	have  bool // a number was met
	most  bool
}

// add meets v: a number, or an array's JSON text whose elements it meets
// in turn; false for anything else.
func (m *extreme) add(v *val, depth int) bool {
	vi, vf, vIsInt, ok := v.number()
	if !ok {
		if v.kind != rawKind || v.s[0] != '[' || depth >= builtin.MaxDepth {
			return false
		}
		var each elements
		var item val
		each.begin(v)
		for each.next(&item) {
			if !m.add(&item, depth+1) {
				return false
			}
		}
		return true
	}
	if !m.have {
		m.i, m.f, m.isInt, m.have = vi, vf, vIsInt, true
		return true
	}
	i, f, isInt := m.i, m.f, m.isInt
	var less bool // the value so far is less than v
	switch {
	case isInt && vIsInt:
		less = i < vi
	case isInt:
		less = float64(i) < vf
	case vIsInt:
		less = f < float64(vi)
	default:
		less = f < vf
	}
	more := !less && (isInt && vIsInt && i > vi || isInt && !vIsInt && float64(i) > vf ||
		!isInt && vIsInt && f > float64(vi) || !isInt && !vIsInt && f > vf)
	if m.most && less || !m.most && more {
		m.i, m.f, m.isInt = vi, vf, vIsInt
	}
	return true
}

// callLibrary runs fn as the VM does, with the memory a Safe function
// says it built; false where the VM fails.
func callLibrary(fn *builtin.Function, args []any) (r any, memory int, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	switch {
	case fn.Fast != nil:
		return fn.Fast(args[0]), 0, true
	case fn.Safe != nil:
		r, mem, err := fn.Safe(args...)
		return r, int(mem), err == nil
	}
	r, err := fn.Func(args...)
	return r, 0, err == nil
}

// splitArgs compiles the string and the separator of split(s, sep).
func (c *fastCompiler) splitArgs(node ast.Node) (s, sep operand, ok bool) {
	b, ok := node.(*ast.BuiltinNode)
	if !ok || b.Name != "split" || len(b.Arguments) != 2 {
		return nil, nil, false
	}
	return c.both(b.Arguments[0], b.Arguments[1])
}

// splitCount is len(split(s, sep)): how many pieces, counted without
// building them (an empty separator splits between runes); operands that
// are not strings are the VM's error.
func (c *fastCompiler) splitCount(node ast.Node) (operand, bool) {
	s, sep, ok := c.splitArgs(node)
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		text, by, ok := splitOperands(env, s, sep)
		out := &env.regs[at]
		switch {
		case !ok:
		case by == "":
			out.setInt(utf8.RuneCountInString(text))
		default:
			out.setInt(strings.Count(text, by) + 1)
		}
		return out, ok
	}, true
}

// splitPiece is split(s, sep)[i] for a constant i (from the end when
// negative): the piece, a part of s, found without building the others
// (an empty separator: the strings package's pieces); an index out of
// range is the VM's error.
func (c *fastCompiler) splitPiece(n *ast.MemberNode) (operand, bool) {
	index, ok := n.Property.(*ast.IntegerNode)
	if !ok {
		return nil, false
	}
	s, sep, ok := c.splitArgs(n.Node)
	if !ok {
		return nil, false
	}
	at, i := c.slot(), index.Value
	return func(env *Env) (*val, bool) {
		text, by, ok := splitOperands(env, s, sep)
		out := &env.regs[at]
		if ok {
			text, ok = nthPiece(text, by, i)
			out.setStr(text)
		}
		return out, ok
	}, true
}

// nthPiece is strings.Split(text, by)[i], from the end when i is
// negative, found without building the pieces (where by is empty, the
// pieces are the runes, an invalid byte one of its own, as Split cuts
// them); false out of range.
func nthPiece(text, by string, i int) (string, bool) {
	if by == "" {
		if i < 0 {
			i += utf8.RuneCountInString(text)
		}
		for at := 0; i >= 0 && at < len(text); i-- {
			_, size := utf8.DecodeRuneInString(text[at:])
			if i == 0 {
				return text[at : at+size], true
			}
			at += size
		}
		return "", false
	}
	if i < 0 {
		i += strings.Count(text, by) + 1
	}
	if i < 0 {
		return "", false
	}
	for ; i > 0; i-- {
		next := strings.Index(text, by)
		if next < 0 {
			return "", false
		}
		text = text[next+len(by):]
	}
	if end := strings.Index(text, by); end >= 0 {
		text = text[:end]
	}
	return text, true
}

// splitOperands computes split's operands: two strings.
func splitOperands(env *Env, s, sep operand) (text, by string, ok bool) {
	a, b, ok := computeBoth(env, s, sep)
	if ok {
		if text, ok = a.text(); ok {
			by, ok = b.text()
		}
	}
	return text, by, ok
}
