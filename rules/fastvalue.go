package rules

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/tidwall/gjson"
)

// val is a value of an expression compiled without the VM (see fast.go):
// a record field's JSON text, read without decoding it; a number, string
// or boolean an operator computed, held unboxed; or any other value.
type val struct {
	v    any     // the value, when kind is anyKind and raw is ""
	raw  string  // a record field's JSON text, when not ""
	s    string  // strKind
	f    float64 // floatKind
	i    int     // intKind; boolKind: 1 for true
	kind valKind
}

type valKind uint8

const (
	anyKind valKind = iota // v, or raw
	strKind
	intKind
	floatKind
	boolKind
)

func boolVal(b bool) val {
	if b {
		return val{i: 1, kind: boolKind}
	}
	return val{kind: boolKind}
}

// typed holds v unboxed when it is a number, a string or a boolean.
func typed(v any) val {
	switch x := v.(type) {
	case string:
		return val{s: x, kind: strKind}
	case int:
		return val{i: x, kind: intKind}
	case float64:
		return val{f: x, kind: floatKind}
	case bool:
		return boolVal(x)
	}
	return val{v: v}
}

// decoded is the value as the VM would hold it.
func (x val) decoded() any {
	switch x.kind {
	case strKind:
		return x.s
	case intKind:
		return x.i
	case floatKind:
		return x.f
	case boolKind:
		return x.i == 1
	}
	if x.raw != "" {
		return valueOf(gjson.Parse(x.raw))
	}
	return x.v
}

// class is what kind of JSON value x is, as far as the operators below
// care; otherClass for anything they leave to expr's runtime.
type class uint8

const (
	nilClass class = iota
	numClass
	strClass
	boolClass
	otherClass
)

func (x val) class() class {
	switch x.kind {
	case strKind:
		return strClass
	case intKind, floatKind:
		return numClass
	case boolKind:
		return boolClass
	}
	if x.raw != "" {
		switch x.raw[0] {
		case '"':
			return strClass
		case 't', 'f':
			return boolClass
		case 'n':
			return nilClass
		case '{', '[':
			return otherClass
		}
		return numClass
	}
	switch x.v.(type) {
	case nil:
		return nilClass
	case string:
		return strClass
	case int, float64:
		return numClass
	case bool:
		return boolClass
	}
	if runtime.IsNil(x.v) {
		return nilClass
	}
	return otherClass
}

// isNil is runtime.IsNil on the decoded value.
func (x val) isNil() bool { return x.class() == nilClass }

// text is the value when it is a string.
func (x val) text() (string, bool) {
	switch {
	case x.kind == strKind:
		return x.s, true
	case x.kind != anyKind:
		return "", false
	case x.raw == "":
		s, ok := x.v.(string)
		return s, ok
	case x.raw[0] != '"':
		return "", false
	}
	if inner := x.raw[1 : len(x.raw)-1]; strings.IndexByte(inner, '\\') < 0 {
		return inner, true
	}
	return gjson.Parse(x.raw).Str, true
}

// boolean is the value when it is a boolean.
func (x val) boolean() (bool, bool) {
	switch {
	case x.kind == boolKind:
		return x.i == 1, true
	case x.kind != anyKind:
		return false, false
	case x.raw != "":
		return x.raw == "true", x.raw == "true" || x.raw == "false"
	}
	b, ok := x.v.(bool)
	return b, ok
}

// number is the value when it is a number: an int (isInt) or a float64,
// as the VM holds a decoded JSON number.
func (x val) number() (i int, f float64, isInt, ok bool) {
	switch x.kind {
	case intKind:
		return x.i, 0, true, true
	case floatKind:
		return 0, x.f, false, true
	case anyKind:
		if x.raw != "" {
			if c := x.raw[0]; c != '-' && (c < '0' || c > '9') {
				return 0, 0, false, false
			}
			i, f, isInt = parseNumber(x.raw)
			return i, f, isInt, true
		}
		switch n := x.v.(type) {
		case int:
			return n, 0, true, true
		case float64:
			return 0, n, false, true
		}
	}
	return 0, 0, false, false
}

