package demo

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

const (
	ada   = `{"id":1,"name":"Ada","email":"ada@example.com","role":"admin","password":"$2y$10$demo-hash-ada","createdAt":"2026-01-01T00:00:00Z"}`
	linus = `{"id":2,"name":"Linus","email":"linus@example.com","role":"member","password":"$2y$10$demo-hash-linus","createdAt":"2026-01-01T00:00:00Z"}`
	now   = "2026-03-04T05:06:07Z"
)

// newDemo returns a provisioned handler whose clock reads now (plus 0.9 s,
// which createdAt must drop).
func newDemo(t *testing.T, seedOff bool) *Demo {
	t.Helper()
	d := &Demo{SeedOff: seedOff}
	if err := d.Provision(caddy.Context{}); err != nil {
		t.Fatal(err)
	}
	ts, _ := time.Parse(time.RFC3339, now)
	d.store.now = func() time.Time { return ts.Add(900 * time.Millisecond).In(time.FixedZone("X", 3600)) }
	return d
}

type req struct{ method, path, body string }

func do(t *testing.T, d *Demo, r req) *httptest.ResponseRecorder {
	t.Helper()
	hr := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	if err := d.ServeHTTP(w, hr, nil); err != nil { // nil next: must not be called
		t.Fatalf("%s %s: ServeHTTP error %v", r.method, r.path, err)
	}
	return w
}

