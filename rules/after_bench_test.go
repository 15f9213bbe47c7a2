package rules

import (
	"encoding/json"
	"strconv"
	"testing"
)

// appendBenchUser appends a user record of about 400 bytes (id, name,
// email, password, role, secret, creatorId, deleted, profile{ssn, bio,
// avatar, age}). Every 20th
// record is deleted (5 %); creatorId cycles over u0..u9.
func appendBenchUser(b []byte, i int) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `,"name":"User Number `...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","email":"user`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `@example.com","password":"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy","role":"`...)
	b = append(b, [...]string{"admin", "editor", "viewer", "viewer", "member"}[i%5]...)
	b = append(b, `","secret":"sk_live_`...)
	b = strconv.AppendUint(b, uint64(i)*0x9E3779B97F4A7C15, 16)
	b = append(b, `","creatorId":"u`...)
	b = strconv.AppendInt(b, int64(i%10), 10)
	b = append(b, `","deleted":`...)
	b = strconv.AppendBool(b, i%20 == 0)
	b = append(b, `,"profile":{"ssn":"`...)
	b = strconv.AppendInt(b, int64(100000000+i*7919%900000000), 10)
	b = append(b, `","bio":"Deterministic benchmark user, number `...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `, with a biography long enough to look real.","avatar":"https://img.example.com/u/`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `.png","age":`...)
	b = strconv.AppendInt(b, int64(18+i%60), 10)
	b = append(b, `}}`...)
	return b
}

// listEnvelope is {"data":[n users],"total":n}.
func listEnvelope(n int) []byte {
	b := make([]byte, 0, n*420+32)
	b = append(b, `{"data":[`...)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b = append(b, ',')
		}
		b = appendBenchUser(b, i)
	}
	b = append(b, `],"total":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '}')
}

// listStatements: three unconditional hides, one conditional hide, one drop.
func listStatements() []*Statement {
	return []*Statement{
		{Op: "hide", Paths: []string{"password"}},
		{Op: "hide", Paths: []string{"profile.ssn"}},
		{Op: "hide", Paths: []string{"secret"}},
		{Op: "hide", Paths: []string{"email"}, If: "user?.id != record.creatorId"},
		{Op: "drop", Expr: "record.deleted == true"},
	}
}

var listShape = Shape{Records: []string{"data"}, Total: []string{"total"}}

// checkList asserts what the list rules must have left of n records.
func checkList(tb testing.TB, body []byte, n int, conditional bool) {
	tb.Helper()
	var got struct {
		Data  []map[string]any `json:"data"`
		Total int              `json:"total"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		tb.Fatalf("filtered body: %v", err)
	}
	kept := n
	if conditional {
		kept = n - n/20
	}
	if len(got.Data) != kept || got.Total != kept {
		tb.Fatalf("%d records, total %d, want %d", len(got.Data), got.Total, kept)
	}
	for _, rec := range got.Data {
		if _, ok := rec["password"]; ok {
			tb.Fatalf("password kept: %v", rec)
		}
		if _, ok := rec["secret"]; ok {
			tb.Fatalf("secret kept: %v", rec)
		}
		if !conditional {
			continue
		}
		if _, ok := rec["profile"].(map[string]any)["ssn"]; ok {
			tb.Fatalf("profile.ssn kept: %v", rec)
		}
		if _, ok := rec["email"]; ok != (rec["creatorId"] == "u1") {
			tb.Fatalf("email shown wrongly: %v", rec)
		}
	}
}

// benchAfter runs p over body, reusing one output buffer as intercept does.
func benchAfter(b *testing.B, p *Program, body []byte, records int, conditional bool) {
	in := &Input{Resource: "users", Action: "list", User: map[string]any{"id": "u1"}}
	buf := make([]byte, 0, len(body)+len(body)/8)
	res, err := p.RunAfter(in, body, listShape, buf[:0])
	if err != nil || res.Reject != nil || res.Body == nil {
		b.Fatalf("RunAfter = %+v, %v", res.Reject, err)
	}
	checkList(b, res.Body, records, conditional)
	buf = res.Body

	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		res, err := p.RunAfter(in, body, listShape, buf[:0])
		if err != nil {
			b.Fatal(err)
		}
		if res.Body != nil {
			buf = res.Body
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
}

func BenchmarkAfterList(b *testing.B) {
	p := benchProgram(b, After, "list", listStatements()...)
	for _, n := range []int{100, 1000, 10000} {
		body := listEnvelope(n)
		b.Run("records="+strconv.Itoa(n), func(b *testing.B) {
			benchAfter(b, p, body, n, true)
		})
	}
}

// BenchmarkAfterListHideOnly is the cheapest case: two unconditional hides, no
// expression runs.
func BenchmarkAfterListHideOnly(b *testing.B) {
	p := benchProgram(b, After, "list",
		&Statement{Op: "hide", Paths: []string{"password"}},
		&Statement{Op: "hide", Paths: []string{"secret"}},
	)
	body := listEnvelope(100)
	b.Run("records=100", func(b *testing.B) {
		benchAfter(b, p, body, 100, false)
	})
}

// BenchmarkAfterMaskVsHide compares masking a field of each record of a
// 1,000-record list with hiding it (and redacting it).
func BenchmarkAfterMaskVsHide(b *testing.B) {
	body := listEnvelope(1000)
	shape := Shape{Records: []string{"data"}, Total: []string{"total"}, List: true}
	for _, c := range []struct {
		name string
		stmt *Statement
	}{
		{"hide", &Statement{Op: "hide", Paths: []string{"secret"}}},
		{"mask", &Statement{Op: "mask", Paths: []string{"secret"}, Keep: 4}},
		{"redact", &Statement{Op: "redact", Paths: []string{"secret"}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := benchProgram(b, After, "list", c.stmt)
			in := &Input{Resource: "users", Action: "list"}
			out := make([]byte, 0, len(body))
			if res, err := p.RunAfter(in, body, shape, out); err != nil || res.Body == nil {
				b.Fatalf("RunAfter: %v", err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = p.RunAfter(in, body, shape, out)
			}
		})
	}
}
