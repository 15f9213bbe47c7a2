package rules

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPredicateLoopsStopWhereTheVMStops runs the predicate built-ins
// without the VM on lists whose later elements the VM never reads (an
// element it would fail on after the loop is decided), on a string's
// bytes, on an object's members (counted, never read) and on an empty
// list, and requires the VM's answer or the VM's failure.
func TestPredicateLoopsStopWhereTheVMStops(t *testing.T) {
	raw := `{"l":[1,2,"x"],"m":{"a":1,"b":2},"e":[],"s":"ab","o":[{"n":1},{"n":5}]}`
	for _, src := range []string{
		`count(record.l, # + 1 > 0) >= 2`, // the threshold the optimizer sets ends the loop before "x"
		`all(record.l, # < 2)`, `any(record.l, # == 2)`, `none(record.l, # == 1)`, `one(record.l, # == 1)`,
		`count(record.l, # == 1 || # == 2) == 2`, `len(filter(record.l, # == 1)) == 1`,
		`count(record.m, true) == 2`, `any(record.m, # == 1)`, `all(record.e, false)`,
		`any(record.s, # == 97)`, `count(record.s, # > 97) == 1`,
		`any(record.o, #.n > 3)`, `all(record.o, .n < 3)`, `any(record.o, any(record.l, # == 2) && #.n == 5)`,
		`any(record.missing, true)`, `all(record.l, # + 1 > 0)`,
	} {
		p, err := compileExpr(src, true)
		if err != nil || p.cond == nil {
			t.Fatalf("%s: err %v, compiled without the VM %v", src, err, p != nil && p.cond != nil)
		}
		checkFastOnRecord(t, p, raw)
	}
}

// TestFindLastAnswersAsExpr: findLast and findLastIndex, and the forms
// expr's optimizer turns into them (filter(...)[-1], last(filter(...)),
// map(filter(...), ...)[-1]), answer the last element the predicate holds
// for (or what the map computes from it), nil or the VM's error where none
// does, and leave to the VM an element it never tests failing the walk.
func TestFindLastAnswersAsExpr(t *testing.T) {
	exprs := []string{`findLast(record.l, # > 1)`, `findLastIndex(record.l, # > 1)`, `findLast(record.o, #.n < 5)`,
		`filter(record.o, #.n < 5)[-1]`, `last(filter(record.o, #.n < 5))`, `map(filter(record.o, #.n < 5), #.k)[-1]`,
		`map(filter(record.o, #.n > 0), .k)[-1]`, `findLastIndex(record.o, .k == "a")`, `findLast(record.s, # == 98)`,
		`findLastIndex(record.l, # == 7)`}
	checkCompiledValues(t, exprs, []string{
		`{"l":[1,2,3,0],"o":[{"n":1,"k":"a"},{"n":2,"k":"b"},{"n":9,"k":"c"}],"s":"abba"}`,
		`{"l":["x",2],"o":[{"n":9,"k":"a"}],"s":""}`, `{"l":[2,"x"],"o":[],"s":7}`,
		`{"l":[],"o":[{"n":"x","k":"a"},{"n":1,"k":"b"}],"s":"b"}`, `{"l":{"a":1},"o":null}`,
	})
}

