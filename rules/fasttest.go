package rules

import (
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// A condition compiles into tests: functions that return the boolean
// itself rather than write a value into a slot for their caller to read
// back (comparisons, `&&`, `||` and `!`; any other node is its operand's
// value, tested). An equality of a record field with anything, and a
// comparison of arithmetic with constants on one field (record.n * 3 % 7
// == 0) with an integer, read the field's JSON text and compute on it in
// one function; any value they do not handle inline (a field that is
// absent, not a number, a string with escapes) goes to the operands the
// comparison compiles to otherwise, which compute what the VM computes. An
// equality expr compares as ints or strings is not read as text: its
// values are checked as the VM checks them (typedequal.go).

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
			general, ok := c.binary(n)
			if !ok {
				return nil, false
			}
			otherwise := valueTest(general, false) // a comparison is a boolean
			equality := n.Operator == "==" || n.Operator == "!="
			typed := equality && typedEquality(n) != reflect.Invalid
			if equality && !typed {
				if t, ok := c.fieldEquality(n, otherwise); ok {
					return t, true
				}
			}
			if t, ok := c.arithmeticTest(n, typed, otherwise); ok {
				return t, true
			}
			return otherwise, true
		}
	case *ast.VariableDeclaratorNode:
		set, ok := c.bindLet(n)
		if !ok {
			return nil, false
		}
		body, ok := c.test(n.Expr, tail)
		c.lets = c.lets[:len(c.lets)-1]
		if !ok {
			return nil, false
		}
		return func(env *Env) (bool, bool) {
			if _, ok := set(env); !ok {
				return false, false
			}
			return body(env)
		}, true
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
	rem  remainder // the remainder by k, for %
}

// fieldArithmetic returns the record field read by node, a record.a.b
// member access or integer arithmetic with constants on one (the steps in
// the order they apply); false for any other node.
func (c *fastCompiler) fieldArithmetic(node ast.Node) (keys []any, steps []intStep, ok bool) {
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
		step := intStep{code: code, k: k.int()}
		if code == '%' {
			step.rem = newRemainder(step.k)
		}
		steps = append(steps, step)
		node = n.Left
	}
	if keys, ok = c.recordChain(node); !ok || len(keys) == 0 {
		return nil, nil, false
	}
	for l, r := 0, len(steps)-1; l < r; l, r = l+1, r-1 {
		steps[l], steps[r] = steps[r], steps[l]
	}
	return keys, steps, true
}

// fieldEquality compiles `==` or `!=` between a record field and a
// plainly spelled constant (compared as JSON text) or any other operand;
// false for other comparisons. otherwise is the comparison as any other.
func (c *fastCompiler) fieldEquality(n *ast.BinaryNode, otherwise condition) (condition, bool) {
	field, other := n.Left, n.Right
	keys, ok := c.recordChain(field)
	if !ok || len(keys) == 0 {
		field, other = n.Right, n.Left
		if keys, ok = c.recordChain(field); !ok || len(keys) == 0 {
			return nil, false
		}
	}
	read, want := c.fieldText(keys), n.Operator == "=="
	if k, ok := constantOf(other); ok {
		text, plain := plainJSON(&k)
		if !plain {
			return nil, false // a number: arithmeticTest's
		}
		return func(env *Env) (bool, bool) {
			if raw, ok := read(env); ok && spelledOnce(raw, text) {
				return (raw == text) == want, true
			}
			return otherwise(env)
		}, true
	}
	value, ok := c.operand(other)
	if !ok {
		return nil, false
	}
	return func(env *Env) (bool, bool) {
		raw, ok := read(env)
		if !ok {
			return otherwise(env)
		}
		v, ok := value(env)
		if !ok {
			return false, false
		}
		return equalsText(raw, v) == want, true
	}, true
}

