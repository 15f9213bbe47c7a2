package rules

import (
	"fmt"
	"testing"
)

// TestFastConditionsAgreeWithVM runs every condition both ways, on
// records and users of every JSON type, and requires the same answer.
func TestFastConditionsAgreeWithVM(t *testing.T) {
	fast := []string{
		`record.deleted == true`, `record.deleted != true`, `record.active == false`,
		`user?.id != record.creatorId`, `user.id == record.owner.id`, `record.a.b.c == nil`,
		`record.n == 1`, `record.n == 1.0`, `record.n != 2.5`, `record.s == "x"`, `record.s == 'x' && record.n == 1`,
		`!(record.n == 1) || record.deleted == true`, `not (record.s != "x")`, `record.tags[0] == "a"`,
		`record.tags[-1] == "b"`, `record["weird key"] == 1`, `action == "list"`, `index == 0`, `true`,
		`record == nil`, `record.profile == nil`, `old?.role == record.role`,
		`record.s matches "^x"`, `record.creatorId matches "^u[0-9]$" && record.n == 1`,
		`record.n > 1`, `record.s in ["x", "y"]`, `len(record.tags) == 2`, `record.n % 2 == 1`,
		`record.n * 3 / 2 >= 1.5`, `-record.n < 0`, `record.n ** 2 == 1`, `len(record.s ?? "") > 0`,
		`record.s contains "x"`, `record.s startsWith "x" || record.s endsWith "y"`, `index in [0, 2]`,
		`(record.deleted ? 1 : 2) == 1`, `record.tags[0] in record.tags`, `record.owner.id in ["u1"]`,
		`record.deleted`, `record.n + 1 > record.n`, `record.s + "y" == "xy"`, `"a" in record.tags`,
		`0 > 0/0`, `0/0 <= record.n`, `record.n / 0 - record.n / 0 >= 0`, `!(0/0 < 1)`,
		`(record.deleted ? 1 : record) == 1`, `len(action) != (index == 0 ? 4 : record.n)`,
		`(record.deleted ? "x" : record.n) == "x"`, `(record.active ? 1 : record.n) != 1`,
		`all(record.tags, # == "a")`, `any(record.tags, # == 97)`, `count(record, true) == 1`, `one(record.tags, # == "b")`,
		`abs(record.n - 5) > 1`, `max(record.n, 2) == 2`, `min(record.n, record.s) == 1`, `max(-record.n) < 0`, `min(record.tags) == nil`,
		`first(record.tags) == "a"`, `last(record.tags) == "b"`, `trimPrefix(record.s) == "x"`,
		`int(record.n) == 1`, `type(record.tags) == "array"`, `string(record.n) == "1"`, `indexOf(record.s, "x") == 0`,
		`len(split(record.s ?? "", "")) == 1`, `toJSON(record.tags) == "[\n  \"a\",\n  \"b\"\n]"`,
		`date(record.s) > date("2024-01-01")`, `sum(record.tags, len(#)) == 2`, `find(record.tags, # == "b") == "b"`,
		`findIndex(record.tags, # == "b") == 1`, `filter(record.tags, # != "a")[0] == "b"`, `sum(map(record.tags, len(#))) == 2`,
		`map(filter(record.tags, # != "a"), # + "!")[0] == "b!"`, `sum(record.n ?? []) == 0`,
		`reduce(record.tags, #acc + 1, 0) == 2`, `map(record.tags, # + "x")[0] == "ax"`, `repeat(record.s, 2) == "xx"`,
		`len(sortBy(record.tags, #)) == 2`, `record.s matches record.p`, `{"a": record.s}.a == "x"`,
	}
	slow := []string{`$env.placeholder("{x}") == "x"`}
	records := []any{
		nil, "str", 3, []any{1},
		map[string]any{},
		map[string]any{"deleted": true, "active": false, "creatorId": "u1", "n": 1, "s": "x", "tags": []any{"a", "b"}},
		map[string]any{"deleted": "true", "n": 1.0, "s": "y", "owner": map[string]any{"id": "u1"}, "weird key": 1},
		map[string]any{"n": 2.5, "s": nil, "a": map[string]any{"b": "str"}, "profile": map[string]any{}, "role": "admin"},
		map[string]any{"creatorId": nil, "tags": "ab", "owner": "u1", "deleted": false},
	}
	users := []any{nil, map[string]any{"id": "u1"}, map[string]any{"id": nil}, "u1"}
	olds := []any{nil, map[string]any{"role": "admin"}}
	check := func(src string, wantFast bool) {
		p, err := compileExpr(src, true)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if (p.cond != nil) != wantFast {
			t.Fatalf("%s: fast path %v, want %v", src, p.cond != nil, wantFast)
		}
		if p.cond == nil {
			return
		}
		for ri, rec := range records {
			for ui, user := range users {
				for oi, old := range olds {
					env := &Env{Record: rec, User: user, Old: old, Action: "list", Index: ri % 2, Get: get}
					agree(t, p, env, env, fmt.Sprintf("record %d, user %d, old %d", ri, ui, oi))
				}
			}
		}
	}
	for _, src := range fast {
		check(src, true)
	}
	for _, src := range slow {
		check(src, false)
	}
}

