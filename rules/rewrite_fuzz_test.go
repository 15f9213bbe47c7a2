package rules

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// fuzzSeeds are JSON documents that reach the corners of the rewrites:
// escaped and duplicate keys, nesting, wildcards over arrays and objects,
// and values that are not objects at all.
var fuzzSeeds = []string{
	`{"id":1,"password":"p","items":[{"sku":"a","secret":"s"},{"secret":{"deep":true}}]}`,
	`{"p\u0061ssword":"a","password":"b","items":{"x":{"secret":1},"y":2}}`,
	`{"role":"admin","r\u006fle":"x","ro\u006ce":null,"name":"n"}`,
	`{"items":[[{"secret":1}],{"secret":2,"secret":3},null,"s"],"pass":1}`,
	`[{"password":1,"role":2},{"items":[{"secret":1}]},3]`,
	`{"a":{"password":1,"role":2},"items":"secret","\"password\"":1}`,
	` { "password" : [ 1 , 2 ] , "items" : [ { "secret" : "\u0000" } ] } `,
	`{"\ud83d\ude00":1,"role\u0000":2,"items":[]}`,
	`"password"`, `null`, `12345678901234567890`, `{}`, `[]`,
	`{"profile":{"ssn":1,"a":{"b":2,"c":3},"s\u0073n":4},"profile":{"a":[{"b":1}],"ssn":{"x":1}}}`,
	`[{"profile":{"a":{"b":{"b":1}},"bio":"x"},"password":1},{"profile":"ssn"},{"profile":{}}]`,
}

// decodedValid decodes out, which must be JSON; numbers stay json.Number.
func decodedValid(t *testing.T, in, out []byte) any {
	t.Helper()
	if !json.Valid(out) || !gjson.ValidBytes(out) {
		t.Fatalf("output is not JSON\n in: %q\nout: %q", in, out)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber() // 1E700 is valid JSON, not a float64
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("output does not decode: %v\n in: %q\nout: %q", err, in, out)
	}
	return v
}

// FuzzHide checks that hide removes every copy of the fields it names,
// however the keys are written, and always leaves valid JSON.
func FuzzHide(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	b, err := CompileBlock(After, "users", &Block{Actions: []string{"list"},
		Statements: []*Statement{{Op: "hide", Paths: []string{"password", "items.*.secret", "profile.ssn", "profile.a.b"}}}})
	if err != nil {
		f.Fatal(err)
	}
	p := NewProgram(After, []*CompiledBlock{b})
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) || !gjson.ValidBytes(in) {
			return
		}
		res, err := p.RunAfter(&Input{}, in, Shape{}, nil)
		if err != nil {
			t.Fatalf("RunAfter: %v\n in: %q", err, in)
		}
		if res.Reject != nil {
			t.Fatalf("RunAfter rejected %q: %+v", in, res.Reject)
		}
		out := in
		if res.Body != nil {
			out = res.Body
		}
		var records []any
		switch v := decodedValid(t, in, out).(type) {
		case map[string]any:
			records = []any{v}
		case []any: // a list: every element is a record
			records = v
		}
		for _, r := range records {
			rec, ok := r.(map[string]any)
			if !ok {
				continue
			}
			if _, ok := rec["password"]; ok {
				t.Fatalf("password kept\n in: %q\nout: %q", in, out)
			}
			if p, ok := rec["profile"].(map[string]any); ok {
				if _, ok := p["ssn"]; ok {
					t.Fatalf("profile.ssn kept\n in: %q\nout: %q", in, out)
				}
				if a, ok := p["a"].(map[string]any); ok {
					if _, ok := a["b"]; ok {
						t.Fatalf("profile.a.b kept\n in: %q\nout: %q", in, out)
					}
				}
			}
			var items []any
			switch v := rec["items"].(type) {
			case []any:
				items = v
			case map[string]any:
				for _, e := range v {
					items = append(items, e)
				}
			}
			for _, e := range items {
				if m, ok := e.(map[string]any); ok {
					if _, ok := m["secret"]; ok {
						t.Fatalf("items.*.secret kept\n in: %q\nout: %q", in, out)
					}
				}
			}
		}
	})
}

// FuzzBeforeProtect checks that protect leaves no top-level key that
// unescapes to the protected name, in an object or in every element of a
// bulk body.
func FuzzBeforeProtect(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	b, err := CompileBlock(Before, "users", &Block{Actions: []string{"create"},
		Statements: []*Statement{{Op: "protect", Paths: []string{"role"}}}})
	if err != nil {
		f.Fatal(err)
	}
	p := NewProgram(Before, []*CompiledBlock{b})
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) || !gjson.ValidBytes(in) {
			return
		}
		res, err := p.RunBefore(&Input{}, in, nil)
		if err != nil {
			t.Fatalf("RunBefore: %v\n in: %q", err, in)
		}
		if res.Reject != nil {
			if res.Reject.Status != 400 {
				t.Fatalf("RunBefore rejected %q with %d", in, res.Reject.Status)
			}
			return // not an object nor an array of objects
		}
		out := in
		if res.Body != nil {
			out = res.Body
		}
		var records []any
		switch v := decodedValid(t, in, out).(type) {
		case map[string]any:
			records = []any{v}
		case []any:
			records = v
		}
		for _, r := range records {
			if rec, ok := r.(map[string]any); ok {
				if _, ok := rec["role"]; ok {
					t.Fatalf("role kept\n in: %q\nout: %q", in, out)
				}
			}
		}
	})
}

// FuzzRewriteSpans checks that the members a rewrite says it wrote are the
// members a scan of its output finds, so reading a record after a set or
// a protect needs no scan.
func FuzzRewriteSpans(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	tree := newPathTree([]Path{mustPath(f, "password"), mustPath(f, "items.*.secret"), mustPath(f, "a.b")})
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) || !gjson.ValidBytes(in) {
			return
		}
		raw := string(in)
		if i := skipSpace(raw, 0); raw[i] != '{' {
			return
		}
		check := func(what string, out []byte, sp spans) {
			var got recordFields
			got.adopt(string(out), sp)
			want, _ := trustedMembers(string(out), skipSpace(string(out), 0), nil)
			if len(got.members) != len(want) {
				t.Fatalf("%s of %q: %d members recorded, %d written: %q", what, in, len(got.members), len(want), out)
			}
			for i := range want {
				g, w := got.members[i], want[i]
				if g.key != w.key || g.keyRaw != w.keyRaw || g.val != w.val {
					t.Fatalf("%s of %q: member %d recorded %q:%q, written %q:%q", what, in, i, g.keyRaw, g.val, w.keyRaw, w.val)
				}
			}
		}
		for _, keys := range [][]string{{"a"}, {"password"}, {"a", "b"}, {"new", "x"}} {
			var sp spans
			out, err := appendSetting(nil, raw, keys, []byte(`{"v":1}`), &sp, false)
			if err != nil {
				t.Fatal(err)
			}
			check("set "+strings.Join(keys, "."), out, sp)
		}
		var sp spans
		out, _ := appendDeletingSpans(nil, raw, []*pathTree{tree}, &sp)
		check("delete", out, sp)
	})
}

func mustPath(tb testing.TB, s string) Path {
	tb.Helper()
	p, err := ParsePath(s)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
