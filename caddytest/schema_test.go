package caddytest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A schema statement validates each record of a create against a JSON
// Schema; every violation is a field error of the 422, beside the checks'.
func TestSchemaValidatesRecords(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "address.json"), []byte(`{"type":"object","required":["city"],"properties":{"zip":{"type":"string","pattern":"^[0-9]{5}$"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	user := filepath.Join(dir, "user.json")
	if err := os.WriteFile(user, []byte(`{"type":"object","properties":{"address":{"$ref":"address.json"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				schema ´{
					"type": "object",
					"required": ["email", "name"],
					"properties": {
						"email": {"type": "string", "format": "email"},
						"name": {"type": "string", "minLength": 2},
						"age": {"type": "integer", "minimum": 0}
					}
				}´
				schema `+user+`
				check name ´record.name != "root"´ "is reserved"
			}
		}`, up)

	problem := func(errs string) string {
		return `{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid","errors":[` + errs + `]}`
	}
	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"valid, exact bytes", `{"email":"a@b.io", "name":"Ada","address":{"city":"Oslo"}}`, 200, `{"email":"a@b.io", "name":"Ada","address":{"city":"Oslo"}}`},
		{"every violation", `{"email":"nope","name":"A","age":1.5,"address":{"zip":"1"}}`, 422, problem(
			`{"field":"age","pointer":"/age","message":"got number, want integer"},` +
				`{"field":"email","pointer":"/email","message":"'nope' is not valid email: missing @"},` +
				`{"field":"name","pointer":"/name","message":"minLength: got 1, want 2"},` +
				`{"field":"address.city","pointer":"/address/city","message":"is required"},` +
				`{"field":"address.zip","pointer":"/address/zip","message":"'1' does not match pattern '^[0-9]{5}$'"}`)},
		{"a key in another case is the property it binds to", `{"EMAIL":"nope","name":"Ada"}`, 422, problem(
			`{"field":"email","pointer":"/email","message":"'nope' is not valid email: missing @"}`)},
		{"with a check", `{"email":"r@b.io","name":"root"}`, 422, problem(`{"field":"name","message":"is reserved"}`)},
		{"bulk", `[{"email":"a@b.io","name":"Ada"},{"name":"Bo"}]`, 422, problem(`{"field":"[1].email","pointer":"/1/email","message":"is required"}`)},
	})
}

// A schema that cannot be compiled fails the load, naming the resource,
// the block and the statement.
func TestSchemaLoadErrors(t *testing.T) {
	for _, c := range []struct{ name, stmt, want string }{
		{"not valid JSON", "schema ´{\"type\":}´", `resource "users": before create: statement "schema": the inline schema is not valid JSON`},
		{"not a schema", "schema ´{\"type\":12}´", `resource "users": before create: statement 1 (schema (inline)): schema: `},
		{"missing file", "schema /nonexistent/user.json", `statement 1 (schema /nonexistent/user.json): schema: failing loading`},
		{"remote reference", "schema ´{\"$ref\":\"https://example.com/s.json\"}´", `no URLLoader registered for \"https://example.com/s.json\"`},
		{"reference cycle", "schema ´{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}´", `causing reference cycle`},
	} {
		t.Run(c.name, func(t *testing.T) {
			expectLoadError(t, `
		resource users /api/users {
			before create {
				`+c.stmt+`
			}
		}`, strings.ReplaceAll(c.want, `\"`, `"`))
		})
	}
}

// With case_sensitive, a key in another case is another field: the schema
// does not read EMAIL as email.
func TestSchemaCaseSensitive(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		case_sensitive
		resource users /api/users {
			before create {
				schema ´{"type":"object","properties":{"email":{"type":"string","format":"email"}}}´
			}
		}`, up)
	send(t, tester, "POST", "/api/users", `{"EMAIL":"nope"}`).expect(t, 200, `{}`)
	up.got(t, "POST", "/api/users", `{"EMAIL":"nope"}`)
}
