package intercept_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-crud/caddy-crud/intercept"
	"github.com/caddy-crud/caddy-crud/internal/benchdata"
	"github.com/caddy-crud/caddy-crud/rules"
)

// benchBlock is one rule block of the users resource.
func benchBlock(action string, stmts ...*rules.Statement) *rules.Block {
	return &rules.Block{Actions: []string{action}, Statements: stmts}
}

// benchEngine builds an engine with the handler's default limits.
func benchEngine(tb testing.TB, id intercept.Authenticator, resources ...*intercept.Resource) *intercept.Engine {
	tb.Helper()
	// webhooks wait in the in-process queue: what is measured is the engine
	cfg := intercept.Config{Resources: resources, Webhooks: &intercept.WebhookConfig{Store: "memory"}}
	e, err := intercept.New(cfg, intercept.Runtime{Identity: id})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.Close)
	return e
}

// staticUser authenticates every request as the same user, so the
// benchmarks measure the engine, not an identity scheme.
type staticUser map[string]any

func (u staticUser) Authenticate(*http.Request) (map[string]any, error) { return u, nil }

// benchRequest is a request as Caddy hands it to a handler: with a
// replacer and the vars map in its context.
func benchRequest(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	ctx := context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer())
	ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, map[string]any{})
	return r.WithContext(ctx)
}

// benchWriter is a ResponseWriter that keeps the status and the body in
// buffers reused across iterations.
type benchWriter struct {
	header http.Header
	status int
	body   []byte
}

func newBenchWriter() *benchWriter { return &benchWriter{header: http.Header{}} }

func (w *benchWriter) Header() http.Header { return w.header }

func (w *benchWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *benchWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

func (w *benchWriter) reset() {
	clear(w.header)
	w.status = 0
	w.body = w.body[:0]
}

// benchBody is a request body reset in place between iterations.
type benchBody struct{ bytes.Reader }

func (*benchBody) Close() error { return nil }

func usersResource(before, after []*rules.Block) *intercept.Resource {
	return &intercept.Resource{Name: "users", Base: "/api/users", Records: "data", Total: "total",
		Before: before, After: after}
}

// BenchmarkServeUnmatched is the cost every request that matches no
// resource pays: it must not allocate, and it must not grow with the
// number of resources.
func BenchmarkServeUnmatched(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			benchServe(b, benchEngine(b, nil, manyResources(n)...), benchRequest(http.MethodGet, "/static/app.js?v=3"))
		})
	}
}

// BenchmarkServeGetManyResources is a get on the last of n resources that
// have no rules: what finding the route costs.
func BenchmarkServeGetManyResources(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			benchServe(b, benchEngine(b, nil, manyResources(n)...), benchRequest(http.MethodGet, fmt.Sprintf("/api/r%d/7", n-1)))
		})
	}
}

// manyResources is n resources at /api/r0 … /api/r<n-1>, without rules.
func manyResources(n int) []*intercept.Resource {
	rs := make([]*intercept.Resource, n)
	for i := range rs {
		rs[i] = &intercept.Resource{Name: fmt.Sprintf("r%d", i), Base: fmt.Sprintf("/api/r%d", i)}
	}
	return rs
}

// benchServe serves r through e with a next handler that counts its calls.
func benchServe(b *testing.B, e *intercept.Engine, r *http.Request) {
	w := newBenchWriter()
	called := 0
	next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		called++
		return nil
	})
	b.ReportAllocs()
	for b.Loop() {
		if err := e.ServeHTTP(w, r, next); err != nil {
			b.Fatal(err)
		}
	}
	if called != b.N {
		b.Fatalf("next called %d times, want %d", called, b.N)
	}
}

// createRules is the six-statement create block.
func createRules() []*rules.Statement {
	return []*rules.Statement{
		{Op: "protect", Paths: []string{"createdAt", "role"}},
		{Op: "transform", Path: "email", Expr: "lower(trim(value))"},
		{Op: "check", Path: "email", Expr: `record.email matches "^[^@ ]+@[^@ ]+$"`, Message: "must be a valid email"},
		{Op: "set", Path: "creatorId", Expr: "user.id"},
		{Op: "default", Path: "role", Expr: `"member"`},
		{Op: "require", Expr: "record.name != nil", Status: 422, Message: "name is required"},
	}
}

func BenchmarkServeCreate(b *testing.B) {
	benchServeCreate(b, createRules(), benchdata.Create(1024), nil, func(sent string) bool {
		return strings.Contains(sent, `"creatorId":"u1"`) &&
			strings.Contains(sent, `"email":"jane.benchmark@example.com"`) && !strings.Contains(sent, "createdAt")
	})
}

// BenchmarkServeCreateGeneral is the create block of bench/Caddyfile.general
// (a check with len, a nested read, a set of a constant) through the engine.
func BenchmarkServeCreateGeneral(b *testing.B) {
	benchServeCreateGeneral(b, nil)
}

// BenchmarkServeCreateGeneralCold is BenchmarkServeCreateGeneral with the
// caches emptied before each create by a sweep over 8 MiB, as a proxy's
// own work between two creates empties them under load; "sweep" is the
// sweep alone, so a cold create costs the difference. Under valgrind's
// cachegrind the misses of each function are the create's own.
func BenchmarkServeCreateGeneralCold(b *testing.B) {
	lines := make([]byte, 8<<20)
	sweep := func() {
		for i := 0; i < len(lines); i += 64 {
			lines[i]++
		}
	}
	b.Run("sweep", func(b *testing.B) {
		for b.Loop() {
			sweep()
		}
	})
	b.Run("sweep+create", func(b *testing.B) { benchServeCreateGeneral(b, sweep) })
}

