package rules

import (
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// Conditions are evaluated here by composed Go functions instead of the
// VM, which would spend more on its stack and on reflection than on the
// work: comparisons, arithmetic, len, in, the string tests, ?? and ?:,
// the library's other built-ins (fastbuiltins.go), the predicate
// built-ins (fastpredicates.go, fastgroups.go), the lists they build
// (fastlists.go), times (fasttimes.go, fasttimemethods.go), memberships
// and ranges (fastmembership.go), map literals (fastmaps.go), the
// gateway's functions (fastenv.go) and patterns computed at run time
// (patterncache.go), over record fields read straight from the record's
// JSON (record.a.b.c reads c without decoding a or b), variables and
// constants. The functions compute exactly what the VM computes from the
// same compiled tree (member access is the same total get, folding names
// where the phase does, the operators expr's runtime operators, with
// numbers, strings and booleans held unboxed); where the VM would fail
// they decline, and the VM runs to report the error. Only $env read whole
// and the gateway's functions read as values ($env.lookup) keep the VM.

// operand computes one value of an expression: a pointer to a constant,
// or to the operand's own slot in env.regs, which it filled; false when
// this evaluation is one for the VM. Values live in slots, not in return
// values, so no operator copies them.
type operand func(env *Env) (*val, bool)

// condition is a compiled boolean expression. It reports false for ok
// when this evaluation is one for the VM: the caller then runs the VM.
type condition func(env *Env) (result, ok bool)

// fastCondition compiles node, the checked and patched tree of an
// expression, into a condition and the number of slots its operands use,
// which the caller makes room for before each evaluation (testProgram);
// false when it has a shape left to the VM.
func fastCondition(node ast.Node) (condition, int, bool) {
	c := &fastCompiler{}
	test, ok := c.test(node, true)
	return test, c.slots, ok
}

// compileFast compiles node into an operand that first makes room for
// the slots its operands use.
func compileFast(node ast.Node) (operand, bool) {
	c := &fastCompiler{}
	value, ok := c.operand(node)
	if !ok {
		return nil, false
	}
	slots := c.slots
	return func(env *Env) (*val, bool) {
		env.makeRoom(slots)
		return value(env)
	}, true
}

// makeRoom gives env the slots an expression's operands use, small enough
// to inline where it has made room before.
func (env *Env) makeRoom(slots int) {
	if slots > env.used {
		env.growRegs(slots)
	}
}

// growRegs is makeRoom for more slots than env has made room for.
//
//go:noinline
func (env *Env) growRegs(slots int) {
	env.used = slots
	if len(env.regs) < slots {
		env.regs = append(env.regs, make([]val, max(slots, 2*len(env.regs))-len(env.regs))...)
	}
}

// fastCompiler compiles one expression, giving each operand that
// computes a value a slot of its own.
type fastCompiler struct {
	slots  int
	inRun  bool            // compiling an operand computed once a run: its parts are not cached again
	scopes []*closureScope // the predicates being compiled, innermost last
	lets   []letScope      // the variables of the lets being compiled, innermost last
}

// letScope is a variable a let declares (let p = record.profile; ...):
// the slot its value is kept in while its expression runs, and the keys
// of the record's field it holds, when it holds one (chain).
type letScope struct {
	name  string
	at    int
	chain bool
	keys  []any
}

// bindLet compiles a let's value, computed into a slot of its own that
// the names in its expression read (compiled after it, until the caller
// drops the scope). A let that would hide one of the phase's variables is
// the VM's: the values computed once a run read those by name.
func (c *fastCompiler) bindLet(n *ast.VariableDeclaratorNode) (operand, bool) {
	if _, known := variables[n.Name]; known {
		return nil, false
	}
	value, ok := c.operand(n.Value)
	if !ok {
		return nil, false
	}
	at := c.slot()
	keys, chain := c.recordChain(n.Value)
	c.lets = append(c.lets, letScope{name: n.Name, at: at, chain: chain, keys: keys})
	return func(env *Env) (*val, bool) {
		v, ok := value(env)
		if ok {
			env.regs[at] = *v
		}
		return v, ok
	}, true
}

// let is the innermost let declaring name.
func (c *fastCompiler) let(name string) (letScope, bool) {
	for i := len(c.lets) - 1; i >= 0; i-- {
		if c.lets[i].name == name {
			return c.lets[i], true
		}
	}
	return letScope{}, false
}

// slice compiles s[from:to] (either bound left out): a string's bytes, or
// any other value as expr's runtime slices it.
func (c *fastCompiler) slice(n *ast.SliceNode) (operand, bool) {
	base, ok := c.operand(n.Node)
	if !ok {
		return nil, false
	}
	var bounds [2]operand // from, to; nil when left out
	for i, b := range []ast.Node{n.From, n.To} {
		if b != nil {
			if bounds[i], ok = c.operand(b); !ok {
				return nil, false
			}
		}
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		v, ok := base(env)
		if !ok {
			return v, false
		}
		var vals [2]*val
		for i, b := range bounds {
			if b != nil {
				if vals[i], ok = b(env); !ok {
					return vals[i], false
				}
			}
		}
		out := &env.regs[at]
		return out, sliceOf(out, v, vals[0], vals[1])
	}, true
}

func (c *fastCompiler) slot() int {
	c.slots++
	return c.slots - 1
}

// constant is an operand of a fixed value.
func constant(v val) operand {
	return func(*Env) (*val, bool) { return &v, true }
}

// operand compiles node; false when its shape is left to the VM.
func (c *fastCompiler) operand(node ast.Node) (operand, bool) {
	if v, ok := constantOf(node); ok { // a ConstantNode: what the optimizer folded (a list for in)
		return constant(v), true
	}
	if _, variable := node.(*ast.IdentifierNode); !c.inRun && !variable && len(c.lets) == 0 && runConstant(node) {
		c.inRun = true
		inner, ok := c.operand(node)
		c.inRun = false
		if !ok {
			return nil, false
		}
		return onceARun(inner), true
	}
	switch n := node.(type) {
	case *ast.ArrayNode:
		elems := make([]any, len(n.Nodes))
		for i, e := range n.Nodes {
			v, ok := literal(e)
			if !ok {
				return c.arrayOf(n)
			}
			elems[i] = v
		}
		if !slices.ContainsFunc(n.Nodes, func(e ast.Node) bool { _, isNil := e.(*ast.NilNode); return isNil }) {
			return constant(val{v: elems}), true
		}
		list := val{v: elems} // expr folds no list holding nil: its VM builds it, and counts it, every time
		return func(env *Env) (*val, bool) { return &list, env.grow(len(elems)) }, true
	case *ast.ChainNode: // ?. : get is nil-safe already
		return c.operand(n.Node)
	case *ast.IdentifierNode:
		if l, ok := c.let(n.Value); ok {
			at := l.at
			return func(env *Env) (*val, bool) { return &env.regs[at], true }, true
		}
		return c.variable(n.Value)
	case *ast.CallNode:
		if m, ok := n.Callee.(*ast.MemberNode); ok && m.Method {
			return c.method(m, n.Arguments)
		}
		if op, ok := c.envCall(n); ok {
			return op, true
		}
		return c.member(n)
	case *ast.UnaryNode:
		return c.unary(n)
	case *ast.BinaryNode:
		return c.binary(n)
	case *ast.BuiltinNode:
		if predicateLoops[n.Name] {
			return c.predicateLoop(n)
		}
		if valueLoops[n.Name] {
			return c.valueLoop(n)
		}
		if listBuilders[n.Name] {
			return c.listBuilder(n)
		}
		if keyedLoops[n.Name] {
			return c.keyedLoop(n)
		}
		if n.Name == "reduce" {
			return c.reduceLoop(n)
		}
		if n.Name == "now" && len(n.Arguments) == 0 {
			return c.now(), true
		}
		if op, ok := c.builtin(n); ok {
			return op, true
		}
		return c.libraryBuiltin(n)
	case *ast.PointerNode:
		return c.pointer(n)
	case *ast.MemberNode:
		if name, ok := n.Property.(*ast.StringNode); ok && !n.Method {
			if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == envVar {
				return c.variable(name.Value) // $env.record: the variable record
			}
		}
		if op, ok := c.splitPiece(n); ok {
			return op, true
		}
		if op, ok := c.mapMember(n); ok {
			return op, true
		}
		return c.listIndex(n)
	case *ast.MapNode:
		return c.mapLiteral(n)
	case *ast.SliceNode:
		return c.slice(n)
	case *ast.VariableDeclaratorNode:
		set, ok := c.bindLet(n)
		if !ok {
			return nil, false
		}
		body, ok := c.operand(n.Expr)
		c.lets = c.lets[:len(c.lets)-1]
		if !ok {
			return nil, false
		}
		return func(env *Env) (*val, bool) {
			if v, ok := set(env); !ok {
				return v, false
			}
			return body(env)
		}, true
	case *ast.ConditionalNode:
		cond, ok := c.operand(n.Cond)
		if !ok {
			return nil, false
		}
		yes, no, ok := c.both(n.Exp1, n.Exp2)
		if !ok {
			return nil, false
		}
		return func(env *Env) (*val, bool) {
			v, ok := cond(env)
			if !ok {
				return v, false
			}
			b, ok := v.boolean()
			switch {
			case !ok:
				return v, false // the VM's error
			case b:
				return yes(env)
			}
			return no(env)
		}, true
	}
	return nil, false
}

// variable compiles a read of the variable name (false for a name that
// is none of variables: expr reads it).
func (c *fastCompiler) variable(name string) (operand, bool) {
	read, ok := variables[name]
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		out := &env.regs[at]
		read(env, out)
		return out, true
	}, true
}

