package rules

import (
	"strings"
	"testing"
)

// TestBuiltStringsAnswerAsExpr computes each string-building expression
// on records holding every kind of value where it reads, and requires the
// VM's answer, or the VM's failure: the letters next to the ones a case
// changes, text above ASCII, numbers of every form printed as fmt prints
// them, overlapping replacements, arrays that are not all strings.
func TestBuiltStringsAnswerAsExpr(t *testing.T) {
	values := []string{`"aZ[z{@` + "`" + `"`, `"Jane Doe"`, `"é"`, `"ǅx"`, `"ﬀ"`, `"İ"`, `"a\"b\\u0041"`, `""`,
		`7`, `-12`, `-9223372036854775808`, `99999999999999999999`, `1.0`, `-0.0`, `0.1`, `1e21`, `1e-5`, `2.5e300`,
		`"@[` + "`" + `{@[` + "`" + `{x"`, `"@[` + "`" + `{Z[` + "`" + `{"`, `"@[` + "`" + `{z[` + "`" + `{"`, `"A@[` + "`" + `{@[` + "`" + `{"`,
		`"@[` + "`" + `{@[` + "`" + `a"`, `"0123456789abcdefZ"`,
		`true`, `false`, `null`, `["a","B"]`, `["a\u0042", "c"]`, `["a",1]`, `[]`, `["x"]`, `{"a":1}`}
	exprs := []string{`upper(record.v)`, `lower(record.v)`, `string(record.v)`, `record.v + "!"`,
		`"<" + record.v + record.w`, `record.v + record.v`, `replace(record.v, "a", "bb")`,
		`replace(record.v, "aa", "")`, `replace(record.v, record.w, "-")`, `join(record.v)`, `join(record.v, ", ")`,
		`join(record.v, record.w)`, `string(record.v) + string(record.w)`, `upper(string(record.v))`}
	checkCompiledValues(t, exprs, pairs("v", values, "w", []string{`"a"`, `"aa"`, `""`, `3`}))
	// overlapping: the strings package's leftmost matches
	checkCompiledValues(t, []string{`replace(record.v, "aa", "x")`, `replace(record.v, "ab", "ba")`},
		[]string{`{"v":"aaa"}`, `{"v":"aaaa"}`, `{"v":"abab"}`})
}

// TestBuiltStringsStayWritten keeps strings built by one evaluation while
// many more are built after it, past the end of a chunk, and requires
// each to read as it was built: the strings a rule leaves behind (a header
// value, a message) are never written over by the next.
func TestBuiltStringsStayWritten(t *testing.T) {
	env := &Env{}
	var kept []string
	var want []string
	for i := range 3 * builtChunk / 8 {
		a, b := strings.Repeat("x", i%7), strings.Repeat("y", 1+i%5)
		s := env.concat(a, b)
		kept, want = append(kept, s), append(want, a+b)
		if i%50 == 0 {
			long := strings.Repeat("z", builtChunk/4+i) // storage of its own
			kept, want = append(kept, env.concat(long, "!")), append(want, long+"!")
		}
	}
	for i := range kept {
		if kept[i] != want[i] {
			t.Fatalf("string %d reads %q, built as %q", i, kept[i], want[i])
		}
	}
}

// TestBuiltStringsAllocateNothing: strings built per record take their
// storage from the environment's chunk, one allocation in many records.
func TestBuiltStringsAllocateNothing(t *testing.T) {
	raw := `{"id":7,"name":"Jane Doe","tags":["a","b","c"],"email":"jane@example.com","items":[{"qty":2},{"qty":30}]}`
	members, _ := scanMembers(raw, 0, nil, nil, nil, 0, false)
	env := &Env{fields: &recordFields{raw: raw, members: members, state: scanned}, Action: "list", Index: 1, Get: get}
	for _, src := range []string{
		`string(record.id) + "-" + upper(record.name) == "7-JANE DOE"`, `lower(record.name) == "jane doe"`,
		`replace(record.email, "@", " at ") == "jane at example.com"`, `join(record.tags, "/") == "a/b/c"`,
		`string(record.id / 2) == "3.5"`, `len(split(record.email, "@")) == 2`,
		`split(record.email, "@")[1] == "example.com"`, `split(record.email, "@")[-1] == "example.com"`,
		`max(map(record.items, #.qty)) == 30`, `join(map(record.tags, upper(#)), ",") == "A,B,C"`,
		`"c" in filter(record.tags, # != "a")`, `record.name in [record.email, "Jane Doe"]`,
	} {
		requireTrueWithoutAllocating(t, src, env)
	}
}