// TestSafeBuiltinsAnswerAsExpr: the built-ins that count the memory they
// build (concat, reverse, sort, flatten, repeat) run expr's own function
// on the values of their arguments, answering and failing as in expr.
func TestSafeBuiltinsAnswerAsExpr(t *testing.T) {
	exprs := []string{`concat(record.t, record.u)`, `concat(record.t, ["x"])[0]`, `"x" in concat(record.t, record.u)`,
		`reverse(record.t)`, `reverse(record.t)[0]`, `sort(record.t)`, `sort(record.t, "desc")[0]`, `sort(record.t, record.s)`,
		`flatten([record.t, [record.u]])`, `len(flatten(record.t))`, `repeat(record.s, 2)`, `repeat(record.s, record.n)`}
	checkCompiledValues(t, exprs, []string{
		`{"t":[3,1,2],"u":["x"],"s":"desc","n":2}`, `{"t":["b","a"],"u":[],"s":"asc","n":-1}`,
		`{"t":[1,"a"],"u":[[1],[2,[3]]],"s":"x","n":1.5}`, `{"t":[[1,2],[3]],"u":{"a":1},"s":"","n":0}`,
		`{"t":"str","u":null,"s":7,"n":"2"}`, `{"t":[2.5,1,-0.0],"u":[null],"s":"desc","n":3}`,
		`{"t":["b","a!","a","é","A","a","","ab"],"s":"desc"}`, `{"t":["b","\u0061","a"],"s":"asc"}`, `{"t":[],"s":"up"}`,
		`{"t":["x"],"s":"desc"}`, `{"t":["b",null,"a"],"s":"asc"}`,
	})
}

// TestKeyedLoopsAnswerAsExpr: sortBy and groupBy answer the list and the
// map expr's VM builds (elements of equal keys where the VM's sort puts
// them, in either order), and leave to the VM the keys it cannot compare
// or hash and the orders it refuses.
func TestKeyedLoopsAnswerAsExpr(t *testing.T) {
	exprs := []string{`sortBy(record.o, .n)`, `sortBy(record.o, .n, "desc")`, `sortBy(record.o, .n, record.s)`,
		`sortBy(record.t, #)[0]`, `sortBy(record.t, #)`, `sortBy(record.t, #, record.s)`, `sortBy(record.t, -#)`, `map(sortBy(record.o, .k), .n)`, `len(sortBy(record.t, #)) > 1`,
		`groupBy(record.o, .k)`, `groupBy(record.t, # > 1)`, `len(groupBy(record.o, .k))`, `sortBy(record.o, .n ?? 0)[-1]`,
		`groupBy(record.o, .k)["a"]`, `groupBy(record.t, # > 1)[true]`, `len(groupBy(record.o, .k)["zz"])`, `groupBy(record.o, .k)[record.s]`}
	checkCompiledValues(t, exprs, []string{
		`{"o":[{"n":2,"k":"a"},{"n":1,"k":"b"},{"n":2,"k":"c"},{"n":1,"k":"a"},{"n":2.5,"k":"b"}],"t":[3,1,2.5,1],"s":"desc"}`,
		`{"o":[{"n":"b","k":"x"},{"n":"a","k":[1]}],"t":["b","a","c"],"s":"asc"}`,
		`{"o":[{"n":1},{"n":"a"}],"t":[1,"a"],"s":"up"}`, `{"o":[],"t":[],"s":7}`,
		`{"o":{"a":1},"t":"ba","s":null}`, `{"o":[{"k":null,"n":null},{"k":1,"n":2}],"t":[true,false],"s":"desc"}`,
		`{"o":[],"t":["b","a!","a","é","A","a","","ab"],"s":"desc"}`, `{"o":[],"t":["b","\u0061","a"],"s":"asc"}`,
		manyEqualKeys(40),
	})
}