// stringBuiltins are expr's built-ins of one string, computed as expr
// computes them; any other argument is the VM's error.
var stringBuiltins = map[string]bool{"lower": true, "upper": true, "trim": true}

// builtin compiles len and the string built-ins of one argument.
func (c *fastCompiler) builtin(n *ast.BuiltinNode) (operand, bool) {
	if len(n.Arguments) != 1 || !stringBuiltins[n.Name] && n.Name != "len" {
		return nil, false
	}
	arg, ok := c.operand(n.Arguments[0])
	if !ok {
		return nil, false
	}
	switch n.Name {
	case "len":
		if pieces, ok := c.splitCount(n.Arguments[0]); ok {
			return pieces, true
		}
		if members, ok := c.memberCount(n.Arguments[0], arg); ok {
			return members, true
		}
		return c.apply1(arg, length), true
	case "trim":
		return c.apply1(arg, func(out, v *val) bool {
			s, ok := v.text()
			if ok {
				out.setStr(strings.TrimSpace(s))
			}
			return ok
		}), true
	}
	upper, at := n.Name == "upper", c.slot()
	return func(env *Env) (*val, bool) {
		v, ok := arg(env)
		if !ok {
			return v, false
		}
		out := &env.regs[at]
		s, ok := v.text()
		if ok {
			out.setStr(env.changeCase(s, upper))
		}
		return out, ok
	}, true
}

