package caddytest

import (
	"os"
	"path/filepath"
	"testing"
)

// The keywords schemas combine ($ref, allOf, anyOf, oneOf, not,
// if/then/else, multipleOf, uniqueItems, dependentRequired, draft 4's
// exclusiveMaximum, formats, lengths in code points, numbers beyond
// float64) give the same answers through a real Caddy: a valid record
// goes to the API as sent, an invalid one gets every violation.
func TestSchemaCombinedKeywords(t *testing.T) {
	// from a file: Caddy reads an inline schema's numbers as float64 when
	// it loads its configuration, a file's stay exact
	file := filepath.Join(t.TempDir(), "order.json")
	if err := os.WriteFile(file, []byte(`{
		"$defs": {
			"money": {"type": "number", "minimum": 0, "multipleOf": 0.01},
			"sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"}
		},
		"type": "object",
		"required": ["id", "lines"],
		"properties": {
			"id": {"type": "string", "format": "uuid"},
			"at": {"type": "string", "format": "date-time"},
			"ip": {"anyOf": [{"format": "ipv4"}, {"format": "ipv6"}], "type": "string"},
			"note": {"type": "string", "maxLength": 3},
			"lines": {
				"type": "array", "minItems": 1, "uniqueItems": true,
				"items": {
					"type": "object",
					"required": ["sku", "qty"],
					"properties": {
						"sku": {"$ref": "#/$defs/sku"},
						"qty": {"type": "integer", "minimum": 1, "maximum": 18446744073709551616},
						"price": {"$ref": "#/$defs/money"}
					},
					"additionalProperties": false
				}
			},
			"tags": {"type": "array", "uniqueItems": true, "items": {"type": "string"}},
			"pay": {"oneOf": [{"const": "card"}, {"const": "invoice"}]},
			"vat": {"type": "string"},
			"country": {"type": "string"}
		},
		"dependentRequired": {"vat": ["country"]},
		"if": {"properties": {"pay": {"const": "invoice"}}, "required": ["pay"]},
		"then": {"required": ["vat"]},
		"not": {"required": ["coupon", "discount"]},
		"allOf": [{"maxProperties": 12}]
	}`), 0o600); err != nil {
		t.Fatal(err)
	}
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource orders /api/orders {
			before create {
				schema `+file+`
				schema ´{"$schema": "http://json-schema.org/draft-04/schema#", "properties": {"rate": {"maximum": 1, "exclusiveMaximum": true}}}´
			}
		}`, up)

	problem := func(errs string) string {
		return `{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid","errors":[` + errs + `]}`
	}
	valid := `{"id":"123e4567-e89b-12d3-a456-426614174000","at":"2024-01-31T10:00:00Z","ip":"::1","note":"ééé",` +
		`"lines":[{"sku":"ABC-1","qty":18446744073709551616,"price":1.10},{"sku":"ABC-2","qty":1}],"tags":["a","b"],` +
		`"pay":"invoice","vat":"DE1","country":"DE","coupon":"X","rate":0.99}`
	checkBodies(t, tester, up, "POST", "/api/orders", []bodyCase{
		{"valid, exact bytes", valid, 200, valid},
		{"a format", `{"id":"123e4567","lines":[{"sku":"ABC-1","qty":1}]}`, 422, problem(
			`{"field":"id","pointer":"/id","message":"'123e4567' is not valid uuid: must have 5 elements"}`)},
		{"a $ref, multipleOf, a big integer", `{"id":"123e4567-e89b-12d3-a456-426614174000","lines":[{"sku":"abc","qty":18446744073709551617,"price":1.001}]}`, 422, problem(
			`{"field":"lines[0].price","pointer":"/lines/0/price","message":"multipleOf: got 1.001, want 0.01"},` +
				`{"field":"lines[0].qty","pointer":"/lines/0/qty","message":"maximum: got 1.8446744073709552×10¹⁹, want 1.8446744073709552×10¹⁹"},` +
				`{"field":"lines[0].sku","pointer":"/lines/0/sku","message":"'abc' does not match pattern '^[A-Z]{3}-[0-9]+$'"}`)},
		{"uniqueItems", `{"id":"123e4567-e89b-12d3-a456-426614174000","lines":[{"sku":"ABC-1","qty":1},{"qty":1.0,"sku":"ABC-1"}],"tags":["a","\u0061"]}`, 422, problem(
			`{"field":"lines","pointer":"/lines","message":"items at 0 and 1 are equal"},` +
				`{"field":"tags","pointer":"/tags","message":"items at 0 and 1 are equal"}`)},
		{"code points, anyOf, oneOf", `{"id":"123e4567-e89b-12d3-a456-426614174000","lines":[{"sku":"ABC-1","qty":1}],"note":"éééé","ip":"1::2::3","pay":"cash"}`, 422, problem(
			`{"field":"ip","pointer":"/ip","message":"'1::2::3' is not valid ipv4: expected four decimals"},` +
				`{"field":"ip","pointer":"/ip","message":"'1::2::3' is not valid ipv6: ParseAddr(\"1::2::3\"): multiple :: in address (at \":3\")"},` +
				`{"field":"note","pointer":"/note","message":"maxLength: got 4, want 3"},` +
				`{"field":"pay","pointer":"/pay","message":"value must be 'card'"},` +
				`{"field":"pay","pointer":"/pay","message":"value must be 'invoice'"}`)},
		{"if/then, dependentRequired, not, draft 4", `{"id":"123e4567-e89b-12d3-a456-426614174000","lines":[{"sku":"ABC-1","qty":1}],"pay":"invoice","coupon":"X","discount":1,"rate":1}`, 422, problem(
			`{"field":"","message":"'not' failed"},` +
				`{"field":"vat","pointer":"/vat","message":"is required"},` +
				`{"field":"rate","pointer":"/rate","message":"exclusiveMaximum: got 1, want 1"}`)},
	})
}
