package rules

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"
)

// exprGen draws random conditions over a record's fields, the variables
// and constants, with every operator the conditions compile without the VM
// (and some they leave to it).
type exprGen struct{ picker }

func (g exprGen) field() string {
	return g.pick(`record.n`, `record.m`, `record.s`, `record.b`, `record.t`, `record.o`, `record.o.n`,
		`record.o.s`, `record.o.o.n`, `record.t[0]`, `record.t[-1]`, `record.t[5]`, `record.s[0]`,
		`record.missing`, `record.o.missing.n`, `record?.o?.n`, `record["n"]`, `record.o["s"]`, `record`,
		`user.id`, `index`, `action`)
}

func (g exprGen) constant() string {
	return g.pick(`0`, `1`, `2`, `-1`, `7`, `100`, `1.5`, `0.0`, `-2.5`, `1e3`, `"a"`, `"ab"`, `""`, `"é"`,
		`true`, `false`, `nil`, `9223372036854775807`, `(0 / 0)`, `(1 / 0)`)
}

func (g exprGen) value(depth int) string {
	if depth <= 0 {
		if g.r.Intn(3) == 0 {
			return g.constant()
		}
		return g.field()
	}
	d := depth - 1
	switch g.r.Intn(16) {
	case 15:
		return g.dateValue(d)
	case 14:
		return g.builtList(d)
	case 13:
		return g.letOrSlice(d)
	case 12:
		return g.builtString(d)
	case 0, 1:
		return g.field()
	case 2:
		return g.constant()
	case 3:
		return fmt.Sprintf("(%s %s %s)", g.value(d), g.pick("+", "-", "*", "/", "%", "**"), g.value(d))
	case 4:
		return fmt.Sprintf("len(%s)", g.value(d))
	case 5:
		return fmt.Sprintf("(%s ?? %s)", g.value(d), g.value(d))
	case 6:
		return fmt.Sprintf("(%s ? %s : %s)", g.cond(d), g.value(d), g.value(d))
	case 7:
		return "-" + g.field()
	case 8:
		switch g.r.Intn(7) {
		case 6:
			return g.valueLoop(d)
		case 5:
			return g.libraryCall(d)
		case 4:
			return fmt.Sprintf("%s(%s)", g.pick("first", "last"), g.list())
		case 0:
			return fmt.Sprintf("abs(%s)", g.value(d))
		case 1:
			return fmt.Sprintf("%s(%s, %s)", g.pick("max", "min"), g.value(d), g.pick(`0`, `-1.5`, `record.n`, `record.t`, `record.o.n`))
		}
		if g.r.Intn(2) == 0 {
			return fmt.Sprintf("len(filter(%s, %s))", g.list(), g.predicate(d)) // expr's optimizer makes it count
		}
		return fmt.Sprintf("count(%s, %s)", g.list(), g.predicate(d))
	default:
		return g.cond(d)
	}
}

func (g exprGen) cond(depth int) string {
	d := max(depth-1, 0)
	switch g.r.Intn(12) {
	case 9: // integer arithmetic on one field, compared with an integer
		v := g.field()
		for range 1 + g.r.Intn(3) {
			v = fmt.Sprintf("(%s %s %s)", v, g.pick("+", "-", "*", "%"), g.pick("0", "1", "2", "3", "-1", "7", "9223372036854775807"))
		}
		return fmt.Sprintf("(%s %s %s)", v, g.pick("==", "!=", "<", "<=", ">", ">="), g.pick("0", "1", "2", "-1", "6"))
	case 0, 1, 2:
		return fmt.Sprintf("(%s %s %s)", g.value(d), g.pick("==", "!=", "<", "<=", ">", ">="), g.value(d))
	case 3:
		return fmt.Sprintf("(%s %s %s)", g.cond(d), g.pick("&&", "||", "and", "or"), g.cond(d))
	case 4:
		return fmt.Sprintf("!%s", g.cond(d))
	case 5:
		if g.r.Intn(4) == 0 { // a range, its ends numbers and fields
			end := func() string { return g.pick(`0`, `1`, `2`, `-1`, `7`, `1.5`, `3.9`, `record.n`) }
			return fmt.Sprintf("(%s in %s..%s)", g.value(d), end(), end())
		}
		return fmt.Sprintf("(%s in %s)", g.value(d), g.pick(`["a", "b"]`, `[1, 2, 1.5]`, `["a", 1, nil]`, `record.t`, `record.o`, `[record.s, "a"]`, `[record.n, nil, record.o.n]`, `[]`, `nil`))
	case 6:
		return fmt.Sprintf("(%s %s %s)", g.value(d), g.pick("contains", "startsWith", "endsWith"), g.value(d))
	case 7:
		return fmt.Sprintf("(%s matches %s)", g.value(d), g.pick(`"^a"`, `"b$"`, `"."`, `record.s`, `("^" + record.s)`, `("(" + record.s)`, g.value(d)))
	case 8:
		return g.field()
	case 10:
		return fmt.Sprintf("%s(%s, %s)", g.pick("all", "any", "none", "one"), g.list(), g.predicate(d))
	}
	return g.pick(`true`, `false`)
}