// both compiles two operands.
func (c *fastCompiler) both(a, b ast.Node) (left, right operand, ok bool) {
	if left, ok = c.operand(a); ok {
		right, ok = c.operand(b)
	}
	return left, right, ok
}

// operands compiles each of nodes.
func (c *fastCompiler) operands(nodes []ast.Node) ([]operand, bool) {
	ops := make([]operand, len(nodes))
	for i, n := range nodes {
		var ok bool
		if ops[i], ok = c.operand(n); !ok {
			return nil, false
		}
	}
	return ops, true
}

// apply1 is an operand computing op of one operand into a slot.
func (c *fastCompiler) apply1(arg operand, op func(out, a *val) bool) operand {
	at := c.slot()
	return func(env *Env) (*val, bool) {
		a, ok := arg(env)
		if !ok {
			return a, false
		}
		out := &env.regs[at]
		return out, op(out, a)
	}
}

// member compiles a patched member access: record.a.b... straight from
// the record's JSON, any other on the decoded value.
func (c *fastCompiler) member(n *ast.CallNode) (operand, bool) {
	base, key, ok := memberAccess(n)
	if !ok {
		return c.memberByValue(n)
	}
	if keys, ok := c.recordChain(n); ok {
		at := c.slot()
		if name, ok := keys[0].(string); ok && len(keys) == 1 {
			id := fieldID(name)
			return func(env *Env) (*val, bool) { // record.name: one call
				out := &env.regs[at]
				if f := env.fields; f == nil {
					env.recordAt(out, keys)
				} else if m, ok := f.slots.filled(f.members, id); !ok { // namedField's usual case in line
					f.namedField(out, name, id)
				} else if m != nil {
					out.setRaw(m.val)
				} else {
					out.setAny(nil)
				}
				return out, true
			}, true
		}
		return func(env *Env) (*val, bool) {
			out := &env.regs[at]
			env.recordAt(out, keys)
			return out, true
		}, true
	}
	if id, ok := unchain(base).(*ast.IdentifierNode); ok && variableValues[id.Value] != nil {
		read, at := variableValues[id.Value], c.slot() // user.id: one call
		return func(env *Env) (*val, bool) {
			out := &env.regs[at]
			out.setTyped(env.Get(read(env), key))
			return out, true
		}, true
	}
	read, ok := c.operand(base)
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		b, ok := read(env)
		if !ok {
			return b, false
		}
		out := &env.regs[at]
		env.memberOf(out, b, key)
		return out, true
	}, true
}

