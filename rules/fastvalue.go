package rules

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/tidwall/gjson"
)

// val is a value of an expression compiled without the VM (see fast.go):
// a record field's JSON text, read without decoding it; a number, string
// or boolean an operator computed, held unboxed; or any other value.
type val struct {
	v    any    // anyKind; timeKind: a kept *time.Time
	s    string // rawKind: a record field's JSON text; strKind: the string
	n    uint64 // intKind: the int; floatKind: the float64's bits; boolKind: 1 for true; durationKind: the nanoseconds
	kind valKind
}

type valKind uint8

const (
	anyKind valKind = iota // v (the zero val is nil)
	rawKind
	strKind
	intKind
	floatKind
	boolKind
	int64Kind    // an int64 a method of a time or a duration answers (Unix(), Milliseconds()): n the number, read as an int
	timeKind     // a time.Time (now()'s, date(...)'s, one computed from them) kept unboxed in the environment
	durationKind // a time.Duration two times' difference or a sum of durations makes: n its nanoseconds
)

// The setters below write a value field by field into its slot: Go
// builds a whole val assigned at once on the stack and copies it, through
// loads the CPU cannot forward from the stores just made, which cost more
// than the operators themselves.

func (x *val) setInt(i int) { x.v, x.s, x.n, x.kind = nil, "", uint64(i), intKind }

func (x *val) setInt64(i int64) { x.v, x.s, x.n, x.kind = nil, "", uint64(i), int64Kind }

func (x *val) setFloat(f float64) { x.v, x.s, x.n, x.kind = nil, "", math.Float64bits(f), floatKind }

func (x *val) setBool(b bool) {
	x.v, x.s, x.n, x.kind = nil, "", 0, boolKind
	if b {
		x.n = 1
	}
}

// setRaw makes x the JSON text s; "" (no such field) is nil.
func (x *val) setRaw(s string) {
	x.v, x.s, x.n, x.kind = nil, s, 0, rawKind
	if s == "" {
		x.kind = anyKind
	}
}

func (x *val) setStr(s string) { x.v, x.s, x.n, x.kind = nil, s, 0, strKind }

// setAny is *x = val{v: v}, written in place.
func (x *val) setAny(v any) { x.v, x.s, x.n, x.kind = v, "", 0, anyKind }

// setTyped is *x = typed(v), written in place.
func (x *val) setTyped(v any) {
	switch y := v.(type) {
	case string:
		x.setStr(y)
	case int:
		x.setInt(y)
	case float64:
		x.setFloat(y)
	case bool:
		x.setBool(y)
	default:
		x.setAny(v)
	}
}

// setKeptTime makes x the time *t, kept where it is not written again
// (Env.keepTime).
func (x *val) setKeptTime(t *time.Time) { x.v, x.s, x.n, x.kind = t, "", 0, timeKind }

// setDuration makes x the duration d.
func (x *val) setDuration(d time.Duration) {
	x.v, x.s, x.n, x.kind = nil, "", uint64(d), durationKind
}

// rawVal is a field's JSON text; "" (no such field) is nil.
func rawVal(s string) (x val) {
	x.setRaw(s)
	return x
}

func (x *val) int() int       { return int(x.n) }
func (x *val) float() float64 { return math.Float64frombits(x.n) }

// typed holds v unboxed when it is a number, a string or a boolean.
func typed(v any) (x val) {
	x.setTyped(v)
	return x
}

// appendScalarJSON appends the JSON of a string, number or boolean an
// operator computed, as appendJSON writes it; false for any other value.
func (x *val) appendScalarJSON(dst []byte) ([]byte, bool) {
	switch x.kind {
	case strKind:
		return appendString(dst, x.s), true
	case intKind, int64Kind:
		return strconv.AppendInt(dst, int64(x.int()), 10), true
	case boolKind:
		return strconv.AppendBool(dst, x.n != 0), true
	case floatKind:
		enc, err := appendFloat(dst, x.float())
		return enc, err == nil
	}
	return dst, false
}

