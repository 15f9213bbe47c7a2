package rules

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/tidwall/gjson"
)

// Most conditions in rules are comparisons of fields with constants or
// with each other: record.deleted == true, user?.id != record.creatorId.
// Those are evaluated here by a few composed functions instead of the VM,
// which would spend more on its stack and on reflection than on the
// comparison. The functions compute exactly what the VM computes from the
// same compiled tree (member access is the same total get, equality the
// VM's own runtime.Equal); any other shape keeps the VM.

// operand reads one value of an expression.
type operand func(env *Env) val

// val is an operand's value: decoded, or, for a field read straight from
// the record's JSON, the raw JSON text (compared without decoding it).
type val struct {
	v   any
	raw string // the field's JSON when not "": v is unused
}

// decoded is the value as the VM would hold it.
func (x val) decoded() any {
	if x.raw != "" {
		return valueOf(gjson.Parse(x.raw))
	}
	return x.v
}

// text is the value when it is a string.
func (x val) text() (string, bool) {
	if x.raw == "" {
		s, ok := x.v.(string)
		return s, ok
	}
	if x.raw[0] != '"' {
		return "", false
	}
	if inner := x.raw[1 : len(x.raw)-1]; strings.IndexByte(inner, '\\') < 0 {
		return inner, true
	}
	return gjson.Parse(x.raw).Str, true
}

// equal is runtime.Equal on the decoded values; a raw field is compared
// as JSON text with nil, booleans and strings, which needs no decoding.
// Numbers compare as expression values (int or float64), as in the VM;
// exact decimal equality (numbersEqual) is for statements that compare
// JSON values, such as protect strict.
func equal(a, b val) bool {
	if a.raw == "" {
		a, b = b, a
	}
	if a.raw == "" || b.raw != "" {
		return runtime.Equal(a.decoded(), b.decoded())
	}
	switch c := b.v.(type) {
	case nil:
		return a.raw == "null"
	case bool:
		return a.raw == strconv.FormatBool(c)
	case string:
		s, ok := a.text()
		return ok && s == c
	}
	return runtime.Equal(a.decoded(), b.v)
}

// condition is a compiled boolean expression. It reports false for ok
// when this evaluation is one for the VM (a value of a type only the VM
// knows how to refuse): the caller then runs the VM.
type condition func(env *Env) (result, ok bool)

// fastCondition compiles node, the checked and patched tree of an
// expression, into a condition; false when it has a shape left to the VM.
func fastCondition(node ast.Node) (condition, bool) {
	switch n := node.(type) {
	case *ast.BoolNode:
		v := n.Value
		return func(*Env) (bool, bool) { return v, true }, true
	case *ast.UnaryNode:
		if n.Operator != "!" && n.Operator != "not" {
			return nil, false
		}
		inner, ok := fastCondition(n.Node)
		if !ok {
			return nil, false
		}
		return func(env *Env) (bool, bool) {
			v, ok := inner(env)
			return !v, ok
		}, true
	case *ast.BinaryNode:
		switch n.Operator {
		case "&&", "and", "||", "or":
			left, right, ok := both(fastCondition, n)
			if !ok {
				return nil, false
			}
			stop := n.Operator == "||" || n.Operator == "or" // the left value that decides
			return func(env *Env) (bool, bool) {
				l, ok := left(env)
				if !ok || l == stop {
					return l, ok
				}
				return right(env)
			}, true
		case "==", "!=":
			left, right, ok := both(fastOperand, n)
			if !ok {
				return nil, false
			}
			want := n.Operator == "=="
			return func(env *Env) (bool, bool) { return equal(left(env), right(env)) == want, true }, true
		case "matches":
			pattern, ok := n.Right.(*ast.StringNode)
			if !ok {
				return nil, false
			}
			re, err := regexp.Compile(pattern.Value) // as expr compiles a constant pattern
			if err != nil {
				return nil, false
			}
			left, ok := fastOperand(n.Left)
			if !ok {
				return nil, false
			}
			return func(env *Env) (bool, bool) {
				v := left(env)
				if v.raw == "null" || (v.raw == "" && v.v == nil) {
					return false, true // as the VM: nil matches nothing
				}
				s, ok := v.text()
				if !ok {
					return false, false // not a string: the VM's error
				}
				return re.MatchString(s), true
			}, true
		}
	}
	return nil, false
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

// fastOperand compiles a constant, a variable, or a member chain on one.
func fastOperand(node ast.Node) (operand, bool) {
	if v, ok := literal(node); ok {
		return func(*Env) val { return val{v: v} }, true
	}
	switch n := node.(type) {
	case *ast.ChainNode: // ?. : get is nil-safe already
		return fastOperand(n.Node)
	case *ast.IdentifierNode:
		read, ok := variables[n.Value]
		return read, ok
	case *ast.CallNode:
		base, key, ok := memberAccess(n)
		if !ok {
			return nil, false
		}
		if keys, ok := recordChain(n); ok {
			return func(env *Env) val { return env.recordAt(keys) }, true
		}
		read, ok := fastOperand(base)
		if !ok {
			return nil, false
		}
		return func(env *Env) val { return val{v: get(read(env).decoded(), key)} }, true
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
var variables = map[string]operand{
	"record": func(env *Env) val {
		if env.fields != nil {
			return val{raw: env.fields.raw}
		}
		return val{v: env.Record}
	},
	"body":     func(env *Env) val { return val{v: env.Body} },
	"old":      func(env *Env) val { return val{v: env.Old} },
	"user":     func(env *Env) val { return val{v: env.User} },
	"request":  func(env *Env) val { return val{v: env.Request} },
	"response": func(env *Env) val { return val{v: env.Response} },
	"value":    func(env *Env) val { return val{v: env.Value} },
	"action":   func(env *Env) val { return val{v: env.Action} },
	"resource": func(env *Env) val { return val{v: env.Resource} },
	"index":    func(env *Env) val { return val{v: env.Index} },
}