// memberOf reads b[key] as __get reads it: in b's text when b is JSON
// text (a predicate's element, a field), on its decoded value otherwise.
func (env *Env) memberOf(out, b *val, key any) {
	if b.kind == rawKind {
		rawMember(out, b.s, key, env.fold)
		return
	}
	out.setTyped(env.Get(b.decoded(), key))
}

// memberByValue compiles __get(base, key) of a key computed at run time
// (record.flags[record.flag], get(o, k)): a member read in the text of a
// JSON value, the decoded value's otherwise.
func (c *fastCompiler) memberByValue(n *ast.CallNode) (operand, bool) {
	if callee, ok := n.Callee.(*ast.IdentifierNode); !ok || callee.Value != getFunc || len(n.Arguments) != 2 {
		return nil, false
	}
	base, key, ok := c.both(n.Arguments[0], n.Arguments[1])
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		b, k, ok := computeBoth(env, base, key)
		if !ok {
			return b, false
		}
		out := &env.regs[at]
		if b.kind == rawKind { // a name or an index read as it is, not boxed
			if name, ok := k.text(); ok {
				rawNamed(out, b.s, name, env.fold)
				return out, true
			}
			if i, ok := k.toInt(); ok {
				rawIndexed(out, b.s, i) // a number as toIndex reads it
				return out, true
			}
		}
		env.memberOf(out, b, k.decoded())
		return out, true
	}, true
}

// variableValues read the variables other than record as the VM does.
var variableValues = map[string]func(env *Env) any{
	"body":     func(env *Env) any { return env.Body },
	"old":      func(env *Env) any { return env.Old },
	"user":     func(env *Env) any { return env.User },
	"request":  func(env *Env) any { return env.Request },
	"response": func(env *Env) any { return env.Response },
	"value":    (*Env).value,
}

func (c *fastCompiler) unary(n *ast.UnaryNode) (operand, bool) {
	inner, ok := c.operand(n.Node)
	if !ok {
		return nil, false
	}
	switch n.Operator {
	case "!", "not":
		return c.apply1(inner, func(out, v *val) bool {
			b, ok := v.boolean()
			out.setBool(!b)
			return ok // not a boolean: the VM's error
		}), true
	case "-":
		return c.apply1(inner, negate), true
	}
	return nil, false
}

// binaryOperators are the operators computed on both operands' values.
var binaryOperators = map[string]func(out, a, b *val) bool{
	"==": func(out, a, b *val) bool { out.setBool(equal(a, b)); return true },
	"!=": func(out, a, b *val) bool { out.setBool(!equal(a, b)); return true },
	"<": func(out, a, b *val) bool {
		return compare(out, a, b, runtime.Less, true, false, false)
	},
	"<=": func(out, a, b *val) bool {
		return compare(out, a, b, runtime.LessOrEqual, true, true, false)
	},
	">": func(out, a, b *val) bool {
		return compare(out, a, b, runtime.More, false, false, true)
	},
	">=": func(out, a, b *val) bool {
		return compare(out, a, b, runtime.MoreOrEqual, false, true, true)
	},
	"+":  add,
	"-":  subtract,
	"*":  multiply,
	"/":  divide,
	"%":  modulo,
	"**": exponent,
	"^":  exponent,
	"in": in,
	"contains": func(out, a, b *val) bool {
		return stringTest(out, a, b, strings.Contains)
	},
	"startsWith": func(out, a, b *val) bool {
		return stringTest(out, a, b, strings.HasPrefix)
	},
	"endsWith": func(out, a, b *val) bool {
		return stringTest(out, a, b, strings.HasSuffix)
	},
}