// TestFastConditionsReadJSONAsTheVMReadsRecords gives the fast conditions
// the record as JSON (members scanned, and not) and the VM the decoded
// record, and requires the same answer.
func TestFastConditionsReadJSONAsTheVMReadsRecords(t *testing.T) {
	conds := []string{
		`record.deleted == true`, `record.n == 1`, `record.n == 1.5`, `record.s == "x"`, `record.s == nil`,
		`record.owner.id == user.id`, `record.tags[1] == "b"`, `record.tags[-1] == "b"`, `record.s[0] == "x"`,
		`record.missing == nil && record.deleted != false`, `record["we\"ird"] == 1`,
		`record == nil`, `record != nil && record.n != 2`, `record.owner == nil`, `record.tags == "ab"`,
		`record.n == record.deleted`, `record.s == record.owner`, `record.n == 1 || record.s == "\\"`,
		`record.s matches "^x$"`, `record.s matches "\\\\" || record.n == 1`, `not (record.s matches "y")`,
	}
	records := []string{
		`{"deleted":true,"n":1,"s":"x","tags":["a","b"],"owner":{"id":"u1"}}`,
		`{"deleted":"true","n":1.0,"s":"xy","tags":"ab","owner":"u1","we\"ird":1}`,
		`{"n":1.5,"s":null,"n":2,"owner":{"id":"u2","id":"u1"}}`,
		`{"s":"\u0078","d\u0065leted":false}`, `[1,2]`, `"str"`, `3`, `null`, `{}`,
		`{"n":true,"deleted":true,"s":{"a":1},"owner":{"a":1}}`, `{"n":1e0,"s":"\\","tags":[]}`,
		`{"n":null,"deleted":null,"s":"","owner":null,"tags":{}}`, `{"n":10000000000000000001,"owner":1}`,
	}
	user := map[string]any{"id": "u1"}
	for _, src := range conds {
		p, err := compileExpr(src, true)
		if err != nil || p.cond == nil {
			t.Fatalf("%s: err %v, fast %v", src, err, p != nil && p.cond != nil)
		}
		for _, raw := range records {
			vmEnv := &Env{Record: Decode([]byte(raw)), User: user, Get: get}
			fields := []recordFields{{raw: raw}}
			if raw[0] == '{' {
				members, end := scanMembers(raw, 0, nil, nil, nil, 0, false)
				if end != len(raw) {
					t.Fatalf("scanMembers(%s) = %d", raw, end)
				}
				fields = append(fields, recordFields{raw: raw, members: members, state: scanned})
			}
			for _, f := range fields {
				agree(t, p, vmEnv, &Env{fields: &f, User: user, Get: get}, fmt.Sprintf("%s (scanned first: %v)", raw, f.state == scanned))
			}
		}
	}
}

// fastTest runs p's compiled condition alone, as testProgram does before
// it turns to the VM.
func fastTest(p *program, env *Env) (result, ok bool) {
	env.makeRoom(p.slots)
	return p.cond(env)
}

// agree requires p's fast condition on fastEnv to answer what the VM
// answers on vmEnv, or to leave the evaluation to the VM when the VM fails.
func agree(t *testing.T, p *program, vmEnv, fastEnv *Env, on string) {
	t.Helper()
	withTestFunctions(vmEnv)
	withTestFunctions(fastEnv)
	out, err := p.run(vmEnv) // always the VM
	got, ok := fastTest(p, fastEnv)
	switch {
	case err != nil && ok:
		t.Errorf("%s on %s: fast %v, VM error %v", p.src, on, got, err)
	case err == nil && !ok:
		if _, isBool := out.(bool); isBool || out == nil {
			t.Errorf("%s on %s: left to the VM, which answers %v", p.src, on, out)
		}
	case err == nil && out == nil:
		if got {
			t.Errorf("%s on %s: fast true, VM nil", p.src, on)
		}
	case err == nil && got != out:
		t.Errorf("%s on %s: fast %v, VM %v", p.src, on, got, out)
	}
}

