package rules

import "testing"

// TestMapLiteralsAnswerAsExpr: a map literal is the map expr's VM builds
// (the first of two pairs of one key kept, a computed key that is not a
// string its error), and a member of one, read without building it, is
// what the VM reads in that map: nil for a missing key, the key "" for a
// nil one, an error for a key of another type.
func TestMapLiteralsAnswerAsExpr(t *testing.T) {
	checkCompiledValues(t, []string{
		`{"a": record.s, "b": record.n, "c": record.o}`, `{"a": 1, "a": 2}`, `{"a": 1, "a": 2}.a`,
		`{(record.s): 1}`, `{(record.s): 1, "x": 2}[record.s]`, `{1: 2}`, `{"admin": 3, "editor": 2}[record.s]`,
		`{"admin": 3, "editor": 2}[record.s] ?? 0`, `{"": 1, "a": 2}[record.missing]`, `{"a": 1}[record.n]`,
		`{"a": 1}[record.o]`, `{"a": record.l}.a[0]`, `{"a": {"b": record.s}}.a.b`, `{"a": record.o}.a.x`,
		`len({"a": 1, "b": 2, "a": 3})`, `"a" in {"a": 1}`, `{"a": 1}.b`, `{"a": record.n + 1}.a`,
		`{"a": 1 / record.z}.b`, `{"a": upper(record.s)}.a`, `map(record.l, ({"v": #}))`, `map(record.l, ({"v": #}))[0].v`,
		`{a: 1, b: record.s}.b`, `toJSON({"b": 1, "a": record.s})`,
	}, []string{
		`{"s":"admin","n":1,"o":{"x":2},"l":[1,2],"z":0}`,
		`{"s":"x","n":1.5,"o":null,"l":[],"z":1}`,
		`{"s":null}`,
		`{"s":"a","n":"1"}`,
	})
}
