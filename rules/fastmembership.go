package rules

import (
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// x in a..b and x in [a, b, ...] compiled without building the range or
// the list: each answers as runtime.In answers on what the VM builds, and
// counts what the VM would build against the memory budget. A range read
// as a list (sum(1..n), all(0..len(x) - 1, ...)) is built as the VM builds
// it.

// listMembership compiles x in [a, b, ...] of a list literal whose
// elements are not all constants (record.role in [record.owner, "admin"]):
// the elements are computed as the VM computes them before it builds the
// list, then compared with x as runtime.In compares each. False when the
// right operand is no such literal.
func (c *fastCompiler) listMembership(n *ast.BinaryNode) (operand, bool) {
	list, ok := n.Right.(*ast.ArrayNode)
	if !ok || len(list.Nodes) == 0 {
		return nil, false
	}
	ops, ok := c.operands(append([]ast.Node{n.Left}, list.Nodes...))
	if !ok {
		return nil, false
	}
	needle, elems, at := ops[0], ops[1:], c.slot()
	return func(env *Env) (*val, bool) {
		x, ok := needle(env)
		if !ok {
			return x, false
		}
		out := &env.regs[at]
		found := false
		for _, e := range elems {
			v, ok := e(env)
			if !ok {
				return v, false
			}
			found = found || equal(v, x)
		}
		out.setBool(found)
		return out, env.grow(len(elems))
	}, true
}

// rangeMembership compiles x in a..b (x not in a..b is its negation) without
// building the range (its ints counted against the memory budget as the
// VM counts them): the VM answers whether x equals one of the ints from
// a to b, a and b read as its int(...) reads them. False when the right
// operand is not a range.
func (c *fastCompiler) rangeMembership(n *ast.BinaryNode) (operand, bool) {
	r, ok := n.Right.(*ast.BinaryNode)
	if !ok || r.Operator != ".." {
		return nil, false
	}
	ops, ok := c.operands([]ast.Node{n.Left, r.Left, r.Right})
	if !ok {
		return nil, false
	}
	needle, from, to := ops[0], ops[1], ops[2]
	at := c.slot()
	return func(env *Env) (*val, bool) {
		x, ok := needle(env)
		if !ok {
			return x, false
		}
		a, b, size, v, ok := rangeOf(env, from, to)
		if !ok {
			return v, false
		}
		out := &env.regs[at]
		out.setBool(size > 0 && x.inRange(a, b))
		return out, true
	}, true
}

// rangeOf computes the ends of a range as runtime.ToInt reads them and
// the size runtime.MakeRange gives it (b - a + 1, wrapping; none at or
// below 0), its ints counted against the memory budget; false, with the
// value that failed, for the VM's errors (an end that is no number, the
// budget) and a range wrapping past the largest int (left to the VM).
func rangeOf(env *Env, from, to operand) (a, b, size int, v *val, ok bool) {
	a, lo, ok := intOf(env, from)
	if !ok {
		return 0, 0, 0, lo, false
	}
	b, hi, ok := intOf(env, to)
	if !ok {
		return 0, 0, 0, hi, false
	}
	if size = b - a + 1; size > 0 && (!env.grow(size) || b < a) {
		return 0, 0, 0, hi, false
	}
	return a, b, size, hi, true
}

// rangeList compiles a..b read as a list: the []int runtime.MakeRange
// builds, its ints counted against the memory budget before it is built.
func (c *fastCompiler) rangeList(n *ast.BinaryNode) (operand, bool) {
	from, to, ok := c.both(n.Left, n.Right)
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		a, b, _, v, ok := rangeOf(env, from, to)
		if !ok {
			return v, false
		}
		out := &env.regs[at]
		out.setAny(runtime.MakeRange(a, b))
		return out, true
	}, true
}

// intOf computes op and reads its value as runtime.ToInt does.
func intOf(env *Env, op operand) (int, *val, bool) {
	v, ok := op(env)
	if !ok {
		return 0, v, false
	}
	i, ok := v.toInt()
	return i, v, ok
}

// inRange answers whether x equals one of the ints from a to b (a <= b) as
// runtime.Equal compares an int with it (an integer as int(...) converts
// it, a float as float64(i)): false for a string, a boolean, null, an
// object, an array and any other value.
func (x *val) inRange(a, b int) bool {
	i, f, isInt, isNumber := x.goNumber()
	switch {
	case !isNumber:
		return false
	case isInt:
		return a <= i && i <= b
	case f != f:
		return false
	}
	// float64(i) grows with i: the first i of the range whose float64 is
	// not below f is the one that can equal it
	lo, hi := a, b
	for lo < hi {
		mid := lo + int(uint(hi-lo)/2)
		if float64(mid) < f {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return float64(lo) == f
}