// libraryCall is a call of one of expr's library built-ins on any value.
func (g exprGen) libraryCall(d int) string {
	v := g.value(d)
	switch g.r.Intn(6) {
	case 3:
		return fmt.Sprintf("{%s: %s, %s: %s}%s", g.pick(`"a"`, `"s"`, `(record.s)`), v, g.pick(`"a"`, `"b"`, `""`), g.value(d),
			g.pick(`.a`, `[record.s]`, `[record.n]`, `[nil]`, ``))
	case 0:
		return fmt.Sprintf("%s(%s)", g.pick("int", "float", "string", "type", "round", "ceil", "floor", "toJSON",
			"fromJSON", "toBase64", "uniq", "mean", "median", "bitnot", "fromPairs", "duration", "upper", "lower",
			"string", "join", "placeholder", "lookup", "pathescape", "queryescape"), v)
	case 1:
		return fmt.Sprintf("%s(%s, %s)", g.pick("trimPrefix", "trimSuffix", "indexOf", "lastIndexOf", "hasPrefix",
			"hasSuffix", "split", "splitAfter", "join", "trim", "get", "take"), v, g.pick(`"a"`, `""`, `1`, `record.s`, `nil`))
	case 2:
		return fmt.Sprintf("len(%s(%s))", g.pick("keys", "values", "toPairs", "split"), g.pick(`record.o`, `record.s`, `record.t`, v))
	case 4:
		return fmt.Sprintf("count(%s)", g.list())
	}
	return fmt.Sprintf("replace(%s, %s, %s)", v, g.pick(`"a"`, `"é"`, `1`, `""`), g.pick(`"b"`, `""`, `"cD"`))
}

// builtString is a string built from others: joined, printed, cased,
// replaced.
func (g exprGen) builtString(d int) string {
	v := g.value(d)
	switch g.r.Intn(4) {
	case 0:
		return fmt.Sprintf("(%s + %s)", g.pick(`string(record.n)`, `record.s`, `upper(record.s)`, `"a"`, v),
			g.pick(`"aB"`, `""`, `record.o.s`, `string(record.o.n)`, `join(record.t, "-")`, `lower(record.o.s)`, v))
	case 1:
		return fmt.Sprintf("%s(%s)", g.pick("string", "upper", "lower"), g.pick(`record.n`, `record.s`, `record.o.n`, `record.b`, `record.missing`, v))
	case 2:
		return fmt.Sprintf("join(%s%s)", g.pick(`record.t`, `record.o.t`, `record.s`, `["a", "B"]`, v), g.pick(``, `, "-"`, `, ""`, `, record.s`))
	}
	return fmt.Sprintf("replace(%s, %s, %s)", g.pick(`record.s`, `record.o.s`, v), g.pick(`"a"`, `"é"`, `""`, `record.s`), g.pick(`"b"`, `""`, `"cD"`, `record.o.s`))
}

