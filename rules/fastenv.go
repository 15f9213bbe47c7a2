package rules

import "github.com/expr-lang/expr/ast"

// The functions the environment gives (placeholder, lookup, uuid,
// pathescape, queryescape) are called without the VM, on their operands'
// values: a string where the function takes one (anything else is the
// VM's error, as expr's call fails on it; nil too but for lookup, which
// the VM calls through reflect, giving it ""), the decoded value where it
// takes any. An error the function answers is the evaluation's, as in the
// VM; lookup remembers its answers for the request, so the VM running the
// expression again asks nothing twice.

// envFunctions are the environment's functions, by the name rules call
// them.
var envFunctions = map[string]func(env *Env, out *val, args []*val) bool{
	"placeholder": func(env *Env, out *val, args []*val) bool {
		s, ok := args[0].text() // a typed call in the VM: nil is its error
		if !ok || env.Placeholder == nil {
			return false
		}
		out.setStr(env.Placeholder(s))
		return true
	},
	"lookup": func(env *Env, out *val, args []*val) bool {
		path, ok := stringArgument(args[0]) // a reflected call in the VM: nil is ""
		if !ok || env.Lookup == nil {
			return false
		}
		v, err := env.Lookup(path)
		out.setTyped(v)
		return err == nil
	},
	"uuid": func(env *Env, out *val, _ []*val) bool {
		if env.UUID == nil {
			return false
		}
		out.setStr(env.UUID())
		return true
	},
	"pathescape": func(env *Env, out *val, args []*val) bool {
		return env.PathEscape != nil && escaped(out, env.PathEscape, args[0])
	},
	"queryescape": func(env *Env, out *val, args []*val) bool {
		return env.QueryEscape != nil && escaped(out, env.QueryEscape, args[0])
	},
}

// envArity is how many operands each of envFunctions takes.
var envArity = map[string]int{"placeholder": 1, "lookup": 1, "uuid": 0, "pathescape": 1, "queryescape": 1}

// stringArgument is v given to a string parameter of a function the VM
// calls through reflect: a string, or nil as "".
func stringArgument(v *val) (string, bool) {
	if v.isNil() {
		return "", true
	}
	return v.text()
}

// escaped is pathescape or queryescape of v's decoded value.
func escaped(out *val, escape func(any) (string, error), v *val) bool {
	s, err := escape(v.decoded())
	out.setStr(s)
	return err == nil
}

// envCall compiles a call of one of envFunctions.
func (c *fastCompiler) envCall(n *ast.CallNode) (operand, bool) {
	callee, ok := n.Callee.(*ast.IdentifierNode)
	if !ok {
		return nil, false
	}
	call, known := envFunctions[callee.Value]
	if !known || len(n.Arguments) != envArity[callee.Value] {
		return nil, false
	}
	args, ok := c.operands(n.Arguments)
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		var vals [1]*val
		if v, ok := computeArgs(env, args, vals[:]); !ok {
			return v, false
		}
		out := &env.regs[at]
		return out, call(env, out, vals[:len(args)])
	}, true
}