// TestFastConditionsAllocateNothing: reading a nested field, a member by
// a computed name or index, arithmetic, len and in over a record's JSON
// decode nothing and allocate nothing.
func TestFastConditionsAllocateNothing(t *testing.T) {
	raw := `{"id":7,"name":"Jane","role":"viewer","tags":["a","b"],"profile":{"bio":"x","address":{"city":"Berlin","country":"DE"},"age":42}}`
	members, _ := scanMembers(raw, 0, nil, nil, nil, 0, false)
	for _, src := range []string{
		`record.profile.address.country == "DE"`, `record.profile.age >= 100`, `record.id % 50 == 0`,
		`record.id * 3 % 7 == 0 || record.role != "admin"`, `len(record.name) > 300`, `len(record.name ?? "") >= 2`,
		`record.role in ["root", "owner"]`, `"a" in record.tags`, `record.tags[-1] == "b"`, `record.profile.bio startsWith "x"`,
		`action == "list" && resource != "orders" && index >= 0`,
		`record.profile[record.role] == nil`, `record.tags[record.id - 6] == "b"`, `{"viewer": 1}[record.role] == 1`,
	} {
		p, err := compileExpr(src, true)
		if err != nil || p.cond == nil {
			t.Fatalf("%s: err %v, compiled without the VM %v", src, err, p != nil && p.cond != nil)
		}
		env := &Env{fields: &recordFields{raw: raw, members: members, state: scanned}, Action: "list", Resource: "users", Index: 1, Get: get}
		if n := testing.AllocsPerRun(100, func() {
			if _, ok := fastTest(p, env); !ok {
				t.Fatalf("%s: left to the VM", src)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per evaluation", src, n)
		}
	}
}

// TestLetsAndSlicesAnswerAsExpr runs lets (two of one name side by side,
// one read by the next, one inside a predicate) and slices of
// strings and lists (bounds from the end, out of range, fractional, left
// out, not numbers) without the VM, on records of every kind where they
// read, and requires the VM's answer or the VM's failure.
func TestLetsAndSlicesAnswerAsExpr(t *testing.T) {
	exprs := []string{
		`let p = record.o; p.n`, `(let x = record.n; x + 1) + (let x = 2; x)`, `let x = record.s; let y = x + "!"; y + x`, `let p = record.o; any(record.t, let q = # ?? 0; q == p.n)`,
		`let t = record.t; t[0] ?? t`, `let v = record; v.s`, `record.s[1:]`, `record.s[:2]`, `record.s[-2:]`,
		`record.s[1:-1]`, `record.s[5:1]`, `record.s[-9:9]`, `record.s[1.9:2.1]`, `record.s[record.n:]`,
		`record.t[1:]`, `record.t[:-1]`, `record.o[0:1]`, `record.n[0:1]`, `record.s["a":]`, `record.missing[0:]`,
	}
	checkCompiledValues(t, exprs, []string{
		`{"o":{"n":2},"n":1,"s":"héllo","t":[1,2,3]}`, `{"o":{"n":"x"},"n":1.5,"s":"a\u0062c","t":[]}`,
		`{"o":[1],"n":-1,"s":"","t":"str"}`, `{"o":null,"n":"2","s":7,"t":{"a":1}}`,
	})
}

// x in a..b answers as expr's VM does, without building the range: ints
// and floats (a whole float equals its int, one past 2^53 the ints that
// round to it), ends cut as int(...) cuts them, empty and reversed ranges,
// and the ranges the VM refuses (a string end, one past its memory budget)
// left to it.
func TestRangesAnswerAsExpr(t *testing.T) {
	exprs := []string{
		`record.a in 1..10`, `record.a not in -3..3`, `record.a in record.b..10`, `record.a in 10..record.b`,
		`record.a in record.b..record.b`, `record.a in 0..record.b`, `record.a in record.b..-record.b`,
		`record.a in 9007199254740990..9007199254741000`, `record.a in 90..record.s[0]`, `record.s[0] in 90..100`, `-record.a in -9007199254741000..-9007199254740990`,
	}
	values := []string{`5`, `5.0`, `-0.0`, `5.5`, `1`, `10`, `11`, `0`, `-3`, `3.999`, `1e300`, `-1e300`, `9007199254740993`,
		`9.007199254740994e15`, `9007199254740995.0`, `"5"`, `null`, `true`, `[5]`, `{"a":5}`, `1e4`, `9999`}
	checkCompiledValues(t, exprs, append(pairs("a", values, "b", values), `{"a":98,"s":"b"}`, `{"a":98,"s":"é"}`))
}
