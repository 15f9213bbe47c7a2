package rules

import (
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

// equal is runtime.Equal on the decoded values; a raw field is compared
// as JSON text with nil, booleans and strings, which needs no decoding.
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
		if a.raw[0] != '"' {
			return false
		}
		if inner := a.raw[1 : len(a.raw)-1]; strings.IndexByte(inner, '\\') < 0 {
			return inner == c
		}
		return gjson.Parse(a.raw).Str == c
	}
	return runtime.Equal(a.decoded(), b.v)
}

// condition is a compiled boolean expression.
type condition func(env *Env) bool

// fastCondition compiles node, the checked and patched tree of an
// expression, into a condition; false when it has a shape left to the VM.
func fastCondition(node ast.Node) (condition, bool) {
	switch n := node.(type) {
	case *ast.BoolNode:
		v := n.Value
		return func(*Env) bool { return v }, true
	case *ast.UnaryNode:
		if n.Operator != "!" && n.Operator != "not" {
			return nil, false
		}
		inner, ok := fastCondition(n.Node)
		if !ok {
			return nil, false
		}
		return func(env *Env) bool { return !inner(env) }, true
	case *ast.BinaryNode:
		switch n.Operator {
		case "&&", "and", "||", "or":
			left, ok := fastCondition(n.Left)
			if !ok {
				return nil, false
			}
			right, ok := fastCondition(n.Right)
			if !ok {
				return nil, false
			}
			if n.Operator == "&&" || n.Operator == "and" {
				return func(env *Env) bool { return left(env) && right(env) }, true
			}
			return func(env *Env) bool { return left(env) || right(env) }, true
		case "==", "!=":
			left, ok := fastOperand(n.Left)
			if !ok {
				return nil, false
			}
			right, ok := fastOperand(n.Right)
			if !ok {
				return nil, false
			}
			if n.Operator == "==" {
				return func(env *Env) bool { return equal(left(env), right(env)) }, true
			}
			return func(env *Env) bool { return !equal(left(env), right(env)) }, true
		}
	}
	return nil, false
}

// fastOperand compiles a constant, a variable, or a member chain on one.
func fastOperand(node ast.Node) (operand, bool) {
	var v any
	switch n := node.(type) {
	case *ast.NilNode:
		v = nil
	case *ast.BoolNode:
		v = n.Value
	case *ast.StringNode:
		v = n.Value
	case *ast.IntegerNode:
		v = n.Value
	case *ast.FloatNode:
		v = n.Value
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
	default:
		return nil, false
	}
	return func(*Env) val { return val{v: v} }, true
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

// recordAt reads record.keys...: from the record's JSON when the phase
// gave it (no decoded record needed), else from the decoded record.
func (env *Env) recordAt(keys []any) val {
	var v any
	if env.fields == nil {
		v = env.Record
	} else {
		top := env.fields.field(keys[0])
		if len(keys) == 1 {
			return top
		}
		v, keys = top.decoded(), keys[1:]
	}
	for _, k := range keys {
		v = get(v, k)
	}
	return val{v: v}
}

// recordFields is the current record as JSON, with its members when they
// are scanned and still describe it.
type recordFields struct {
	raw     string
	members []member
	scanned bool
}

// field reads the record's member key, as get(record, key) reads it on
// the decoded record: of duplicate keys the last wins, as in every view of
// a record (and in JSON.parse and encoding/json).
func (f *recordFields) field(key any) val {
	k, ok := key.(string)
	if f.scanned {
		if !ok {
			return val{} // an object has no index
		}
		for i := len(f.members) - 1; i >= 0; i-- {
			if f.members[i].key == k {
				return val{raw: f.members[i].val}
			}
		}
		return val{}
	}
	root := gjson.Parse(f.raw)
	if !root.IsObject() || !ok {
		return val{v: get(valueOf(root), key)}
	}
	if m := lastMember(root, k); m.Exists() {
		return val{raw: m.Raw}
	}
	return val{}
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
