package rules

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/caddy-crud/caddy-crud/internal/benchdata"
)

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
		body := benchdata.List(n)
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
	body := benchdata.List(100)
	b.Run("records=100", func(b *testing.B) {
		benchAfter(b, p, body, 100, false)
	})
}

// BenchmarkAfterMaskVsHide compares masking a field of each record of a
// 1,000-record list with hiding it (and redacting it).
func BenchmarkAfterMaskVsHide(b *testing.B) {
	body := benchdata.List(1000)
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

// dropConditions are drop conditions a user writes, each false for every
// benchmark user so that every variant writes the same output: the first
// is inside the shapes compiled without the VM, the others are the cases
// the engine must not make slower per record.
var dropConditions = []struct{ name, cond string }{
	{"equal", `record.role == "nobody"`},
	{"arithmetic", `record.id % 1000 == 999`},
	{"len", `len(record.name) > 300`},
	{"in", `record.role in ["root", "owner"]`},
	{"nested", `record.profile.age >= 100`},
	{"and-or", `record.deleted == "yes" || (record.id > 5000 && record.role != "admin")`},
	{"matches", `record.email matches "^[^@ ]+@[^@ ]+\\.org$"`},
	{"matchesComputed", `record.email matches (record.id > 0 ? "^[^@ ]+@[^@ ]+\\.org$" : "")`},
	{"abs", `abs(record.id - 5000) > 100000`},
	{"max", `max(record.id, record.profile.age) > 100000`},
}

// BenchmarkAfterDropCondition measures a drop condition per record on a
// 100-record list (hide password beside it), to compare each condition's
// cost with the first one's.
func BenchmarkAfterDropCondition(b *testing.B) {
	benchDrops(b, benchdata.List(100), listShape, dropConditions)
}

// benchDrops measures each condition as a drop (hide password beside it)
// on the 100 records of body, where no record meets it.
func benchDrops(b *testing.B, body []byte, shape Shape, conds []struct{ name, cond string }) {
	for _, c := range conds {
		b.Run(c.name, func(b *testing.B) {
			p := benchProgram(b, After, "list",
				&Statement{Op: "hide", Paths: []string{"password"}},
				&Statement{Op: "drop", Expr: c.cond})
			benchRecordsIn(b, p, body, shape, 100, func(res AfterResult) bool { return res.Dropped == 0 })
		})
	}
}

// predicateConditions are drop conditions over the tags array of the load
// harness's records, false for every record: the predicate built-ins,
// first and last beside the equality and the in they are measured against.
var predicateConditions = []struct{ name, cond string }{
	{"equal", `record.role == "nobody"`},
	{"in", `"x" in record.tags`},
	{"any", `any(record.tags, # == "x")`},
	{"all", `!all(record.tags, # != "x")`},
	{"none", `!none(record.tags, # == "x")`},
	{"count", `count(record.tags, # startsWith "x") > 1`},
	{"sum", `sum(record.tags, len(#)) > 50`},
	{"find", `find(record.tags, # == "x") != nil`},
	{"findLast", `findLast(record.tags, # == "x") != nil`},
	{"first", `first(record.tags) == "x"`},
	{"last", `last(record.tags) == "x"`},
}

// libraryConditions are drop conditions calling expr's library on the load
// harness's records, false for every record, beside the equality.
var libraryConditions = []struct{ name, cond string }{
	{"equal", `record.role == "nobody"`},
	{"int", `int(record.login_count) > 5000`},
	{"type", `type(record.tags) == "x"`},
	{"round", `round(record.login_count / 3.0) > 5000`},
	{"trimPrefix", `trimPrefix(record.name, "User ") == "x"`},
	{"indexOf", `indexOf(record.email, "@") > 50`},
	{"member", `"zz" in record.profile`},
	{"string", `string(record.id) == "x"`},
	{"split", `len(split(record.email, "@")) > 2`},
	{"upper", `upper(record.name) == "x"`},
	{"concat", `record.name + "!" == "x"`},
	{"replace", `replace(record.email, "@", ".") == "x"`},
	{"join", `join(record.tags, ",") == "x"`},
	{"sprint", `string(record.profile.age) + "y" == "x"`},
	{"let", `let p = record.profile; p.bio == "x" || p.phone == "y"`},
	{"unlet", `record.profile.bio == "x" || record.profile.phone == "y"`},
	{"slice", `record.name[0:3] == "x"`},
	{"keys", `len(keys(record.profile)) > 10`},
	{"get", `get(record.profile, "bio") == "x"`},
	{"maxmap", `max(map(record.tags, len(#))) > 5`},
	{"joinmap", `join(map(record.tags, upper(#)), ",") == "x"`},
	{"filter", `len(filter(record.tags, # != "x")) > 5`},
	{"list", `record.role in [record.name, "x"]`},
	{"reduce", `reduce(record.tags, #acc + len(#), 0) > 50`},
	{"index", `map(record.tags, len(#))[0] > 5`},
	{"sortBy", `sortBy(record.tags, #)[0] == "x"`},
	{"sort", `sort(record.tags)[0] == "x"`},
	{"concat", `"x" in concat(record.tags, ["y"])`},
	{"range", `record.login_count in 2000..3000`},
	{"between", `record.login_count >= 2000 && record.login_count <= 3000`},
	{"placeholder", `record.role == placeholder("{http.request.header.X-Role}")`},
	{"table", `({"admin": 3, "editor": 2, "viewer": 1}[record.role] ?? 0) > 3`},
	{"anyTags", `any(record.tags, # == "x")`},
	{"rangeTags", `any(0..len(record.tags) - 1, record.tags[#] == "x")`},
	{"mapLiteral", `{"r": record.role, "n": record.name}.r == "nobody"`},
	{"queryescape", `queryescape(record.name) == "x"`},
}

// BenchmarkAfterLibrary measures each of libraryConditions as a drop (hide
// password beside it) on 100 of the load harness's records.
func BenchmarkAfterLibrary(b *testing.B) {
	benchDrops(b, benchdata.Accounts(100), Shape{List: true}, libraryConditions)
}

// BenchmarkAfterPredicates measures each of predicateConditions as a drop
// (hide password beside it) on 100 of the load harness's records.
func BenchmarkAfterPredicates(b *testing.B) {
	benchDrops(b, benchdata.Accounts(100), Shape{List: true}, predicateConditions)
}

// generalListProgram is the list block of bench/Caddyfile.general: a
// conditional hide of a whole nested object, a conditional hide, a drop
// with arithmetic.
func generalListProgram(b *testing.B) *Program {
	return benchProgram(b, After, "list",
		&Statement{Op: "hide", Paths: []string{"password"}},
		&Statement{Op: "hide", Paths: []string{"profile"}, If: "record.id % 2 == 1"},
		&Statement{Op: "hide", Paths: []string{"email"}, If: "user?.id != record.id"},
		&Statement{Op: "drop", Expr: "record.id * 3 % 7 == 0 || record.deleted == true"},
	)
}

// BenchmarkAfterListGeneral is generalListProgram on 100 and 1000 records.
func BenchmarkAfterListGeneral(b *testing.B) {
	p := generalListProgram(b)
	for _, n := range []int{100, 1000} {
		body := benchdata.List(n)
		b.Run("records="+strconv.Itoa(n), func(b *testing.B) {
			benchRecords(b, p, body, n, func(res AfterResult) bool { return res.Dropped > 0 })
		})
	}
}

// BenchmarkAfterListLoad is Caddyfile.general's list block on the records
// the load harness's upstream serves (a bare array; tags, a nested address):
// the filter the list scenarios of bench/README.md run under load.
func BenchmarkAfterListLoad(b *testing.B) {
	benchLoad(b, benchProgram(b, After, "list",
		&Statement{Op: "hide", Paths: []string{"password"}},
		&Statement{Op: "hide", Paths: []string{"profile"}, If: "record.login_count % 2 == 1"},
		&Statement{Op: "hide", Paths: []string{"email"}, If: "user?.id != record.id"},
		&Statement{Op: "drop", Expr: "record.login_count * 3 % 7 == 0 || record.active == false"},
	))
}

// BenchmarkAfterListLoadCrud is Caddyfile.crud's list block on the same
// records.
func BenchmarkAfterListLoadCrud(b *testing.B) {
	benchLoad(b, benchProgram(b, After, "list",
		&Statement{Op: "hide", Paths: []string{"password"}},
		&Statement{Op: "hide", Paths: []string{"profile.phone"}},
		&Statement{Op: "hide", Paths: []string{"email"}, If: "user?.id != record.id"},
		&Statement{Op: "drop", Expr: "record.active == false"},
	))
}

// benchLoad runs p on lists of 10, 100 and 1000 of the load harness's records.
func benchLoad(b *testing.B, p *Program) {
	for _, n := range []int{10, 100, 1000} {
		body := benchdata.Accounts(n)
		b.Run("records="+strconv.Itoa(n), func(b *testing.B) {
			in := &Input{Resource: "users", Action: "list"}
			res, err := p.RunAfter(in, body, Shape{List: true}, make([]byte, 0, len(body)))
			if err != nil || res.Body == nil || res.Dropped == 0 || strings.Contains(string(res.Body), "password") {
				b.Fatalf("RunAfter: %+v, %v", res, err)
			}
			out := res.Body
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				res, _ := p.RunAfter(in, body, Shape{List: true}, out[:0])
				out = res.Body
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
		})
	}
}

// BenchmarkAfterListOrders is generalListProgram on 100
// records whose members come in the same order, in two orders by turns
// (every other record starts with another member), and in an order of
// their own each: what the scan's expecting the names of the record before
// costs when they differ.
func BenchmarkAfterListOrders(b *testing.B) {
	p := generalListProgram(b)
	names := []string{`"id":`, `"name":`, `"email":`, `"password":`, `"role":`, `"secret":`, `"creatorId":`, `"deleted":`, `"profile":`}
	r := rand.New(rand.NewSource(1))
	for _, order := range []string{"same", "alternating", "own"} {
		var list strings.Builder
		list.WriteString(`{"data":[`)
		for i := 1; i <= 100; i++ {
			if i > 1 {
				list.WriteByte(',')
			}
			rec := string(benchdata.AppendUser(nil, i))
			members := make([]string, 0, len(names))
			rest := rec[1 : len(rec)-1]
			for k := len(names) - 1; k > 0; k-- { // split at each top-level name
				at := strings.Index(rest, ","+names[k])
				members, rest = append(members, rest[at+1:]), rest[:at]
			}
			members = append(members, rest)
			switch {
			case order == "alternating" && i%2 == 0:
				members[0], members[len(members)-1] = members[len(members)-1], members[0]
			case order == "own":
				r.Shuffle(len(members), func(x, y int) { members[x], members[y] = members[y], members[x] })
			}
			list.WriteString("{" + strings.Join(members, ",") + "}")
		}
		list.WriteString(`],"total":100}`)
		body := []byte(list.String())
		b.Run(order, func(b *testing.B) {
			benchRecords(b, p, body, 100, func(res AfterResult) bool { return res.Dropped > 0 })
		})
	}
}

// benchRecords runs p over a list of n records, reusing one output buffer
// as intercept does, once checked by want.
func benchRecords(b *testing.B, p *Program, body []byte, n int, want func(AfterResult) bool) {
	benchRecordsIn(b, p, body, listShape, n, want)
}

// benchRecordsIn is benchRecords on a body of the given shape.
func benchRecordsIn(b *testing.B, p *Program, body []byte, shape Shape, n int, want func(AfterResult) bool) {
	in := &Input{Resource: "users", Action: "list"}
	res, err := p.RunAfter(in, body, shape, make([]byte, 0, len(body)))
	if err != nil || res.Body == nil || !want(res) {
		b.Fatalf("RunAfter: %+v, %v", res, err)
	}
	out := res.Body
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		res, _ := p.RunAfter(in, body, shape, out[:0])
		out = res.Body
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}

// dateConditions are drop conditions on a record's RFC 3339 date, false
// for every record, beside the equality and the comparison of the text.
var dateConditions = []struct{ name, cond string }{
	{"equal", `record.role == "nobody"`},
	{"text", `record.starts_at > "2030-01-01T00:00:00Z"`},
	{"date", `date(record.starts_at) > date("2030-01-01T00:00:00Z")`},
	{"now", `date(record.starts_at) > now()`},
	{"day", `date(record.day) > date("2030-01-01")`},
	{"hour", `date(record.starts_at).Hour() > 20`},
	{"since", `date(record.starts_at) > now() - duration("24h")`},
	{"age", `now() - date(record.starts_at) < duration("24h")`},
	{"hours", `(now() - date(record.starts_at)).Hours() < 24`},
	{"unix", `date(record.starts_at).Unix() > 1900000000`},
	{"format", `date(record.starts_at).Format("2006-01") == "2030-01"`},
	{"weekday", `date(record.starts_at).Weekday().String() == "Funday"`},
	{"zoned", `date(record.day, "2006-01-02", "Europe/Paris").Hour() > 20`},
	{"zonedHour", `date(record.starts_at).In(timezone("Europe/Paris")).Hour() > 20`},
	{"string", `date(record.starts_at).String() == "x"`},
	{"durationString", `(date(record.starts_at) - date("2024-01-01")).String() == "x"`},
}

// BenchmarkAfterDates measures each of dateConditions as a drop (hide
// password beside it) on 100 records holding a date and a day.
func BenchmarkAfterDates(b *testing.B) {
	body := []byte{'['}
	for i := range 100 {
		if i > 0 {
			body = append(body, ',')
		}
		body = fmt.Appendf(body, `{"id":%d,"role":"editor","starts_at":"2024-01-%02dT10:%02d:00Z","day":"2024-02-%02d","password":"x"}`,
			i, 1+i%28, i%60, 1+i%28)
	}
	benchDrops(b, append(body, ']'), Shape{List: true}, dateConditions)
}