// dateValue is a date read from a record's text or a constant, compared
// with another, or a value computed from it.
func (g exprGen) dateValue(d int) string {
	date := func() string {
		return fmt.Sprintf("date(%s)", g.pick(`record.s`, `record.o.s`, `"2024-01-15"`, `"2024-01-15T10:00:00.5+01:00"`, g.value(d)))
	}
	if g.r.Intn(3) == 0 { // a method of the date, or of a duration
		if g.r.Intn(2) == 0 {
			return fmt.Sprintf(g.pick(`%s.Unix() > 1705300000`, `%s.Format("2006-01") == "2024-01"`, `%s.Weekday().String() == "Monday"`,
				`%s.AddDate(0, 1, -1).Day()`, `(now() - %s).Hours() > 24`), date())
		}
		return fmt.Sprintf(g.pick(`(%s - %s).Hours() < 24`, `%s.Before(%s)`, `%s.UTC().Hour() == %s.Hour()`,
			`%s.Truncate(duration("24h")).UnixMilli() - %s.UnixMilli()`), date(), date())
	}
	return fmt.Sprintf(g.pick(`%s %s %s`, `%s %s now()`, `%s %s %s + duration("1h")`), date(), g.pick("==", "!=", "<", "<=", ">", ">="), date())
}

// builtList is a list map or filter builds, alone or read by what reads
// lists.
func (g exprGen) builtList(d int) string {
	l := fmt.Sprintf("map(%s, %s)", g.list(), g.pick(`#`, `#.n`, `# ?? 1`, `# * 1.0`, `string(#)`, `upper(#)`, `[#]`, `#index`,
		`0 / 0`, `#.s[0:1]`, `len(#)`, g.value(d)))
	if g.r.Intn(5) == 0 { // sorted or grouped by a key
		l = fmt.Sprintf(g.pick("sortBy(%s, %s)", "sortBy(%s, %s, \"desc\")", "groupBy(%s, %s)"), g.list(), g.pick(`#`, `#.n`, `len(#)`, `# ?? 0`, `-#`))
	} else if g.r.Intn(2) == 0 {
		l = fmt.Sprintf("filter(%s, %s)", g.list(), g.predicate(d))
		if g.r.Intn(3) == 0 {
			l = fmt.Sprintf("map(%s, %s)", l, g.pick(`#`, `#.n`, `# + 1`))
		}
	}
	return fmt.Sprintf(g.pick(`%s`, `len(%s)`, `max(%s)`, `min(%s, 0)`, `join(%s, "-")`, `first(%s)`, `"a" in %s`,
		`any(%s, # == 1)`, `type(%s)`, `sum(%s)`, `string(%s)`, `toJSON(%s)`, `%s[0]`, `%s[-1]`, `%s[record.n] ?? 0`), l)
}

// letOrSlice is a value kept in a variable (let), read again in the
// expression after it, or a slice of a string or a list.
func (g exprGen) letOrSlice(d int) string {
	if g.r.Intn(2) == 0 {
		return fmt.Sprintf("(let %s = %s; %s)", g.pick("x", "p"), g.pick(`record.o`, `record.t`, `record.s`, `record.n`, g.value(d)),
			g.pick(`x`, `p`, `x.n`, `p?.s`, `x.o.n`, `len(p)`, `x + 1`, `let x = p; x`, `(x ?? 0) * 2`, `any(x, # == 1)`, `p == record.o`, g.value(d)))
	}
	bound := func() string { return g.pick(``, `0`, `1`, `2`, `-1`, `-5`, `9`, `1.5`, `record.n`, `"a"`, `nil`) }
	return fmt.Sprintf("%s[%s:%s]", g.pick(`record.s`, `record.t`, `record.o.s`, `record.o`, `record.n`, `"héllo"`, `[1, 2, 3]`, g.value(d)), bound(), bound())
}

// valueLoop is a predicate built-in answering a value: a sum, an element
// found, its index, and the forms expr's optimizer folds into them.
func (g exprGen) valueLoop(d int) string {
	l := g.list()
	switch g.r.Intn(7) {
	case 6:
		return fmt.Sprintf("reduce(%s, %s%s)", l, g.pick(`#acc + #`, `#acc ?? #`, `#index`, `# > #acc ? # : #acc`, `#acc + len(#)`, `[#acc, #]`),
			g.pick(``, `, 0`, `, ""`, `, nil`, `, []`))
	case 0:
		return fmt.Sprintf("sum(%s)", l)
	case 1:
		return fmt.Sprintf("sum(%s, %s)", l, g.pick(`#`, `#.n`, `len(#)`, `# * 2`, `1.5`))
	case 2:
		return fmt.Sprintf("sum(map(%s, %s))", l, g.pick(`#.n`, `# ?? 0`))
	case 3:
		return fmt.Sprintf("%s(%s, %s)", g.pick("find", "findIndex", "findLast", "findLastIndex"), l, g.predicate(d))
	case 4:
		return fmt.Sprintf(g.pick("filter(%s, %s)[0]", "filter(%s, %s)[-1]", "last(filter(%s, %s))"), l, g.predicate(d))
	}
	return fmt.Sprintf(g.pick("map(filter(%s, %s), %s)[0]", "map(filter(%s, %s), %s)[-1]"), l, g.predicate(d), g.pick(`#.n`, `#`, `#index`))
}