func (c *fastCompiler) binary(n *ast.BinaryNode) (operand, bool) {
	if n.Operator == "matches" {
		return c.match(n)
	}
	if n.Operator == ".." {
		return c.rangeList(n)
	}
	if n.Operator == "in" {
		if op, ok := c.rangeMembership(n); ok {
			return op, true
		}
		if op, ok := c.listMembership(n); ok {
			return op, true
		}
	}
	left, right, ok := c.both(n.Left, n.Right)
	if !ok {
		return nil, false
	}
	switch n.Operator {
	case "&&", "and", "||", "or":
		stop := n.Operator == "||" || n.Operator == "or" // the left value that decides
		return func(env *Env) (*val, bool) {
			l, ok := left(env)
			if !ok {
				return l, false
			}
			b, ok := l.boolean()
			switch {
			case !ok:
				return l, false // the VM's error
			case b == stop:
				return l, true
			}
			return right(env)
		}, true
	case "??":
		return func(env *Env) (*val, bool) {
			l, ok := left(env)
			if !ok || !l.isNil() {
				return l, ok
			}
			return right(env)
		}, true
	}
	op, known := binaryOperators[n.Operator]
	if !known {
		return nil, false
	}
	at := c.slot()
	if k, ok := constantOf(n.Right); (n.Operator == "+" || n.Operator == "-") && (!ok || k.kind == strKind) {
		return plusOrMinus(left, right, at, n.Operator == "-"), true
	}
	typed := reflect.Invalid
	if n.Operator == "==" || n.Operator == "!=" {
		if typed = typedEquality(n); typed != reflect.Invalid {
			op = typedEqualOp(typed, n.Operator == "==")
		}
	}
	if k, ok := constantOf(n.Right); ok && typed == reflect.Invalid { // record.n % 2, record.n == 1: no call for the constant
		if n.Operator == "==" || n.Operator == "!=" {
			want := n.Operator == "=="
			text, plain := plainJSON(&k)
			return func(env *Env) (*val, bool) {
				l, ok := left(env)
				if !ok {
					return l, false
				}
				out := &env.regs[at]
				if plain && l.kind == rawKind && spelledOnce(l.s, text) {
					out.setBool((l.s == text) == want)
					return out, true
				}
				out.setBool(equal(l, &k) == want)
				return out, true
			}, true
		}
		if k.kind == intKind && intOperators[n.Operator] != 0 {
			return c.intConstant(left, at, intOperators[n.Operator], k, op), true
		}
		return func(env *Env) (*val, bool) {
			l, ok := left(env)
			if !ok {
				return l, false
			}
			out := &env.regs[at]
			return out, op(out, l, &k)
		}, true
	}
	return func(env *Env) (*val, bool) {
		l, r, ok := computeBoth(env, left, right)
		if !ok {
			return l, false
		}
		out := &env.regs[at]
		return out, op(out, l, r)
	}, true
}

// computeBoth computes two operands; false when either leaves the
// evaluation to the VM.
func computeBoth(env *Env, left, right operand) (l, r *val, ok bool) {
	if l, ok = left(env); ok {
		r, ok = right(env)
	}
	return l, r, ok
}

