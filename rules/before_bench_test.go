package rules

import (
	"strconv"
	"strings"
	"testing"

	"github.com/caddy-crud/caddy-crud/internal/benchdata"
)

// benchProgram compiles one block of statements for action into a program.
func benchProgram(tb testing.TB, phase Phase, action string, stmts ...*Statement) *Program {
	tb.Helper()
	b, err := CompileBlock(phase, "users", &Block{Actions: []string{action}, Statements: stmts})
	if err != nil {
		tb.Fatal(err)
	}
	return NewProgram(phase, []*CompiledBlock{b})
}

// createStatements is a typical create block: six statements, one of each
// kind a create uses.
func createStatements() []*Statement {
	return []*Statement{
		{Op: "protect", Paths: []string{"createdAt", "role"}},
		{Op: "transform", Path: "email", Expr: "lower(trim(value))"},
		{Op: "check", Path: "email", Expr: `record.email matches "^[^@ ]+@[^@ ]+$"`, Message: "must be a valid email"},
		{Op: "set", Path: "creatorId", Expr: "user.id"},
		{Op: "default", Path: "role", Expr: `"member"`},
		{Op: "require", Expr: "record.name != nil", Status: 422, Message: "name is required"},
	}
}

func BenchmarkBeforeCreate(b *testing.B) {
	p := benchProgram(b, Before, "create", createStatements()...)
	body := benchdata.Create(1024)
	in := &Input{Resource: "users", Action: "create", User: map[string]any{"id": "u1", "role": "member"}}

	res, err := p.RunBefore(in, body, nil)
	if err != nil || res.Reject != nil || res.Body == nil {
		b.Fatalf("RunBefore = %+v, %v", res, err)
	}
	got := string(res.Body)
	for _, want := range []string{`"email":"jane.benchmark@example.com"`, `"creatorId":"u1"`, `"role":"member"`} {
		if !strings.Contains(got, want) {
			b.Fatalf("body lacks %s: %s", want, got)
		}
	}
	if strings.Contains(got, "createdAt") || strings.Contains(got, `"admin"`) {
		b.Fatalf("protected field kept: %s", got)
	}

	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	out := make([]byte, 0, 2*len(body)) // reused, as intercept reuses a pooled one
	for b.Loop() {
		if _, err := p.RunBefore(in, body, out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBeforeNoBodyRules is a before block that reads only user: the
// body is not read (NeedsBody is false), as intercept does.
func BenchmarkBeforeNoBodyRules(b *testing.B) {
	p := benchProgram(b, Before, "create", &Statement{Op: "require", Expr: "user != nil", Status: 401, Message: "login required"})
	if p.NeedsBody() {
		b.Fatal("a require on user alone needs the body")
	}
	in := &Input{Resource: "users", Action: "create", User: map[string]any{"id": "u1"}}
	if res, err := p.RunBefore(in, nil, nil); err != nil || res.Reject != nil {
		b.Fatalf("RunBefore = %+v, %v", res, err)
	}

	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.RunBefore(in, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBulkPartial runs a check on bulk bodies of 1,000 and 10,000
// elements, every tenth failing and left out: time and memory per element
// stay flat as the body grows.
func BenchmarkBulkPartial(b *testing.B) {
	p := benchProgram(b, Before, "create", &Statement{Op: "check", Path: "n", Expr: "record.n % 10 != 3", Message: "must not end in 3"})
	for _, n := range []int{1000, 10000} {
		var body strings.Builder
		body.WriteByte('[')
		for i := range n {
			if i > 0 {
				body.WriteByte(',')
			}
			body.WriteString(`{"n":` + strconv.Itoa(i) + `,"name":"element"}`)
		}
		body.WriteByte(']')
		raw := []byte(body.String())
		in := &Input{Resource: "users", Action: "create", BulkPartial: true}
		b.Run("elements="+strconv.Itoa(n), func(b *testing.B) {
			out := make([]byte, 0, len(raw))
			res, err := p.RunBefore(in, raw, out)
			if err != nil || res.Reject != nil || len(res.Excluded) != n/10 {
				b.Fatalf("RunBefore = %v, %v, %d excluded", res.Reject, err, len(res.Excluded))
			}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = p.RunBefore(in, raw, out)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/element")
		})
	}
}

// BenchmarkBeforeCreateGeneral is the create block of bench/Caddyfile.general:
// a check with len and ??, a check reading a nested field with in, a set
// of a constant, beside protect and transform.
func BenchmarkBeforeCreateGeneral(b *testing.B) {
	p := benchProgram(b, Before, "create",
		&Statement{Op: "protect", Paths: []string{"role", "created_at"}},
		&Statement{Op: "transform", Path: "email", Expr: "lower(trim(value))"},
		&Statement{Op: "check", Path: "name", Expr: `len(record.name ?? "") >= 2`, Message: "must have at least 2 characters"},
		&Statement{Op: "check", Path: "profile.address.country", Expr: `record.profile.address.country in ["DE", "FR", "US"]`, Message: "unknown country"},
		&Statement{Op: "set", Path: "source", Expr: `"gateway"`},
	)
	body := []byte(strings.Replace(string(benchdata.Create(1024)), `"city":"Berlin"`, `"city":"Berlin","country":"DE"`, 1))
	in := &Input{Resource: "users", Action: "create"}
	res, err := p.RunBefore(in, body, nil)
	if err != nil || res.Reject != nil || res.Body == nil || !strings.Contains(string(res.Body), `"source":"gateway"`) {
		b.Fatalf("RunBefore = %+v, %v", res, err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	out := make([]byte, 0, 2*len(body))
	for b.Loop() {
		if _, err := p.RunBefore(in, body, out); err != nil {
			b.Fatal(err)
		}
	}
}