// decoded is the value as the VM would hold it.
func (x *val) decoded() any {
	switch x.kind {
	case strKind:
		return x.s
	case intKind:
		return x.int()
	case int64Kind:
		return int64(x.n)
	case floatKind:
		return x.float()
	case boolKind:
		return x.n == 1
	case rawKind:
		return valueOf(gjson.Parse(x.s))
	case timeKind:
		return *x.v.(*time.Time)
	case durationKind:
		return time.Duration(x.n)
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

func (x *val) class() class {
	switch x.kind {
	case strKind:
		return strClass
	case intKind, floatKind, int64Kind:
		return numClass
	case boolKind:
		return boolClass
	case timeKind, durationKind:
		return otherClass
	case rawKind:
		switch x.s[0] {
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
func (x *val) isNil() bool { return x.class() == nilClass }

// text is the value when it is a string.
func (x *val) text() (string, bool) {
	switch x.kind {
	case strKind:
		return x.s, true
	case anyKind:
		s, ok := x.v.(string)
		return s, ok
	case rawKind:
		if x.s[0] != '"' {
			return "", false
		}
		if inner := x.s[1 : len(x.s)-1]; strings.IndexByte(inner, '\\') < 0 {
			return inner, true
		}
		return gjson.Parse(x.s).Str, true
	}
	return "", false
}

// boolean is the value when it is a boolean.
func (x *val) boolean() (bool, bool) {
	switch x.kind {
	case boolKind:
		return x.n == 1, true
	case rawKind:
		return x.s == "true", x.s == "true" || x.s == "false"
	case anyKind:
		b, ok := x.v.(bool)
		return b, ok
	}
	return false, false
}

// number is the value when it is a number: an int (isInt) or a float64,
// as the VM holds a decoded JSON number.
func (x *val) number() (i int, f float64, isInt, ok bool) {
	switch x.kind {
	case intKind, int64Kind:
		return x.int(), 0, true, true
	case floatKind:
		return 0, x.float(), false, true
	}
	return x.otherNumber()
}

// toInt is the value as runtime.ToInt reads it (a range's end, an index):
// an int, a float converted by int(...) as Go converts it on this
// platform; false for any other value, which the VM refuses.
func (x *val) toInt() (int, bool) {
	i, f, isInt, ok := x.goNumber()
	switch {
	case !ok:
		return 0, false
	case isInt:
		return i, true
	}
	return int(f), true
}

// otherNumber is number for a field's JSON text or any other value.
func (x *val) otherNumber() (i int, f float64, isInt, ok bool) {
	switch x.kind {
	case rawKind:
		return rawNumber(x.s)
	case anyKind:
		switch n := x.v.(type) {
		case int:
			return n, 0, true, true
		case float64:
			return 0, n, false, true
		}
	}
	return 0, 0, false, false
}

// goNumber is number for a value of any of Go's number types, as the
// VM's runtime reads one (int8, uint64, float32, ... as well).
func (x *val) goNumber() (i int, f float64, isInt, ok bool) {
	if i, f, isInt, ok = x.number(); !ok && x.kind == anyKind {
		return otherGoNumber(x.v)
	}
	return i, f, isInt, ok
}

// otherGoNumber is number for the Go number types other than int and
// float64 (a string's byte, a method's answer), as runtime.Equal converts
// them to compare them with an int; a named type (time.Month) is none.
func otherGoNumber(v any) (i int, f float64, isInt, ok bool) {
	t := reflect.TypeOf(v)
	if t == nil || t.PkgPath() != "" {
		return 0, 0, false, false
	}
	switch n := reflect.ValueOf(v); t.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(n.Int()), 0, true, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int(n.Uint()), 0, true, true
	case reflect.Float32:
		return 0, n.Float(), false, true
	}
	return 0, 0, false, false
}

// rawNumber is the number a field's JSON text holds, as the VM decodes it
// (isInt: an int, else the float64 f); false for any other text.
func rawNumber(raw string) (i int, f float64, isInt, ok bool) {
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, 0, false, false
	}
	if i, ok := smallInt(raw); ok { // parseNumber's usual case, one call less
		return i, 0, true, true
	}
	i, f, isInt = parseNumber(raw)
	return i, f, isInt, true
}

// numPair is two operands read as numbers: ints when both are, else
// float64s (fa, fb).
type numPair struct {
	a, b     int
	fa, fb   float64
	ints, ok bool
}

func numbers(x, y *val) numPair {
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
func equal(a, b *val) bool {
	if a.kind == b.kind && a.kind > rawKind && a.kind != timeKind { // computed values of one type, held in n and s
		if a.kind == floatKind {
			return a.float() == b.float()
		}
		return a.n == b.n && a.s == b.s
	}
	ca, cb := a.class(), b.class()
	if ca == otherClass || cb == otherClass {
		if ca == nilClass || cb == nilClass {
			return false // an object, an array or another non-nil value
		}
		if x, y, ok := times(a, b); ok {
			return x.Equal(y)
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
func viaRuntime(out *val, op func(a, b any) any, a, b *val) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	var y any
	if b != nil {
		y = b.decoded()
	}
	out.setTyped(op(a.decoded(), y))
	return true
}

// The operators compute what expr's runtime computes for them (int with
// int gives an int, a float on either side a float64, / and ** always a
// float64, strings compare and concatenate), and hand every other pair of
// types to the runtime itself. Each writes its result into out.

func add(out, a, b *val) bool {
	return arithmetic(out, a, b, func(x, y int) int { return x + y }, func(x, y float64) float64 { return x + y }, runtime.Add)
}

func subtract(out, a, b *val) bool {
	return arithmetic(out, a, b, func(x, y int) int { return x - y }, func(x, y float64) float64 { return x - y }, runtime.Subtract)
}

func multiply(out, a, b *val) bool {
	return arithmetic(out, a, b, func(x, y int) int { return x * y }, func(x, y float64) float64 { return x * y }, runtime.Multiply)
}

// arithmetic is +, - or *: ints for two ints, else float64s for two
// numbers, else expr's runtime operator.
func arithmetic(out, a, b *val, ints func(x, y int) int, floats func(x, y float64) float64, other func(a, b any) any) bool {
	p := numbers(a, b)
	switch {
	case !p.ok:
		return viaRuntime(out, other, a, b)
	case p.ints:
		out.setInt(ints(p.a, p.b))
	default:
		out.setFloat(floats(p.fa, p.fb))
	}
	return true
}

func divide(out, a, b *val) bool {
	return floating(out, a, b, func(x, y float64) float64 { return x / y },
		func(x, y any) any { return runtime.Divide(x, y) })
}

func exponent(out, a, b *val) bool {
	return floating(out, a, b, math.Pow, func(x, y any) any { return runtime.Exponent(x, y) })
}

// floating is / or **: a float64 of any two numbers, else expr's runtime
// operator.
func floating(out, a, b *val, f func(x, y float64) float64, other func(a, b any) any) bool {
	p := numbers(a, b)
	if !p.ok {
		return viaRuntime(out, other, a, b)
	}
	if p.ints {
		p.fa, p.fb = float64(p.a), float64(p.b)
	}
	out.setFloat(f(p.fa, p.fb))
	return true
}

func modulo(out, a, b *val) bool {
	if p := numbers(a, b); p.ok && p.ints && p.b != 0 {
		out.setInt(p.a % p.b)
		return true
	}
	return viaRuntime(out, func(x, y any) any { return runtime.Modulo(x, y) }, a, b)
}

// compare is runtime.Less, More, LessOrEqual or MoreOrEqual: lt, eq and
// gt are its answers when a is less than, equal to or more than b.
func compare(out, a, b *val, op func(a, b any) bool, lt, eq, gt bool) bool {
	if p := numbers(a, b); p.ok {
		if p.ints {
			out.setBool(a3(p.a < p.b, p.a == p.b, p.a > p.b, lt, eq, gt))
		} else { // NaN is neither less, equal nor more: every comparison with it is false
			out.setBool(a3(p.fa < p.fb, p.fa == p.fb, p.fa > p.fb, lt, eq, gt))
		}
		return true
	}
	if x, ok := a.text(); ok {
		if y, ok := b.text(); ok {
			out.setBool(a3(x < y, x == y, x > y, lt, eq, gt))
			return true
		}
	}
	if x, y, ok := times(a, b); ok {
		out.setBool(a3(x.Before(y), x.Equal(y), x.After(y), lt, eq, gt))
		return true
	}
	if x, ok := a.duration(); ok {
		if y, ok := b.duration(); ok {
			out.setBool(a3(x < y, x == y, x > y, lt, eq, gt))
			return true
		}
	}
	return viaRuntime(out, func(x, y any) any { return op(x, y) }, a, b)
}

// a3 is the answer of a comparison that holds for less (lt), equal (eq)
// or more (gt), given which of the three the operands are: none of them
// for an unordered pair (a NaN).
func a3(less, same, more, lt, eq, gt bool) bool {
	return less && lt || same && eq || more && gt
}

func negate(out, a *val) bool {
	if i, f, isInt, ok := a.number(); ok {
		if a.kind == int64Kind {
			out.setInt64(-int64(i))
		} else if isInt {
			out.setInt(-i)
		} else {
			out.setFloat(-f)
		}
		return true
	}
	return viaRuntime(out, func(x, _ any) any { return runtime.Negate(x) }, a, nil)
}

// length is expr's len(): characters (runes) of a string, elements of an
// array, members of an object (of duplicate keys one).
func length(out, a *val) bool {
	if s, ok := a.text(); ok {
		out.setInt(utf8.RuneCountInString(s))
		return true
	}
	if a.kind == rawKind && a.s[0] == '[' {
		out.setInt(countElements(a.s))
		return true
	}
	if a.kind == rawKind && a.s[0] == '{' { // its names, each once, as decoding keeps them
		var names [maxPlainMembers]string
		if n, ok := distinctMembers(a.s, &names, nil); ok {
			out.setInt(n)
			return true
		}
	}
	return viaRuntime(out, func(x, _ any) any { return builtin.Len(x) }, a, nil)
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
func in(out, needle, list *val) bool {
	switch set := list.v.(type) {
	case map[string]struct{}:
		if s, ok := needle.text(); ok {
			_, found := set[s]
			out.setBool(found)
			return true
		}
		if needle.isNil() {
			_, found := set[""] // what reflect's MapIndex of a nil key finds
			out.setBool(found)
			return true
		}
	case []any:
		for _, e := range set {
			if x := typed(e); equal(&x, needle) {
				out.setBool(true)
				return true
			}
		}
		out.setBool(false)
		return true
	}
	if list.kind == rawKind && list.s[0] == '[' {
		raw := list.s
		for i := skipSpace(raw, 1); i < len(raw) && raw[i] != ']'; {
			end := trustedValue(raw, i)
			if e := rawVal(raw[i:end]); equal(&e, needle) {
				out.setBool(true)
				return true
			}
			if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
				i = skipSpace(raw, i+1)
			}
		}
		out.setBool(false)
		return true
	}
	if list.kind == rawKind && list.s[0] == '{' { // a member named needle
		key, ok := needle.text()
		if !ok && !needle.isNil() {
			return false // no string: the VM's error
		}
		out.setBool(hasMember(list.s, key)) // nil names "", as reflect's zero key
		return true
	}
	if list.isNil() {
		out.setBool(false)
		return true
	}
	return viaRuntime(out, func(x, y any) any { return runtime.In(x, y) }, needle, list)
}

// stringTest is contains, startsWith or endsWith: false when either side
// is nil, the VM's error when either is not a string.
func stringTest(out, a, b *val, test func(s, t string) bool) bool {
	if a.isNil() || b.isNil() {
		out.setBool(false)
		return true
	}
	x, ok := a.text()
	if !ok {
		return false
	}
	y, ok := b.text()
	if !ok {
		return false
	}
	out.setBool(test(x, y))
	return true
}

// sliceOf is v[from:to] as expr's runtime slices it (a bound nil is left
// out: 0, or v's length): a bound from the end when negative, both held
// within v. A string's bytes are sliced here; any other value by the
// runtime, false where it fails.
func sliceOf(out, v, from, to *val) bool {
	if s, ok := v.text(); ok {
		a, okA := bound(from, 0)
		b, okB := bound(to, len(s))
		if okA && okB {
			b = min(max(b+len(s)*btoi(b < 0), 0), len(s))
			a = min(max(a+len(s)*btoi(a < 0), 0), b)
			out.setStr(s[a:b])
			return true
		}
	}
	return sliceByRuntime(out, v, from, to)
}

// bound is a slice's bound as runtime.ToInt reads a number (a float
// truncated); or, when left out, otherwise.
func bound(v *val, otherwise int) (int, bool) {
	if v == nil {
		return otherwise, true
	}
	i, f, isInt, ok := v.number()
	if !isInt {
		i = int(f)
	}
	return i, ok
}

// btoi is 1 for true, 0 for false.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sliceByRuntime is sliceOf on the decoded values, through expr's
// runtime; false where it fails.
func sliceByRuntime(out, v, from, to *val) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	node := v.decoded()
	var a, b any = 0, nil
	if from != nil {
		a = from.decoded()
	}
	if to != nil {
		b = to.decoded()
	} else {
		b = runtime.Len(node)
	}
	out.setTyped(runtime.Slice(node, a, b))
	return true
}