// manyEqualKeys is a record whose o holds n objects of two keys (n, and a
// k of their own): more than a sort by insertion handles, so that where
// equal keys end is the sort's own.
func manyEqualKeys(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"n":%d,"k":"k%d"}`, i*7%3, i)
	}
	return `{"o":[` + strings.Join(parts, ",") + `],"t":[1],"s":"desc"}`
}

// TestCompiledBuiltinsAllocateNothing: a predicate over a record's array
// reads its elements from the JSON, and abs, max, min, first, last, the
// conversions, type, the string tests and in on an object read numbers,
// strings, arrays and objects from it, decoding and allocating nothing.
func TestCompiledBuiltinsAllocateNothing(t *testing.T) {
	raw := `{"id":7,"n":-1234567,"tags":["a","b","c"],"items":[{"sku":"x","qty":2},{"sku":"y","qty":30}]}`
	members, _ := scanMembers(raw, 0, nil, nil, nil, 0, false)
	for _, src := range []string{
		`any(record.tags, # == "c")`, `all(record.tags, len(#) == 1)`, `none(record.tags, # in ["x", "y"])`,
		`count(record.tags, # != "a") == 2`, `one(record.tags, # startsWith "b")`, `any(record.items, #.qty > 10)`,
		`abs(record.n) > 1000000`, `max(record.n, record.id, 3.5) == 7`, `min(record.id, 2000) < 10`,
		`first(record.tags) == "a"`, `last(record.items).qty == 30`, `type(record.tags) == "array"`,
		`int(record.n / 2.5) < 0`, `round(record.id / 2.0) == 4.0`, `trimPrefix(record.tags[0], "x") == "a"`,
		`indexOf(record.tags[1], "b") == 0`, `"qty" in record.items[0]`, `len(record.items[1]) == 2`, `len(keys(record.items[0])) == 2`,
	} {
		requireTrueWithoutAllocating(t, src, &Env{fields: &recordFields{raw: raw, members: members, state: scanned},
			Action: "list", Index: 1, Get: get})
	}
}

// requireTrueWithoutAllocating requires the condition src compiled
// without the VM, true on env's record, and no allocation per evaluation.
func requireTrueWithoutAllocating(t *testing.T, src string, env *Env) {
	t.Helper()
	p, err := compileExpr(src, true)
	if err != nil || p.cond == nil {
		t.Fatalf("%s: err %v, compiled without the VM %v", src, err, p != nil && p.cond != nil)
	}
	if n := testing.AllocsPerRun(100, func() {
		if b, ok := fastTest(p, env); !ok || !b {
			t.Fatalf("%s: %v, left to the VM %v", src, b, !ok)
		}
	}); n != 0 {
		t.Errorf("%s: %v allocations per evaluation", src, n)
	}
}

// TestLibraryBuiltinsAnswerAsExpr: abs, max and min of numbers read from
// the record keep expr's types and ties (the first of equal values wins,
// 1.0 is not 1), negate a negative zero as expr does, and hand anything
// else to expr's own functions; first and last read an array's ends from
// its JSON, nil for an empty one; the conversions, type, the string tests
// and in on an object answer as expr's functions and operator do.
func TestLibraryBuiltinsAnswerAsExpr(t *testing.T) {
	raw := `{"f":1.0,"i":1,"z":-0.0,"n":-7,"big":-9223372036854775808,"huge":1e400,"l":[3,1.5,[9]],"s":"a","e":[],"t":"12","w":"abab","b":true,"esc":{"\u006e":1},"dup":{"a":1,"a":2}}`
	checkCompiledValues(t, []string{
		`max(record.f, record.i)`, `max(record.i, record.f)`, `min(record.f, record.i)`, `min(record.i, record.f)`,
		`abs(record.z)`, `abs(record.n)`, `abs(record.big)`, `abs(record.f - 3)`, `max(record.n)`, `min(record.n, -7.0)`,
		`max(record.l)`, `min(record.l, 0)`, `max(record.s, 1)`, `abs(record.s)`, `max(record.missing, 1)`,
		`first(record.l)`, `last(record.l)`, `last(record.l)[0]`, `first(record.e)`, `last(record.e)`, `first(record.s)`,
		`last(record.missing)`, `first(record)`,
		`round(record.f + 0.5)`, `round(record.n - 0.5)`, `ceil(record.f + 0.25)`, `floor(record.n - 0.25)`, `round(record.i)`,
		`int(record.f * 2.7)`, `int(record.n)`, `int(record.t)`, `float(record.i)`, `float(record.t)`, `int(record.l)`,
		`type(record.f)`, `type(record.i)`, `type(record.f + 1)`, `type(record.i + 1)`, `type(record.l)`, `type(record)`,
		`type(record.s)`, `type(record.b)`, `type(record.missing)`, `type(record.s == "a")`, `type(record.big)`, `type(record.huge)`,
		`indexOf(record.w, "b")`, `lastIndexOf(record.w, "b")`, `trimPrefix(record.w, "a")`, `trimSuffix(record.w, "b")`,
		`hasPrefix(record.w, "ab")`, `hasSuffix(record.w, "a")`, `trimPrefix(" a")`, `trimSuffix(record.w)`,
		`get(record, "s")`, `get(record, "S")`, `get(record.l, -1)`, `get(record.l, 1.9)`, `get(record.l, 9)`,
		`get(record.l, "a")`, `get(record, nil)`, `get(record, 1)`, `get(record.s, 0)`, `get(record.missing, "a")`,
		`get(record.esc, "n")`, `get(record.esc, "u")`, `get(record.dup, "a")`,
		`record.l[record.i]`, `record.l[record.f]`, `get(record.dup, record.s)`, `record.l[record.b]`, `record.esc[record.l]`,
		`"s" in record`, `"missing" in record`, `nil in record`, `1 in record`, `"n" in record.esc`, `"u" in record.esc`,
	}, []string{raw})
}

