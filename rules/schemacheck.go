package rules

import (
	"encoding/json"
	"math/big"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// The validator needs the record decoded into maps before it checks it,
// which costs far more than the check. The usual keywords are checked
// here in one walk over the record's JSON instead, as the validator
// checks them (schemacompile.go lists them). A record they find valid is
// valid; one they find invalid, or a value they leave to the validator,
// is validated by the validator, whose errors the client gets. Both
// verdicts are exact, so that not, anyOf, oneOf and if can combine them.

// verdict is what a check says of a value.
type verdict uint8

const (
	valid     verdict = iota
	invalid           // the validator rejects the value
	undecided         // the validator must look at the value
)

// maxCheckDepth bounds the nesting of values and of schemas applied to
// one value; deeper than that, the validator decides.
const maxCheckDepth = 256

// valid checks raw, a validated JSON value (white space may follow it),
// reading object keys as names spells them (nil: as written). decided is
// false where the validator must check the value.
func (c *schemaCheck) valid(raw string, names schemaNames) (ok, decided bool) {
	_, v := c.check(raw, 0, names, 0)
	return v == valid, v != undecided
}

// check checks the value at s[i] and returns the index past it (when the
// value is valid).
func (c *schemaCheck) check(s string, i int, names schemaNames, depth int) (int, verdict) {
	if c.skip {
		return trustedValue(s, i), valid
	}
	if c.reject {
		return i, invalid
	}
	if depth > maxCheckDepth {
		return i, undecided
	}
	var (
		end int
		v   verdict
	)
	switch s[i] {
	case '{':
		if v = c.kindOf(objectBit, ""); v == valid {
			end, v = c.object(s, i, names, depth)
		}
	case '[':
		if v = c.kindOf(arrayBit, ""); v == valid {
			end, v = c.array(s, i, names, depth)
		}
	case '"':
		var escaped bool
		end, escaped = trustedString(s, i)
		if v = c.kindOf(stringBit, ""); v == valid && c.strings {
			v = c.text(s[i:end], escaped)
		}
	case 't', 'f', 'n':
		end = trustedValue(s, i)
		bit := nullBit
		if s[i] != 'n' {
			bit = boolBit
		}
		if v = c.kindOf(bit, ""); v == valid && (c.enum != nil || c.konst != nil) {
			v = c.scalarIn(bit, s[i:end], false)
		}
	default:
		end = trustedValue(s, i)
		if v = c.kindOf(numberBit, s[i:end]); v == valid && c.numbers {
			v = c.number(s[i:end])
		}
	}
	if v != valid {
		return end, v
	}
	return end, c.applied(s, i, names, depth)
}

// kindOf checks type, and enum and const for objects and arrays; raw is
// a number's text.
func (c *schemaCheck) kindOf(bit uint8, raw string) verdict {
	if c.typed && c.types&bit == 0 {
		if !c.integer || bit != numberBit {
			return invalid
		}
		switch integral(raw) {
		case invalid:
			return invalid
		case undecided:
			return undecided
		}
	}
	if bit == objectBit || bit == arrayBit {
		for _, set := range [2]*enumSet{c.enum, c.konst} {
			if set != nil {
				if set.composite {
					return undecided // the validator compares them
				}
				return invalid // a set of scalars holds no object or array
			}
		}
	}
	return valid
}

// integral tells whether a JSON number has an integral value, as the
// validator's big.Rat reading says: 1.0 and 1e2 do, 1.5 does not.
func integral(raw string) verdict {
	if _, ok := smallInt(raw); ok {
		return valid
	}
	r, ok := new(big.Rat).SetString(raw)
	switch {
	case !ok:
		return undecided
	case r.IsInt():
		return valid
	}
	return invalid
}

// applied checks the subschemas applied to the same value: $ref, allOf,
// anyOf, oneOf, not, if/then/else.
func (c *schemaCheck) applied(s string, i int, names schemaNames, depth int) verdict {
	if !c.applicators {
		return valid
	}
	depth++
	for _, sub := range c.all {
		if _, v := sub.check(s, i, names, depth); v != valid {
			return v
		}
	}
	if c.any != nil {
		v := invalid
		for _, sub := range c.any {
			_, sv := sub.check(s, i, names, depth)
			if sv == valid {
				v = valid
				break
			}
			if sv == undecided {
				v = undecided
			}
		}
		if v != valid {
			return v
		}
	}
	if c.one != nil {
		n := 0
		for _, sub := range c.one {
			_, sv := sub.check(s, i, names, depth)
			if sv == undecided {
				return undecided
			}
			if sv == valid {
				n++
			}
		}
		if n != 1 {
			return invalid
		}
	}
	if c.not != nil {
		switch _, v := c.not.check(s, i, names, depth); v {
		case valid:
			return invalid
		case undecided:
			return undecided
		}
	}
	if c.cond != nil {
		_, v := c.cond.check(s, i, names, depth)
		branch := c.then
		switch v {
		case undecided:
			return undecided
		case invalid:
			branch = c.els
		}
		if branch != nil {
			if _, v := branch.check(s, i, names, depth); v != valid {
				return v
			}
		}
	}
	return valid
}

// object checks an object's members as the validator sees them: keys
// read as names spells them; a key twice (the validator keeps the last)
// leaves the object to the validator.
func (c *schemaCheck) object(s string, i int, names schemaNames, depth int) (int, verdict) {
	if !c.objects {
		return trustedValue(s, i), valid
	}
	var (
		seen  uint64     // the props met
		other [32]string // the undeclared keys, when their number or values count
		nkeys int
		count int
	)
	for i = skipSpace(s, i+1); i < len(s) && s[i] != '}'; count++ {
		key, _, at := trustedKey(s, i)
		idx := c.lookup(key)
		if idx < 0 && names != nil {
			if k := names.canonical(key); k != key {
				key, idx = k, c.lookup(k)
			}
		}
		var sub *schemaCheck
		declared := false
		if idx >= 0 {
			bit := uint64(1) << idx
			if seen&bit != 0 {
				return i, undecided
			}
			seen |= bit
			sub, declared = c.props[idx].sub, c.props[idx].declared
		}
		if !declared {
			if c.closed {
				return i, invalid
			}
			sub = c.additional
			if idx < 0 && c.countKeys {
				if nkeys == len(other) {
					return i, undecided
				}
				for _, k := range other[:nkeys] {
					if k == key {
						return i, undecided
					}
				}
				other[nkeys] = key
				nkeys++
			}
		}
		end := 0
		if sub == nil {
			end = trustedValue(s, at)
		} else {
			var v verdict
			if end, v = sub.check(s, at, names, depth+1); v == invalid && keyFollows(s, trustedValue(s, at), key, names) {
				return end, undecided // the validator reads the later value
			} else if v != valid {
				return end, v
			}
		}
		if i = skipSpace(s, end); i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
		}
	}
	end := min(i+1, len(s))
	if c.minProps >= 0 && count < c.minProps || c.maxProps >= 0 && count > c.maxProps ||
		seen&c.required != c.required {
		return end, invalid
	}
	for _, dep := range c.dependent {
		if seen&dep.if_ != 0 && seen&dep.then != dep.then {
			return end, invalid
		}
	}
	return end, valid
}

