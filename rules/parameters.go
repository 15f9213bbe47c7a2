package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Parameter is one path or query parameter that a parameters statement
// checks (an OpenAPI document's parameters become these).
type Parameter struct {
	// Name is the parameter's name.
	Name string `json:"name"`

	// In is where the parameter is: `query` or `path`.
	In string `json:"in"`

	// Required makes a request without the parameter invalid.
	Required bool `json:"required,omitempty"`

	// SchemaFile is the JSON Schema of the parameter's value, as a file
	// and a JSON Pointer into it: `openapi.yaml#/paths/~1pets/get/parameters/0/schema`.
	SchemaFile string `json:"schema_file,omitempty"`
}

// parameterCheck validates a request's path and query parameters, once per
// request: a violation is a 400 that names the parameter.
type parameterCheck struct {
	params []Parameter
	types  []jsonschema.Types // each parameter's declared types, for reading its text
	sch    *jsonschema.Schema // {"query": {…}, "path": {…}}
}

// compileParameters compiles the schemas of params into one.
func compileParameters(params []Parameter) (*parameterCheck, error) {
	pc := &parameterCheck{params: params}
	where := map[string]map[string]any{}
	required := map[string][]any{}
	for _, p := range params {
		if p.In != "query" && p.In != "path" {
			return nil, fmt.Errorf("parameter %q: in %q is not query or path", p.Name, p.In)
		}
		if p.Name == "" {
			return nil, errors.New("a parameter needs a name")
		}
		prop := map[string]any{}
		if p.SchemaFile != "" {
			file, ptr, _ := strings.Cut(p.SchemaFile, "#")
			abs, err := filepath.Abs(file)
			if err != nil {
				return nil, err
			}
			prop["$ref"] = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs), Fragment: ptr}).String()
		}
		if where[p.In] == nil {
			where[p.In] = map[string]any{}
		}
		where[p.In][p.Name] = prop
		if p.Required {
			required[p.In] = append(required[p.In], p.Name)
		}
	}
	props := map[string]any{}
	for in, ps := range where {
		obj := map[string]any{"type": "object", "properties": ps}
		if len(required[in]) > 0 {
			obj["required"] = required[in]
		}
		props[in] = obj
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(jsonschema.SchemeURLLoader{"file": documentLoader{}})
	const loc = "urn:crud:parameters"
	if err := c.AddResource(loc, map[string]any{"type": "object", "properties": props}); err != nil {
		return nil, err
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("parameters: %w", err)
	}
	pc.sch = sch
	for _, p := range params {
		in := sch.Properties[p.In].Properties[p.Name]
		pc.types = append(pc.types, declaredTypes(in))
	}
	return pc, nil
}

// declaredTypes follows references to the types a schema declares.
func declaredTypes(s *jsonschema.Schema) jsonschema.Types {
	for i := 0; s != nil && i < 32; i++ {
		if s.Types != nil && !s.Types.IsEmpty() {
			return *s.Types
		}
		s = s.Ref
	}
	return jsonschema.Types(0)
}

// check validates the parameters of the request; nil when they are valid.
func (pc *parameterCheck) check(request map[string]any) (*Rejection, error) {
	inst := map[string]any{}
	for i, p := range pc.params {
		values, _ := request[p.In].(map[string]any)
		if p.In == "path" {
			values, _ = request["params"].(map[string]any)
		}
		raw, ok := values[p.Name]
		if !ok {
			continue
		}
		if inst[p.In] == nil {
			inst[p.In] = map[string]any{}
		}
		inst[p.In].(map[string]any)[p.Name] = parameterValue(fmt.Sprint(raw), pc.types[i])
	}
	for _, in := range []string{"query", "path"} {
		if inst[in] == nil {
			inst[in] = map[string]any{}
		}
	}
	err := pc.sch.Validate(inst)
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, err
	}
	var errs []FieldError
	collectSchemaErrors(ve, "", "", &errs)
	for i := range errs {
		// /query/limit → limit: name the parameter as the client wrote it
		_, name, _ := strings.Cut(strings.TrimPrefix(errs[i].Pointer, "/"), "/")
		errs[i].Field = strings.ReplaceAll(strings.ReplaceAll(name, "~1", "/"), "~0", "~")
		errs[i].Pointer = ""
	}
	slices.SortStableFunc(errs, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	return &Rejection{Status: 400, Detail: "the request's parameters are not valid", Errors: errs}, nil
}

// parameterValue reads a parameter's text as its schema declares it: a
// number, a boolean, or (a single value) an array; else the text itself.
func parameterValue(text string, types jsonschema.Types) any {
	declared := types.ToStrings()
	if len(declared) == 0 || slices.Contains(declared, "string") {
		return text
	}
	for _, t := range declared {
		switch t {
		case "integer", "number":
			if _, err := strconv.ParseFloat(text, 64); err == nil && json.Valid([]byte(text)) {
				return json.Number(text)
			}
		case "boolean":
			if b, err := strconv.ParseBool(text); err == nil && (text == "true" || text == "false") {
				return b
			}
		case "array":
			return []any{text}
		case "null":
			if text == "" {
				return nil
			}
		}
	}
	return text
}
