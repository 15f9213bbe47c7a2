package rules

import (
	"encoding/json"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The validator needs the record decoded into maps before it checks it,
// which costs far more than the check. The usual keywords (type, enum and
// const of scalars, format, properties, required, additionalProperties,
// min/maxProperties, items, min/maxItems, min/maxLength, pattern and the
// numeric bounds) are checked here over the record's JSON instead, as the
// validator checks them. A record they find valid is valid; one they find
// invalid, or a schema or a value they leave to the validator, is
// validated by the validator, whose errors the client gets.

// schemaCheck is one compiled schema of the usual keywords.
type schemaCheck struct {
	reject     bool  // the schema false
	types      uint8 // the JSON types allowed (typeBits); 0: any
	integer    bool  // "integer" is allowed
	enum       []any // the allowed values (scalars), when hasEnum
	hasEnum    bool  //
	format     func(any) error
	props      map[string]*schemaCheck
	required   []string
	additional *schemaCheck // additionalProperties as a schema
	closed     bool         // additionalProperties false
	minProps   int          // -1: none
	maxProps   int          // -1: none
	items      *schemaCheck
	minItems   int // -1: none
	maxItems   int // -1: none
	minLen     int // -1: none
	maxLen     int // -1: none
	pattern    jsonschema.Regexp
	bounds     []numBound
}

// numBound is one of minimum, maximum, exclusiveMinimum, exclusiveMaximum:
// the value compared with the bound must compare as one of ok (-1, 0, +1).
type numBound struct {
	r          *big.Rat
	lt, eq, gt bool
	small      int64 // r, when it is an integer in the int64 range
	smallOK    bool
}

const (
	nullBit uint8 = 1 << iota
	boolBit
	numberBit
	stringBit
	arrayBit
	objectBit
)

var typeBits = map[string]uint8{"null": nullBit, "boolean": boolBit, "number": numberBit,
	"string": stringBit, "array": arrayBit, "object": objectBit}

// compileSchemaCheck compiles s; false when s uses a keyword checked only
// by the validator.
func compileSchemaCheck(s *jsonschema.Schema) (*schemaCheck, bool) {
	if s == nil {
		return nil, true
	}
	if s.Bool != nil {
		if *s.Bool {
			return &schemaCheck{minProps: -1, maxProps: -1, minItems: -1, maxItems: -1, minLen: -1, maxLen: -1}, true
		}
		return &schemaCheck{reject: true}, true
	}
	if s.Ref != nil || s.RecursiveRef != nil || s.DynamicRef != nil || s.Not != nil || len(s.AllOf) > 0 ||
		len(s.AnyOf) > 0 || len(s.OneOf) > 0 || s.If != nil || s.Then != nil || s.Else != nil ||
		s.PropertyNames != nil || len(s.PatternProperties) > 0 || len(s.Dependencies) > 0 ||
		len(s.DependentRequired) > 0 || len(s.DependentSchemas) > 0 || s.UnevaluatedProperties != nil ||
		s.UniqueItems || s.Contains != nil || s.AdditionalItems != nil || len(s.PrefixItems) > 0 ||
		s.UnevaluatedItems != nil || s.ContentEncoding != nil || s.ContentMediaType != nil ||
		s.ContentSchema != nil || s.MultipleOf != nil || len(s.Extensions) > 0 ||
		(s.Format != nil && s.Format.Name == "regex") {
		return nil, false
	}
	c := &schemaCheck{minProps: intOr(s.MinProperties), maxProps: intOr(s.MaxProperties),
		minItems: intOr(s.MinItems), maxItems: intOr(s.MaxItems), minLen: intOr(s.MinLength),
		maxLen: intOr(s.MaxLength), pattern: s.Pattern, required: s.Required}
	if s.Types != nil {
		for _, t := range s.Types.ToStrings() {
			if t == "integer" {
				c.integer = true
			}
			c.types |= typeBits[t]
		}
		if c.types == 0 && !c.integer {
			return nil, false
		}
	}
	if s.Enum != nil {
		c.enum, c.hasEnum = s.Enum.Values, true
	}
	if s.Const != nil {
		if c.hasEnum {
			return nil, false
		}
		c.enum, c.hasEnum = []any{*s.Const}, true
	}
	for _, v := range c.enum {
		switch v.(type) {
		case nil, bool, string, json.Number:
		default:
			return nil, false // objects and arrays: the validator compares them
		}
	}
	if s.Format != nil {
		c.format = s.Format.Validate
	}
	for _, b := range []struct {
		r          *big.Rat
		lt, eq, gt bool
	}{{s.Minimum, false, true, true}, {s.Maximum, true, true, false},
		{s.ExclusiveMinimum, false, false, true}, {s.ExclusiveMaximum, true, false, false}} {
		if b.r == nil {
			continue
		}
		nb := numBound{r: b.r, lt: b.lt, eq: b.eq, gt: b.gt}
		if b.r.IsInt() && b.r.Num().IsInt64() {
			nb.small, nb.smallOK = b.r.Num().Int64(), true
		}
		c.bounds = append(c.bounds, nb)
	}
	var ok bool
	if len(s.Properties) > 0 {
		c.props = make(map[string]*schemaCheck, len(s.Properties))
		for name, sub := range s.Properties {
			if c.props[name], ok = compileSchemaCheck(sub); !ok {
				return nil, false
			}
		}
	}
	switch a := s.AdditionalProperties.(type) {
	case bool:
		c.closed = !a
	case *jsonschema.Schema:
		if c.additional, ok = compileSchemaCheck(a); !ok {
			return nil, false
		}
	}
	items := s.Items2020
	switch it := s.Items.(type) {
	case *jsonschema.Schema:
		items = it
	case []*jsonschema.Schema:
		return nil, false
	}
	if c.items, ok = compileSchemaCheck(items); !ok {
		return nil, false
	}
	return c, true
}

func intOr(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// valid checks raw, a validated JSON value, reading object keys as names
// spells them (nil: as written). decided is false where the validator
// must check the value.
func (c *schemaCheck) valid(raw string, names schemaNames) (ok, decided bool) {
	if c.reject {
		return false, true
	}
	var bit uint8
	switch raw[0] {
	case '{':
		bit = objectBit
	case '[':
		bit = arrayBit
	case '"':
		bit = stringBit
	case 't', 'f':
		bit = boolBit
	case 'n':
		bit = nullBit
	default:
		bit = numberBit
	}
	if c.types != 0 || c.integer {
		if c.types&bit == 0 && !(c.integer && bit == numberBit && integralText(raw)) {
			return false, true
		}
	}
	if c.hasEnum {
		match, decided := c.inEnum(raw, bit)
		if !decided || !match {
			return false, decided
		}
	}
	if c.format != nil && bit != stringBit {
		return false, false // formats of other values: the validator's
	}
	switch bit {
	case objectBit:
		return c.object(raw, names)
	case arrayBit:
		return c.array(raw, names)
	case stringBit:
		return c.text(raw)
	case numberBit:
		return c.number(raw)
	}
	return true, true
}

// integralText reports whether a JSON number has an integral value, as
// the validator's big.Rat reading says: 1.0 and 1e2 do, 1.5 does not.
func integralText(raw string) bool {
	if _, ok := smallInt(raw); ok {
		return true
	}
	r, ok := new(big.Rat).SetString(raw)
	return ok && r.IsInt()
}

// inEnum compares raw with each allowed value as the validator does:
// strings after unescaping, numbers by exact value.
func (c *schemaCheck) inEnum(raw string, bit uint8) (match, decided bool) {
	for _, v := range c.enum {
		switch want := v.(type) {
		case nil:
			if bit == nullBit {
				return true, true
			}
		case bool:
			if bit == boolBit && (raw == "true") == want {
				return true, true
			}
		case string:
			if bit == stringBit {
				if s, _ := rawText(raw); s == want {
					return true, true
				}
			}
		case json.Number:
			if bit == numberBit {
				if len(raw) > 40 || len(want) > 40 {
					return false, false // long exponents: the validator's
				}
				if numbersEqual(raw, string(want)) {
					return true, true
				}
			}
		}
	}
	return false, true
}

// rawText is a JSON string's value and whether it was read without
// allocating.
func rawText(raw string) (string, bool) {
	v := rawVal(raw)
	s, _ := v.text()
	return s, strings.IndexByte(raw, '\\') < 0
}

func (c *schemaCheck) text(raw string) (bool, bool) {
	s, _ := rawText(raw)
	if c.minLen >= 0 || c.maxLen >= 0 {
		n := utf8.RuneCountInString(s)
		if c.minLen >= 0 && n < c.minLen || c.maxLen >= 0 && n > c.maxLen {
			return false, true
		}
	}
	if c.pattern != nil && !c.pattern.MatchString(s) {
		return false, true
	}
	if c.format != nil && c.format(s) != nil {
		return false, true
	}
	return true, true
}

func (c *schemaCheck) number(raw string) (bool, bool) {
	var exact *big.Rat
	for _, b := range c.bounds {
		var cmp int
		if n, ok := smallInt(raw); ok && b.smallOK {
			cmp = compareInt64(int64(n), b.small)
		} else {
			if exact == nil {
				r, ok := new(big.Rat).SetString(raw)
				if !ok {
					return false, false
				}
				exact = r
			}
			cmp = exact.Cmp(b.r)
		}
		if !a3(cmp < 0, cmp == 0, b.lt, b.eq, b.gt) {
			return false, true
		}
	}
	return true, true
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

func (c *schemaCheck) array(raw string, names schemaNames) (bool, bool) {
	n := 0
	for i := skipSpace(raw, 1); i < len(raw) && raw[i] != ']'; n++ {
		end := trustedValue(raw, i)
		if c.items != nil {
			if ok, decided := c.items.valid(raw[i:end], names); !ok || !decided {
				return ok, decided
			}
		}
		if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	if c.minItems >= 0 && n < c.minItems || c.maxItems >= 0 && n > c.maxItems {
		return false, true
	}
	return true, true
}

// object checks an object's members as the validator sees them: keys
// read as names spells them, of duplicate keys the last.
func (c *schemaCheck) object(raw string, names schemaNames) (bool, bool) {
	var buf [24]member
	members, _ := trustedMembers(raw, 0, buf[:0])
	if len(members) > 64 {
		return false, false // many members: the validator's map
	}
	for i := range members {
		members[i].key = names.canonical(members[i].key)
	}
	distinct := 0
	for i := range members {
		m := &members[i]
		if laterKey(members, i) {
			continue // the decoder keeps the last
		}
		distinct++
		sub, named := c.props[m.key]
		switch {
		case named:
		case c.closed:
			return false, true
		default:
			sub = c.additional
		}
		if sub != nil {
			if ok, decided := sub.valid(m.val, names); !ok || !decided {
				return ok, decided
			}
		}
	}
	if c.minProps >= 0 && distinct < c.minProps || c.maxProps >= 0 && distinct > c.maxProps {
		return false, true
	}
	for _, name := range c.required {
		found := false
		for i := range members {
			if members[i].key == name {
				found = true
				break
			}
		}
		if !found {
			return false, true
		}
	}
	return true, true
}

// laterKey reports whether a member after members[i] has its key.
func laterKey(members []member, i int) bool {
	for j := i + 1; j < len(members); j++ {
		if members[j].key == members[i].key {
			return true
		}
	}
	return false
}