// keyFollows reports whether a member of the object after s[i] (past a
// member's value) has the key, read as names spells it.
func keyFollows(s string, i int, key string, names schemaNames) bool {
	for i = skipSpace(s, i); i < len(s) && s[i] == ','; {
		k, _, at := trustedKey(s, skipSpace(s, i+1))
		if k == key || names != nil && names.canonical(k) == key {
			return true
		}
		i = skipSpace(s, trustedValue(s, at))
	}
	return false
}

// lookup is the index of name in c.props, or -1.
func (c *schemaCheck) lookup(name string) int {
	if c.propIndex != nil {
		if i, ok := c.propIndex[name]; ok {
			return i
		}
		return -1
	}
	for i := range c.props {
		if c.props[i].name == name {
			return i
		}
	}
	return -1
}

func (c *schemaCheck) array(s string, i int, names schemaNames, depth int) (int, verdict) {
	if !c.arrays {
		return trustedValue(s, i), valid
	}
	var items [32]string // for uniqueItems
	n := 0
	for i = skipSpace(s, i+1); i < len(s) && s[i] != ']'; n++ {
		end := 0
		if c.items == nil {
			end = trustedValue(s, i)
		} else {
			var v verdict
			if end, v = c.items.check(s, i, names, depth+1); v != valid {
				return end, v
			}
		}
		if c.unique {
			if n == len(items) {
				return end, undecided
			}
			items[n] = s[i:end]
		}
		if i = skipSpace(s, end); i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
		}
	}
	end := min(i+1, len(s))
	if c.minItems >= 0 && n < c.minItems || c.maxItems >= 0 && n > c.maxItems {
		return end, invalid
	}
	if c.unique {
		for a := 1; a < n; a++ {
			for b := range a {
				switch scalarsEqual(items[a], items[b]) {
				case valid:
					return end, invalid
				case undecided:
					return end, undecided
				}
			}
		}
	}
	return end, valid
}