// list is a value the predicate built-ins loop over: arrays, and the
// values whose loops the VM begins otherwise (a string's bytes, an empty
// object) or fails to begin.
func (g exprGen) list() string {
	return g.pick(`record.t`, `record.o`, `record.s`, `record.o.t`, `record.missing`, `record.n`,
		`[1, 2, 1.5]`, `["a", "b", nil]`, `[]`, `nil`, `record.t ?? []`, `(1..3)`, `(record.n..2)`)
}

// predicate is a condition on the element a predicate built-in is on (#,
// its members), alone or beside another condition.
func (g exprGen) predicate(depth int) string {
	item := g.pick(`#`, `#.n`, `.s`, `#?.o?.n`, `#[0]`, `len(#)`)
	p := fmt.Sprintf("(%s %s %s)", item, g.pick("==", "!=", "<", ">=", "in"), g.pick(`1`, `"a"`, `97`, `nil`, `0`, `[1, "a"]`, g.value(0)))
	switch g.r.Intn(5) {
	case 0:
		return fmt.Sprintf("(%s %s %s)", p, g.pick("&&", "||"), g.cond(depth))
	case 1:
		return fmt.Sprintf("%s(#, %s)", g.pick("any", "all"), g.pick(`# == 1`, `# in ["a"]`, `# != nil`))
	case 2:
		return g.item()
	}
	return p
}

// item is a predicate's element, or a member of it, as a condition.
func (g exprGen) item() string { return g.pick(`#`, `#.b`, `#?.o?.b`) }

// jsonGen draws records: the fields exprGen reads, of every JSON type,
// with duplicate keys, escapes and numbers of every form.
type jsonGen struct{ r *rand.Rand }

func (g jsonGen) scalar() string {
	return g.pick(`0`, `1`, `2`, `-1`, `7`, `100`, `1.5`, `1.0`, `-0`, `2e0`, `1E2`, `0.1`, `99999999999999999999`,
		`9223372036854775807`, `-9223372036854775808`, `9999999999999999999`, `999999999`, `1234567890`,
		`"a"`, `"ab"`, `""`, `"b"`, `"\u0061"`, `"é"`, `"aB"`, `"É"`, `"2024-01-15"`, `"2024-01-15T09:00:00.5Z"`, `"2024-02-30"`, `"a\"b"`, `"\ud83d\ude00"`, `true`, `false`, `null`)
}

func (g jsonGen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }

func (g jsonGen) value(depth int) string {
	if depth <= 0 || g.r.Intn(3) > 0 {
		return g.scalar()
	}
	if g.r.Intn(2) == 0 {
		n := g.r.Intn(4)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = g.value(depth - 1)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return g.object(depth - 1)
}

func (g jsonGen) object(depth int) string {
	return "{" + strings.Join(g.members(depth), ", ") + "}"
}

// objectKeys are the names object's members take.
var objectKeys = []string{"n", "m", "s", "b", "t", "o", "N", `\u006e`, "x"}

// members is the members of an object as object writes them, in order.
func (g jsonGen) members(depth int) []string {
	n := g.r.Intn(6)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.member(objectKeys[g.r.Intn(len(objectKeys))], depth)
	}
	parts = append(parts, fmt.Sprintf(`"t":%s`, g.value(depth)))
	g.r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	return parts
}

// member is a member named key with a random value.
func (g jsonGen) member(key string, depth int) string {
	return fmt.Sprintf("%q: %s", key, g.value(depth))
}