func TestHandler(t *testing.T) {
	big := `{"a":"` + strings.Repeat("x", maxBody) + `"}`
	tests := []struct {
		name    string
		seedOff bool
		before  []req // run first, on the same handler
		req     req
		status  int
		body    string
		allow   string
	}{
		// GET collection
		{name: "list seeded users", req: req{"GET", "/api/users", ""}, status: 200,
			body: `{"data":[` + ada + `,` + linus + `],"total":2}`},
		{name: "list trailing slash", req: req{"GET", "/api/users/", ""}, status: 200,
			body: `{"data":[` + ada + `,` + linus + `],"total":2}`},
		{name: "list seed off", seedOff: true, req: req{"GET", "/api/users", ""}, status: 200,
			body: `{"data":[],"total":0}`},
		{name: "list unknown collection", req: req{"GET", "/api/posts", ""}, status: 200,
			body: `{"data":[],"total":0}`},
		{name: "list in id order", seedOff: true,
			before: []req{
				{"POST", "/api/t", `{"id":10}`},
				{"POST", "/api/t", `{"id":"b"}`},
				{"POST", "/api/t", `{"id":2}`},
				{"POST", "/api/t", `{"id":"a"}`},
			},
			req: req{"GET", "/api/t", ""}, status: 200,
			body: `{"data":[{"id":2,"createdAt":"` + now + `"},{"id":10,"createdAt":"` + now + `"},` +
				`{"id":"a","createdAt":"` + now + `"},{"id":"b","createdAt":"` + now + `"}],"total":4}`},

		// GET one
		{name: "get one", req: req{"GET", "/api/users/2", ""}, status: 200, body: linus},
		{name: "get missing", req: req{"GET", "/api/users/3", ""}, status: 404, body: `{"error":"not found"}`},
		{name: "get missing collection", req: req{"GET", "/api/posts/1", ""}, status: 404, body: `{"error":"not found"}`},
		{name: "path outside api", req: req{"GET", "/users", ""}, status: 404, body: `{"error":"not found"}`},
		{name: "path too deep", req: req{"GET", "/api/users/1/x", ""}, status: 404, body: `{"error":"not found"}`},

		// POST
		{name: "post adds id and createdAt", req: req{"POST", "/api/users", `{"name":"Grace","role":"admin"}`},
			status: 201, body: `{"name":"Grace","role":"admin","id":3,"createdAt":"` + now + `"}`},
		{name: "post keeps body as sent", req: req{"POST", "/api/users", " {\"z\": 1.50,\n\"a\":\"\\u00e9\", \"n\":{\"b\":1,\"a\":2}}\n"},
			status: 201, body: "{\"z\": 1.50,\n\"a\":\"\\u00e9\", \"n\":{\"b\":1,\"a\":2},\"id\":3,\"createdAt\":\"" + now + "\"}"},
		{name: "post keeps sent id and createdAt", req: req{"POST", "/api/users", `{"createdAt":"x","id":7}`},
			status: 201, body: `{"createdAt":"x","id":7}`},
		{name: "post then get", before: []req{{"POST", "/api/users", `{"name":"Grace"}`}},
			req: req{"GET", "/api/users/3", ""}, status: 200, body: `{"name":"Grace","id":3,"createdAt":"` + now + `"}`},
		{name: "post new collection starts at 1", req: req{"POST", "/api/posts", `{"title":"t"}`},
			status: 201, body: `{"title":"t","id":1,"createdAt":"` + now + `"}`},
		{name: "post after sent id", before: []req{{"POST", "/api/users", `{"id":9}`}},
			req: req{"POST", "/api/users", `{}`}, status: 201, body: `{"id":10,"createdAt":"` + now + `"}`},
		{name: "post ids not reused", before: []req{{"DELETE", "/api/users/2", ""}},
			req: req{"POST", "/api/users", `{}`}, status: 201, body: `{"id":3,"createdAt":"` + now + `"}`},
		{name: "post duplicate id", req: req{"POST", "/api/users", `{"id":1}`}, status: 409, body: `{"error":"id already exists"}`},
		{name: "post bad id", req: req{"POST", "/api/users", `{"id":1.5}`}, status: 400,
			body: `{"error":"id must be an integer or a non-empty string"}`},
		{name: "post malformed", req: req{"POST", "/api/users", `{"name":`}, status: 400, body: `{"error":"malformed JSON"}`},
		{name: "post not json", req: req{"POST", "/api/users", `name=Grace`}, status: 400, body: `{"error":"malformed JSON"}`},
		{name: "post trailing data", req: req{"POST", "/api/users", `{} {}`}, status: 400, body: `{"error":"malformed JSON"}`},
		{name: "post array", req: req{"POST", "/api/users", `[{"name":"Grace"}]`}, status: 400, body: `{"error":"body must be a JSON object"}`},
		{name: "post empty", req: req{"POST", "/api/users", ``}, status: 400, body: `{"error":"empty body: want a JSON object"}`},
		{name: "post too large", req: req{"POST", "/api/users", big}, status: 413, body: `{"error":"body too large"}`},
		{name: "post to item", req: req{"POST", "/api/users/1", `{}`}, status: 405, body: `{"error":"method not allowed"}`,
			allow: "GET, HEAD, PUT, PATCH, DELETE"},

		// PUT
		{name: "put replaces, keeps id", req: req{"PUT", "/api/users/1", `{"name":"Ada L","id":99}`},
			status: 200, body: `{"name":"Ada L","id":1}`},
		{name: "put adds id", req: req{"PUT", "/api/users/2", `{"name":"L"}`}, status: 200, body: `{"name":"L","id":2}`},
		{name: "put then get", before: []req{{"PUT", "/api/users/2", `{"name":"L"}`}},
			req: req{"GET", "/api/users/2", ""}, status: 200, body: `{"name":"L","id":2}`},
		{name: "put string id", before: []req{{"POST", "/api/t", `{"id":"ab"}`}},
			req: req{"PUT", "/api/t/ab", `{"x":1}`}, status: 200, body: `{"x":1,"id":"ab"}`},
		{name: "put missing", req: req{"PUT", "/api/users/3", `{}`}, status: 404, body: `{"error":"not found"}`},
		{name: "put malformed", req: req{"PUT", "/api/users/1", `{`}, status: 400, body: `{"error":"malformed JSON"}`},

		// PATCH
		{name: "patch merges top level", req: req{"PATCH", "/api/users/2", `{"role":"admin","nick":{"a":1},"id":5}`},
			status: 200, body: `{"id":2,"name":"Linus","email":"linus@example.com","role":"admin","password":"$2y$10$demo-hash-linus","createdAt":"2026-01-01T00:00:00Z","nick":{"a":1}}`},
		{name: "patch null and duplicates", before: []req{{"POST", "/api/t", `{"a":1,"b":2}`}},
			req: req{"PATCH", "/api/t/1", `{"c":3,"b":null,"c":4}`}, status: 200,
			body: `{"a":1,"b":null,"id":1,"createdAt":"` + now + `","c":4}`},
		{name: "patch empty object", req: req{"PATCH", "/api/users/1", `{}`}, status: 200, body: ada},
		{name: "patch missing", req: req{"PATCH", "/api/users/3", `{}`}, status: 404, body: `{"error":"not found"}`},
		{name: "patch not object", req: req{"PATCH", "/api/users/1", `"x"`}, status: 400, body: `{"error":"body must be a JSON object"}`},

		// DELETE
		{name: "delete", req: req{"DELETE", "/api/users/1", ""}, status: 204, body: ``},
		{name: "delete then get", before: []req{{"DELETE", "/api/users/1", ""}},
			req: req{"GET", "/api/users/1", ""}, status: 404, body: `{"error":"not found"}`},
		{name: "delete then list", before: []req{{"DELETE", "/api/users/1", ""}},
			req: req{"GET", "/api/users", ""}, status: 200, body: `{"data":[` + linus + `],"total":1}`},
		{name: "delete missing", req: req{"DELETE", "/api/users/3", ""}, status: 404, body: `{"error":"not found"}`},
		{name: "delete collection", req: req{"DELETE", "/api/users", ""}, status: 405, body: `{"error":"method not allowed"}`,
			allow: "GET, HEAD, POST"},

		// other methods
		{name: "options collection", req: req{"OPTIONS", "/api/users", ""}, status: 405, body: `{"error":"method not allowed"}`,
			allow: "GET, HEAD, POST"},
		{name: "put collection", req: req{"PUT", "/api/users", `{}`}, status: 405, body: `{"error":"method not allowed"}`,
			allow: "GET, HEAD, POST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDemo(t, tc.seedOff)
			for _, b := range tc.before {
				if w := do(t, d, b); w.Code >= 300 {
					t.Fatalf("before %s %s: %d %s", b.method, b.path, w.Code, w.Body)
				}
			}
			w := do(t, d, tc.req)
			if w.Code != tc.status {
				t.Errorf("status %d, want %d", w.Code, tc.status)
			}
			if got := w.Body.String(); got != tc.body {
				t.Errorf("body\n got %s\nwant %s", got, tc.body)
			}
			if got := w.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if tc.status == http.StatusNoContent {
				return
			}
			if got := w.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type %q", got)
			}
			if got := w.Header().Get("Content-Length"); got != strconv.Itoa(len(tc.body)) {
				t.Errorf("Content-Length %q, want %d", got, len(tc.body))
			}
		})
	}
}