// scalarsEqual compares two JSON values as the validator does (strings
// after unescaping, numbers by exact value): valid when equal, invalid
// when not, undecided for two objects or two arrays.
func scalarsEqual(a, b string) verdict {
	if a[0] != b[0] && !(isNumberStart(a[0]) && isNumberStart(b[0])) {
		return invalid
	}
	switch a[0] {
	case '{', '[':
		return undecided
	case '"':
		if stringText(a) == stringText(b) {
			return valid
		}
		return invalid
	case 't', 'f', 'n':
		if a == b {
			return valid
		}
		return invalid
	}
	if len(a) > 40 || len(b) > 40 {
		return undecided // long exponents: the validator's
	}
	if numbersEqual(a, b) {
		return valid
	}
	return invalid
}

func isNumberStart(c byte) bool { return c == '-' || c >= '0' && c <= '9' }

// stringText is a JSON string's value, read as the validator's decoding
// reads it.
func stringText(raw string) string {
	inner := raw[1 : len(raw)-1]
	for i := 0; i < len(inner); i++ {
		if inner[i] == '\\' {
			return gjson.Parse(raw).Str
		}
	}
	return inner
}

func (c *schemaCheck) text(raw string, escaped bool) verdict {
	str := raw[1 : len(raw)-1]
	if escaped {
		str = gjson.Parse(raw).Str
	}
	if c.enum != nil || c.konst != nil {
		if v := c.scalarIn(stringBit, str, true); v != valid {
			return v
		}
	}
	// a code point takes one to four bytes (an invalid byte counts one):
	// count them only when the byte length does not tell
	if c.minLen > (len(str)+3)/4 || c.maxLen >= 0 && len(str) > c.maxLen {
		n := utf8.RuneCountInString(str)
		if n < c.minLen || c.maxLen >= 0 && n > c.maxLen {
			return invalid
		}
	}
	if c.pattern != nil && !c.pattern.MatchString(str) {
		return invalid
	}
	if c.format != nil && (c.quick == nil || !c.quick(str)) && c.format(str) != nil {
		return invalid
	}
	return valid
}

func (c *schemaCheck) number(raw string) verdict {
	if c.enum != nil || c.konst != nil {
		if v := c.scalarIn(numberBit, raw, false); v != valid {
			return v
		}
	}
	n, small := smallInt(raw)
	var exact *big.Rat
	rat := func() *big.Rat {
		if exact == nil {
			if r, ok := new(big.Rat).SetString(raw); ok {
				exact = r
			}
		}
		return exact
	}
	for _, b := range c.bounds {
		var cmp int
		if small && b.smallOK {
			cmp = compareInt64(int64(n), b.small)
		} else {
			r := rat()
			if r == nil {
				return undecided
			}
			cmp = r.Cmp(b.r)
		}
		if !a3(cmp < 0, cmp == 0, cmp > 0, b.lt, b.eq, b.gt) {
			return invalid
		}
	}
	if c.multipleOf != nil {
		if small && c.multipleSmall > 0 {
			if int64(n)%c.multipleSmall != 0 {
				return invalid
			}
			return valid
		}
		r := rat()
		if r == nil {
			return undecided
		}
		if !new(big.Rat).Quo(r, c.multipleOf).IsInt() {
			return invalid
		}
	}
	return valid
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scalarIn checks a string (its value), a number (its text), a boolean
// or null against enum and const.
func (c *schemaCheck) scalarIn(bit uint8, val string, str bool) verdict {
	for _, set := range [2]*enumSet{c.enum, c.konst} {
		if set == nil {
			continue
		}
		if v := set.has(bit, val); v != valid {
			return v
		}
	}
	return valid
}

// has reports whether the set holds the value.
func (e *enumSet) has(bit uint8, val string) verdict {
	for _, w := range e.values {
		if w.bit != bit {
			continue
		}
		switch bit {
		case numberBit:
			if len(val) > 40 || len(w.text) > 40 {
				return undecided // long exponents: the validator's
			}
			if numbersEqual(val, w.text) {
				return valid
			}
		default:
			if val == w.text {
				return valid
			}
		}
	}
	return invalid
}

// jsonTypeOf is the type bit of a value the validator decoded.
func jsonTypeOf(v any) uint8 {
	switch v.(type) {
	case nil:
		return nullBit
	case bool:
		return boolBit
	case json.Number:
		return numberBit
	case string:
		return stringBit
	case []any:
		return arrayBit
	}
	return objectBit
}