// equalsText is equal for a field's JSON text and a value: nil is only
// null, a string is compared with the text between the field's quotes when
// it holds no escape.
func equalsText(raw string, v *val) bool {
	if v.kind == anyKind && v.v == nil {
		return raw == "null"
	}
	if v.kind != rawKind {
		if s, ok := v.text(); ok && strings.IndexByte(raw, '\\') < 0 {
			return raw[0] == '"' && raw[1:len(raw)-1] == s
		}
	}
	field := val{s: raw, kind: rawKind}
	return equal(&field, v)
}

// arithmeticTest compiles the comparison n of a record field, of integer
// arithmetic on one, or of any other operand with an integer constant;
// false for any other comparison. otherwise is the comparison as any other;
// typed: expr compares n's sides as ints (see typedEquality), so a value
// that is not one is the VM's.
func (c *fastCompiler) arithmeticTest(n *ast.BinaryNode, typed bool, otherwise condition) (condition, bool) {
	k, ok := constantOf(n.Right)
	if !ok || k.kind != intKind {
		return nil, false
	}
	code, want := intOperators[n.Operator], k.int()
	if code == 0 {
		code = n.Operator[0] // '=' or '!'
	}
	keys, steps, ok := c.fieldArithmetic(n.Left)
	if !ok {
		return c.valueIntTest(n, code, k, typed)
	}
	read := c.fieldText(keys)
	floats := !typed && !slices.ContainsFunc(steps, func(s intStep) bool { return s.code == '%' }) // % of a float: the VM's error
	return func(env *Env) (bool, bool) {
		raw, ok := read(env)
		if !ok {
			return otherwise(env)
		}
		i, short := shortUint(raw)
		var f float64
		isInt := true
		if !short {
			if i, f, isInt, ok = rawNumber(raw); !ok || (!isInt && !floats) {
				return otherwise(env)
			}
		}
		if !isInt {
			for _, s := range steps {
				switch s.code {
				case '+':
					f += float64(s.k)
				case '-':
					f -= float64(s.k)
				default:
					f *= float64(s.k)
				}
			}
			return compareNumbers(code, f, float64(want)), true
		}
		for j := range steps {
			switch s := &steps[j]; s.code {
			case '+':
				i += s.k
			case '-':
				i -= s.k
			case '*':
				i *= s.k
			default:
				i = s.rem.of(i)
			}
		}
		return compareNumbers(code, i, want), true
	}, true
}

// valueIntTest compiles the comparison n of any operand with the integer
// constant k: an integer value is compared in line, any other by the
// operator as the operand compiles it (typed: by the VM).
func (c *fastCompiler) valueIntTest(n *ast.BinaryNode, code byte, k val, typed bool) (condition, bool) {
	value, ok := c.operand(n.Left)
	if !ok {
		return nil, false
	}
	op, at, want := binaryOperators[n.Operator], c.slot(), k.int()
	return func(env *Env) (bool, bool) {
		v, ok := value(env)
		if !ok {
			return false, false
		}
		if i, _, isInt, ok := v.number(); ok && isInt {
			return compareNumbers(code, i, want), true
		}
		if typed {
			return false, false
		}
		out := &env.regs[at]
		if !op(out, v, &k) {
			return false, false
		}
		return out.boolean()
	}, true
}

// compareNumbers is a OP b for an intOperators comparison code, '=' or '!'.
func compareNumbers[N int | float64](code byte, a, b N) bool {
	switch code {
	case '=':
		return a == b
	case '!':
		return a != b
	case '<':
		return a < b
	case 'l':
		return a <= b
	case '>':
		return a > b
	}
	return a >= b
}

// fieldText compiles the read of the record field at keys into a function
// returning its JSON text; false when the record has no such member (or
// the environment holds no record's text to read it from).
func (c *fastCompiler) fieldText(keys []any) func(env *Env) (string, bool) {
	if name, ok := keys[0].(string); ok && len(keys) == 1 {
		id := fieldID(name)
		return func(env *Env) (string, bool) {
			f := env.fields
			if f == nil {
				return "", false
			}
			if m, ok := f.slots.filled(f.members, id); ok { // namedText's usual case, in line
				if m == nil {
					return "", false
				}
				return m.val, true
			}
			return f.namedText(name, id)
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
