package rules

import (
	"strings"

	"github.com/expr-lang/expr/ast"
)

// A condition whose root is a comparison, `&&`, `||` or `!` compiles into
// tests: functions that return the boolean itself rather than write a value
// into a slot for their caller to read back. A comparison of a record field
// with a constant, or of integer arithmetic on one field with constants
// (record.n * 3 % 7 == 0), reads the field's JSON text and computes on it
// in one function; any value it does not handle inline (a field that is
// absent, not an integer, not plainly spelled) goes to the operands the
// comparison compiles to otherwise, which compute what the VM computes.

// isTest reports whether node yields a boolean of its own: a comparison,
// a logical operator or a negation.
func isTest(node ast.Node) bool {
	switch n := node.(type) {
	case *ast.BinaryNode:
		switch n.Operator {
		case "&&", "and", "||", "or", "==", "!=", "<", "<=", ">", ">=":
			return true
		}
	case *ast.UnaryNode:
		return n.Operator == "!" || n.Operator == "not"
	}
	return false
}

// test compiles node into a condition. At run time a test reports ok
// false where a value is not a boolean: the VM's case, as for the
// operands. A nil is false where it is the value of the whole condition
// (tail: the root, and the right operand of `&&` or `||` in tail
// position), the VM's case elsewhere (`!nil`, `nil || x` fail).
func (c *fastCompiler) test(node ast.Node, tail bool) (condition, bool) {
	switch n := node.(type) {
	case *ast.BinaryNode:
		switch n.Operator {
		case "&&", "and", "||", "or":
			return c.logic(n, tail)
		case "==", "!=", "<", "<=", ">", ">=":
			if t, ok := c.fieldTest(n); ok {
				return t, true
			}
		}
	case *ast.UnaryNode:
		if n.Operator == "!" || n.Operator == "not" {
			inner, ok := c.test(n.Node, false)
			if !ok {
				return nil, false
			}
			return func(env *Env) (bool, bool) {
				b, ok := inner(env)
				return !b, ok
			}, true
		}
	}
	value, ok := c.operand(node)
	if !ok {
		return nil, false
	}
	return valueTest(value, tail), true
}

// valueTest is the test of an operand's value (tail: see test).
func valueTest(value operand, tail bool) condition {
	return func(env *Env) (bool, bool) {
		v, ok := value(env)
		if !ok {
			return false, false
		}
		if b, ok := v.boolean(); ok {
			return b, true
		}
		return false, tail && v.isNil()
	}
}

// logic compiles `&&` and `||` (`and`, `or`): the right test runs only
// when the left one does not decide.
func (c *fastCompiler) logic(n *ast.BinaryNode, tail bool) (condition, bool) {
	left, ok := c.test(n.Left, false)
	if !ok {
		return nil, false
	}
	right, ok := c.test(n.Right, tail)
	if !ok {
		return nil, false
	}
	if n.Operator == "||" || n.Operator == "or" {
		return func(env *Env) (bool, bool) {
			if b, ok := left(env); !ok || b {
				return b, ok
			}
			return right(env)
		}, true
	}
	return func(env *Env) (bool, bool) {
		if b, ok := left(env); !ok || !b {
			return b, ok
		}
		return right(env)
	}, true
}

// intStep is one operation of integer arithmetic with a constant.
type intStep struct {
	code byte // an intOperators code: + - * %
	k    int
}

// fieldArithmetic returns the record field read by node, a record.a.b
// member access or integer arithmetic with constants on one (the steps in
// the order they apply); false for any other node.
func fieldArithmetic(node ast.Node) (keys []any, steps []intStep, ok bool) {
	for {
		n, isBinary := node.(*ast.BinaryNode)
		if !isBinary {
			break
		}
		k, isConst := constantOf(n.Right)
		code := intOperators[n.Operator]
		if !isConst || k.kind != intKind || (code != '+' && code != '-' && code != '*' && code != '%') || (code == '%' && k.int() == 0) {
			return nil, nil, false
		}
		steps = append(steps, intStep{code, k.int()})
		node = n.Left
	}
	if keys, ok = recordChain(node); !ok || len(keys) == 0 {
		return nil, nil, false
	}
	for l, r := 0, len(steps)-1; l < r; l, r = l+1, r-1 {
		steps[l], steps[r] = steps[r], steps[l]
	}
	return keys, steps, true
}

// fieldTest compiles the comparison n of a record field, or of integer
// arithmetic on one, with a constant; false for any other comparison.
func (c *fastCompiler) fieldTest(n *ast.BinaryNode) (condition, bool) {
	k, ok := constantOf(n.Right)
	if !ok {
		return nil, false
	}
	keys, steps, ok := fieldArithmetic(n.Left)
	if !ok {
		return nil, false
	}
	general, ok := c.binary(n)
	if !ok {
		return nil, false
	}
	otherwise := valueTest(general, false) // a comparison is a boolean
	read := c.fieldText(keys)
	if len(steps) == 0 && (n.Operator == "==" || n.Operator == "!=") {
		text, plain := plainJSON(&k)
		if !plain {
			if k.kind != intKind {
				return nil, false
			}
		} else {
			want := n.Operator == "=="
			return func(env *Env) (bool, bool) {
				// As the operand's: the constant's only spelling, unless the
				// field is a longer string with escapes.
				if raw, ok := read(env); ok && (raw[0] != '"' || len(raw) <= len(text) || strings.IndexByte(raw, '\\') < 0) {
					return (raw == text) == want, true
				}
				return otherwise(env)
			}, true
		}
	}
	if k.kind != intKind {
		return nil, false
	}
	code, want := intOperators[n.Operator], k.int()
	if code == 0 {
		code = n.Operator[0] // '=' or '!'
	}
	return func(env *Env) (bool, bool) {
		raw, ok := read(env)
		if !ok {
			return otherwise(env)
		}
		i, ok := rawInt(raw)
		if !ok {
			return otherwise(env)
		}
		for _, s := range steps {
			switch s.code {
			case '+':
				i += s.k
			case '-':
				i -= s.k
			case '*':
				i *= s.k
			default:
				i %= s.k
			}
		}
		switch code {
		case '=':
			return i == want, true
		case '!':
			return i != want, true
		case '<':
			return i < want, true
		case 'l':
			return i <= want, true
		case '>':
			return i > want, true
		}
		return i >= want, true
	}, true
}

// fieldText compiles the read of the record field at keys into a function
// returning its JSON text; false when the record has no such member (or
// the environment holds no record's text to read it from).
func (c *fastCompiler) fieldText(keys []any) func(env *Env) (string, bool) {
	if name, ok := keys[0].(string); ok && len(keys) == 1 {
		id := fieldID(name)
		return func(env *Env) (string, bool) {
			if env.fields == nil {
				return "", false
			}
			return env.fields.namedText(name, id)
		}
	}
	at := c.slot()
	return func(env *Env) (string, bool) {
		if env.fields == nil {
			return "", false
		}
		out := &env.regs[at]
		env.recordAt(out, keys)
		return out.s, out.kind == rawKind
	}
}

// rawInt is the integer a field's JSON text holds, as number reads it;
// false for any other text.
func rawInt(raw string) (int, bool) {
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, false
	}
	if i, ok := smallInt(raw); ok {
		return i, true
	}
	i, _, isInt := parseNumber(raw)
	return i, isInt
}
