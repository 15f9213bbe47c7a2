package rules

import "testing"

func TestEscapeFunctions(t *testing.T) {
	env := &Env{
		Get:         get,
		PathEscape:  pathEscape,
		QueryEscape: queryEscape,
		Record: map[string]any{"s": "c1/../../admin?x=1#f", "n": 42, "f": 1.5, "b": true,
			"sp": "a b&c=d", "dots": "..", "m": map[string]any{"x": 1}, "l": []any{1}},
	}
	for src, want := range map[string]string{
		`pathescape(record.s)`:    "c1%2F..%2F..%2Fadmin%3Fx=1%23f",
		`pathescape(record.n)`:    "42",
		`pathescape(record.f)`:    "1.5",
		`pathescape(record.b)`:    "true",
		`pathescape(record.sp)`:   "a%20b&c=d",
		`pathescape(record.dots)`: "..",
		`queryescape(record.sp)`:  "a+b%26c%3Dd",
		`queryescape(record.n)`:   "42",
		`queryescape(nil)`:        "",
	} {
		p, err := compileExpr(src, false)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, err := p.run(env)
		if err != nil || got != want {
			t.Errorf("%s = %#v, %v; want %q", src, got, err, want)
		}
	}
	for _, src := range []string{`pathescape(nil)`, `pathescape("")`, `pathescape(record.m)`, `queryescape(record.l)`} {
		p, err := compileExpr(src, false)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got, err := p.run(env); err == nil {
			t.Errorf("%s = %#v, want an error", src, got)
		}
	}
}
