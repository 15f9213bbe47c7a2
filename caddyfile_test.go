package crud

import (
	"encoding/json"
	"github.com/caddyserver/caddy/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/caddy-crud/caddy-crud/intercept"
	"github.com/caddy-crud/caddy-crud/rules"
)

// unmarshal parses input, a whole `crud` directive, as the Caddyfile adapter
// would hand it to the handler.
func unmarshal(t testing.TB, input string) (*Handler, error) {
	t.Helper()
	tokens, err := caddyfile.Tokenize([]byte(input), "Testfile")
	if err != nil {
		t.Fatalf("tokenizing: %v", err)
	}
	h := new(Handler)
	err = h.UnmarshalCaddyfile(caddyfile.NewDispenser(tokens))
	return h, err
}

func toJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatalf("marshaling: %v", err)
	}
	return string(b)
}

func boolPtr(b bool) *bool { return &b }

var unmarshalTests = []struct {
	name  string
	input string
	want  *Handler
}{
	{
		name:  "bare directive",
		input: `crud`,
		want:  &Handler{},
	},
	{
		name: "webhooks options",
		input: `crud {
			webhooks {
				queue_size 10
				workers 2
				attempts 3
				timeout 2s
				grace 1m
			}
		}`,
		want: &Handler{Config: intercept.Config{Webhooks: &intercept.WebhookConfig{QueueSize: 10, Workers: 2, Attempts: 3,
			Timeout: caddy.Duration(2 * time.Second), Grace: caddy.Duration(time.Minute)}}},
	},
	{
		name:  "empty block",
		input: "crud {\n}",
		want:  &Handler{},
	},
	{
		name: "all handler options",
		input: `crud {
			max_body        2MiB
			max_depth       32
			max_response    16MB
			max_lookups     4
			on_error        pass
			mode            report
			method_override allow
			case_sensitive  on
		}`,
		want: &Handler{
			Config: intercept.Config{
				MaxBody:        2 << 20,
				MaxDepth:       32,
				MaxResponse:    16_000_000,
				MaxLookups:     4,
				OnError:        "pass",
				Mode:           "report",
				MethodOverride: "allow",
				CaseSensitive:  true,
			},
		},
	},
	{
		name: "default values spelled out",
		input: `crud {
			max_body        1048576
			on_error        deny
			mode            enforce
			method_override reject
			case_sensitive  off
		}`,
		want: &Handler{Config: intercept.Config{MaxBody: 1 << 20, OnError: "deny", Mode: "enforce", MethodOverride: "reject"}},
	},
	{
		name:  "bare case_sensitive is on",
		input: "crud {\n case_sensitive\n}",
		want:  &Handler{Config: intercept.Config{CaseSensitive: true}},
	},
	{
		name:  "identity jwt",
		input: "crud {\n identity jwt {\n  secret {env.JWT_SECRET}\n  optional\n }\n}",
		want:  &Handler{Identity: &intercept.Identity{JWT: &intercept.JWT{Secret: "{env.JWT_SECRET}", Optional: true}}},
	},
	{
		name:  "identity placeholder",
		input: "crud {\n identity placeholder http.auth.user\n}",
		want:  &Handler{Identity: &intercept.Identity{Placeholder: &intercept.Placeholder{Prefix: "http.auth.user"}}},
	},
	{
		name:  "size with space",
		input: "crud {\n max_body \"1 KiB\"\n}",
		want:  &Handler{Config: intercept.Config{MaxBody: 1024}},
	},
	{
		name:  "resource without block",
		input: "crud {\n resource users /api/users\n}",
		want:  &Handler{Config: intercept.Config{Resources: []*intercept.Resource{{Name: "users", Base: "/api/users"}}}},
	},
	{
		name:  "resource with empty block",
		input: "crud {\n resource users /api/users {\n }\n}",
		want:  &Handler{Config: intercept.Config{Resources: []*intercept.Resource{{Name: "users", Base: "/api/users"}}}},
	},
	{
		name: "resources keep declaration order",
		input: `crud {
			resource comments /api/posts/{postId}/comments
			resource posts /api/posts
		}`,
		want: &Handler{
			Config: intercept.Config{Resources: []*intercept.Resource{
				{Name: "comments", Base: "/api/posts/{postId}/comments"},
				{Name: "posts", Base: "/api/posts"},
			},
			},
		},
	},
	{
		name: "all resource options",
		input: `crud {
			resource users /legacy {
				rest off
				action list   GET  /legacy/users.php
				action delete post /legacy/user_delete.php?id={id}
				action add    POST /legacy/op.php?op=add&kind=user
				records data
				total   meta.total
				fetch_old
				mode report
				case_sensitive off
				method_override allow
				unmapped pass
			}
		}`,
		want: &Handler{
			Config: intercept.Config{Resources: []*intercept.Resource{{
				Name:    "users",
				Base:    "/legacy",
				RestOff: true,
				Actions: []*intercept.Action{
					{Name: "list", Method: "GET", Path: "/legacy/users.php"},
					{Name: "delete", Method: "POST", Path: "/legacy/user_delete.php", Query: "id={id}"},
					{Name: "add", Method: "POST", Path: "/legacy/op.php", Query: "op=add&kind=user"},
				},
				Records:        "data",
				Total:          "meta.total",
				FetchOld:       &intercept.FetchOld{},
				Mode:           "report",
				CaseSensitive:  boolPtr(false),
				MethodOverride: "allow",
				Unmapped:       "pass",
			}},
			},
		},
	},
	{
		name: "fetch_old with method and path keeps the query",
		input: `crud {
			resource users /api/users {
				fetch_old post /legacy/user_get.php?id={id}
				case_sensitive
				unmapped reject
			}
		}`,
		want: &Handler{
			Config: intercept.Config{Resources: []*intercept.Resource{{
				Name:          "users",
				Base:          "/api/users",
				FetchOld:      &intercept.FetchOld{Method: "POST", Path: "/legacy/user_get.php?id={id}"},
				CaseSensitive: boolPtr(true),
				Unmapped:      "reject",
			}},
			},
		},
	},
	{
		name: "rule blocks keep order and actions as written",
		input: `crud {
			resource users /api/users {
				before write delete {
					require ` + "`user != nil`" + ` 401 "login required"
				}
				after read {
					hide password
				}
				before create {
					set creatorId ` + "`user.id`" + `
				}
				async all {
					log ` + "`action`" + `
				}
				after list {
					drop ` + "`record.deleted`" + `
				}
			}
		}`,
		want: &Handler{
			Config: intercept.Config{Resources: []*intercept.Resource{{
				Name: "users",
				Base: "/api/users",
				Before: []*rules.Block{
					{Actions: []string{"write", "delete"}, Statements: []*rules.Statement{
						{Op: "require", Expr: "user != nil", Status: 401, Message: "login required"},
					}},
					{Actions: []string{"create"}, Statements: []*rules.Statement{
						{Op: "set", Path: "creatorId", Expr: "user.id"},
					}},
				},
				After: []*rules.Block{
					{Actions: []string{"read"}, Statements: []*rules.Statement{
						{Op: "hide", Paths: []string{"password"}},
					}},
					{Actions: []string{"list"}, Statements: []*rules.Statement{
						{Op: "drop", Expr: "record.deleted"},
					}},
				},
				Async: []*rules.Block{
					{Actions: []string{"all"}, Statements: []*rules.Statement{
						{Op: "log", Expr: "action"},
					}},
				},
			}},
			},
		},
	},
	{
		name: "statements keep order",
		input: `crud {
			resource users /api/users {
				before create update {
					protect createdAt creatorId role
					transform email ` + "`lower(trim(value))`" + `
					check email ` + "`record.email matches \"^[^@ ]+@[^@ ]+$\"`" + ` "must be a valid email"
				}
			}
		}`,
		want: &Handler{
			Config: intercept.Config{Resources: []*intercept.Resource{{
				Name: "users",
				Base: "/api/users",
				Before: []*rules.Block{{Actions: []string{"create", "update"}, Statements: []*rules.Statement{
					{Op: "protect", Paths: []string{"createdAt", "creatorId", "role"}},
					{Op: "transform", Path: "email", Expr: "lower(trim(value))"},
					{Op: "check", Path: "email", Expr: `record.email matches "^[^@ ]+@[^@ ]+$"`, Message: "must be a valid email"},
				}}},
			}},
			},
		},
	},
}

