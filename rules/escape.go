package rules

import (
	"fmt"
	"net/url"
)

// pathEscape is pathescape(v): v rendered as text (strings as they are,
// numbers and booleans as JSON) and escaped as one path segment, so a
// value spliced into a lookup path cannot add a segment, a dot segment or
// a query. An empty value is an error: it would make no segment at all
// (`/api/customers/` is the list).
func pathEscape(v any) (string, error) {
	s, err := scalarText("pathescape", v)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", fmt.Errorf("pathescape: an empty value makes no path segment")
	}
	return url.PathEscape(s), nil
}

// queryEscape is queryescape(v): v rendered as text (nil as empty) and
// escaped as one query value.
func queryEscape(v any) (string, error) {
	s, err := scalarText("queryescape", v)
	if err != nil {
		return "", err
	}
	return url.QueryEscape(s), nil
}

// scalarText renders a string, number, boolean or nil as text; objects and
// arrays are no single value.
func scalarText(fn string, v any) (string, error) {
	switch v.(type) {
	case map[string]any, []any:
		return "", fmt.Errorf("%s: %T is not a single value", fn, v)
	case string:
		return v.(string), nil
	}
	return string(render(nil, v)), nil
}
