package rules

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddy-crud/caddy-crud/internal/benchdata"
)

func schemaProgram(t *testing.T, stmts ...*Statement) *Program {
	t.Helper()
	b, err := CompileBlock(Before, "users", &Block{Actions: []string{"create"}, Statements: stmts})
	if err != nil {
		t.Fatal(err)
	}
	return NewProgram(Before, []*CompiledBlock{b})
}

func TestSchemaErrors(t *testing.T) {
	schema := json.RawMessage(`{
		"type": "object",
		"required": ["email", "name"],
		"properties": {
			"email": {"type": "string", "format": "email"},
			"name": {"type": "string", "minLength": 2},
			"age": {"type": "integer", "minimum": 0},
			"tags": {"type": "array", "items": {"type": "string"}},
			"profile": {"type": "object", "properties": {"zip": {"type": "string", "pattern": "^[0-9]{5}$"}}}
		},
		"additionalProperties": false
	}`)
	p := schemaProgram(t,
		&Statement{Op: "schema", Schema: schema},
		&Statement{Op: "check", Path: "name", Expr: `record.name != "root"`, Message: "is reserved"},
	)
	tests := []struct {
		name, body string
		want       string // the errors as JSON; "" when valid
	}{
		{"valid", `{"email":"a@b.io","name":"Ada","age":3,"tags":["x"],"profile":{"zip":"12345"}}`, ""},
		{"missing", `{}`, `[{"field":"email","message":"is required","pointer":"/email"},{"field":"name","message":"is required","pointer":"/name"}]`},
		{"format and types", `{"email":"nope","name":"A","age":-1.5,"tags":["x",2],"profile":{"zip":"1"}}`,
			`[{"field":"age","message":"got number, want integer","pointer":"/age"},{"field":"email","message":"'nope' is not valid email: missing @","pointer":"/email"},{"field":"name","message":"minLength: got 1, want 2","pointer":"/name"},{"field":"profile.zip","message":"'1' does not match pattern '^[0-9]{5}$'","pointer":"/profile/zip"},{"field":"tags[1]","message":"got number, want string","pointer":"/tags/1"}]`},
		{"with a check", `{"email":"a@b.io","name":"root","x":1}`,
			`[{"field":"","message":"additional properties 'x' not allowed"},{"field":"name","message":"is reserved"}]`},
		{"bulk", `[{"email":"a@b.io","name":"Ada"},{"name":"Bo"}]`, `[{"field":"[1].email","message":"is required","pointer":"/1/email"}]`},
		{"not an object", `["x"]`, `[{"field":"[0]","message":"got string, want object","pointer":"/0"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := p.RunBefore(&Input{Resource: "users", Action: "create"}, []byte(tt.body), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if res.Reject != nil {
				if res.Reject.Status != 422 {
					t.Fatalf("status %d", res.Reject.Status)
				}
				b, _ := json.Marshal(res.Reject.Errors)
				got = string(b)
			}
			if got != tt.want {
				t.Fatalf("errors\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestSchemaFromFileWithRef(t *testing.T) {
	dir := t.TempDir()
	must := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	must("user.json", `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"address":{"$ref":"address.json"}}}`)
	must("address.json", `{"type":"object","required":["city"]}`)
	p := schemaProgram(t, &Statement{Op: "schema", SchemaFile: filepath.Join(dir, "user.json")})
	res, err := p.RunBefore(&Input{}, []byte(`{"address":{}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reject == nil || len(res.Reject.Errors) != 1 || res.Reject.Errors[0].Field != "address.city" {
		t.Fatalf("got %+v", res.Reject)
	}
}

// A recursive schema validates a nested record at every depth.
func TestSchemaRecursiveData(t *testing.T) {
	p := schemaProgram(t, &Statement{Op: "schema", Schema: json.RawMessage(`{"type":"object","required":["name"],"properties":{"child":{"$ref":"#"}}}`)})
	res, err := p.RunBefore(&Input{}, []byte(`{"name":"a","child":{"name":"b","child":{}}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reject == nil || len(res.Reject.Errors) != 1 || res.Reject.Errors[0] != (FieldError{Field: "child.child.name", Message: "is required", Pointer: "/child/child/name"}) {
		t.Fatalf("got %+v", res.Reject)
	}
}

func TestSchemaLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		s    *Statement
		want string
	}{
		{"missing file", &Statement{Op: "schema", SchemaFile: "/nonexistent/s.json"}, "schema: "},
		{"not a schema", &Statement{Op: "schema", Schema: json.RawMessage(`{"type":12}`)}, "schema: "},
		{"both", &Statement{Op: "schema", SchemaFile: "a.json", Schema: json.RawMessage(`{}`)}, "schema needs a file or an inline schema, not both"},
		{"reference cycle", &Statement{Op: "schema", Schema: json.RawMessage(`{"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`)}, "causing reference cycle"},
		{"remote ref", &Statement{Op: "schema", Schema: json.RawMessage(`{"$ref":"https://example.com/s.json"}`)}, "schema: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckStatement(Before, 1, tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			t.Log(err)
		})
	}
}

// Keys spelled in another case, or folding alike (ſ, K), are validated as
// the schema's property they bind to in permissive backends.
func TestSchemaFoldedKeys(t *testing.T) {
	p := schemaProgram(t, &Statement{Op: "schema", Schema: json.RawMessage(`{"type":"object","properties":{"email":{"type":"string","format":"email"},"isAdmin":{"const":false},"kind":{"enum":["a"]}}}`)})
	for body, want := range map[string]string{
		`{"EMAIL":"nope"}`:          "/email",
		`{"Email":"nope"}`:          "/email",
		`{"iſAdmin":true}`:          "/isAdmin",
		`{"ISADMIN":true}`:          "/isAdmin",
		"{\"\u212Aind\":\"b\"}":     "/kind",
		`{"profile":{"EMAIL":"x"}}`: "",
	} {
		res, err := p.RunBefore(&Input{}, []byte(body), nil)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if res.Reject != nil {
			got = res.Reject.Errors[0].Pointer
		}
		if got != want {
			t.Errorf("%s: error at %q, want %q", body, got, want)
		}
	}
}

// createSchema is a 20-property schema that benchdata.Create's records satisfy.
const createSchema = `{
	"type": "object",
	"required": ["name", "email"],
	"properties": {
		"name": {"type": "string", "minLength": 1, "maxLength": 100},
		"email": {"type": "string", "format": "email"},
		"role": {"enum": ["admin", "member"]},
		"createdAt": {"type": "string", "format": "date-time"},
		"active": {"type": "boolean"},
		"login_count": {"type": "integer", "minimum": 0},
		"tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
		"preferences": {"type": "object", "properties": {
			"theme": {"enum": ["dark", "light"]},
			"language": {"type": "string", "pattern": "^[a-z]{2}$"},
			"notifications": {"type": "object", "properties": {
				"email": {"type": "boolean"},
				"sms": {"type": "boolean"}
			}}
		}},
		"profile": {"type": "object", "properties": {
			"phone": {"type": "string"},
			"bio": {"type": "string", "maxLength": 4096},
			"address": {"type": "object", "properties": {
				"city": {"type": "string"},
				"zip": {"type": "string", "pattern": "^[0-9]{5}$"}
			}}
		}},
		"creatorId": {"type": "string"},
		"plan": {"type": "string"}
	}
}`

// BenchmarkBeforeSchema validates a 1 KiB create against a 20-property
// schema, after the transform that cleans its email.
func BenchmarkBeforeSchema(b *testing.B) {
	p := benchProgram(b, Before, "create",
		&Statement{Op: "transform", Path: "email", Expr: "lower(trim(value))"},
		&Statement{Op: "schema", Schema: json.RawMessage(createSchema)})
	body := benchdata.Create(1024)
	in := &Input{Resource: "users", Action: "create"}
	if res, err := p.RunBefore(in, body, nil); err != nil || res.Reject != nil {
		b.Fatalf("RunBefore = %+v, %v", res.Reject, err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.RunBefore(in, body, nil)
	}
}