// statementTests are single statement lines; each runs inside
// `crud { resource r /r { before all { ... } } }`.
var statementTests = []struct {
	name string
	line string
	want *rules.Statement
}{
	{"deny cond", "deny `x`", &rules.Statement{Op: "deny", Expr: "x"}},
	{"deny status", "deny `x` 404", &rules.Statement{Op: "deny", Expr: "x", Status: 404}},
	{"deny status message", "deny `x` 403 \"${user.email} may not\"", &rules.Statement{Op: "deny", Expr: "x", Status: 403, Message: "${user.email} may not"}},
	{"require cond", "require `user != nil`", &rules.Statement{Op: "require", Expr: "user != nil"}},
	{"require status", "require `user != nil` 401", &rules.Statement{Op: "require", Expr: "user != nil", Status: 401}},
	{"require status message", "require `user != nil` 599 \"login required\"", &rules.Statement{Op: "require", Expr: "user != nil", Status: 599, Message: "login required"}},
	{"check", "check email `record.email != \"\"` \"must be set\"", &rules.Statement{Op: "check", Path: "email", Expr: `record.email != ""`, Message: "must be set"}},
	{"schema file", "schema caddytest/testdata/user.schema.json", &rules.Statement{Op: "schema", SchemaFile: "caddytest/testdata/user.schema.json"}},
	{"schema inline", "schema `{\"type\": \"object\"}`", &rules.Statement{Op: "schema", Schema: json.RawMessage(`{"type": "object"}`)}},
	{"set", "set profile.owner `user.id`", &rules.Statement{Op: "set", Path: "profile.owner", Expr: "user.id"}},
	{"set if", "set role `\"admin\"` if `user.admin`", &rules.Statement{Op: "set", Path: "role", Expr: `"admin"`, If: "user.admin"}},
	{"set quoted if is a path", "set \"if\" `1`", &rules.Statement{Op: "set", Path: "if", Expr: "1"}},
	{"default", "default role `\"member\"`", &rules.Statement{Op: "default", Path: "role", Expr: `"member"`}},
	{"transform", "transform email `lower(value)`", &rules.Statement{Op: "transform", Path: "email", Expr: "lower(value)"}},
	{"protect", "protect createdAt items.*.cost", &rules.Statement{Op: "protect", Paths: []string{"createdAt", "items.*.cost"}}},
	{"protect if", "protect role if `user.role != \"admin\"`", &rules.Statement{Op: "protect", Paths: []string{"role"}, If: `user.role != "admin"`}},
	{"protect strict", "protect strict role owner", &rules.Statement{Op: "protect", Strict: true, Paths: []string{"role", "owner"}}},
	{"protect quoted strict is a path", "protect \"strict\"", &rules.Statement{Op: "protect", Paths: []string{"strict"}}},
	{"protect quoted if is a path", "protect a \"if\" b", &rules.Statement{Op: "protect", Paths: []string{"a", "if", "b"}}},
	{"only", "only name email", &rules.Statement{Op: "only", Paths: []string{"name", "email"}}},
	{"mask", "mask card.number phone", &rules.Statement{Op: "mask", Paths: []string{"card.number", "phone"}}},
	{"mask keep if", "mask card.number keep 4 if `user == nil`", &rules.Statement{Op: "mask", Paths: []string{"card.number"}, Keep: 4, If: "user == nil"}},
	{"redact", "redact ssn", &rules.Statement{Op: "redact", Paths: []string{"ssn"}}},
	{"redact with if", "redact ssn dob with `\"hidden\"` if `true`", &rules.Statement{Op: "redact", Paths: []string{"ssn", "dob"}, With: `"hidden"`, If: "true"}},
	{"hide", "hide password secret", &rules.Statement{Op: "hide", Paths: []string{"password", "secret"}}},
	{"hide if", "hide secret if `user?.id != record.creatorId`", &rules.Statement{Op: "hide", Paths: []string{"secret"}, If: "user?.id != record.creatorId"}},
	{"drop", "drop `record.deleted == true`", &rules.Statement{Op: "drop", Expr: "record.deleted == true"}},
	{"header set", "header X-User `string(user.id)`", &rules.Statement{Op: "header", Name: "X-User", Expr: "string(user.id)"}},
	{"header remove", "header -Authorization", &rules.Statement{Op: "header", Name: "Authorization", Remove: true}},
	{"query", "query owner `user.id`", &rules.Statement{Op: "query", Name: "owner", Expr: "user.id"}},
	{"log", "log `record.id`", &rules.Statement{Op: "log", Expr: "record.id"}},
	{"log debug", "log `record.id` debug", &rules.Statement{Op: "log", Expr: "record.id", Level: "debug"}},
	{"log info", "log `record.id` info", &rules.Statement{Op: "log", Expr: "record.id", Level: "info"}},
	{"log warn", "log `record.id` warn", &rules.Statement{Op: "log", Expr: "record.id", Level: "warn"}},
	{"log error", "log `record.id` error", &rules.Statement{Op: "log", Expr: "record.id", Level: "error"}},
	{"webhook", "webhook http://127.0.0.1:9090/hook", &rules.Statement{Op: "webhook", URL: "http://127.0.0.1:9090/hook"}},
	{"webhook if", "webhook https://h.example/x if `record.total > 100`", &rules.Statement{Op: "webhook", URL: "https://h.example/x", If: "record.total > 100"}},
	{"webhook body", "webhook https://h.example/x {\n body `{\"id\": record.id}`\n}", &rules.Statement{Op: "webhook", URL: "https://h.example/x", Body: `{"id": record.id}`}},
	{"webhook if body", "webhook https://h.example/x if `record != nil` {\n body `record`\n}", &rules.Statement{Op: "webhook", URL: "https://h.example/x", If: "record != nil", Body: "record"}},
	{"webhook empty block", "webhook https://h.example/x {\n}", &rules.Statement{Op: "webhook", URL: "https://h.example/x"}},
}

