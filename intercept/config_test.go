package intercept

import (
	"strings"
	"testing"

	"github.com/caddy-crud/caddy-crud/rules"
)

// TestNewChecks shows that New refuses what Validate refuses, and what
// only the built engine can tell: names used twice, paths and actions it
// cannot route, blocks that name an action the resource lacks.
func TestNewChecks(t *testing.T) {
	users := func(edit func(*Resource)) *Resource {
		r := &Resource{Name: "users", Base: "/api/users"}
		if edit != nil {
			edit(r)
		}
		return r
	}
	tests := []struct {
		name string
		cfg  Config
		want string // "" when valid
	}{
		{"valid", Config{Resources: []*Resource{users(nil)}}, ""},
		{"mode", Config{Mode: "audit"}, `mode: "audit" is not one of enforce, report`},
		{"negative limit", Config{MaxLookups: -1}, "limits must not be negative"},
		{"resource without a name", Config{Resources: []*Resource{users(func(r *Resource) { r.Name = "" })}}, "a resource needs a name"},
		{"resource bulk", Config{Resources: []*Resource{users(func(r *Resource) { r.Bulk = "any" })}}, `resource "users": bulk: "any" is not one of all, partial`},
		{"total without records", Config{Resources: []*Resource{users(func(r *Resource) { r.Total = "total" })}}, `resource "users": total needs records`},
		{"name twice", Config{Resources: []*Resource{users(nil), users(nil)}}, `resource "users" declared twice`},
		{"base without slash", Config{Resources: []*Resource{users(func(r *Resource) { r.Base = "api/users" })}}, `resource "users": path "api/users" must start with /`},
		{"parameter with a dot", Config{Resources: []*Resource{users(func(r *Resource) { r.Base = "/api/{http.request.host}/users" })}},
			`resource "users": path "/api/{http.request.host}/users": parameter {http.request.host}: the name may not hold a dot`},
		{"query parameter with a dot", Config{Resources: []*Resource{users(func(r *Resource) {
			r.Actions = []*Action{{Name: "add", Method: "POST", Path: "/api/users/add", Query: "id={a.b}"}}
		})}}, `resource "users": action add: query pattern "id={a.b}": parameter {a.b}: the name may not hold a dot`},
		{"action without a method", Config{Resources: []*Resource{users(func(r *Resource) { r.Actions = []*Action{{Name: "add", Path: "/x"}} })}},
			`resource "users": action needs a name, a method and a path`},
		{"no action", Config{Resources: []*Resource{users(func(r *Resource) { r.RestOff = true })}}, `resource "users" maps no action`},
		{"bad params", Config{Resources: []*Resource{users(func(r *Resource) { r.Params = []string{"a", "a"} })}}, `resource "users": params: parameter "a" given twice`},
		{"unknown action", Config{Resources: []*Resource{users(func(r *Resource) {
			r.Before = []*rules.Block{{Actions: []string{"publish"}, Statements: []*rules.Statement{{Op: "deny", Expr: "true"}}}}
		})}}, `resource "users": before publish: unknown action "publish"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(tt.cfg, Runtime{})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				e.Close()
				return
			}
			if err == nil {
				e.Close()
				t.Fatalf("New accepted the config, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestNewDefaults shows the limits a zero Config stands for, and each
// resource's options resolved against the handler's.
func TestNewDefaults(t *testing.T) {
	on := true
	e, err := New(Config{Mode: "report", MethodOverride: "allow", Resources: []*Resource{
		{Name: "a", Base: "/a"},
		{Name: "b", Base: "/b", Mode: "enforce", MethodOverride: "reject", CaseSensitive: &on, Unmapped: "pass", Bulk: "partial", NonJSON: "pass"},
	}}, Runtime{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if want := (settings{MaxBody: 1 << 20, MaxDepth: 64, MaxResponse: 16 << 20, MaxLookups: 16, Report: true}); e.cfg != want {
		t.Errorf("settings %+v, want %+v", e.cfg, want)
	}
	if want := (resourceSettings{Report: true, MethodOverrideAllow: true}); e.resources[0].cfg != want {
		t.Errorf("resource a: %+v, want %+v", e.resources[0].cfg, want)
	}
	if want := (resourceSettings{CaseSensitive: true, UnmappedPass: true, BulkPartial: true, NonJSONPass: true}); e.resources[1].cfg != want {
		t.Errorf("resource b: %+v, want %+v", e.resources[1].cfg, want)
	}
}