func TestCaddyfile(t *testing.T) {
	tests := []struct {
		input   string
		seedOff bool
		err     bool
	}{
		{input: `crud_demo`},
		{input: "crud_demo {\n}"},
		{input: "crud_demo {\n seed off\n}", seedOff: true},
		{input: "crud_demo {\n seed on\n}"},
		{input: "crud_demo {\n seed maybe\n}", err: true},
		{input: "crud_demo {\n seed\n}", err: true},
		{input: "crud_demo {\n seed off x\n}", err: true},
		{input: "crud_demo {\n color red\n}", err: true},
		{input: `crud_demo extra`, err: true},
	}
	for _, tc := range tests {
		d := new(Demo)
		err := d.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
		if (err != nil) != tc.err {
			t.Errorf("%q: error %v, want error %v", tc.input, err, tc.err)
			continue
		}
		if err == nil && d.SeedOff != tc.seedOff {
			t.Errorf("%q: SeedOff %v, want %v", tc.input, d.SeedOff, tc.seedOff)
		}
	}
}

func TestModule(t *testing.T) {
	m, err := caddy.GetModule("http.handlers.crud_demo")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.New().(*Demo); !ok {
		t.Fatalf("New gives %T", m.New())
	}
}

// TestConcurrent is for -race: writers and readers on one store.
func TestConcurrent(t *testing.T) {
	d := newDemo(t, true)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				w := do(t, d, req{"POST", "/api/c", fmt.Sprintf(`{"w":%d,"j":%d}`, i, j)})
				if w.Code != 201 {
					t.Errorf("POST: %d", w.Code)
				}
				do(t, d, req{"PATCH", "/api/c/1", `{"x":1}`})
				do(t, d, req{"GET", "/api/c", ""})
				do(t, d, req{"GET", "/api/c/2", ""})
			}
		}()
	}
	wg.Wait()
	if w := do(t, d, req{"GET", "/api/c", ""}); !strings.HasSuffix(w.Body.String(), `,"total":160}`) {
		t.Errorf("list: %s", w.Body)
	}
	if w := do(t, d, req{"POST", "/api/c", `{}`}); !strings.HasPrefix(w.Body.String(), `{"id":161,`) {
		t.Errorf("next id: %s", w.Body)
	}
}