// statementInput puts one statement line in a block of the phase that
// takes it (the parser compiles statements, so the phase matters); `x`
// stands for a condition.
func statementInput(line string) string {
	line = strings.ReplaceAll(line, "`x`", "`record.x == 1`")
	return "crud {\n\tresource r /r {\n\t\t" + phaseOf(line) + " all {\n\t\t\t" + line + "\n\t\t}\n\t}\n}"
}

func phaseOf(line string) string {
	switch op, _, _ := strings.Cut(line, " "); op {
	case "hide", "drop", "mask", "redact":
		return "after"
	case "webhook":
		return "async"
	}
	return "before"
}

func TestUnmarshalCaddyfile(t *testing.T) {
	for _, tt := range unmarshalTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unmarshal(t, tt.input)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", toJSON(t, got), toJSON(t, tt.want))
			}
		})
	}
}

func TestUnmarshalCaddyfileStatements(t *testing.T) {
	for _, tt := range statementTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unmarshal(t, statementInput(tt.line))
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			st := *tt.want
			if st.Expr == "x" {
				st.Expr = "record.x == 1"
			}
			block := []*rules.Block{{Actions: []string{"all"}, Statements: []*rules.Statement{&st}}}
			want := &Handler{Config: intercept.Config{Resources: []*intercept.Resource{{Name: "r", Base: "/r"}}}}
			switch phaseOf(tt.line) {
			case "after":
				want.Resources[0].After = block
			case "async":
				want.Resources[0].Async = block
			default:
				want.Resources[0].Before = block
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%s\nwant\n%s", toJSON(t, got), toJSON(t, want))
			}
		})
	}
}

