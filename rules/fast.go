package rules

import (
	"regexp"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// Conditions are evaluated here by composed Go functions instead of the
// VM, which would spend more on its stack and on reflection than on the
// work: comparisons, arithmetic, len, in, the string tests, ?? and ?:,
// over record fields read straight from the record's JSON (record.a.b.c
// reads c without decoding a or b), variables and constants. The
// functions compute exactly what the VM computes from the same compiled
// tree (member access is the same total get, the operators expr's runtime
// operators, with numbers, strings and booleans held unboxed); where the VM
// would fail they decline, and the VM runs to report the error. Shapes not
// compiled here (closures, calls of functions, slices) keep the VM.

// operand computes one value of an expression; false when this
// evaluation is one for the VM.
type operand func(env *Env) (val, bool)

// condition is a compiled boolean expression. It reports false for ok
// when this evaluation is one for the VM: the caller then runs the VM.
type condition func(env *Env) (result, ok bool)

// fastCondition compiles node, the checked and patched tree of an
// expression, into a condition; false when it has a shape left to the VM.
func fastCondition(node ast.Node) (condition, bool) {
	value, ok := fastOperand(node)
	if !ok {
		return nil, false
	}
	return func(env *Env) (bool, bool) {
		v, ok := value(env)
		if !ok {
			return false, false
		}
		if b, ok := v.boolean(); ok {
			return b, true
		}
		if v.isNil() {
			return false, true // a nil condition holds no more than false
		}
		return false, false // not a boolean: the VM's error
	}, true
}

// fastOperand compiles node into an operand; false when its shape is left
// to the VM.
func fastOperand(node ast.Node) (operand, bool) {
	if v, ok := literal(node); ok {
		c := typed(v)
		return func(*Env) (val, bool) { return c, true }, true
	}
	switch n := node.(type) {
	case *ast.ConstantNode: // what the optimizer folded (a list for in)
		c := typed(n.Value)
		return func(*Env) (val, bool) { return c, true }, true
	case *ast.ArrayNode:
		elems := make([]any, len(n.Nodes))
		for i, e := range n.Nodes {
			v, ok := literal(e)
			if !ok {
				return nil, false
			}
			elems[i] = v
		}
		c := val{v: elems}
		return func(*Env) (val, bool) { return c, true }, true
	case *ast.ChainNode: // ?. : get is nil-safe already
		return fastOperand(n.Node)
	case *ast.IdentifierNode:
		read, ok := variables[n.Value]
		if !ok {
			return nil, false
		}
		return func(env *Env) (val, bool) { return read(env), true }, true
	case *ast.CallNode:
		return memberOperand(n)
	case *ast.UnaryNode:
		return unaryOperand(n)
	case *ast.BinaryNode:
		return binaryOperand(n)
	case *ast.BuiltinNode:
		if n.Name != "len" || len(n.Arguments) != 1 {
			return nil, false
		}
		arg, ok := fastOperand(n.Arguments[0])
		if !ok {
			return nil, false
		}
		return func(env *Env) (val, bool) {
			v, ok := arg(env)
			if !ok {
				return v, false
			}
			return length(v)
		}, true
	case *ast.ConditionalNode:
		cond, ok := fastOperand(n.Cond)
		if !ok {
			return nil, false
		}
		yes, no, ok := both(fastOperand, &ast.BinaryNode{Left: n.Exp1, Right: n.Exp2})
		if !ok {
			return nil, false
		}
		return func(env *Env) (val, bool) {
			c, ok := cond(env)
			if !ok {
				return c, false
			}
			b, ok := c.boolean()
			switch {
			case !ok:
				return val{}, false // the VM's error
			case b:
				return yes(env)
			}
			return no(env)
		}, true
	}
	return nil, false
}

// memberOperand compiles a patched member access: record.a.b... straight
// from the record's JSON, any other on the decoded value.
func memberOperand(n *ast.CallNode) (operand, bool) {
	base, key, ok := memberAccess(n)
	if !ok {
		return nil, false
	}
	if keys, ok := recordChain(n); ok {
		return func(env *Env) (val, bool) { return env.recordAt(keys), true }, true
	}
	read, ok := fastOperand(base)
	if !ok {
		return nil, false
	}
	return func(env *Env) (val, bool) {
		b, ok := read(env)
		if !ok {
			return b, false
		}
		return val{v: get(b.decoded(), key)}, true
	}, true
}

func unaryOperand(n *ast.UnaryNode) (operand, bool) {
	inner, ok := fastOperand(n.Node)
	if !ok {
		return nil, false
	}
	switch n.Operator {
	case "!", "not":
		return func(env *Env) (val, bool) {
			v, ok := inner(env)
			if !ok {
				return v, false
			}
			b, ok := v.boolean()
			return boolVal(!b), ok // not a boolean: the VM's error
		}, true
	case "-":
		return func(env *Env) (val, bool) {
			v, ok := inner(env)
			if !ok {
				return v, false
			}
			return negate(v)
		}, true
	}
	return nil, false
}

// binaryOperators are the operators computed on both operands' values.
var binaryOperators = map[string]func(a, b val) (val, bool){
	"==": func(a, b val) (val, bool) { return boolVal(equal(a, b)), true },
	"!=": func(a, b val) (val, bool) { return boolVal(!equal(a, b)), true },
	"<": func(a, b val) (val, bool) {
		return compare(a, b, runtime.Less, true, false, false)
	},
	"<=": func(a, b val) (val, bool) {
		return compare(a, b, runtime.LessOrEqual, true, true, false)
	},
	">": func(a, b val) (val, bool) {
		return compare(a, b, runtime.More, false, false, true)
	},
	">=": func(a, b val) (val, bool) {
		return compare(a, b, runtime.MoreOrEqual, false, true, true)
	},
	"+":  add,
	"-":  subtract,
	"*":  multiply,
	"/":  divide,
	"%":  modulo,
	"**": exponent,
	"^":  exponent,
	"in": in,
	"contains": func(a, b val) (val, bool) {
		return stringTest(a, b, strings.Contains)
	},
	"startsWith": func(a, b val) (val, bool) {
		return stringTest(a, b, strings.HasPrefix)
	},
	"endsWith": func(a, b val) (val, bool) {
		return stringTest(a, b, strings.HasSuffix)
	},
}

func binaryOperand(n *ast.BinaryNode) (operand, bool) {
	if n.Operator == "matches" {
		return matchOperand(n)
	}
	left, right, ok := both(fastOperand, n)
	if !ok {
		return nil, false
	}
	switch n.Operator {
	case "&&", "and", "||", "or":
		stop := n.Operator == "||" || n.Operator == "or" // the left value that decides
		return func(env *Env) (val, bool) {
			l, ok := left(env)
			if !ok {
				return l, false
			}
			b, ok := l.boolean()
			switch {
			case !ok:
				return val{}, false // the VM's error
			case b == stop:
				return l, true
			}
			return right(env)
		}, true
	case "??":
		return func(env *Env) (val, bool) {
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
	return func(env *Env) (val, bool) {
		l, ok := left(env)
		if !ok {
			return l, false
		}
		r, ok := right(env)
		if !ok {
			return r, false
		}
		return op(l, r)
	}, true
}

// matchOperand compiles `matches` with a constant pattern, compiled once
// as expr compiles it.
func matchOperand(n *ast.BinaryNode) (operand, bool) {
	pattern, ok := n.Right.(*ast.StringNode)
	if !ok {
		return nil, false
	}
	re, err := regexp.Compile(pattern.Value)
	if err != nil {
		return nil, false
	}
	left, ok := fastOperand(n.Left)
	if !ok {
		return nil, false
	}
	return func(env *Env) (val, bool) {
		v, ok := left(env)
		if !ok {
			return v, false
		}
		if v.isNil() {
			return boolVal(false), true // as the VM: nil matches nothing
		}
		s, ok := v.text()
		if !ok {
			return val{}, false // not a string: the VM's error
		}
		return boolVal(re.MatchString(s)), true
	}, true
}

// both compiles the two sides of n.
func both[T any](compile func(ast.Node) (T, bool), n *ast.BinaryNode) (left, right T, ok bool) {
	if left, ok = compile(n.Left); ok {
		right, ok = compile(n.Right)
	}
	return left, right, ok
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

// recordChain returns the keys of record.k1.k2... (constant keys only).
func recordChain(n ast.Node) ([]any, bool) {
	var keys []any
	for {
		if c, ok := n.(*ast.ChainNode); ok {
			n = c.Node
		}
		switch m := n.(type) {
		case *ast.IdentifierNode:
			if m.Value != "record" {
				return nil, false
			}
			slices.Reverse(keys)
			return keys, true
		case *ast.CallNode:
			base, key, ok := memberAccess(m)
			if !ok {
				return nil, false
			}
			keys = append(keys, key)
			n = base
		default:
			return nil, false
		}
	}
}

// variables read the Env fields the VM would read for each name.
var variables = map[string]func(env *Env) val{
	"record": func(env *Env) val {
		if env.fields != nil {
			return val{raw: env.fields.raw}
		}
		return typed(env.Record)
	},
	"body":     func(env *Env) val { return typed(env.Body) },
	"old":      func(env *Env) val { return typed(env.Old) },
	"user":     func(env *Env) val { return typed(env.User) },
	"request":  func(env *Env) val { return typed(env.Request) },
	"response": func(env *Env) val { return typed(env.Response) },
	"value":    func(env *Env) val { return typed(env.Value) },
	"action":   func(env *Env) val { return typed(env.Action) },
	"resource": func(env *Env) val { return typed(env.Resource) },
	"index":    func(env *Env) val { return typed(env.Index) },
}