// TestFastConditionsAgreeWithVMOnRandomExpressions is the class: for
// random conditions and random records, the compiled condition answers
// what the VM answers on the decoded record, reading the record's JSON
// (members scanned or not, names matched exactly and, as the before phase
// matches them, under folding) and reading the decoded record; it leaves an
// evaluation to the VM only where the VM fails or answers no boolean.
func TestFastConditionsAgreeWithVMOnRandomExpressions(t *testing.T) {
	forCompiledPrograms(t, "conditions", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		func(_ *rand.Rand, eg exprGen) (*program, bool) {
			p, err := compileExpr(eg.cond(3), true)
			return p, err == nil // refused when it compiles: nothing runs
		},
		func(p *program) bool { return p.cond != nil },
		func(p *program, raw string) { checkFastOnRecord(t, p, raw) })
}

// forCompiledPrograms makes 1,500 programs under each seed with gen (false:
// nothing to run) and calls check on six random records for each one the
// compiled path serves (served); at least 90% of them must be served.
func forCompiledPrograms(t *testing.T, what string, seeds []int64, gen func(*rand.Rand, exprGen) (*program, bool), served func(*program) bool, check func(p *program, raw string)) {
	t.Helper()
	for _, seed := range seeds {
		r := rand.New(rand.NewSource(seed))
		eg, jg := exprGen{picker{r}}, jsonGen{r}
		compiled, fast := 0, 0
		for range 1500 {
			p, ok := gen(r, eg)
			if !ok {
				continue
			}
			compiled++
			if !served(p) {
				continue
			}
			fast++
			for range 6 {
				check(p, jg.object(2))
			}
		}
		t.Logf("seed %d: %d compiled, %d without the VM", seed, compiled, fast)
		if fast*10 < compiled*9 {
			t.Errorf("seed %d: %d of %d %s compiled without the VM", seed, fast, compiled, what)
		}
	}
}

// checkFastOnRecord compares p's fast condition with the VM on raw.
func checkFastOnRecord(t *testing.T, p *program, raw string) {
	t.Helper()
	if !json.Valid([]byte(raw)) {
		t.Fatalf("generated invalid JSON %s", raw)
	}
	user := map[string]any{"id": "a"}
	vmEnv := &Env{Record: Decode([]byte(raw)), User: user, Action: "list", Index: 1, Get: get}
	agree(t, p, vmEnv, &Env{Record: vmEnv.Record, User: user, Action: "list", Index: 1, Get: get}, raw+" (decoded)")
	fields := []recordFields{{raw: raw}}
	if i := skipSpace(raw, 0); raw[i] == '{' {
		members, _ := scanMembers(raw, i, nil, nil, nil, 0, false)
		fields = append(fields, recordFields{raw: raw, members: members, state: scanned})
		if reads := readPaths(p.record); len(reads) > 0 && !p.record.whole {
			// as the after phase scans it: into the objects it reads, only the members named
			kids, tree := &nested{}, newPathTree(reads)
			members, _ := scanMembers(raw, i, nil, tree, kids, 0, true)
			fields = append(fields, recordFields{raw: raw, members: members, state: scanned, kids: kids})
			// and with its members found by the field naming them
			var slots memberSlots
			slots.use(fieldSlotsOf(tree, p.record.tops()))
			fields = append(fields, recordFields{raw: raw, members: members, state: scanned, kids: kids, slots: &slots})
		}
	}
	for _, f := range fields {
		agree(t, p, vmEnv, &Env{fields: &f, User: user, Action: "list", Index: 1, Get: get}, raw)
	}
	// and as the before phase reads a body (no two names folding alike, or
	// the body never reaches the rules): every name under folding
	if _, dup := FoldedDuplicate([]byte(raw)); dup {
		return
	}
	foldUser := map[string]any{"ID": "a"}
	vmEnv = &Env{Record: vmEnv.Record, User: foldUser, Action: "list", Index: 1, Get: getFolded, fold: true}
	for _, f := range fields[:min(len(fields), 2)] { // the others are scanned against trees of exact names
		f.fold = true
		agree(t, p, vmEnv, &Env{fields: &f, User: foldUser, Action: "list", Index: 1, Get: getFolded, fold: true}, raw+" (folded)")
	}
}