// TestSplitPiecesAnswerAsExpr reads split's pieces and counts them
// without building them, on strings with the separator at either end,
// repeated, overlapping, absent, and indexes out of range either way,
// and requires the VM's answer or its failure.
func TestSplitPiecesAnswerAsExpr(t *testing.T) {
	exprs := []string{`len(split(record.v, record.w))`, `split(record.v, record.w)[0]`,
		`split(record.v, record.w)[1]`, `split(record.v, record.w)[2]`, `split(record.v, record.w)[-1]`,
		`split(record.v, record.w)[-2]`, `split(record.v, record.w)[-4]`, `split(record.v, "@")[1] == "b"`}
	checkCompiledValues(t, exprs, pairs("v", []string{`"a@b"`, `"@a@"`, `"a@@b"`, `"aaa"`, `""`, `"@"`, `"a\u0040b"`, `"aé€😀"`, `7`, `null`},
		"w", []string{`"@"`, `"aa"`, `""`, `"a"`, `1`}))
}

// TestChangeCaseBuildsOnlyWhatChanges: upper and lower of a string with
// no letter to change (only its neighbours in ASCII: @ [ ` {) answer the
// string itself, building nothing.
func TestChangeCaseBuildsOnlyWhatChanges(t *testing.T) {
	env := &Env{}
	for _, s := range []string{"@[`{@[`{@[`{", "0123456789-_.@[`{", "@[`{@[`{x", ""} {
		for _, upper := range []bool{true, false} {
			if upper && strings.ContainsRune(s, 'x') {
				continue
			}
			if got := env.changeCase(s, upper); got != s || len(env.built) != 0 {
				t.Errorf("changeCase(%q, %v) = %q, %d bytes built", s, upper, got, len(env.built))
			}
		}
	}
}

// TestBuiltListsAnswerAsExpr builds lists with map and filter on
// records of every kind where they read (a float that is whole, NaN, a
// string cut inside a character, bytes of a string, members of an
// object, lists inside lists) and reads them as the rules do, and
// requires the VM's answer or the VM's failure.
func TestBuiltListsAnswerAsExpr(t *testing.T) {
	exprs := []string{`map(record.l, #)`, `map(record.l, # * 1.0)`, `map(record.l, #.n)`, `map(record.l, 0 / 0)`,
		`map(record.l, string(#)[0:1])`, `map(record.l, [#, #])`, `filter(record.l, # != 2)`,
		`map(filter(record.l, # != nil), #)`, `map(map(record.l, # ?? 0), # + 1)`, `len(map(record.l, #))`,
		`max(map(record.l, #.n ?? #))`, `min(map(record.l, [#]), 5)`, `max(record.l, 0)`, `min(record.l)`,
		`join(map(record.l, upper(string(#))), ",")`, `"2" in map(record.l, string(#))`, `first(filter(record.l, # > 1))`,
		`sum(map(record.l, len(string(#))))`, `type(filter(record.l, true))`, `string(map(record.l, #))`,
		`toJSON(filter(record.l, true))`, `map(record.l, let x = #; x)`, `count(map(record.l, #), # == 2)`,
		`map(record.l, len(map(#, # + 1)))`, `map(record.l, max(map(#, #)))`, `map(record.l, string(#) + "é"[0:1])`,
		`[record.l, 1, record.l?.n] == [record.l, 1.0, nil]`, `len([record.l, [record.l]])`, `2 in [record.l, 2]`,
		`len(keys(record.l))`, `"a" in keys(record.l)`, `"A" in keys(record.l)`, `len(values(record.l))`, `2 in values(record.l)`,
		`1 in values(record.l)`, `sum(values(record.l))`, `count(keys(record.l), # startsWith "b")`, `max(values(record.l))`,
		`reduce(record.l, #acc + 1, 0)`, `reduce(record.l, #acc ?? #)`, `reduce(record.l, [#acc, #index])`,
		`reduce(record.l, # > #acc ? # : #acc)`, `reduce(record.l, #acc + len(string(#)), 0)`, `reduce(record.l, #index, -1)`,
		`reduce(record.l, #acc + "-" + string(#), "")`, `map(record.l, #index)`, `sum(map(record.l, #index))`,
		`map(record.l, map(record.l, #index))`, `map(record.l, #index == 0 ? 0 / 0 : #index)`,
		`map(filter(record.l, # != 2), #index)`, `max(map(record.l, #index * 2))`,
	}
	checkCompiledValues(t, exprs, pairs("l", []string{`[1,2,3]`, `[2.0,-0.0,1e400]`, `[]`, `["é","b"]`,
		`[{"n":1},{"n":2.5},{}]`, `[[1,2],[3]]`, `[1,"a",null]`, `"héllo"`, `{"a":1,"b":2}`, `7`, `null`, `[1,[2,[3,[4]]]]`,
		`[true,false]`, `[[1,2],[3.5],[]]`, `[1e308]`, `{"a":1,"b":2,"a":3}`, `{"\u0061":1,"a":2,"b\"c":3}`, `{}`,
		`{"A":1,"a":2}`, `{"é":{"x":1},"b":[1]}`}, "m", []string{`0`}))
}