// TestTransformValueReadAsText: a transform's value, handed over as its
// JSON text, reads in the compiled expressions as the VM reads it decoded,
// and the VM, run on the text alone, decodes it first.
func TestTransformValueReadAsText(t *testing.T) {
	for _, src := range []string{
		`lower(trim(value))`, `value + 1`, `value ?? 0`, `value.x`, `value?.x?.y`, `len(value)`, `value[0]`,
		`type(value)`, `value == "A"`, `value in ["a", 1]`, `upper(value) + "!"`, `value matches "^a"`,
		`map(value, # * 2)`, `value * 2.5`, `toJSON(value)`,
	} {
		p, err := compileExpr(src, false)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		for _, raw := range []string{`" A "`, `"a\u0041"`, `1`, `-2.5e1`, `true`, `null`, `[1,2]`, `{"x":{"y":3}}`, `{"x":1,"x":2}`, `"é"`} {
			want, wantErr := p.runVM(&Env{Value: Decode([]byte(raw)), Get: get})
			var text Env
			text.Get = get
			text.setValueText(raw)
			got, err := p.runVM(&text) // the VM alone, on the text
			if fmt.Sprintf("%#v %v", got, err) != fmt.Sprintf("%#v %v", want, wantErr) {
				t.Errorf("%s on %s: VM on the text %#v %v, on the value %#v %v", src, raw, got, err, want, wantErr)
			}
			if p.fast == nil {
				continue
			}
			text.setValueText(raw)
			text.makeRoom(64)
			v, ok := p.fast(&text)
			switch {
			case ok && wantErr != nil:
				t.Errorf("%s on %s: compiled %#v, VM error %v", src, raw, v.decoded(), wantErr)
			case !ok && wantErr == nil:
				t.Errorf("%s on %s: left to the VM, which answers %#v", src, raw, want)
			case ok && fmt.Sprintf("%#v", v.decoded()) != fmt.Sprintf("%#v", want):
				t.Errorf("%s on %s: compiled %#v, VM %#v", src, raw, v.decoded(), want)
			}
		}
	}
}

