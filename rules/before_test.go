package rules

import (
	"reflect"
	"strings"
	"testing"
)

func mustProgram(t *testing.T, phase Phase, stmts ...*Statement) *Program {
	t.Helper()
	b, err := CompileBlock(phase, "users", &Block{Actions: []string{"create"}, Statements: stmts})
	if err != nil {
		t.Fatal(err)
	}
	return NewProgram(phase, []*CompiledBlock{b})
}

func TestRunBefore(t *testing.T) {
	user := map[string]any{"id": "u1", "email": "a@x.io"}
	tests := []struct {
		name    string
		stmts   []*Statement
		body    string
		want    string // rewritten body, "" when unchanged
		status  int
		detail  string
		errors  []FieldError
		headers []Edit
	}{
		{
			name:  "protect removes an escaped key",
			stmts: []*Statement{{Op: "protect", Paths: []string{"role", "createdAt"}}},
			body:  `{"name":"a","r\u006fle":"admin","createdAt":1}`,
			want:  `{"name":"a"}`,
		},
		{
			name:  "unchanged body keeps its bytes",
			stmts: []*Statement{{Op: "protect", Paths: []string{"role"}}, {Op: "require", Expr: "record.n > 1"}},
			body:  "{ \"n\" : 12345678901234567890 }",
		},
		{
			name: "set default transform chain",
			stmts: []*Statement{
				{Op: "set", Path: "creatorId", Expr: "user.id"},
				{Op: "default", Path: "role", Expr: `"member"`},
				{Op: "default", Path: "name", Expr: `"x"`},
				{Op: "transform", Path: "email", Expr: "lower(trim(value))"},
				{Op: "transform", Path: "email", Expr: `value + "!"`},
				{Op: "transform", Path: "creatorId", Expr: `upper(value)`},
				{Op: "transform", Path: "missing", Expr: `1`},
				{Op: "set", Path: "profile.age", Expr: `record.age + 1`},
			},
			body: `{"email":"  A@X.IO ","name":"n","age":41,"big":12345678901234567890}`,
			want: `{"email":"a@x.io!","name":"n","age":41,"big":12345678901234567890,"creatorId":"U1","role":"member","profile":{"age":42}}`,
		},
		{
			name:   "deny with template",
			stmts:  []*Statement{{Op: "deny", Expr: `!(user.email in ["b@x.io"])`, Status: 403, Message: "${user.email} may not (${1+1}) ${nil}${record.tags}"}},
			body:   `{"tags":["a",1]}`,
			status: 403,
			detail: `a@x.io may not (2) ["a",1]`,
		},
		{
			name: "checks accumulate, bulk fields indexed",
			stmts: []*Statement{
				{Op: "check", Path: "email", Expr: `record.email matches "^[^@ ]+@[^@ ]+$"`, Message: "must be a valid email"},
				{Op: "check", Path: "name", Expr: `record.name != nil`, Message: "is required"},
			},
			body:   `[{"email":"a@b","name":"x"},{"email":"nope"}]`,
			status: 422,
			errors: []FieldError{{Field: "[1].email", Message: "must be a valid email"}, {Field: "[1].name", Message: "is required"}},
		},
		{
			name: "deny wins over failed checks",
			stmts: []*Statement{
				{Op: "check", Path: "email", Expr: `false`, Message: "bad"},
				{Op: "deny", Expr: `true`, Status: 409, Message: "no"},
			},
			body:   `{}`,
			status: 409,
			detail: "no",
		},
		{
			name:   "protect strict",
			stmts:  []*Statement{{Op: "protect", Strict: true, Paths: []string{"role", "items.*.cost"}}},
			body:   `{"role":"x","items":[{"cost":1}]}`,
			status: 403,
			detail: "the request may not set role, items.*.cost",
		},
		{
			name:  "only with nested and wildcard",
			stmts: []*Statement{{Op: "only", Paths: []string{"name", "items.*.sku", "profile.bio"}}},
			body:  `{"name":"a","role":"x","items":[{"sku":"s","cost":1},{"cost":2}],"profile":{"bio":"b","ssn":"1"}}`,
			want:  `{"name":"a","items":[{"sku":"s"},{}],"profile":{"bio":"b"}}`,
		},
		{
			name:  "protect if",
			stmts: []*Statement{{Op: "protect", Paths: []string{"a.b"}, If: `user.id == "u1"`}},
			body:  `{"a":{"b":1,"c":2}}`,
			want:  `{"a":{"c":2}}`,
		},
		{
			name:    "headers",
			stmts:   []*Statement{{Op: "header", Name: "x-user", Expr: "user.id"}, {Op: "header", Name: "X-Drop", Remove: true}},
			body:    `{}`,
			headers: []Edit{{Name: "X-User", Value: "u1"}, {Name: "X-Drop", Remove: true}},
		},
		{
			name:   "non-object body",
			stmts:  []*Statement{{Op: "protect", Paths: []string{"a"}}},
			body:   `"x"`,
			status: 400,
			detail: "the request body must be a JSON object or an array of objects",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustProgram(t, Before, tt.stmts...)
			res, err := p.RunBefore(&Input{Resource: "users", Action: "create", User: user}, []byte(tt.body), nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Body) != tt.want {
				t.Errorf("body = %s, want %s", res.Body, tt.want)
			}
			status, detail := 0, ""
			var errs []FieldError
			if res.Reject != nil {
				status, detail, errs = res.Reject.Status, res.Reject.Detail, res.Reject.Errors
			}
			if status != tt.status || (tt.detail != "" && detail != tt.detail) || !reflect.DeepEqual(errs, tt.errors) {
				t.Errorf("reject = %d %q %v, want %d %q %v", status, detail, errs, tt.status, tt.detail, tt.errors)
			}
			if tt.headers != nil && !reflect.DeepEqual(res.Headers, tt.headers) {
				t.Errorf("headers = %v, want %v", res.Headers, tt.headers)
			}
		})
	}
}

