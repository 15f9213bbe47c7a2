package intercept_test

import (
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-crud/caddy-crud/intercept"
	"github.com/caddy-crud/caddy-crud/rules"
)

// fuzzBases are the paths the fuzzed engine guards: a plain base, a base
// with a parameter, and a legacy endpoint (with its resource's base).
var fuzzBases = [][]string{
	{"api", "users"},
	{"api", "posts", "{postId}", "comments"},
	{"legacy"},
	{"legacy", "api.php"},
}

// underFuzzBase reports whether the clean path p is at or under one of
// fuzzBases, without case, a parameter standing for any segment.
func underFuzzBase(p string) bool {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for _, base := range fuzzBases {
		if len(segs) < len(base) {
			continue
		}
		ok := true
		for i, b := range base {
			if !strings.HasPrefix(b, "{") && !strings.EqualFold(segs[i], b) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// FuzzMatch sends arbitrary methods and paths through an engine: it must
// never panic, and a path that is not clean but cleans to a guarded path
// must be refused with 400 without reaching next (a backend that cleans
// paths would otherwise serve a guarded resource unguarded). One trailing
// slash is not a trick: /api/users/ is /api/users.
func FuzzMatch(f *testing.F) {
	for _, s := range []struct{ method, target string }{
		{"GET", "/api/users"},
		{"POST", "/api/users/"},
		{"GET", "/api/users/./1"},
		{"DELETE", "/api/users/1/.."},
		{"GET", "/api/x/../users"},
		{"get", "//api/users"},
		{"PUT", "/API/Users/7"},
		{"POST", "/api/posts/9/comments"},
		{"GET", "/api/posts/9/../9/comments/3"},
		{"GET", "/api/posts//comments"},
		{"POST", "/legacy/api.php?op=add&id=3"},
		{"POST", "/legacy/./api.php?op=add&id=3"},
		{"POST", "/legacy/api.php/.?op=add"},
		{"GET", "/api%2Fusers"},
		{"GET", "/api/users%2F1"},
		{"GET", "/api/%2e%2e/api/users"},
		{"GET", "/static/../api/users"},
		{"GET", "/api\\users"},
		{"OPTIONS", "*"},
		{"PATCH", "/api/users/1?x=%zz"},
		{"", ""},
	} {
		f.Add(s.method, s.target)
	}
	protect, err := rules.CompileBlock(rules.Before, "users", &rules.Block{Actions: []string{"create"},
		Statements: []*rules.Statement{{Op: "protect", Paths: []string{"role"}}}})
	if err != nil {
		f.Fatal(err)
	}
	e, err := intercept.New(intercept.Config{
		MaxBody: 1 << 20, MaxDepth: 64, MaxResponse: 1 << 20, MaxLookups: 4,
		Resources: []*intercept.ResourceConfig{
			{Name: "users", Base: "/api/users", Before: []*rules.CompiledBlock{protect}},
			{Name: "comments", Base: "/api/posts/{postId}/comments"},
			{Name: "legacy", Base: "/legacy", RestOff: true, Actions: []intercept.ActionConfig{
				{Name: "add", Method: "POST", Path: "/legacy/api.php", Query: "op=add&id={id}"},
				{Name: "list", Method: "GET", Path: "/legacy/api.php", Query: "op=list"},
			}},
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(e.Close)

	f.Fuzz(func(t *testing.T, method, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			// not a request target a server would accept: still no panic
			u = &url.URL{Path: target}
		}
		r := benchRequest(http.MethodGet, "/")
		r.Method = method
		r.URL = u
		r.RequestURI = target
		w := newBenchWriter()
		called := false
		next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			called = true
			return nil
		})
		if err := e.ServeHTTP(w, r, next); err != nil {
			t.Fatalf("%s %q: %v", method, target, err)
		}

		p := u.Path
		if !strings.HasPrefix(p, "/") {
			return
		}
		clean := path.Clean(p)
		if clean == p || clean+"/" == p || !underFuzzBase(clean) {
			return
		}
		if called || w.status != http.StatusBadRequest {
			t.Fatalf("%s %q (path %q, clean %q): status %d, next called %v; want 400 and next not called",
				method, target, p, clean, w.status, called)
		}
	})
}
