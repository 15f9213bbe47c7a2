package rules

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"github.com/tidwall/gjson"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// A schema statement validates each record against a JSON Schema, compiled
// once at load: drafts 4 to 2020-12 (from $schema; 2020-12 without it),
// format assertions on, $ref resolved from local files only. Every
// violation is a field error of the phase's 422, as check's are.

// recordSchema is a compiled schema and the property names it declares.
type recordSchema struct {
	sch   *jsonschema.Schema
	names schemaNames
	fast  *schemaCheck // the same schema over the JSON; nil: the validator only
}

// compileSchema compiles a schema given inline (JSON text) or as a file.
func compileSchema(file string, inline json.RawMessage) (*recordSchema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(jsonschema.SchemeURLLoader{"file": documentLoader{}})
	loc := file
	if len(inline) > 0 {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(inline))
		if err != nil {
			return nil, fmt.Errorf("inline schema: %w", err)
		}
		// relative $refs of an inline schema resolve from the working directory
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		loc = filepath.Join(wd, "inline-schema.json")
		if err := c.AddResource(loc, doc); err != nil {
			return nil, fmt.Errorf("inline schema: %w", err)
		}
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	// a $ref cycle shows only when a value is validated: try one of each type
	for _, probe := range []any{map[string]any{}, []any{}, "", json.Number("0"), true, nil} {
		if cycle := refCycle(sch.Validate(probe)); cycle != nil {
			return nil, fmt.Errorf("schema: %s", cycle.LocalizedString(schemaPrinter))
		}
	}
	names := schemaNames{}
	collectSchemaNames(sch, names, map[*jsonschema.Schema]bool{})
	fast, _ := compileSchemaCheck(sch, names)
	return &recordSchema{sch: sch, names: names, fast: fast}, nil
}

// refCycle finds a reference cycle among a validation error's causes.
func refCycle(err error) *kind.RefCycle {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	if c, ok := ve.ErrorKind.(*kind.RefCycle); ok {
		return c
	}
	for _, c := range ve.Causes {
		if rc := refCycle(c); rc != nil {
			return rc
		}
	}
	return nil
}

var schemaPrinter = message.NewPrinter(language.English)

// errors validates raw (one record) and returns its violations, with
// field names prefixed by prefix (`[3].` in a bulk body) and pointers by
// ptrPrefix (`/3`). With fold, keys are read as the schema property they
// fold to (request bodies, unless case_sensitive).
func (rs *recordSchema) errors(raw []byte, prefix, ptrPrefix string, fold bool) ([]FieldError, error) {
	names := rs.names
	if !fold {
		names = nil // case_sensitive: keys are read as spelled
	}
	if rs.fast != nil {
		s := unsafeString(raw)
		i := skipSpace(s, 0)
		if ok, decided := rs.fast.valid(s[i:], names); ok && decided {
			return nil, nil
		}
	}
	err := rs.validate(names.instance(parse(raw)))
	if err == nil {
		return nil, nil
	}
	if errors.Is(err, errUnreadableNumber) {
		return []FieldError{fieldErrorAt(nil, prefix, ptrPrefix, err.Error())}, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, err
	}
	if cycle := refCycle(err); cycle != nil {
		return nil, errors.New(cycle.LocalizedString(schemaPrinter))
	}
	var out []FieldError
	collectSchemaErrors(ve, prefix, ptrPrefix, &out)
	// the validator visits properties in map order: sort for a stable answer
	slices.SortStableFunc(out, func(a, b FieldError) int {
		return cmp.Or(cmp.Compare(a.Pointer, b.Pointer), cmp.Compare(a.Message, b.Message))
	})
	return out, nil
}

// errUnreadableNumber: the validator panics on a number whose exact value
// it cannot hold (math/big refuses a decimal exponent beyond a million, as
// in 1e10000000000) when it compares it with a limit. That is a fault of
// the record, not a crash of the gateway.
var errUnreadableNumber = errors.New("holds a number too large to validate")

// validate runs the validator.
func (rs *recordSchema) validate(v any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errUnreadableNumber
		}
	}()
	return rs.sch.Validate(v)
}

