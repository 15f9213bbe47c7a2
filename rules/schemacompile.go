package rules

import (
	"encoding/json"
	"math/big"
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaCheck is one compiled schema of the keywords checked over the
// JSON: type, enum, const, format (strings), minLength, maxLength,
// pattern, minimum, maximum, exclusiveMinimum, exclusiveMaximum (draft 4's
// booleans too), multipleOf, properties, required, additionalProperties,
// minProperties, maxProperties, dependentRequired, items (one schema),
// minItems, maxItems, uniqueItems, $ref, allOf, anyOf, oneOf, not and
// if/then/else. A schema with another keyword is the validator's alone.
type schemaCheck struct {
	skip   bool // no keyword: any value is valid
	reject bool // the schema false

	typed   bool  // type given
	types   uint8 // the types allowed (typeBits)
	integer bool  // "integer" is allowed
	enum    *enumSet
	konst   *enumSet

	strings bool // a keyword of strings below, or enum or const
	format  func(any) error
	quick   quickFormat // vouches for the format without format's allocations; nil: none
	minLen  int         // -1: none
	maxLen  int         // -1: none
	pattern jsonschema.Regexp

	numbers       bool // a keyword of numbers below, or enum or const
	bounds        []numBound
	multipleOf    *big.Rat
	multipleSmall int64 // multipleOf, when an integer in the int64 range; 0: none

	objects    bool         // a keyword of objects below
	props      []schemaProp // declared properties, then other required names
	propIndex  map[string]int
	required   uint64 // bits of props
	dependent  []dependency
	closed     bool         // additionalProperties false
	additional *schemaCheck // additionalProperties as a schema
	countKeys  bool         // undeclared keys count (additional, min/maxProperties)
	minProps   int          // -1: none
	maxProps   int          // -1: none

	arrays   bool // a keyword of arrays below
	items    *schemaCheck
	minItems int // -1: none
	maxItems int // -1: none
	unique   bool

	applicators bool           // one below
	all         []*schemaCheck // $ref and allOf
	any         []*schemaCheck
	one         []*schemaCheck
	not         *schemaCheck
	cond        *schemaCheck // if
	then, els   *schemaCheck
}

// schemaProp is a property an object's keywords name.
type schemaProp struct {
	name     string
	sub      *schemaCheck // nil: any value
	declared bool         // in properties (else only required or dependentRequired)
}

// dependency is dependentRequired's: when a prop of if_ is present, all
// of then must be.
type dependency struct{ if_, then uint64 }

// numBound is one of minimum, maximum, exclusiveMinimum, exclusiveMaximum:
// the value compared with the bound must compare as one of ok (-1, 0, +1).
type numBound struct {
	r          *big.Rat
	lt, eq, gt bool
	small      int64 // r, when it is an integer in the int64 range
	smallOK    bool
}

// enumSet is the values of enum or const: scalars as text (a string's
// value, a number as written, true, false, null).
type enumSet struct {
	values    []enumValue
	composite bool // an object or an array among them
}

type enumValue struct {
	bit  uint8
	text string
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

// compileSchemaCheck compiles s, whose property names are names; false
// when s uses a keyword checked only by the validator.
func compileSchemaCheck(s *jsonschema.Schema, names schemaNames) (*schemaCheck, bool) {
	cc := checkCompiler{done: map[*jsonschema.Schema]*schemaCheck{}, names: names, ok: true}
	c := cc.compile(s)
	if !cc.ok || inPlaceCycle(c, map[*schemaCheck]uint8{}) {
		return nil, false
	}
	return c, true
}

// inPlaceCycle reports whether a schema applies itself to the same value
// ($ref, allOf, anyOf, oneOf, not, if, then, else leading back to it),
// which the validator finds only for some values: the validator's.
func inPlaceCycle(c *schemaCheck, state map[*schemaCheck]uint8) bool {
	if c == nil || state[c] == 2 {
		return false
	}
	if state[c] == 1 {
		return true
	}
	state[c] = 1
	subs := append(append(append([]*schemaCheck{c.not, c.cond, c.then, c.els}, c.all...), c.any...), c.one...)
	for _, sub := range subs {
		if inPlaceCycle(sub, state) {
			return true
		}
	}
	state[c] = 2
	return false
}

type checkCompiler struct {
	done  map[*jsonschema.Schema]*schemaCheck // a $ref may lead back
	names schemaNames
	ok    bool
}

func (cc *checkCompiler) compile(s *jsonschema.Schema) *schemaCheck {
	if s == nil || !cc.ok {
		return nil
	}
	if c, ok := cc.done[s]; ok {
		return c
	}
	c := &schemaCheck{minLen: -1, maxLen: -1, minProps: -1, maxProps: -1, minItems: -1, maxItems: -1}
	cc.done[s] = c
	if s.Bool != nil {
		c.reject = !*s.Bool
		c.skip = *s.Bool
		return c
	}
	if s.DraftVersion < 2019 && s.Ref != nil {
		// before 2019-09 the validator checks type, const, enum and format
		// (those set), then $ref, and ignores the other keywords
		cc.kinds(c, s)
		c.all = []*schemaCheck{cc.compile(s.Ref)}
		c.applicators = true
		c.strings = c.enum != nil || c.konst != nil || c.format != nil
		c.numbers = c.enum != nil || c.konst != nil
		return c
	}
	if s.RecursiveRef != nil || s.DynamicRef != nil || s.PropertyNames != nil ||
		len(s.PatternProperties) > 0 || len(s.Dependencies) > 0 || len(s.DependentSchemas) > 0 ||
		s.UnevaluatedProperties != nil || s.Contains != nil || s.AdditionalItems != nil ||
		len(s.PrefixItems) > 0 || s.UnevaluatedItems != nil || s.ContentEncoding != nil ||
		s.ContentMediaType != nil || s.ContentSchema != nil || len(s.Extensions) > 0 {
		cc.ok = false
		return nil
	}
	cc.scalars(c, s)
	cc.object(c, s)
	cc.array(c, s)
	if s.Ref != nil {
		c.all = append(c.all, cc.compile(s.Ref))
	}
	for _, sub := range s.AllOf {
		c.all = append(c.all, cc.compile(sub))
	}
	for _, sub := range s.AnyOf {
		c.any = append(c.any, cc.compile(sub))
	}
	for _, sub := range s.OneOf {
		c.one = append(c.one, cc.compile(sub))
	}
	c.not = cc.compile(s.Not)
	if s.If != nil && (s.Then != nil || s.Else != nil) {
		c.cond, c.then, c.els = cc.compile(s.If), cc.compile(s.Then), cc.compile(s.Else)
	}
	c.applicators = len(c.all)+len(c.any)+len(c.one) > 0 || c.not != nil || c.cond != nil
	c.skip = !c.typed && c.enum == nil && c.konst == nil && !c.strings && !c.numbers &&
		!c.objects && !c.arrays && !c.applicators
	return c
}

// scalars compiles type, enum, const, format and the keywords of strings
// and numbers.
func (cc *checkCompiler) scalars(c *schemaCheck, s *jsonschema.Schema) {
	cc.kinds(c, s)
	c.minLen, c.maxLen, c.pattern = intOr(s.MinLength), intOr(s.MaxLength), s.Pattern
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
	if m := s.MultipleOf; m != nil {
		if m.Sign() <= 0 {
			cc.ok = false // the validator's to refuse
			return
		}
		c.multipleOf = m
		if m.IsInt() && m.Num().IsInt64() {
			c.multipleSmall = m.Num().Int64()
		}
	}
	sets := c.enum != nil || c.konst != nil
	c.strings = sets || c.minLen >= 0 || c.maxLen >= 0 || c.pattern != nil || c.format != nil
	c.numbers = sets || len(c.bounds) > 0 || c.multipleOf != nil
}

// kinds compiles type, enum, const and format.
func (cc *checkCompiler) kinds(c *schemaCheck, s *jsonschema.Schema) {
	if s.Types != nil && !s.Types.IsEmpty() {
		c.typed = true
		for _, t := range s.Types.ToStrings() {
			if t == "integer" {
				c.integer = true
			}
			c.types |= typeBits[t]
		}
	}
	if s.Enum != nil {
		c.enum = newEnumSet(s.Enum.Values)
	}
	if s.Const != nil {
		c.konst = newEnumSet([]any{*s.Const})
	}
	if s.Format != nil {
		if s.Format.Name == "regex" || !ignoresNonStrings(s.Format.Validate) {
			cc.ok = false
			return
		}
		c.format, c.quick = s.Format.Validate, quickFormats[s.Format.Name]
	}
}

// ignoresNonStrings reports whether a format accepts every value that is
// not a string, as the validator's formats do.
func ignoresNonStrings(validate func(any) error) bool {
	for _, v := range []any{nil, true, json.Number("1"), []any{}, map[string]any{}} {
		if validate(v) != nil {
			return false
		}
	}
	return true
}

func newEnumSet(values []any) *enumSet {
	e := &enumSet{}
	for _, v := range values {
		bit := jsonTypeOf(v)
		switch x := v.(type) {
		case nil:
			e.values = append(e.values, enumValue{bit, "null"})
		case bool:
			text := "false"
			if x {
				text = "true"
			}
			e.values = append(e.values, enumValue{bit, text})
		case string:
			e.values = append(e.values, enumValue{bit, x})
		case json.Number:
			e.values = append(e.values, enumValue{bit, string(x)})
		default:
			e.composite = true
		}
	}
	return e
}

// object compiles the keywords of objects.
func (cc *checkCompiler) object(c *schemaCheck, s *jsonschema.Schema) {
	index := func(name string) int {
		for i := range c.props {
			if c.props[i].name == name {
				return i
			}
		}
		c.props = append(c.props, schemaProp{name: name})
		return len(c.props) - 1
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		i := index(name)
		c.props[i].sub, c.props[i].declared = cc.compile(s.Properties[name]), true
	}
	bits := func(list []string) uint64 {
		var b uint64
		for _, name := range list {
			b |= 1 << (index(name) & 63)
		}
		return b
	}
	c.required = bits(s.Required)
	deps := make([]string, 0, len(s.DependentRequired))
	for name := range s.DependentRequired {
		deps = append(deps, name)
	}
	slices.Sort(deps)
	for _, name := range deps {
		c.dependent = append(c.dependent, dependency{if_: bits([]string{name}), then: bits(s.DependentRequired[name])})
	}
	if len(c.props) > 64 {
		cc.ok = false // more than the bits of seen
		return
	}
	for _, p := range c.props {
		if cc.names.canonical(p.name) != p.name {
			// a name only dependentRequired gives, which the validator
			// reads as another name that folds like it
			cc.ok = false
			return
		}
	}
	if len(c.props) > 16 {
		c.propIndex = make(map[string]int, len(c.props))
		for i, p := range c.props {
			c.propIndex[p.name] = i
		}
	}
	switch a := s.AdditionalProperties.(type) {
	case bool:
		c.closed = !a
	case *jsonschema.Schema:
		c.additional = cc.compile(a)
	}
	c.minProps, c.maxProps = intOr(s.MinProperties), intOr(s.MaxProperties)
	c.countKeys = c.additional != nil || c.minProps >= 0 || c.maxProps >= 0
	c.objects = len(c.props) > 0 || c.closed || c.countKeys
}

// array compiles the keywords of arrays.
func (cc *checkCompiler) array(c *schemaCheck, s *jsonschema.Schema) {
	items := s.Items2020
	switch it := s.Items.(type) {
	case *jsonschema.Schema:
		items = it
	case []*jsonschema.Schema:
		cc.ok = false
		return
	}
	c.items = cc.compile(items)
	c.minItems, c.maxItems, c.unique = intOr(s.MinItems), intOr(s.MaxItems), s.UniqueItems
	c.arrays = c.items != nil || c.minItems >= 0 || c.maxItems >= 0 || c.unique
}

func intOr(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}