// numbers reads both operands as numbers; asFloat when either is a float.
type numPair struct {
	a, b     int
	fa, fb   float64
	ints, ok bool
}

func numbers(x, y val) numPair {
	a, fa, ia, ok := x.number()
	if !ok {
		return numPair{}
	}
	b, fb, ib, ok := y.number()
	if !ok {
		return numPair{}
	}
	p := numPair{a: a, b: b, fa: fa, fb: fb, ints: ia && ib, ok: true}
	if !p.ints {
		if ia {
			p.fa = float64(a)
		}
		if ib {
			p.fb = float64(b)
		}
	}
	return p
}

// equal is runtime.Equal on the decoded values, without decoding numbers,
// strings, booleans and null.
func equal(a, b val) bool {
	ca, cb := a.class(), b.class()
	if ca == otherClass || cb == otherClass {
		if ca == nilClass || cb == nilClass {
			return false // an object, an array or another non-nil value
		}
		return runtime.Equal(a.decoded(), b.decoded())
	}
	if ca != cb {
		return false
	}
	switch ca {
	case nilClass:
		return true
	case numClass:
		p := numbers(a, b)
		if p.ints {
			return p.a == p.b
		}
		return p.fa == p.fb
	case strClass:
		x, _ := a.text()
		y, _ := b.text()
		return x == y
	}
	x, _ := a.boolean()
	y, _ := b.boolean()
	return x == y
}

// viaRuntime applies one of expr's runtime operators to the decoded
// values; false where it fails, which leaves the evaluation to the VM (and
// its error to the rule).
func viaRuntime(op func(a, b any) any, a, b val) (out val, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = val{}, false
		}
	}()
	return typed(op(a.decoded(), b.decoded())), true
}

// The operators compute what expr's runtime computes for them (int with
// int gives an int, a float on either side a float64, / and ** always a
// float64, strings compare and concatenate), and hand every other pair of
// types to the runtime itself.

func add(a, b val) (val, bool) {
	if p := numbers(a, b); p.ok {
		if p.ints {
			return val{i: p.a + p.b, kind: intKind}, true
		}
		return val{f: p.fa + p.fb, kind: floatKind}, true
	}
	return viaRuntime(runtime.Add, a, b)
}

func subtract(a, b val) (val, bool) {
	if p := numbers(a, b); p.ok {
		if p.ints {
			return val{i: p.a - p.b, kind: intKind}, true
		}
		return val{f: p.fa - p.fb, kind: floatKind}, true
	}
	return viaRuntime(runtime.Subtract, a, b)
}

func multiply(a, b val) (val, bool) {
	if p := numbers(a, b); p.ok {
		if p.ints {
			return val{i: p.a * p.b, kind: intKind}, true
		}
		return val{f: p.fa * p.fb, kind: floatKind}, true
	}
	return viaRuntime(runtime.Multiply, a, b)
}

func divide(a, b val) (val, bool) {
	if p := numbers(a, b); p.ok {
		if p.ints {
			p.fa, p.fb = float64(p.a), float64(p.b)
		}
		return val{f: p.fa / p.fb, kind: floatKind}, true
	}
	return viaRuntime(func(x, y any) any { return runtime.Divide(x, y) }, a, b)
}

func modulo(a, b val) (val, bool) {
	if p := numbers(a, b); p.ok && p.ints && p.b != 0 {
		return val{i: p.a % p.b, kind: intKind}, true
	}
	return viaRuntime(func(x, y any) any { return runtime.Modulo(x, y) }, a, b)
}

func exponent(a, b val) (val, bool) {
	if p := numbers(a, b); p.ok {
		if p.ints {
			p.fa, p.fb = float64(p.a), float64(p.b)
		}
		return val{f: math.Pow(p.fa, p.fb), kind: floatKind}, true
	}
	return viaRuntime(func(x, y any) any { return runtime.Exponent(x, y) }, a, b)
}

