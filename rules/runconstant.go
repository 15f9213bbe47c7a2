package rules

import "github.com/expr-lang/expr/ast"

// An operand that reads nothing a run changes (the caller, the request,
// the action, constants) has one value for every record of a response or
// every item of a bulk body: user?.id in `user?.id != record.id`. It is
// computed on its first evaluation in a run and kept in the run's Env
// (Env.runValues), so that a list of a thousand records reads user.id
// once, not a thousand times. The compiled operand is shared by every
// request; the value is the Env's, found by a key the operand allocates
// when it is compiled.

// runVariables are the variables whose values are fixed for a run: set
// when its Env is made and never written after (old is loaded on its
// first read, record, value and index move from record to record, body is
// rewritten by the statements).
var runVariables = map[string]bool{"user": true, "request": true, "response": true, "action": true, "resource": true}

// runConstant reports whether node's value cannot change within a run: it
// reads only runVariables and constants, through nodes that compute a
// value from their operands alone (member reads, operators, the
// built-ins but now, conditionals, list literals).
func runConstant(node ast.Node) bool {
	switch n := node.(type) {
	case *ast.NilNode, *ast.IntegerNode, *ast.FloatNode, *ast.StringNode, *ast.BoolNode, *ast.ConstantNode:
		return true
	case *ast.IdentifierNode:
		return runVariables[n.Value]
	case *ast.ChainNode:
		return runConstant(n.Node)
	case *ast.CallNode:
		base, _, ok := memberAccess(n)
		return ok && runConstant(base)
	case *ast.UnaryNode:
		return runConstant(n.Node)
	case *ast.BinaryNode:
		return runConstant(n.Left) && runConstant(n.Right)
	case *ast.BuiltinNode:
		if n.Name == "now" {
			return false // the one built-in whose value moves (the predicates' read # and fail below)
		}
		for _, a := range n.Arguments {
			if !runConstant(a) {
				return false
			}
		}
		return len(n.Arguments) > 0
	case *ast.ConditionalNode:
		return runConstant(n.Cond) && runConstant(n.Exp1) && runConstant(n.Exp2)
	case *ast.ArrayNode:
		for _, e := range n.Nodes {
			if !runConstant(e) {
				return false
			}
		}
		return true
	}
	return false
}

// runKey names an operand's value among an Env's runValues (by address:
// it has a size, so that no two keys share one).
type runKey struct{ _ byte }

// runValue is an operand's value in a run, as it returned it, and the
// memory computing it counted (memory.go), counted again on every read as
// the VM counts it on every evaluation.
type runValue struct {
	key    *runKey
	v      val
	ok     bool
	memory int
}

// onceARun is inner computed once in each run: the Env's value for it, when
// it has one, is returned without computing it again.
func onceARun(inner operand) operand {
	key := new(runKey)
	return func(env *Env) (*val, bool) {
		for i := range env.runValues {
			if r := &env.runValues[i]; r.key == key {
				if r.memory > 0 && !env.grow(r.memory) {
					return &r.v, false
				}
				return &r.v, r.ok
			}
		}
		memory := env.memory
		v, ok := inner(env)
		r := runValue{key: key, ok: ok, memory: env.memory - memory}
		if v != nil {
			r.v = *v
		}
		env.runValues = append(env.runValues, r)
		return v, ok
	}
}