// plusOrMinus is left + right or left - right (minus): two strings
// joined into one built in env (built.go), times and durations added or
// subtracted as expr's runtime does with a time computed kept in env,
// any other operands as add and subtract compute them.
func plusOrMinus(left, right operand, at int, minus bool) operand {
	return func(env *Env) (*val, bool) {
		l, r, ok := computeBoth(env, left, right)
		if !ok {
			return l, false
		}
		out := &env.regs[at]
		if a, ok := l.text(); ok && !minus {
			if b, ok := r.text(); ok {
				out.setStr(env.concat(a, b))
				return out, true
			}
		}
		if (l.kind >= timeKind || r.kind >= timeKind || l.kind == anyKind || r.kind == anyKind) && env.timeArithmetic(out, l, r, minus) {
			return out, true
		}
		if minus {
			return out, subtract(out, l, r)
		}
		return out, add(out, l, r)
	}
}

// intOperators are the operators computed inline when the right operand
// is an integer constant and the left an integer (record.n % 2 == 1).
var intOperators = map[string]byte{"+": '+', "-": '-', "*": '*', "%": '%', "<": '<', "<=": 'l', ">": '>', ">=": 'g'}

// intConstant is left OP k for an integer constant k: computed inline when
// left is an integer, else by op as for any other value.
func (c *fastCompiler) intConstant(left operand, at int, code byte, k val, op func(out, a, b *val) bool) operand {
	n := k.int()
	return func(env *Env) (*val, bool) {
		l, ok := left(env)
		if !ok {
			return l, false
		}
		out := &env.regs[at]
		if i, _, isInt, ok := l.number(); ok && isInt {
			switch code {
			case '+':
				out.setInt(i + n)
				return out, true
			case '-':
				out.setInt(i - n)
				return out, true
			case '*':
				out.setInt(i * n)
				return out, true
			case '%':
				if n != 0 {
					out.setInt(i % n)
					return out, true
				}
			case '<':
				out.setBool(i < n)
				return out, true
			case 'l':
				out.setBool(i <= n)
				return out, true
			case '>':
				out.setBool(i > n)
				return out, true
			case 'g':
				out.setBool(i >= n)
				return out, true
			}
		}
		return out, op(out, l, &k)
	}
}

// spelledOnce reports whether a field's JSON text raw equals the constant
// whose only spelling is text exactly when the two texts are the same: so
// unless raw is a longer string with escapes (each escape is longer than
// what it decodes to).
func spelledOnce(raw, text string) bool {
	return raw[0] != '"' || len(raw) <= len(text) || !hasEscape(raw)
}

// hasEscape reports whether JSON text holds a backslash; a call of its
// own, so that spelledOnce stays small enough to inline.
//
//go:noinline
func hasEscape(raw string) bool { return strings.IndexByte(raw, '\\') >= 0 }

// plainJSON is the one JSON text of nil, a boolean, or a string that
// needs no escape; false for any other constant (numbers have many).
func plainJSON(k *val) (string, bool) {
	if k.kind == anyKind && k.v == nil {
		return "null", true
	}
	if b, ok := k.boolean(); ok {
		return strconv.FormatBool(b), true
	}
	if k.kind != strKind {
		return "", false
	}
	for i := 0; i < len(k.s); i++ {
		if specialByte[k.s[i]] { // written with an escape
			return "", false
		}
	}
	return `"` + k.s + `"`, true
}

// constantOf is the value of a constant node.
func constantOf(node ast.Node) (val, bool) {
	if v, ok := literal(node); ok {
		return typed(v), true
	}
	if c, ok := node.(*ast.ConstantNode); ok {
		return typed(c.Value), true
	}
	return val{}, false
}

// match compiles `matches` with a constant pattern, compiled once as expr
// compiles it (and run by a position automaton where it allows).
func (c *fastCompiler) match(n *ast.BinaryNode) (operand, bool) {
	pattern, ok := n.Right.(*ast.StringNode)
	if !ok {
		return c.matchComputed(n)
	}
	matches, err := patternMatcher(pattern.Value)
	if err != nil {
		return nil, false
	}
	left, ok := c.operand(n.Left)
	if !ok {
		return nil, false
	}
	return c.apply1(left, func(out, v *val) bool {
		if v.isNil() {
			out.setBool(false) // as the VM: nil matches nothing
			return true
		}
		s, ok := v.text()
		if !ok {
			return false // not a string: the VM's error
		}
		out.setBool(matches(s))
		return true
	}), true
}

