package caddytest

import "testing"

// The records a schema accepts and refuses at the edges of its keywords:
// exact numbers beyond float64, integers written with a fraction,
// draft-4's boolean exclusiveMaximum, lengths in code points, calendar
// dates, a key in another case, a number too large to hold.
func TestSchemaEdges(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource orders /api/orders {
			before create {
				schema ´{
					"$schema": "http://json-schema.org/draft-04/schema#",
					"type": "object",
					"required": ["qty"],
					"properties": {
						"qty": {"type": "integer", "maximum": 10, "exclusiveMaximum": true},
						"serial": {"type": "number", "maximum": 100000000000000000000},
						"price": {"type": "number", "multipleOf": 0.01},
						"code": {"type": "string", "maxLength": 2},
						"due": {"type": "string", "format": "date"},
						"email": {"type": "string", "format": "email"}
					},
					"additionalProperties": false
				}´
			}
		}`, up)

	problem := func(errs string) string {
		return `{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid","errors":[` + errs + `]}`
	}
	checkBodies(t, tester, up, "POST", "/api/orders", []bodyCase{
		{"at every edge, exact bytes", `{"qty":9.0,"serial":100000000000000000000,"price":0.07,"code":"😀😀","due":"2024-02-29","EMAIL":"a@b.io"}`, 200,
			`{"qty":9.0,"serial":100000000000000000000,"price":0.07,"code":"😀😀","due":"2024-02-29","EMAIL":"a@b.io"}`},
		{"exclusive maximum", `{"qty":10}`, 422, problem(`{"field":"qty","pointer":"/qty","message":"exclusiveMaximum: got 10, want 10"}`)},
		{"one past a number float64 cannot tell", `{"qty":1,"serial":100000000000000000001}`, 422, problem(
			`{"field":"serial","pointer":"/serial","message":"maximum: got 1×10²⁰, want 1×10²⁰"}`)},
		{"not a multiple", `{"qty":1,"price":0.075}`, 422, problem(`{"field":"price","pointer":"/price","message":"multipleOf: got 0.075, want 0.01"}`)},
		{"three code points", `{"qty":1,"code":"😀😀😀"}`, 422, problem(`{"field":"code","pointer":"/code","message":"maxLength: got 3, want 2"}`)},
		{"no such day", `{"qty":1,"due":"2023-02-29"}`, 422, problem(
			`{"field":"due","pointer":"/due","message":"'2023-02-29' is not valid date: parsing time \"2023-02-29\": day out of range"}`)},
		{"an exponent too large to hold", `{"qty":1,"serial":1e10000000000}`, 422, problem(`{"field":"","message":"holds a number too large to validate"}`)},
		{"a key in another case", `{"QTY":1,"Email":"nope"}`, 422, problem(`{"field":"email","pointer":"/email","message":"'nope' is not valid email: missing @"}`)},
	})
}