// TestDatesAnswerAsExpr reads dates of every layout expr's date tries
// (a day, RFC 3339 with and without fractions and offsets, the others,
// texts none reads) and compares them as the rules do, and requires the
// VM's answer or the VM's failure.
func TestDatesAnswerAsExpr(t *testing.T) {
	exprs := []string{`date(record.d)`, `date(record.d) > date("2020-01-01")`, `date(record.d) <= date(record.e)`,
		`date(record.d) == date("2024-01-15T12:00:00+02:00")`, `date(record.d) != date(record.e)`,
		`date(record.d) >= date(record.e)`, `date(record.d) < now()`, `now() > date(record.d)`, `string(date(record.d))`,
		`date(record.d) - date("2024-01-01")`, `[date(record.d)]`, `type(date(record.d))`, `date(record.d) in [date(record.e)]`,
		`date(record.d) == nil`, `date(record.d) ?? 1`, `date(record.d) > record.d`,
		`let x = date(record.d); x == x`, `date(record.d) < date(record.e) + duration("1h")`,
		`date(record.d).Year()`, `date(record.d).Day()`, `date(record.d).Hour()`, `date(record.d).Minute()`,
		`date(record.d).Second()`, `date(record.d).Nanosecond()`, `date(record.d).YearDay()`,
		`(date(record.d) + duration("30m")).Hour()`, `date(record.d).Hour() < 8 || date(record.e).Hour() >= 18`,
		`date(record.d) + duration("90m")`, `date(record.d) - date(record.e)`, `date(record.d) - duration("1h") < date(record.e)`,
		`now() - date(record.d) > duration("1h")`, `duration("1h") + date(record.d)`, `duration("1h") - duration("2h")`,
		`(date(record.d) - date(record.e)) * 2`, `string(date(record.d) + duration("1h"))`,
		`date(record.d) + duration("1h") == date(record.e)`, `[date(record.d) - date(record.e)]`,
		`date(record.d) - date(record.e) == duration("0s")`, `date(record.d) - date(record.e) < duration("0s")`, `date(record.d) - date(record.e) >= duration("-1h")`,
		`(date(record.d) - duration("25h")).Day()`, `date(record.d).Month()`, `date(record.d).Weekday()`,
		`date(record.d).Weekday() == date(record.e).Weekday()`, `string(date(record.d).Month())`,
		`int(date(record.d).Month()) == 1`, `date(record.d, "2006-01-02")`, `date(record.d, "02/01/2006") < date(record.e)`,
		`date(record.d, "Jan 2 2006 15:04 MST").Hour()`, `date(record.d, record.e)`, `date(record.d, 7)`,
		`string(date(record.d, "2006-01-02T15:04:05Z07:00"))`}
	dates := []string{`"2024-01-15T10:00:00Z"`, `"2024-01-15T10:00:00.123456789+02:00"`, `"2024-01-15"`, `"2024-13-01"`,
		`"2024-01-15 10:00:00"`, `"15:04:05"`, `"Mon, 02 Jan 2006 15:04:05 MST"`, `"2024-01-15T10:00:00"`,
		`"2024-02-30T00:00:00Z"`, `"0001-01-01T00:00:00Z"`, `"9999-12-31T23:59:59.999999999-23:59"`, `"2024-01-1"`, `7`, `null`,
		`"2024-02-29"`, `"2023-02-29"`, `"2024-04-31"`, `"2024-00-10"`, `"2024-12-00"`, `"0000-01-01"`, `"+024-01-01"`,
		`"2024-1-015"`, `"2024/01/15"`, `"２024-01-15"`, `"2024-12-31T23:30:00-05:30"`, `"2024-01-01T00:10:00+14:00"`,
		`"2024-06-30T23:59:60Z"`, `"2024-01-15t10:00:00z"`, `"2024-01-15T10:00:00z"`, `"2024-03-10T02:30:00-00:00"`,
		`"15/01/2024"`, `"31/02/2024"`, `"Jan 15 2024 10:30 CET"`, `"Jan 15 2024 10:30 UTC"`,
		`"2024-02-29T23:59:59Z"`, `"2023-02-29T10:00:00Z"`, `"2024-01-15T24:00:00Z"`, `"2024-01-15T23:60:00Z"`,
		`"2024-01-15T23:59:60Z"`, `"0000-01-01T00:00:00Z"`, `"2024-01-15T1:00:00ZZ"`, `"2024-01-15T10:00:0aZ"`,
		`"2024-01-15T10-00:00Z"`, `"2024-13-15T10:00:00Z"`, `"2024-01-15 10:00:00Z"`}
	checkCompiledValues(t, exprs, pairs("d", dates, "e",
		[]string{`"2024-01-15T10:00:00Z"`, `"2024-01-15T10:00:00.000000001Z"`, `"2024-01-15"`, `"x"`}))
}