// BenchmarkServeCreateCrud is the create block of bench/Caddyfile.crud on
// the body the load harness sends (bench/harness/bodies/create.json).
func BenchmarkServeCreateCrud(b *testing.B) {
	stmts := []*rules.Statement{
		{Op: "protect", Paths: []string{"role", "created_at"}},
		{Op: "transform", Path: "email", Expr: "lower(trim(value))"},
		{Op: "check", Path: "email", Expr: `record.email matches "^[^@ ]+@[^@ ]+$"`, Message: "must be a valid email"},
		{Op: "set", Path: "source", Expr: `"gateway"`},
		{Op: "default", Path: "active", Expr: "true"},
	}
	body, err := os.ReadFile("../bench/harness/bodies/create.json")
	if err != nil {
		b.Fatal(err)
	}
	benchServeCreate(b, stmts, bytes.TrimSpace(body), nil, func(sent string) bool {
		return strings.HasSuffix(sent, `,"source":"gateway"}`) && !strings.Contains(sent, `"role"`)
	})
}

func benchServeCreateGeneral(b *testing.B, between func()) {
	stmts := []*rules.Statement{
		{Op: "protect", Paths: []string{"role", "created_at"}},
		{Op: "transform", Path: "email", Expr: "lower(trim(value))"},
		{Op: "check", Path: "name", Expr: `len(record.name ?? "") >= 2`, Message: "must have at least 2 characters"},
		{Op: "check", Path: "profile.address.country", Expr: `record.profile.address.country in ["DE", "FR", "US"]`, Message: "unknown country"},
		{Op: "set", Path: "source", Expr: `"gateway"`},
	}
	body := []byte(strings.Replace(string(benchdata.Create(1024)), `"city":"Berlin"`, `"city":"Berlin","country":"DE"`, 1))
	benchServeCreate(b, stmts, body, between, func(sent string) bool {
		return strings.HasSuffix(sent, `,"source":"gateway"}`) &&
			strings.Contains(sent, `"email":"jane.benchmark@example.com"`) && !strings.Contains(sent, `"role"`)
	})
}

// benchServeCreate sends body as a create through the engine with stmts as
// the create block, once checked by sent (what the upstream got); between,
// when set, runs before each create.
func benchServeCreate(b *testing.B, stmts []*rules.Statement, body []byte, between func(), want func(sent string) bool) {
	e := benchEngine(b, staticUser{"id": "u1"},
		usersResource([]*rules.Block{benchBlock("create", stmts...)}, nil))
	r := benchRequest(http.MethodPost, "/api/users")
	r.Header.Set("Content-Type", "application/json")
	contentLength := []string{strconv.Itoa(len(body))}
	rd := &benchBody{}
	reset := func() {
		rd.Reset(body)
		r.Body = rd
		r.ContentLength = int64(len(body))
		r.Header["Content-Length"] = contentLength
		r.GetBody = nil
	}
	w := newBenchWriter()
	reply := []byte(`{"id":1}`)
	var upstream bytes.Buffer
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		upstream.Reset()
		if _, err := upstream.ReadFrom(r.Body); err != nil {
			return err
		}
		r.Body.Close() // as the transport does once the body is sent
		w.WriteHeader(http.StatusCreated)
		_, err := w.Write(reply)
		return err
	})

	reset()
	if err := e.ServeHTTP(w, r, next); err != nil {
		b.Fatal(err)
	}
	sent := upstream.String()
	if w.status != http.StatusCreated || !want(sent) || r.Header.Get("Content-Length") != strconv.Itoa(len(sent)) {
		b.Fatalf("status %d, upstream got %s (Content-Length %s)", w.status, sent, r.Header.Get("Content-Length"))
	}

	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if between != nil {
			between()
		}
		reset()
		w.reset()
		if err := e.ServeHTTP(w, r, next); err != nil {
			b.Fatal(err)
		}
	}
}

// listRules: three hides, a conditional hide and a drop.
func listRules() []*rules.Statement {
	return []*rules.Statement{
		{Op: "hide", Paths: []string{"password"}},
		{Op: "hide", Paths: []string{"profile.ssn"}},
		{Op: "hide", Paths: []string{"secret"}},
		{Op: "hide", Paths: []string{"email"}, If: "user?.id != record.creatorId"},
		{Op: "drop", Expr: "record.deleted == true"},
	}
}

func BenchmarkServeList100(b *testing.B) {
	e := benchEngine(b, staticUser{"id": "u1"},
		usersResource(nil, []*rules.Block{benchBlock("list", listRules()...)}))
	body := benchdata.List(100)
	r := benchRequest(http.MethodGet, "/api/users?page=1")
	w := newBenchWriter()
	contentType := []string{"application/json"}
	contentLength := []string{strconv.Itoa(len(body))}
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		h := w.Header()
		h["Content-Type"] = contentType
		h["Content-Length"] = contentLength
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(body)
		return err
	})

	if err := e.ServeHTTP(w, r, next); err != nil {
		b.Fatal(err)
	}
	var got struct {
		Data  []map[string]any `json:"data"`
		Total int              `json:"total"`
	}
	if err := json.Unmarshal(w.body, &got); err != nil || w.status != http.StatusOK ||
		len(got.Data) != 95 || got.Total != 95 || bytes.Contains(w.body, []byte("password")) ||
		w.header.Get("Content-Length") != strconv.Itoa(len(w.body)) {
		b.Fatalf("status %d, %d records, total %d, err %v: %.300s", w.status, len(got.Data), got.Total, err, w.body)
	}

	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		w.reset()
		if err := e.ServeHTTP(w, r, next); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/record")
}
