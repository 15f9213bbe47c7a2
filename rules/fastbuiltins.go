package rules

import (
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
)

// libraryBuiltins are the built-ins of expr's library compiled without the
// VM: each first tries its usual case on the operands' values as they are
// (numbers unboxed, an array's JSON text), and otherwise runs expr's own
// function on the decoded values (abs through its Fast form, which fails
// by panicking), so the answers and the failures are the VM's; only the
// record is not decoded around them.
var libraryBuiltins = map[string]libraryCall{"abs": callAbs, "max": callMax, "min": callMin, "first": callFirst, "last": callLast}

// libraryCall names a compiled library built-in.
type libraryCall uint8

const (
	notLibrary libraryCall = iota
	callAbs
	callMax
	callMin
	callFirst
	callLast
)

// usualCase computes call's usual case into out; false, out untouched,
// where it does not apply. A switch, not a table of functions: the
// operands' slice stays on the stack.
func usualCase(call libraryCall, out *val, args []*val) bool {
	switch call {
	case callAbs, callMax, callMin:
		return numbersOnly(out, args, call == callAbs, call == callMax)
	case callFirst:
		return arrayElement(out, args[0], firstIndex)
	case callLast:
		return arrayElement(out, args[0], lastIndex)
	}
	return false
}

// maxLibraryArgs is the most operands a compiled library built-in takes.
const maxLibraryArgs = 4

// libraryBuiltin compiles a call of one of libraryBuiltins.
func (c *fastCompiler) libraryBuiltin(n *ast.BuiltinNode) (operand, bool) {
	call := libraryBuiltins[n.Name]
	fn := builtin.Builtins[builtin.Index[n.Name]]
	if len(n.Arguments) == 0 || len(n.Arguments) > maxLibraryArgs || fn.Fast != nil && len(n.Arguments) != 1 {
		return nil, false
	}
	args := make([]operand, len(n.Arguments))
	for i, a := range n.Arguments {
		var ok bool
		if args[i], ok = c.operand(a); !ok {
			return nil, false
		}
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		var vals [maxLibraryArgs]*val
		for i, arg := range args {
			v, ok := arg(env)
			if !ok {
				return v, false
			}
			vals[i] = v
		}
		out := &env.regs[at]
		if usualCase(call, out, vals[:len(args)]) {
			return out, true
		}
		var values [maxLibraryArgs]any
		for i, v := range vals[:len(args)] {
			values[i] = v.decoded()
		}
		r, ok := callLibrary(fn, values[:len(args)])
		if ok {
			out.setTyped(r)
		}
		return out, ok
	}, true
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

// callLibrary runs fn as the VM does; false where the VM fails.
func callLibrary(fn *builtin.Function, args []any) (r any, ok bool) {
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
