package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// documentLoader reads the local files that schemas name: JSON, or YAML
// (.yaml, .yml). An OpenAPI 3.0 document is read as the JSON Schema
// draft 4 it is based on, with `nullable: true` turned into a type that
// admits null; an OpenAPI 3.1 document is 2020-12 already.
type documentLoader struct{}

func (documentLoader) Load(url string) (any, error) {
	path, err := jsonschema.FileLoader{}.ToFile(url)
	if err != nil {
		return nil, err
	}
	return LoadDocument(path)
}

// LoadDocument reads a JSON or YAML file into JSON values (numbers as
// json.Number), adapting an OpenAPI 3.0 document's schemas as above.
func LoadDocument(path string) (any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc any
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if v, err = jsonValues(v); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if data, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if doc, err = jsonschema.UnmarshalJSON(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if root, ok := doc.(map[string]any); ok {
		if v, _ := root["openapi"].(string); strings.HasPrefix(v, "3.0") {
			admitNull(root)
			root["$schema"] = "http://json-schema.org/draft-04/schema#"
		}
	}
	return doc, nil
}

// jsonValues turns what YAML decoded into values JSON can encode: map
// keys (a status code such as 200 is an integer in YAML) become strings.
func jsonValues(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			y, err := jsonValues(x)
			if err != nil {
				return nil, err
			}
			v[k] = y
		}
		return v, nil
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			y, err := jsonValues(x)
			if err != nil {
				return nil, err
			}
			m[fmt.Sprint(k)] = y
		}
		return m, nil
	case []any:
		for i, x := range v {
			y, err := jsonValues(x)
			if err != nil {
				return nil, err
			}
			v[i] = y
		}
		return v, nil
	}
	return v, nil
}

// admitNull rewrites OpenAPI 3.0's `nullable: true` as JSON Schema says
// it: null joins the type (and the enum, when there is one).
func admitNull(v any) {
	switch v := v.(type) {
	case map[string]any:
		if v["nullable"] == true {
			switch t := v["type"].(type) {
			case string:
				v["type"] = []any{t, "null"}
			}
			if enum, ok := v["enum"].([]any); ok {
				v["enum"] = append(enum, nil)
			}
		}
		for _, x := range v {
			admitNull(x)
		}
	case []any:
		for _, x := range v {
			admitNull(x)
		}
	}
}