// compare is runtime.Less, More, LessOrEqual or MoreOrEqual: want holds the
// results of the comparison of a with b that make it true (-1, 0, +1).
func compare(a, b val, op func(a, b any) bool, lt, eq, gt bool) (val, bool) {
	if p := numbers(a, b); p.ok {
		if p.ints {
			return boolVal(a3(p.a < p.b, p.a == p.b, lt, eq, gt)), true
		}
		return boolVal(a3(p.fa < p.fb, p.fa == p.fb, lt, eq, gt)), true
	}
	if x, ok := a.text(); ok {
		if y, ok := b.text(); ok {
			return boolVal(a3(x < y, x == y, lt, eq, gt)), true
		}
	}
	return viaRuntime(func(x, y any) any { return op(x, y) }, a, b)
}

// a3 picks the answer of a three-way comparison.
func a3(less, same, lt, eq, gt bool) bool {
	switch {
	case less:
		return lt
	case same:
		return eq
	}
	return gt
}

func negate(a val) (val, bool) {
	if i, f, isInt, ok := a.number(); ok {
		if isInt {
			return val{i: -i, kind: intKind}, true
		}
		return val{f: -f, kind: floatKind}, true
	}
	return viaRuntime(func(x, _ any) any { return runtime.Negate(x) }, a, val{})
}

// length is expr's len(): characters (runes) of a string, elements of an
// array, members of an object (of duplicate keys one).
func length(a val) (val, bool) {
	if s, ok := a.text(); ok {
		return val{i: utf8.RuneCountInString(s), kind: intKind}, true
	}
	if a.raw != "" && a.raw[0] == '[' {
		return val{i: countElements(a.raw), kind: intKind}, true
	}
	return viaRuntime(func(x, _ any) any { return builtin.Len(x) }, a, val{})
}

// countElements counts the elements of a validated JSON array.
func countElements(raw string) int {
	n := 0
	for i := skipSpace(raw, 1); i < len(raw) && raw[i] != ']'; n++ {
		i = skipSpace(raw, trustedValue(raw, i))
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return n
}

// in is runtime.In: needle among the elements of an array, the keys of a
// map (a constant list of strings is one), nothing of nil.
func in(needle, list val) (val, bool) {
	switch set := list.v.(type) {
	case map[string]struct{}:
		if list.kind != anyKind || list.raw != "" {
			break
		}
		if s, ok := needle.text(); ok {
			_, found := set[s]
			return boolVal(found), true
		}
		if needle.isNil() {
			_, found := set[""] // what reflect's MapIndex of a nil key finds
			return boolVal(found), true
		}
	case []any:
		for _, e := range set {
			if equal(typed(e), needle) {
				return boolVal(true), true
			}
		}
		return boolVal(false), true
	}
	if list.raw != "" && list.raw[0] == '[' {
		raw := list.raw
		for i := skipSpace(raw, 1); i < len(raw) && raw[i] != ']'; {
			end := trustedValue(raw, i)
			if equal(val{raw: raw[i:end]}, needle) {
				return boolVal(true), true
			}
			if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
				i = skipSpace(raw, i+1)
			}
		}
		return boolVal(false), true
	}
	if list.isNil() {
		return boolVal(false), true
	}
	return viaRuntime(func(x, y any) any { return runtime.In(x, y) }, needle, list)
}

// stringTest is contains, startsWith or endsWith: false when either side
// is nil, the VM's error (false here) when either is not a string.
func stringTest(a, b val, test func(s, t string) bool) (val, bool) {
	if a.isNil() || b.isNil() {
		return boolVal(false), true
	}
	x, ok := a.text()
	if !ok {
		return val{}, false
	}
	y, ok := b.text()
	if !ok {
		return val{}, false
	}
	return boolVal(test(x, y)), true
}