// collectSchemaErrors turns the leaves of a validation error tree into
// field errors; a missing required property is reported at the property.
func collectSchemaErrors(ve *jsonschema.ValidationError, prefix, ptrPrefix string, out *[]FieldError) {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			collectSchemaErrors(c, prefix, ptrPrefix, out)
		}
		return
	}
	if req, ok := ve.ErrorKind.(*kind.Required); ok {
		for _, name := range req.Missing {
			loc := append(append([]string(nil), ve.InstanceLocation...), name)
			*out = append(*out, fieldErrorAt(loc, prefix, ptrPrefix, "is required"))
		}
		return
	}
	*out = append(*out, fieldErrorAt(ve.InstanceLocation, prefix, ptrPrefix, ve.ErrorKind.LocalizedString(schemaPrinter)))
}

// fieldErrorAt names a location as a dotted path (array indexes in
// brackets) and as a JSON Pointer.
func fieldErrorAt(loc []string, prefix, ptrPrefix, msg string) FieldError {
	var field strings.Builder
	field.WriteString(prefix)
	ptr := ptrPrefix
	for i, tok := range loc {
		ptr += "/" + strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
		if _, err := strconv.Atoi(tok); err == nil && i > 0 {
			field.WriteString("[" + tok + "]")
			continue
		}
		if field.Len() > 0 && !strings.HasSuffix(field.String(), ".") {
			field.WriteByte('.')
		}
		field.WriteString(strings.ReplaceAll(tok, ".", `\.`))
	}
	return FieldError{Field: strings.TrimSuffix(field.String(), "."), Pointer: ptr, Message: msg}
}

// schemaNames maps the folded spelling of every property name a schema
// declares (at any depth) to that name; "" marks a fold two names share.
// Backends bind {"EMAIL": …} to email, so a record's keys are renamed to
// the schema's spelling before validation: no spelling gets a value past
// the schema.
type schemaNames map[string]string

func collectSchemaNames(sch *jsonschema.Schema, names schemaNames, seen map[*jsonschema.Schema]bool) {
	if sch == nil || seen[sch] {
		return
	}
	seen[sch] = true
	add := func(name string) {
		f := foldName(name)
		if prev, ok := names[f]; ok && prev != name {
			names[f] = ""
			return
		}
		names[f] = name
	}
	for name, s := range sch.Properties {
		add(name)
		collectSchemaNames(s, names, seen)
	}
	for _, name := range sch.Required {
		add(name)
	}
	for _, s := range sch.PatternProperties {
		collectSchemaNames(s, names, seen)
	}
	for _, s := range sch.DependentSchemas {
		collectSchemaNames(s, names, seen)
	}
	subs := []*jsonschema.Schema{sch.Ref, sch.RecursiveRef, sch.Not, sch.If, sch.Then, sch.Else,
		sch.PropertyNames, sch.UnevaluatedProperties, sch.Contains, sch.Items2020, sch.UnevaluatedItems}
	subs = append(append(append(append(subs, sch.AllOf...), sch.AnyOf...), sch.OneOf...), sch.PrefixItems...)
	if s, ok := sch.AdditionalProperties.(*jsonschema.Schema); ok {
		subs = append(subs, s)
	}
	switch items := sch.Items.(type) {
	case *jsonschema.Schema:
		subs = append(subs, items)
	case []*jsonschema.Schema:
		subs = append(subs, items...)
	}
	if s, ok := sch.AdditionalItems.(*jsonschema.Schema); ok {
		subs = append(subs, s)
	}
	if sch.DynamicRef != nil {
		subs = append(subs, sch.DynamicRef.Ref)
	}
	for _, s := range subs {
		collectSchemaNames(s, names, seen)
	}
}

// instance decodes a validated record as the validator reads it (numbers
// as json.Number, so they keep their digits; of duplicate keys the last),
// renaming keys that fold like a schema property name but are spelled
// otherwise to that name.
func (names schemaNames) instance(r gjson.Result) any {
	return decodeValue(r, &decoding{exactNumbers: true, key: names.canonical})
}

// canonical is the schema's spelling of a key, or the key itself.
func (names schemaNames) canonical(key string) string {
	if len(names) == 0 || names[key] == key {
		return key // spelled as declared (a fast path: folding allocates)
	}
	if name := names[foldName(key)]; name != "" {
		return name
	}
	return key
}