// TestTimeMethodsAnswerAsExpr: the methods of times and durations
// compiled answer what expr's reflect call answers (an int64 for Unix(),
// a float for Hours(), the text Format writes, a time kept in its zone),
// and leave to expr the receivers and arguments of another type.
func TestTimeMethodsAnswerAsExpr(t *testing.T) {
	exprs := []string{`date(record.d).Unix()`, `date(record.d).UnixMilli() - date(record.e).UnixMilli()`,
		`date(record.d).UnixMicro()`, `date(record.d).UnixNano()`, `-date(record.d).Unix()`, `[date(record.d).Unix()]`,
		`date(record.d).Unix() > 1700000000`, `date(record.d).Unix() == date(record.e).Unix()`, `date(record.d).Unix() % 60`,
		`date(record.d).Unix() / 86400`, `type(date(record.d).Unix())`, `abs(date(record.d).Unix())`, `string(date(record.d).Unix())`,
		`date(record.d).Before(date(record.e))`, `date(record.d).After(now())`, `date(record.d).Equal(date(record.e))`,
		`date(record.d).Compare(date(record.e))`, `date(record.d).Sub(date(record.e))`, `date(record.d).Sub(date(record.e)).Hours() > 1`,
		`(now() - date(record.d)).Hours() > 24`, `(date(record.d) - date(record.e)).Minutes()`, `(date(record.d) - date(record.e)).Seconds()`,
		`(date(record.d) - date(record.e)).Milliseconds()`, `(date(record.d) - date(record.e)).Microseconds()`,
		`(date(record.d) - date(record.e)).Nanoseconds()`, `(date(record.d) - date(record.e)).Abs()`,
		`(date(record.d) - date(record.e)).Truncate(duration("1h"))`, `(date(record.d) - date(record.e)).Round(duration("1m"))`,
		`duration("90m").Hours()`, `date(record.d).UTC()`, `date(record.d).UTC().Hour()`, `date(record.d).Add(duration("36h")).Day()`,
		`date(record.d).Add(duration("-1ns"))`, `date(record.d).AddDate(0, 1, 0)`, `date(record.d).AddDate(record.n, 0, -1)`,
		`date(record.d).Truncate(duration("24h"))`, `date(record.d).Round(duration("1h")) == date(record.e)`, `date(record.d).Round(duration("1h"))`,
		`date(record.d).Format("2006-01-02")`, `date(record.d).Format(record.e)`, `date(record.d).Format("Mon Jan _2 15:04:05.000 MST")`,
		`date(record.d).Format("2006") + "!"`, `date(record.d).IsZero()`, `date(record.d).Weekday().String()`,
		`date(record.d).Month().String() == "January"`, `date(record.d).Add(record.e)`, `date(record.d).Before(record.e)`,
		`date(record.d).AddDate(0, 0, record.e)`,
		`date(record.d).Sub(date(record.e)).Truncate(record.e)`, `now().Unix() > 0`, `now().Sub(date(record.d)) > duration("1h")`,
		`date(record.d).In(timezone("Europe/Berlin"))`, `date(record.d).In(timezone("America/New_York")).Hour()`,
		`date(record.d).In(timezone("UTC")).Format("15:04 MST")`, `date(record.d).In(timezone(record.e))`,
		`date(record.d).In(timezone("Asia/Kolkata")) == date(record.d)`,
		`date(record.d).String()`, `date(record.d).In(timezone("Asia/Tokyo")).String()`, `(date(record.d) - date(record.e)).String()`,
		`duration("-90m1.5s").String()`, `(date(record.d) - date(record.d)).String()`, `timezone("Europe/Paris").String()`,
		`timezone(record.e).String()`, `len(now().String()) > 30`, `now().String() contains " m="`, `date(record.d).Month().String()`,
		`date(record.d, "2006-01-02", "Europe/Paris")`, `date(record.d, "2006-01-02T15:04:05Z07:00", "America/New_York").Hour()`,
		`date(record.d, "2006-01-02", record.e)`, `date(record.d, record.e, "Asia/Tokyo")`, `date(record.d, "2006-01-02", "Nowhere/Zone")`,
		`date(timezone("Asia/Tokyo"), record.d)`, `date(timezone("Asia/Tokyo"), record.d).Hour()`,
		`date(timezone("Asia/Tokyo"), record.d, "2006-01-02")`, `date(timezone("UTC"), record.d, "2006-01-02", "Asia/Tokyo")`}
	dates := []string{`"2024-01-15T10:00:00Z"`, `"2024-01-15T10:00:00.123456789+02:00"`, `"2024-01-15"`, `"0001-01-01T00:00:00Z"`,
		`"9999-12-31T23:59:59.999999999-23:59"`, `"1969-12-31T23:59:59.5Z"`, `"2024-03-31T01:30:00+01:00"`, `"2024-02-29"`, `"x"`, `null`,
		`"2023-02-29"`, `"2024-04-31"`, `"2024-00-10"`, `"+024-01-01"`, `"2024-03-31"`}
	var records []string
	for _, d := range dates {
		for _, e := range []string{`"2024-01-15T10:00:00Z"`, `"2024-01-15T09:59:59.999999999Z"`, `"2006-01-02 15h"`, `"x"`, `7`} {
			for _, n := range []string{`1`, `-13`, `1.5`} {
				records = append(records, fmt.Sprintf(`{"d":%s,"e":%s,"n":%s}`, d, e, n))
			}
		}
	}
	checkCompiledValues(t, exprs, records)
}