// matchComputed compiles `matches` with a pattern computed at run time:
// nil on either side matches nothing, as in the VM; a pattern is compiled
// once for the process (patterncache.go); anything but two strings, or a
// pattern that does not compile, is the VM's error.
func (c *fastCompiler) matchComputed(n *ast.BinaryNode) (operand, bool) {
	left, right, ok := c.both(n.Left, n.Right)
	if !ok {
		return nil, false
	}
	last, at := &lastPattern{}, c.slot()
	return func(env *Env) (*val, bool) {
		s, p, ok := computeBoth(env, left, right)
		if !ok {
			return s, false
		}
		out := &env.regs[at]
		if s.isNil() || p.isNil() {
			out.setBool(false)
			return out, true
		}
		text, ok1 := s.text()
		pattern, ok2 := p.text()
		if !ok1 || !ok2 {
			return out, false
		}
		compiled := last.of(pattern)
		if compiled.err != nil {
			return out, false
		}
		out.setBool(compiled.matches(text))
		return out, true
	}, true
}

// literal is the value of a constant node.
func literal(node ast.Node) (any, bool) {
	switch n := node.(type) {
	case *ast.NilNode:
		return nil, true
	case *ast.BoolNode:
		return n.Value, true
	case *ast.StringNode:
		return n.Value, true
	case *ast.IntegerNode:
		return n.Value, true
	case *ast.FloatNode:
		return n.Value, true
	}
	return nil, false
}

// memberAccess splits a patched member access __get(base, key) with a constant
// key.
func memberAccess(n *ast.CallNode) (base ast.Node, key any, ok bool) {
	callee, ok := n.Callee.(*ast.IdentifierNode)
	if !ok || callee.Value != getFunc || len(n.Arguments) != 2 {
		return nil, nil, false
	}
	switch k := n.Arguments[1].(type) {
	case *ast.StringNode:
		key = k.Value
	case *ast.IntegerNode:
		key = k.Value
	default:
		return nil, nil, false
	}
	return n.Arguments[0], key, true
}

// recordChain returns the keys of record.k1.k2... (constant keys only),
// and of p.k... where a let declared p as such a chain: p.bio, after
// let p = record.profile, reads record.profile.bio (one lookup in the
// record's index, not a walk of the profile's text).
func (c *fastCompiler) recordChain(n ast.Node) ([]any, bool) {
	root, keys, ok := memberChain(n)
	switch {
	case !ok:
		return nil, false
	case root.Value == "record":
		return keys, true
	}
	if l, ok := c.let(root.Value); ok && l.chain {
		return append(slices.Clip(l.keys), keys...), true
	}
	return nil, false
}

// memberChain returns the identifier a chain of member reads with
// constant keys starts from (record in record.a[0].b, p in p.bio) and the
// keys in the order they are read; false for any other node.
func memberChain(n ast.Node) (*ast.IdentifierNode, []any, bool) {
	var keys []any
	for {
		switch m := unchain(n).(type) {
		case *ast.IdentifierNode:
			slices.Reverse(keys)
			return m, keys, true
		case *ast.CallNode:
			base, key, ok := memberAccess(m)
			if !ok {
				return nil, nil, false
			}
			keys = append(keys, key)
			n = base
		default:
			return nil, nil, false
		}
	}
}

// variables read the Env fields the VM would read for each name.
var variables = func() map[string]func(env *Env, out *val) {
	m := map[string]func(env *Env, out *val){
		"record": func(env *Env, out *val) {
			if env.fields != nil {
				out.setRaw(env.fields.raw)
				return
			}
			out.setTyped(env.Record)
		},
		"action":   func(env *Env, out *val) { out.setStr(env.Action) },
		"resource": func(env *Env, out *val) { out.setStr(env.Resource) },
		"index":    func(env *Env, out *val) { out.setInt(env.Index) },
	}
	for name, read := range variableValues {
		if name == "value" { // a transform's value, read as its text
			m[name] = func(env *Env, out *val) {
				if env.valueText == "" {
					out.setTyped(env.Value)
					return
				}
				out.setRaw(env.valueText)
			}
			continue
		}
		m[name] = func(env *Env, out *val) { out.setTyped(read(env)) }
	}
	return m
}()