// TestListIndexAnswersAsExpr: an index into a list whose type expr knows
// (one a built-in builds, a list literal, split's pieces) reads the
// element expr reads, from the end when negative, the index cut to an
// int as expr cuts it, and leaves to expr its error out of range.
func TestListIndexAnswersAsExpr(t *testing.T) {
	exprs := []string{`map(record.t, # * 2)[0]`, `map(record.t, #)[-1]`, `map(record.t, #)[record.i]`,
		`[record.a, record.b][1]`, `[record.a, 1][record.i]`, `uniq(record.t)[1]`, `splitAfter(record.s, ",")[0]`,
		`split(record.s, ",")[record.i]`, `map(record.t, [#])[0][0]`, `filter(record.t, # != 2)[record.i] ?? "none"`,
		`values(record.o)[0]`, `map(record.o, #)[0]`, `map(record.o, 1)[0]`, `map(record.t, #)[-2]`,
		`map(record.t, # * 2)[-4]`, `map(record.t, #)[3]`, `map(record.t, [#])[1]`, `map(record.t, 0/0)[0]`}
	checkCompiledValues(t, exprs, []string{
		`{"t":[1,2,3],"i":0,"a":"x","b":{"c":1},"s":"a,b","o":{"k":[1]}}`,
		`{"t":[1,2.5,"3"],"i":-1,"a":null,"b":[],"s":"","o":{}}`,
		`{"t":[],"i":5,"a":1,"b":2,"s":",","o":{"k":1,"k":2}}`,
		`{"t":[2,2,1],"i":1.9,"a":1,"b":2,"s":"a","o":null}`,
		`{"t":"str","i":"x","a":1,"b":2,"s":7,"o":[1]}`,
		`{"t":[1],"i":null,"a":1,"b":2,"s":"x,y,z"}`,
		`{"t":[1,2],"i":-3,"a":1,"b":2,"s":"x,y,z"}`, `{"t":[1,2,3,4,5,6,7],"i":6,"a":1,"b":2,"s":"x"}`,
	})
}

// TestOverMapAnswersAsExpr: max, min and join of a map's list, walked
// without building it, answer what expr's functions answer on the built
// list (max's type, the first of equal values, nested lists, NaN, nil for
// none; join's glue, nested joins of maps), and hand every other value to
// the list built as usual.
func TestOverMapAnswersAsExpr(t *testing.T) {
	exprs := []string{`max(map(record.t, #.n))`, `min(map(record.t, # * 2))`, `max(map(record.t, [#, 1.5]))`,
		`max(map(record.t, string(#)))`, `max(map(record.t, 0/0))`, `min(map(record.t, -#))`, `max(map(record.o, 1))`,
		`max(map(record.t, #.n ?? 2.0)) > 1`, `max(map(record.d, date(#).Unix()))`,
		`join(map(record.w, upper(#)), "-")`, `join(map(record.w, # + "!"))`, `join(map(record.w, #), record.g)`,
		`join(map(record.t, string(#)), ", ")`, `join(map(record.t, [#]), ",")`, `join(map(record.w, #), ",") == "a,b"`,
		`join(map(record.w, join(map(record.w, upper(#)), "+")), record.g) + "."`}
	checkCompiledValues(t, exprs, []string{
		`{"t":[{"n":1},{"n":3},{"n":3.0}],"o":{"a":1},"d":["2024-01-01"],"w":["a","b"],"g":"/"}`,
		`{"t":[1,2.5,-1],"o":{},"d":[],"w":[],"g":7}`,
		`{"t":[],"o":null,"d":["2024-01-01","2025-01-01"],"w":["é","\u00e9x"],"g":""}`,
		`{"t":[{"n":"x"},{"n":1}],"o":[1],"d":"x","w":["a",1],"g":null}`,
		`{"t":[2,2.0,1e400],"o":[],"d":[7],"w":"ab","g":","}`, `{"t":"ab","o":{"a":1,"b":2},"w":{"a":"x"}}`,
	})
}

// TestMemberCountsAnswerAsExpr: len of an object, and len(keys(o)) and
// len(values(o)), count its names once each as decoding keeps them
// (duplicates and escaped spellings of one name), without building a
// list, and leave to expr what is no object.
func TestMemberCountsAnswerAsExpr(t *testing.T) {
	exprs := []string{`len(record.o)`, `len(keys(record.o))`, `len(values(record.o))`, `len(keys(record.o)) > 1`,
		`len(keys(map(record.l, #)[0]))`}
	checkCompiledValues(t, exprs, []string{
		`{"o":{"a":1,"b":2},"l":[{"x":1}]}`, `{"o":{"a":1,"a":2,"\u0061":3,"A":4},"l":[{}]}`, `{"o":{},"l":[]}`,
		`{"o":[1,2],"l":[1]}`, `{"o":"abc","l":null}`, `{"o":null}`, `{"o":7}`,
	})
}