// TestTimeMethodsAllocateNothing: the methods compiled keep what they
// answer unboxed (an int64, a duration, a time kept in the environment,
// Format's text built beside other built strings).
func TestTimeMethodsAllocateNothing(t *testing.T) {
	raw := `{"at":"2024-06-02T10:30:00+02:00","day":"2024-06-03"}`
	members, _ := scanMembers(raw, 0, nil, nil, nil, 0, false)
	env := &Env{fields: &recordFields{raw: raw, members: members, state: scanned}, Action: "list", Index: 1, Get: get}
	for _, src := range []string{
		`date(record.at).Unix() == 1717317000`, `(date(record.day) - date(record.at)).Hours() == 15.5`,
		`date(record.at).Format("2006-01-02 15h") == "2024-06-02 10h"`, `date(record.at).Weekday().String() == "Sunday"`,
		`date(record.at).AddDate(0, 0, 1).After(date(record.day))`, `date(record.at).Sub(now()).Milliseconds() < 0`,
		`date(record.at).UTC().Truncate(duration("24h")).Equal(date("2024-06-02"))`,
		`date(record.at).String() == "2024-06-02 10:30:00 +0200 +0200"`,
		`date(record.day, "2006-01-02", "Europe/Paris").Hour() == 0`, `date(timezone("Asia/Tokyo"), record.day).Day() == 3`,
	} {
		requireTrueWithoutAllocating(t, src, env)
	}
}

// TestNowAnswersTheCurrentTime: now() compiled answers the time of its
// call as expr's does (a time.Time with its monotonic reading, which
// string() prints), later calls never earlier, and the times kept for
// earlier calls stay what they were while many more are taken.
func TestNowAnswersTheCurrentTime(t *testing.T) {
	env := &Env{Get: get}
	run := func(src string) any {
		t.Helper()
		p, err := compileExpr(src, false)
		if err != nil || p.fast == nil {
			t.Fatalf("%s: err %v, compiled without the VM %v", src, err, p != nil && p.fast != nil)
		}
		v, ok := p.fast(env)
		if !ok {
			t.Fatalf("%s: left to the VM", src)
		}
		return v.decoded()
	}
	before := time.Now()
	got, ok := run(`now()`).(time.Time)
	after := time.Now()
	if !ok || got.Before(before) || got.After(after) || !strings.Contains(got.String(), "m=") {
		t.Fatalf("now() = %v, want a time.Time with its monotonic reading between %v and %v", got, before, after)
	}
	for _, src := range []string{`now() <= now()`, `let x = now(); x == x && x < x + duration("1ns")`,
		`now() > date("2020-01-01")`, `!(now() < now() - duration("1s"))`, `now().Year() >= 2024 && now().Hour() < 24`} {
		if b := run(src); b != true {
			t.Errorf("%s = %v", src, b)
		}
	}
	first := env.keepTime(before)
	for range 200 {
		env.keepTime(time.Now())
	}
	if !first.Equal(before) {
		t.Errorf("a kept time moved: %v, was %v", *first, before)
	}
}

