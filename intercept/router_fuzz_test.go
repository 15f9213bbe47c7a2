package intercept_test

import (
	"fmt"
	"math/rand"
	"net/http"
	"net/url"
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

// fuzzRoutes are the paths the fuzzed engine matches (query aside).
var fuzzRoutes = [][]string{
	{"api", "users"},
	{"api", "users", "{id}"},
	{"api", "posts", "{postId}", "comments"},
	{"api", "posts", "{postId}", "comments", "{id}"},
	{"legacy", "api.php"},
}

// underFuzzBase reports whether the path p is at or under one of
// fuzzBases, without case, a parameter standing for any segment.
func underFuzzBase(p string) bool {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for _, base := range fuzzBases {
		if len(segs) >= len(base) && segsMatch(base, segs[:len(base)]) {
			return true
		}
	}
	return false
}

// onFuzzRoute reports whether the path p is one of fuzzRoutes, without
// case, a parameter standing for any non-empty segment.
func onFuzzRoute(p string) bool {
	segs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/"), "/")
	for _, rt := range fuzzRoutes {
		if len(segs) == len(rt) && segsMatch(rt, segs) {
			return true
		}
	}
	return false
}

func segsMatch(pat, segs []string) bool {
	for i, s := range pat {
		if strings.HasPrefix(s, "{") {
			if segs[i] == "" {
				return false
			}
		} else if !strings.EqualFold(segs[i], s) {
			return false
		}
	}
	return true
}

// The normalisations that servers in front of or behind the gateway apply
// to a path, each on or off in a reading (after 0 to 3 rounds of %XX
// decoding, in this order).
const (
	normBackslash = 1 << iota // \ read as / (IIS, ASP.NET)
	normParams                // ;params stripped from each segment (Tomcat, Jetty, Spring)
	normCollapse              // // read as /
	normDots                  // . and .. resolved, ..; read as .. (nginx, Tomcat)
	normTrailing              // a trailing slash ignored
	normSuffix                // a .ext format suffix of the last segment dropped (Rails, DRF)
	normAll       = 1<<iota - 1
)

// reading is the path p as a server applying the normalisations norm
// after decoding it decodes times reads it.
func reading(p string, decodes, norm int) string {
	for i := 0; i < decodes; i++ {
		p = percentDecode(p)
	}
	if norm&normBackslash != 0 {
		p = strings.ReplaceAll(p, `\`, "/")
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	var out []string
	for i, s := range segs {
		if norm&normParams != 0 {
			s, _, _ = strings.Cut(s, ";")
		}
		if norm&normCollapse != 0 && s == "" && i < len(segs)-1 {
			continue
		}
		if norm&normDots != 0 {
			switch name, _, _ := strings.Cut(s, ";"); name {
			case ".":
				continue
			case "..":
				if len(out) > 0 {
					out = out[:len(out)-1]
				}
				continue
			}
		}
		out = append(out, s)
	}
	if norm&normTrailing != 0 && len(out) > 1 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	if n := len(out); norm&normSuffix != 0 && n > 0 {
		if i := strings.LastIndexByte(out[n-1], '.'); i > 0 {
			out[n-1] = out[n-1][:i]
		}
	}
	return "/" + strings.Join(out, "/")
}

// percentDecode decodes each valid %XX once.
func percentDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := url.PathUnescape(s[i : i+3]); err == nil {
				b.WriteString(v)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// shape is a path's segments, each decoded until no escape is left and
// lower-cased, one trailing slash ignored: two paths of one shape differ
// only in how they spell ordinary characters (a decoded / stays inside
// its segment).
func shape(p string) string {
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		for s != percentDecode(s) {
			s = percentDecode(s)
		}
		segs[i] = strings.ToLower(s)
	}
	return strings.Join(segs, "\x00")
}

// fuzzEngine guards fuzzBases with a rule that refuses every matched
// request with 403, so a response tells refused (400), matched (403, or
// 405 for a method the path does not map) and passed (next called) apart.
func fuzzEngine(tb testing.TB) *intercept.Engine {
	deny := []*rules.Block{{Actions: []string{"all"},
		Statements: []*rules.Statement{{Op: "deny", Expr: "true", Status: 403, Message: "matched"}}}}
	e, err := intercept.New(intercept.Config{
		MaxBody: 1 << 20, MaxDepth: 64, MaxResponse: 1 << 20, MaxLookups: 4,
		Resources: []*intercept.Resource{
			{Name: "users", Base: "/api/users", Before: deny},
			{Name: "comments", Base: "/api/posts/{postId}/comments", Before: deny},
			{Name: "legacy", Base: "/legacy", RestOff: true, Before: deny, Actions: []*intercept.Action{
				{Name: "add", Method: "POST", Path: "/legacy/api.php", Query: "op=add&id={id}"},
				{Name: "list", Method: "GET", Path: "/legacy/api.php", Query: "op=list"},
			}},
		},
	}, intercept.Runtime{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.Close)
	return e
}

// checkSpelling sends method and target through e; it must not panic or
// fail, and the answer must hold the path property: the gateway refuses
// the path (400), or matches it (its rules run), or no reading of the path
// by the normalisations above reaches what the gateway guards. A reading
// that changes the path's shape (its segments, not just the spelling of
// their characters) must not be at or under a base; a reading that only
// drops a format suffix must not be a path the gateway matches (a suffix on
// a deeper path, /api/users/1/avatar.png, is that deeper path's).
func checkSpelling(t *testing.T, e *intercept.Engine, method, target string) {
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
	if err != nil || !strings.HasPrefix(u.Path, "/") || strings.EqualFold(method, http.MethodOptions) {
		return // OPTIONS passes on a matched path too
	}
	if !called && (w.status == 400 || w.status == 403 || w.status == 405) {
		return
	}
	raw, _, _ := strings.Cut(target, "?")
	plain := shape(u.Path)
	for decodes := 0; decodes <= 3; decodes++ {
		for norm := 0; norm <= normAll; norm++ {
			p := reading(raw, decodes, norm)
			if shape(reading(raw, decodes, norm&^normSuffix)) != plain {
				if underFuzzBase(p) {
					t.Errorf("%s %q passed (status %d, next called %v), but a server that decodes %d times and normalises %06b reads %q, under a base",
						method, target, w.status, called, decodes, norm, p)
					return
				}
			} else if shape(p) != plain && onFuzzRoute(p) {
				t.Errorf("%s %q passed (status %d, next called %v), but a server that drops its format suffix reads %q, a resource path",
					method, target, w.status, called, p)
				return
			}
		}
	}
}

// spellingSeeds are paths that servers read as a guarded one.
var spellingSeeds = []struct{ method, target string }{
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
	{"GET", "/api/posts/a%2Fb/comments"},
	{"POST", "/legacy/api.php?op=add&id=3"},
	{"POST", "/legacy/./api.php?op=add&id=3"},
	{"POST", "/legacy/api.php/.?op=add"},
	{"POST", "/legacy/api.php.json?op=add&id=3"},
	{"GET", "/api%2Fusers"},
	{"GET", "/api/users%2F1"},
	{"GET", "/api/%2e%2e/api/users"},
	{"GET", "/static/../api/users"},
	{"GET", "/api\\users"},
	{"GET", "/api/users%5C1"},
	{"PUT", "/api/users%5c1"},
	{"GET", "/API/USERS%5c1"},
	{"GET", "/api/users/%5C1"},
	{"GET", "/api/users%255C1"},
	{"GET", "/api/users%252F1"},
	{"GET", "/api/users\\1"},
	{"GET", "/api/users;jsessionid=x"},
	{"GET", "/api/users/1/..;/1"},
	{"GET", "/api/users;/1"},
	{"GET", "/x/..;/api/users"},
	{"GET", "/api/users%3Bx"},
	{"GET", "/api/users%253Bx"},
	{"GET", "/api/users.json"},
	{"GET", "/api/users/1.xml"},
	{"POST", "/api/users.json"},
	{"GET", "/api/users%2Ejson"},
	{"GET", "/api/users%252Ejson"},
	{"GET", "/api/users/1/avatar.png"},
	{"GET", "/static/app.js"},
	{"OPTIONS", "*"},
	{"PATCH", "/api/users/1?x=%zz"},
	{"", ""},
}

// FuzzMatch sends arbitrary methods and paths through an engine: it must
// never panic, and every path must hold checkSpelling's property.
func FuzzMatch(f *testing.F) {
	for _, s := range spellingSeeds {
		f.Add(s.method, s.target)
	}
	e := fuzzEngine(f)
	f.Fuzz(func(t *testing.T, method, target string) {
		checkSpelling(t, e, method, target)
	})
}

// TestMatchSpellings is FuzzMatch's property over the seeds and over
// paths built at random (fixed seeds) from the pieces servers read alike.
func TestMatchSpellings(t *testing.T) {
	e := fuzzEngine(t)
	t.Run("seeds", func(t *testing.T) {
		for _, s := range spellingSeeds {
			checkSpelling(t, e, s.method, s.target)
		}
	})
	segments := []string{"api", "API", "users", "Users", "posts", "9", "comments", "legacy", "api.php",
		"x", "1", "a.b", ".", "..", "..;", "%2e", "%2E%2E", "%252e%252e", ""}
	tails := []string{"", "", "", ";", ";jsessionid=x", "%3B", "%3bx", "%253B", ".json", "%2Exml", "%252Ejson", "%20"}
	seps := []string{"/", "/", "/", "/", "//", `\`, "%5C", "%5c", "%2F", "%2f", "%255C", "%252F", "%25252F"}
	methods := []string{"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"}
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			pick := func(s []string) string { return s[rng.Intn(len(s))] }
			for i := 0; i < 1000; i++ {
				var b strings.Builder
				b.WriteString("/")
				for n := 1 + rng.Intn(5); n > 0; n-- {
					b.WriteString(pick(segments) + pick(tails))
					if n > 1 {
						b.WriteString(pick(seps))
					}
				}
				if rng.Intn(4) == 0 {
					b.WriteString("/")
				}
				checkSpelling(t, e, pick(methods), b.String())
			}
		})
	}
}