// FuzzFastConditions compares a fast condition with the VM on any
// condition and any JSON record.
func FuzzFastConditions(f *testing.F) {
	f.Add(`record.o.n % 2 == 1`, `{"o":{"n":3}}`)
	f.Add(`len(record.s) > 1 && record.t[0] in ["a"]`, `{"s":"é","t":["a"]}`)
	f.Add(`record.n * 3 / 2 >= 1.5 || record.b ?? true`, `{"n":1.0,"b":null}`)
	f.Add(`any(record.t, #.n > 1) && sum(record.t, #.n ?? 0) < 5`, `{"t":[{"n":1},{"N":2},3]}`)
	f.Add(`type(record.s) == "string" && indexOf(record.s, "b") > 0 || "x" in record.o`, `{"s":"ab","o":{"x":1}}`)
	f.Add(`find(record.t, # > 1) == max(record.t) || int(first(record.t)) == 1`, `{"t":[1,2.5,"3"]}`)
	f.Add(`upper(record.s) + string(record.n) == "AB1" || split(record.s, "b")[-1] == ""`, `{"s":"a\u0062","n":1}`)
	f.Add(`join(record.t, "-") == replace(record.s, "é", "-") && len(split(record.s, "")) == 3`, `{"t":["a","b"],"s":"aéb"}`)
	f.Add(`let o = record.o; max(map(o.t, #.n ?? 0)) > 1 || record.s[1:] in [o.s, "x"]`, `{"o":{"t":[{"n":2},{}],"s":"b"},"s":"ab"}`)
	f.Add(`len(filter(map(record.t, # * 1.0), # > 1)) == 1 && join(filter(record.t, # != 2), "") == ""`, `{"t":[1,2.5]}`)
	f.Add(`date(record.s) >= date("2024-01-15T00:00:00+01:00") || date(record.o.s) < now()`, `{"s":"2024-01-14","o":{"s":"2024-01-15T10:00:00Z"}}`)
	f.Add(`"n" in keys(record.o) && get(record.t, -1) == 2 || (date(record.s) + duration("1h")).Hour() == 1`, `{"o":{"n":1,"n":2},"t":[1,2],"s":"2024-01-15"}`)
	f.Add(`record.n in 1..record.o.n || record.s not in -1..1.5`, `{"n":2.0,"o":{"n":"3"},"s":9007199254740993}`)
	f.Add(`date(record.s).Unix() > 1 && (now() - date(record.o.s)).Hours() > 1 || date(record.s).Format("2006") == "2024"`, `{"s":"2024-01-15","o":{"s":"2024-01-15T09:00:00.5+01:00"}}`)
	f.Add(`findLast(record.t, # > 1) == 2.5 || findLastIndex(record.t, #.n == 1) == 0 || filter(record.t, # != 1)[-1] == "3"`, `{"t":[1,2.5,"3"]}`)
	f.Add(`sortBy(record.t, #)[0] == 1 || len(groupBy(record.o.t, #.n)) > 1`, `{"t":[2,1],"o":{"t":[{"n":1},{"n":1}]}}`)
	f.Add(`reduce(record.t, #acc + #, 0) > 2 || reduce(record.t, # > #acc ? # : #acc) == 2.5`, `{"t":[1,2.5,"x"]}`)
	f.Fuzz(func(t *testing.T, src, raw string) {
		if !json.Valid([]byte(raw)) || len(src) > 200 {
			return
		}
		p, err := compileExpr(src, true)
		if err != nil || p.cond == nil || p.vars&^(varRecord|varUser) != 0 {
			return
		}
		checkFastOnRecord(t, p, raw)
	})
}

// TestFastValuesAgreeWithVMOnRandomExpressions is the same class for
// values (set, default, transform): the value computed without the VM is
// the VM's, of the same type, or the evaluation is left to the VM where
// the VM fails.
func TestFastValuesAgreeWithVMOnRandomExpressions(t *testing.T) {
	forCompiledPrograms(t, "values", []int64{4, 5, 6},
		func(r *rand.Rand, eg exprGen) (*program, bool) {
			src := eg.value(3)
			if r.Intn(4) == 0 {
				src = eg.pick("lower", "upper", "trim") + "(" + src + ")"
			}
			p, err := compileExpr(src, false)
			return p, err == nil && !p.static
		},
		func(p *program) bool { return p.fast != nil },
		func(p *program, raw string) { checkFastValue(t, p, raw) })
}

