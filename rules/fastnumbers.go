package rules

import (
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
)

// numberBuiltins are expr's built-ins of numbers compiled without the VM:
// each runs expr's own function on its operands' values (abs through its
// Fast form, which fails by panicking), so the answer and the failures
// are the VM's; only the record is not decoded around them.
var numberBuiltins = map[string]bool{"abs": true, "max": true, "min": true}

// maxNumberArgs is the most operands a compiled max or min takes.
const maxNumberArgs = 4

// numberBuiltin compiles abs, max and min.
func (c *fastCompiler) numberBuiltin(n *ast.BuiltinNode) (operand, bool) {
	if len(n.Arguments) == 0 || len(n.Arguments) > maxNumberArgs || n.Name == "abs" && len(n.Arguments) != 1 {
		return nil, false
	}
	fn := builtin.Builtins[builtin.Index[n.Name]]
	args := make([]operand, len(n.Arguments))
	for i, a := range n.Arguments {
		var ok bool
		if args[i], ok = c.operand(a); !ok {
			return nil, false
		}
	}
	at, abs, most := c.slot(), n.Name == "abs", n.Name == "max"
	return func(env *Env) (*val, bool) {
		var vals [maxNumberArgs]*val
		for i, arg := range args {
			v, ok := arg(env)
			if !ok {
				return v, false
			}
			vals[i] = v
		}
		out := &env.regs[at]
		if ok := numbersOnly(out, vals[:len(args)], abs, most); ok {
			return out, true
		}
		var values [maxNumberArgs]any
		for i, v := range vals[:len(args)] {
			values[i] = v.decoded()
		}
		r, ok := callNumberBuiltin(fn, values[:len(args)])
		if ok {
			out.setTyped(r)
		}
		return out, ok
	}, true
}

// numbersOnly computes abs, max (most) or min of numbers, as
// expr's functions do: a negative number negated (-0.0 stays), the first
// value no later one is greater (less) than, compared as numbers and
// kept with its type. False, with out untouched, when a value is not a
// number: expr's function then reads it (the elements of a list).
func numbersOnly(out *val, vals []*val, abs, most bool) bool {
	i, f, isInt, ok := vals[0].number()
	if !ok {
		return false
	}
	if abs {
		switch {
		case isInt && i < 0:
			i = -i
		case !isInt && f < 0:
			f = -f
		}
	}
	for _, v := range vals[1:] {
		vi, vf, vIsInt, ok := v.number()
		if !ok {
			return false
		}
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
		if most && less || !most && more {
			i, f, isInt = vi, vf, vIsInt
		}
	}
	if isInt {
		out.setInt(i)
	} else {
		out.setFloat(f)
	}
	return true
}

// callNumberBuiltin runs fn as the VM does; false where the VM fails.
func callNumberBuiltin(fn *builtin.Function, args []any) (r any, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if fn.Fast != nil {
		return fn.Fast(args[0]), true
	}
	r, err := fn.Func(args...)
	return r, err == nil
}
