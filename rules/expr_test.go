package rules

import "testing"

func TestMemberAccessIsTotal(t *testing.T) {
	env := &Env{
		Get:    get,
		Record: map[string]any{"a": "str", "n": 1, "list": []any{1, 2}, "m": map[string]any{"x": 1}},
	}
	for src, want := range map[string]any{
		`record.a.b.c`:          nil,
		`record.n.x`:            nil,
		`record.list.x`:         nil,
		`record.list[5]`:        nil,
		`record.list[-1]`:       2,
		`record.m.x`:            1,
		`record["m"]["x"]`:      1,
		`user.id`:               nil,
		`user?.id ?? "anon"`:    "anon",
		`record.a[0]`:           uint8('s'), // as expr indexes a string
		`record.a[9]`:           nil,
		`record.missing == nil`: true,
	} {
		p, err := compileExpr(src, false)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, err := p.run(env)
		if err != nil || got != want {
			t.Errorf("%s = %#v, %v; want %#v", src, got, err, want)
		}
	}
}