// checkFastValue compares p's compiled value with the VM's on raw, and the
// JSON valueJSON writes of it with appendJSON of the decoded value.
func checkFastValue(t *testing.T, p *program, raw string) {
	t.Helper()
	checkFastValueAs(t, p, raw, false)
	if _, dup := FoldedDuplicate([]byte(raw)); !dup {
		checkFastValueAs(t, p, raw, true) // as the before phase reads a body
	}
}

// checkCompiledValues requires each of exprs compiled without the VM and
// compares it with the VM on each of records.
func checkCompiledValues(t *testing.T, exprs, records []string) {
	t.Helper()
	for _, src := range exprs {
		p, err := compileExpr(src, false)
		if err != nil || p.fast == nil {
			t.Fatalf("%s: err %v, compiled without the VM %v", src, err, p != nil && p.fast != nil)
		}
		for _, raw := range records {
			checkFastValue(t, p, raw)
		}
	}
}

// pairs are the records {"a": x, "b": y} for every x of xs and y of ys.
func pairs(a string, xs []string, b string, ys []string) []string {
	var records []string
	for _, x := range xs {
		for _, y := range ys {
			records = append(records, fmt.Sprintf("{%q:%s,%q:%s}", a, x, b, y))
		}
	}
	return records
}

// checkFastValueAs is checkFastValue with names matched exactly, or under
// folding (fold).
func checkFastValueAs(t *testing.T, p *program, raw string, fold bool) {
	t.Helper()
	src := p.src
	user, getter := map[string]any{"id": "a"}, get
	if fold {
		user, getter = map[string]any{"ID": "a"}, getFolded
	}
	vmEnv := &Env{Record: Decode([]byte(raw)), User: user, Action: "list", Index: 1, Get: getter, fold: fold}
	withTestFunctions(vmEnv)
	want, err := p.runVM(vmEnv)
	members, _ := scanMembers(raw, 0, nil, nil, nil, 0, false)
	env := &Env{fields: &recordFields{raw: raw, members: members, state: scanned, fold: fold}, User: user, Action: "list", Index: 1, Get: getter, fold: fold}
	withTestFunctions(env)
	v, ok := p.fast(env)
	var got any
	if ok {
		got = v.decoded()
		if enc, scalar := v.appendScalarJSON(nil); scalar {
			if want, err := appendJSON(nil, got); err != nil || string(enc) != string(want) {
				t.Errorf("%s on %s: JSON %s, decoded %s (%v)", src, raw, enc, want, err)
			}
		}
	}
	switch {
	case ok && err != nil:
		t.Errorf("%s on %s: fast %#v, VM error %v", src, raw, got, err)
	case !ok && err == nil:
		t.Errorf("%s on %s: left to the VM, which answers %#v", src, raw, want)
	case ok && typedText(got) != typedText(want):
		t.Errorf("%s on %s: fast %#v, VM %#v", src, raw, got, want)
	}
}

// withTestFunctions gives env the environment's functions: placeholder
// and lookup answer from their argument (lookup of "/err" fails, of
// "/none" is nil), uuid a fixed one, the escapes the product's.
func withTestFunctions(env *Env) {
	env.Placeholder = func(s string) string { return "<" + s + ">" }
	env.Lookup = func(path string) (any, error) {
		switch path {
		case "/err":
			return nil, fmt.Errorf("lookup(%q): 502", path)
		case "/none":
			return nil, nil
		}
		return map[string]any{"path": path, "n": 1.0}, nil
	}
	env.UUID = func() string { return "6f1c2a40-0000-4000-8000-000000000000" }
	env.PathEscape, env.QueryEscape = pathEscape, queryEscape
}

// typedText prints v with the type of each value in it (fmt's %#v prints
// an int and a whole float64 inside a list alike).
func typedText(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = typedText(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			keys[i] = fmt.Sprintf("%q: %s", k, typedText(x[k]))
		}
		return "{" + strings.Join(keys, ", ") + "}"
	}
	return fmt.Sprintf("%T(%#v)", v, v)
}
