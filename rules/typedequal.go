package rules

import (
	"reflect"

	"github.com/expr-lang/expr/ast"
)

// expr's compiler compares with OpEqualInt or OpEqualString where its
// checker typed both sides of `==` or `!=` int, or both string, and the VM
// then asserts each value's type: a value of another type is an error, not
// false. The checker types a conditional by a branch the other may not
// match (`(a ? 1 : record) == 2` is typed int and may yield a map), so
// the compiled comparisons check the values as the VM does.

// typedEquality is the kind expr's compiler compares n, an `==` or `!=`,
// as (reflect.Int or reflect.String); reflect.Invalid where it compares
// any two values.
func typedEquality(n *ast.BinaryNode) reflect.Kind {
	l, r := n.Left.Type(), n.Right.Type()
	if l == nil || r == nil || l.Kind() != r.Kind() || l.PkgPath() != "" || r.PkgPath() != "" {
		return reflect.Invalid
	}
	if k := l.Kind(); k == reflect.Int || k == reflect.String {
		return k
	}
	return reflect.Invalid
}

// isKind reports whether v holds, as the VM would, a Go int (reflect.Int)
// or a Go string (reflect.String).
func (x *val) isKind(k reflect.Kind) bool {
	if k == reflect.String {
		switch x.kind {
		case strKind:
			return true
		case rawKind:
			return x.s[0] == '"'
		case anyKind:
			_, ok := x.v.(string)
			return ok
		}
		return false
	}
	_, _, isInt, ok := x.number()
	return ok && isInt
}

// typedEqualOp is the operator of an `==` (want) or `!=` that expr
// compares as kind k: false (the VM's error) where a value is not of it.
func typedEqualOp(k reflect.Kind, want bool) func(out, a, b *val) bool {
	return func(out, a, b *val) bool {
		if !a.isKind(k) || !b.isKind(k) {
			return false
		}
		out.setBool(equal(a, b) == want)
		return true
	}
}