// TestUnmarshalCaddyfileStatementNames checks that every statement the
// rules package documents parses, so the grammar and the config types agree.
func TestUnmarshalCaddyfileStatementNames(t *testing.T) {
	ops := "deny require check schema set default transform protect only hide mask redact drop header query log webhook"
	for _, op := range strings.Fields(ops) {
		if _, ok := statementUsage[op]; !ok {
			t.Errorf("statement %q has no grammar", op)
		}
		found := false
		for _, tt := range statementTests {
			found = found || tt.want.Op == op
		}
		if !found {
			t.Errorf("statement %q has no test", op)
		}
	}
	if len(statementUsage) != len(strings.Fields(ops)) {
		t.Errorf("grammar has %d statements, want %d", len(statementUsage), len(strings.Fields(ops)))
	}
}

var unmarshalErrorTests = []struct {
	name  string
	input string
	want  string // a part of the error text
}{
	// handler options
	{"directive argument", "crud users", `unexpected argument "users"`},
	{"webhooks unknown option", "crud {\n webhooks {\n retries 3\n }\n}", `webhooks: unrecognized option "retries"`},
	{"webhooks repeated option", "crud {\n webhooks {\n workers 1\n workers 2\n }\n}", `webhooks: workers: given more than once`},
	{"webhooks bad duration", "crud {\n webhooks {\n grace soon\n }\n}", `webhooks: grace:`},
	{"webhooks argument", "crud {\n webhooks 5\n}", `webhooks: unexpected argument "5"`},
	{"placeholder-rewritten base parameter", "crud {\n resource pages /api/sites/{http.request.host}/pages\n}", `resource "pages": path "/api/sites/{http.request.host}/pages": parameter {http.request.host}: the name may not hold a dot`},
	{"placeholder-rewritten action parameter", "crud {\n resource u /u {\n action get GET /x/{http.request.uri.path}\n }\n}", `parameter {http.request.uri.path}`},
	{"unknown option", "crud {\n bogus 1\n}", `unknown option "bogus", at Testfile:2`},
	{"identity unknown kind", "crud {\n identity oauth\n}", `identity: unknown kind "oauth"`},
	{"identity jwt without key", "crud {\n identity jwt\n}", "identity jwt: set one of secret and public_key"},
	{"repeated identity", "crud {\n identity placeholder a\n identity placeholder b\n}", "identity: given more than once"},
	{"repeated mode", "crud {\n mode enforce\n mode report\n}", "mode: given more than once, at Testfile:3"},
	{"repeated case_sensitive", "crud {\n case_sensitive\n case_sensitive off\n}", "case_sensitive: given more than once"},
	{"max_body missing", "crud {\n max_body\n}", "max_body: wrong argument count"},
	{"max_body two args", "crud {\n max_body 1 MiB\n}", "max_body: wrong argument count"},
	{"max_body not a size", "crud {\n max_body lots\n}", `max_body: parsing size "lots"`},
	{"max_body negative", "crud {\n max_body -1\n}", `max_body: parsing size "-1"`},
	{"max_body zero", "crud {\n max_body 0\n}", `max_body: size "0" out of range`},
	{"max_response too large", "crud {\n max_response 9EiB\n}", `max_response: size "9EiB" out of range`},
	{"max_depth not a number", "crud {\n max_depth deep\n}", `max_depth: "deep" is not a whole number`},
	{"max_depth zero", "crud {\n max_depth 0\n}", "max_depth: 0 must be at least 1"},
	{"max_lookups negative", "crud {\n max_lookups -3\n}", "max_lookups: -3 must be at least 1"},
	{"on_error unknown", "crud {\n on_error ignore\n}", `on_error: unknown value "ignore", want: on_error deny|pass`},
	{"mode unknown", "crud {\n mode dry-run\n}", `mode: unknown value "dry-run"`},
	{"method_override unknown", "crud {\n method_override yes\n}", `method_override: unknown value "yes"`},
	{"case_sensitive unknown", "crud {\n case_sensitive true\n}", `case_sensitive: unknown value "true"`},
	{"case_sensitive two args", "crud {\n case_sensitive on off\n}", "case_sensitive: wrong argument count"},
	{"option with block", "crud {\n mode report {\n  x\n }\n}", "mode: unexpected block"},

	// resources
	{"resource without name", "crud {\n resource\n}", "resource: wrong argument count"},
	{"resource without base", "crud {\n resource users {\n }\n}", "resource: wrong argument count"},
	{"resource extra argument", "crud {\n resource users /api/users /more\n}", "resource: wrong argument count"},
	{"resource empty name", "crud {\n resource \"\" /api/users\n}", "a resource needs a name"},
	{"resource unknown option", "crud {\n resource users /u {\n  bogus\n }\n}", `resource "users": unknown option "bogus", at Testfile:3`},
	{"resource repeated records", "crud {\n resource users /u {\n  records data\n  records items\n }\n}", `resource "users": records: given more than once, at Testfile:4`},
	{"resource repeated mode", "crud {\n resource users /u {\n  mode report\n  mode report\n }\n}", `resource "users": mode: given more than once`},
	{"resource repeated fetch_old", "crud {\n resource users /u {\n  fetch_old\n  fetch_old\n }\n}", `resource "users": fetch_old: given more than once`},
	{"resource repeated rest", "crud {\n resource users /u {\n  rest off\n  rest off\n }\n}", `resource "users": rest: given more than once`},
	{"records missing", "crud {\n resource users /u {\n  records\n }\n}", `resource "users": records: wrong argument count`},
	{"total two args", "crud {\n resource users /u {\n  total a b\n }\n}", `resource "users": total: wrong argument count`},
	{"total without records", "crud {\n resource users /u {\n  total meta.total\n }\n}", `resource "users": total needs records, at Testfile:4`},
	{"rest on", "crud {\n resource users /u {\n  rest on\n }\n}", `resource "users": rest: unknown value "on", want: rest off`},
	{"rest bare", "crud {\n resource users /u {\n  rest\n }\n}", `resource "users": rest: wrong argument count`},
	{"action too few", "crud {\n resource users /u {\n  action delete POST\n }\n}", `resource "users": action: wrong argument count`},
	{"action too many", "crud {\n resource users /u {\n  action delete POST /a /b\n }\n}", `resource "users": action: wrong argument count`},
	{"action empty query", "crud {\n resource users /u {\n  action delete POST /a?\n }\n}", `resource "users": action delete: empty query`},
	{"action empty path", "crud {\n resource users /u {\n  action delete POST ?id={id}\n }\n}", `resource "users": action delete: empty path`},
	{"fetch_old one arg", "crud {\n resource users /u {\n  fetch_old GET\n }\n}", `resource "users": fetch_old: wrong argument count`},
	{"fetch_old three args", "crud {\n resource users /u {\n  fetch_old GET /a /b\n }\n}", `resource "users": fetch_old: wrong argument count`},
	{"resource mode unknown", "crud {\n resource users /u {\n  mode strict\n }\n}", `resource "users": mode: unknown value "strict"`},
	{"resource case_sensitive unknown", "crud {\n resource users /u {\n  case_sensitive yes\n }\n}", `resource "users": case_sensitive: unknown value "yes"`},
	{"resource method_override unknown", "crud {\n resource users /u {\n  method_override deny\n }\n}", `resource "users": method_override: unknown value "deny"`},
	{"unmapped unknown", "crud {\n resource users /u {\n  unmapped allow\n }\n}", `resource "users": unmapped: unknown value "allow", want: unmapped reject|pass`},

	// blocks
	{"block without actions", "crud {\n resource users /u {\n  before {\n   drop `x`\n  }\n }\n}", `resource "users": before: no actions`},
	{"after block without actions", "crud {\n resource users /u {\n  after {\n   drop `x`\n  }\n }\n}", `resource "users": after: no actions`},
	{"block without statements", "crud {\n resource users /u {\n  async create {\n  }\n }\n}", `resource "users": async create: no statements`},
	{"block without braces", "crud {\n resource users /u {\n  before create\n }\n}", `resource "users": before create: no statements`},
	{"unknown statement", "crud {\n resource users /u {\n  before create {\n   allow `x`\n  }\n }\n}", `resource "users": before create: unknown statement "allow", at Testfile:4`},

	// statements
	{"check wrong argument count", statementInput("check email `x`"), `resource "r": before all: statement "check": wrong argument count, want: check <field> <cond> <message>, at Testfile:4`},
	{"deny no args", statementInput("deny"), `statement "deny": wrong argument count`},
	{"deny four args", statementInput("deny `x` 403 \"no\" extra"), `statement "deny": wrong argument count`},
	{"deny message without status", statementInput("deny `x` \"not yours\""), `statement "deny": status "not yours" is not a number`},
	{"require status not a number", statementInput("require `x` forbidden \"no\""), `statement "require": status "forbidden" is not a number`},
	{"deny status too low", statementInput("deny `x` 302"), `statement "deny": status 302 is not an error status (400-599)`},
	{"require status too high", statementInput("require `x` 600"), `statement "require": status 600 is not an error status`},
	{"set one arg", statementInput("set role"), `statement "set": wrong argument count`},
	{"set three args", statementInput("set role `1` `2`"), `statement "set": wrong argument count`},
	{"set if without cond", statementInput("set role `1` if"), `statement "set": misplaced if`},
	{"set if with two conds", statementInput("set role `1` if `a` `b`"), `statement "set": misplaced if`},
	{"set if without expr", statementInput("set role if `a`"), `statement "set": wrong argument count`},
	{"default three args", statementInput("default role `1` if"), `statement "default": wrong argument count`},
	{"transform one arg", statementInput("transform email"), `statement "transform": wrong argument count`},
	{"protect no paths", statementInput("protect"), `statement "protect": wrong argument count`},
	{"protect only if", statementInput("protect if `x`"), `statement "protect": misplaced if`},
	{"protect strict no paths", statementInput("protect strict"), `statement "protect": wrong argument count`},
	{"protect strict with if", statementInput("protect strict role if `x`"), `statement "protect": unexpected if`},
	{"only no paths", statementInput("only"), `statement "only": wrong argument count`},
	{"only with if", statementInput("only a if `x`"), `statement "only": unexpected if`},
	{"hide no paths", statementInput("hide"), `statement "hide": wrong argument count`},
	{"hide if no paths", statementInput("hide if `x`"), `statement "hide": misplaced if`},
	{"drop two args", statementInput("drop `a` `b`"), `statement "drop": wrong argument count`},
	{"header one arg", statementInput("header X-User"), `statement "header": wrong argument count`},
	{"header dash only", statementInput("header -"), `statement "header": wrong argument count`},
	{"header remove with value", statementInput("header -X-User `1`"), `statement "header": header -X-User removes the header and takes no value`},
	{"header three args", statementInput("header X `1` `2`"), `statement "header": wrong argument count`},
	{"query one arg", statementInput("query owner"), `statement "query": wrong argument count`},
	{"log no args", statementInput("log"), `statement "log": wrong argument count`},
	{"log unknown level", statementInput("log `x` fatal"), `statement "log": unknown level "fatal"`},
	{"webhook no url", statementInput("webhook"), `statement "webhook": wrong argument count`},
	{"webhook two urls", statementInput("webhook http://a http://b"), `statement "webhook": wrong argument count`},
	{"webhook unknown option", statementInput("webhook http://a {\n retries 3\n}"), `statement "webhook": unknown option "retries"`},
	{"webhook body twice", statementInput("webhook http://a {\n body `1`\n body `2`\n}"), `statement "webhook": body: given more than once`},
	{"webhook body no expr", statementInput("webhook http://a {\n body\n}"), `statement "webhook": body: wrong argument count`},
	{"statement with block", statementInput("drop `x` {\n y\n}"), `statement "drop": drop: unexpected block`},
}

func TestUnmarshalCaddyfileErrors(t *testing.T) {
	for _, tt := range unmarshalErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := unmarshal(t, tt.input)
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
		})
	}
}

func FuzzUnmarshalCaddyfile(f *testing.F) {
	for _, tt := range unmarshalTests {
		f.Add(tt.input)
	}
	for _, tt := range statementTests {
		f.Add(statementInput(tt.line))
	}
	for _, tt := range unmarshalErrorTests {
		f.Add(tt.input)
	}
	f.Fuzz(func(t *testing.T, input string) {
		tokens, err := caddyfile.Tokenize([]byte(input), "Fuzzfile")
		if err != nil {
			return
		}
		h := new(Handler)
		if err := h.UnmarshalCaddyfile(caddyfile.NewDispenser(tokens)); err != nil {
			return
		}
		if _, err := json.Marshal(h); err != nil {
			t.Fatalf("marshaling a parsed handler: %v", err)
		}
	})
}