// TestCivilUTCIsTimeDate: the instant computed from a day's count is the
// time.Time time.Date makes (the same fields, so == holds), on every day
// of two full 400-year cycles (and the years at either end of 0-9999),
// and none is made of a day its month does not have; an RFC 3339 date in
// UTC reads as time.Parse reads it, at every hour, minute and second.
func TestCivilUTCIsTimeDate(t *testing.T) {
	for _, years := range [][2]int{{0, 800}, {9600, 9999}} {
		for y := years[0]; y <= years[1]; y++ {
			for m := 0; m <= 13; m++ {
				for d := 0; d <= 32; d++ {
					want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
					valid := m >= 1 && m <= 12 && want.Day() == d && want.Month() == time.Month(m)
					got, ok := civilUTC(y, m, d, 0)
					if ok != valid || ok && got != want {
						t.Fatalf("civilUTC(%d, %d, %d): %v %v, want %v %v", y, m, d, got, ok, want, valid)
					}
				}
			}
		}
	}
	for h := range 25 {
		for mi := range 61 {
			for _, s := range []int{0, 1, 30, 59, 60} {
				text := fmt.Sprintf("2024-02-29T%02d:%02d:%02dZ", h, mi, s)
				want, err := time.Parse(time.RFC3339, text)
				got, ok := utcSecondOf(text)
				if ok != (err == nil) || ok && got != want {
					t.Fatalf("%s: %v %v, want %v (%v)", text, got, ok, want, err)
				}
			}
		}
	}
}

// TestZonesLoadedOncePerProcess: timezone(name) compiled answers the
// location time.LoadLocation loads, the same one for every request (its
// zone file is read once), and leaves a name it cannot load to expr,
// which fails.
func TestZonesLoadedOncePerProcess(t *testing.T) {
	p, err := compileExpr(`timezone(record.z)`, false)
	if err != nil || p.fast == nil {
		t.Fatalf("err %v, compiled without the VM %v", err, p != nil && p.fast != nil)
	}
	run := func(raw string) (any, bool) {
		members, _ := scanMembers(raw, 0, nil, nil, nil, 0, false)
		v, ok := p.compiledValue(&Env{fields: &recordFields{raw: raw, members: members, state: scanned}, Get: get})
		if !ok {
			return nil, false
		}
		return v.decoded(), true
	}
	a, okA := run(`{"z":"Europe/Berlin"}`)
	b, okB := run(`{"z":"Europe/Berlin"}`)
	want, _ := time.LoadLocation("Europe/Berlin")
	if !okA || !okB || a != b || a.(*time.Location).String() != want.String() {
		t.Fatalf("timezone: %v %v, %v %v; want one location %v", a, okA, b, okB, want)
	}
	if v, ok := run(`{"z":"Nowhere/Else"}`); ok {
		t.Fatalf("an unknown zone answered %v; want it left to expr", v)
	}
	checkCompiledValues(t, []string{`date("2024-07-01T12:00:00Z").In(timezone(record.z)).Format("15:04 MST")`},
		[]string{`{"z":"UTC"}`, `{"z":"Asia/Tokyo"}`, `{"z":""}`, `{"z":"Local"}`, `{"z":7}`, `{"z":"Nowhere/Else"}`})
	buf := []byte("Asia/Dubai") // a name read from a request's buffer, which is reused
	zoneOf(unsafeString(buf))
	copy(buf, "Asia/Dhaka")
	if loc, ok := zones.Load("Asia/Dubai"); !ok || loc.(*time.Location).String() != "Asia/Dubai" {
		t.Errorf("the zones keep a view of the caller's buffer: Asia/Dubai %v", loc)
	}
}