func TestRuntimeErrorNamesStatement(t *testing.T) {
	p := mustProgram(t, Before, &Statement{Op: "require", Expr: `int("x") > 0`})
	_, err := p.RunBefore(&Input{}, []byte(`{"n":1}`), nil)
	if err == nil || !strings.Contains(err.Error(), `resource "users": before create: statement 1 (require`) {
		t.Fatalf("err = %v", err)
	}
}

func TestCompileErrorNamesStatement(t *testing.T) {
	_, err := CompileBlock(Before, "users", &Block{Actions: []string{"create"}, Statements: []*Statement{
		{Op: "deny", Expr: "true"}, {Op: "check", Path: "email", Expr: "record.email +", Message: "m"},
	}})
	if err == nil || !strings.Contains(err.Error(), `resource "users": before create: statement 2 (check email): unexpected token EOF`) {
		t.Fatalf("err = %v", err)
	}
	_, err = CompileBlock(Before, "users", &Block{Actions: []string{"create"}, Statements: []*Statement{{Op: "hide", Paths: []string{"a"}}}})
	if err == nil || !strings.Contains(err.Error(), `"hide" is not a before statement`) {
		t.Fatalf("err = %v", err)
	}
}

func TestAnalyze(t *testing.T) {
	for src, want := range map[string]fieldSet{
		`record.a.b == 1 && record.c > 2`: {paths: [][]string{{"a", "b"}, {"c"}}},
		`record.items[0] != nil`:          {paths: [][]string{{"items"}}},
		`keys(record) != nil`:             {whole: true},
		`user.id == record.creatorId`:     {paths: [][]string{{"creatorId"}}},
	} {
		p, err := compileExpr(src, true)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.record, want) {
			t.Errorf("%s: %+v, want %+v", src, p.record, want)
		}
	}
}

// TestBeforeMemberReadsFoldNamesEverywhere: in the before phase a field
// name matches under simple case folding (as permissive backends bind
// it) wherever an expression reads one: on the caller, on an element a
// predicate is on, not only on the record, so no spelling passes a rule.
func TestBeforeMemberReadsFoldNamesEverywhere(t *testing.T) {
	user := map[string]any{"id": "u1", "Role": "banned"}
	for _, tt := range []struct {
		stmt   *Statement
		body   string
		reject bool
	}{
		{&Statement{Op: "deny", Expr: `user.ROLE == "banned"`, Status: 403}, `{"a":1}`, true},
		{&Statement{Op: "deny", Expr: `user?.role == "banned"`, Status: 403}, `{"a":1}`, true},
		{&Statement{Op: "check", Path: "items", Expr: `none(record.items, #.QTY == 0)`, Message: "no zero quantities"}, `{"items":[{"qty":1},{"Qty":0}]}`, true},
		{&Statement{Op: "check", Path: "items", Expr: `none(record.items, #.QTY == 0)`, Message: "no zero quantities"}, `{"items":[{"qty":1},{"Qty":2}]}`, false},
		{&Statement{Op: "check", Path: "items", Expr: `sum(record.items, #.Qty ?? 0) < 10`, Message: "too many"}, `{"items":[{"qty":9},{"QTY":3}]}`, true},
	} {
		p := mustProgram(t, Before, tt.stmt)
		res, err := p.RunBefore(&Input{Resource: "users", Action: "create", User: user}, []byte(tt.body), nil)
		if err != nil {
			t.Fatal(err)
		}
		if (res.Reject != nil) != tt.reject {
			t.Errorf("%s on %s: rejected %v, want %v", tt.stmt.Expr, tt.body, res.Reject != nil, tt.reject)
		}
	}
}

// TestTransformThatChangesNothing: a transform whose value is written as
// the field already is leaves the body as it came and is not named as a
// change (report mode logs the statements that changed a body); one whose
// field is spelled otherwise (an escape, a space) rewrites it.
func TestTransformThatChangesNothing(t *testing.T) {
	p := mustProgram(t, Before, &Statement{Op: "transform", Path: "email", Expr: "lower(trim(value))"})
	for _, tt := range []struct{ body, want string }{
		{`{"email":"a@b.c","n":1}`, ``},
		{`{"email":"a\u0040b.c"}`, `{"email":"a@b.c"}`},
		{`{"email":" a@b.c"}`, `{"email":"a@b.c"}`},
		{`{"email":"A@b.c"}`, `{"email":"a@b.c"}`},
	} {
		res, err := p.RunBefore(&Input{Resource: "users", Action: "create"}, []byte(tt.body), nil)
		if err != nil || res.Reject != nil {
			t.Fatalf("%s: %v %v", tt.body, err, res.Reject)
		}
		if string(res.Body) != tt.want || (len(res.Changed) == 0) != (tt.want == "") {
			t.Errorf("%s: body %q, changed %q; want body %q", tt.body, res.Body, res.Changed, tt.want)
		}
	}
}
