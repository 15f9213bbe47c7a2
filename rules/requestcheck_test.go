package rules

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPlainRequestJSON: the bodies clients usually send are shown valid in
// one pass; anything the full check must judge is left to it.
func TestPlainRequestJSON(t *testing.T) {
	many := `{` + strings.Repeat(`"k":1,`, 0)
	for i := range maxPlainMembers + 1 {
		if i > 0 {
			many += ","
		}
		many += `"k` + strings.Repeat("x", i) + `":1`
	}
	many += `}`
	for _, c := range []struct {
		body  string
		depth int
		want  bool
	}{
		{`{"name":"Ada","tags":["a","b"],"profile":{"bio":"x\n\"y\""},"n":-1.5e3,"ok":true,"none":null}`, 32, true},
		{` [ {"a":1} , {"a":1} ] `, 32, true}, // the same key in two objects
		{`"x"`, 0, true},
		{`{"a":{"b":[1]}}`, 3, true},
		{`{"a":{"b":[1]}}`, 2, false},      // too deep: the full check says how deep
		{`{"a":1,"a":2}`, 32, false},       // duplicate
		{`{"a":{"b":1,"b":1}}`, 32, false}, // nested duplicate
		{`[{"a":1,"b":2,"a":3}]`, 32, false},
		{`{"r\u006fle":"x","notes":"caf\u00e9 \ud83d\ude00 \\u"}`, 32, true},
		{`{"r\u006fle":"x","role":"y"}`, 32, false}, // a duplicate once unescaped
		{`{"a":"\ud800"}`, 32, false},               // a lone high surrogate
		{`{"a":"\ud800\u0041"}`, 32, false},
		{`{"a":"\udc00\ud800"}`, 32, false}, // low before high
		{"{\"a\":\"\xff\"}", 32, false},     // not UTF-8
		{`{"a":1,}`, 32, false},
		{`{"a":1} {}`, 32, false},
		{``, 32, false},
		{many, 32, false},                                  // too many members for the table of names
		{`{"a":1,x":2,"padding":"0123456789"}`, 32, false}, // a name without its opening quote
		{`{"a":1,"b" :2, "c": 3 ,"d":[1 ,2]}`, 32, true},
		{`{"a":1,"a" :2}`, 32, false}, // a duplicate after white space
		{`{"a\"":1,"a\u0022":2}`, 32, false},
		{`[0,-0,10,1.5,-2e3,3E+2,0.25]`, 32, true},
		{`[01]`, 32, false},
		{`[1.]`, 32, false},
		{`[1e]`, 32, false},
		{`[1,]`, 32, false},
		{`{"a":"x` + "\x01" + `"}`, 32, false}, // a control character in a string
		{`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10}`, 32, true},
		{`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"d":10}`, 32, false},
	} {
		if got := PlainRequestJSON([]byte(c.body), c.depth, false, nil); got != c.want {
			t.Errorf("PlainRequestJSON(%.60q, %d) = %v, want %v", c.body, c.depth, got, c.want)
		}
	}
}

// TestBodyIndex: a body the check shows valid leaves its top-level members
// (as the before phase's own scan finds them) for that body's memory
// alone; a body it does not show valid leaves nothing.
func TestBodyIndex(t *testing.T) {
	var ix BodyIndex
	body := []byte(` {"a" : 1, "\u0062":{"c":[1,"x"]} ,"d":"e\"f"} `)
	if !PlainRequestJSON(body, 64, false, &ix) {
		t.Fatal("body not shown valid")
	}
	s := unsafeString(body)
	want, _ := trustedMembers(s, 1, nil)
	got, ok := ix.of(s)
	if !ok || len(got) != 3 {
		t.Fatalf("index of the body: %v, %d members", ok, len(got))
	}
	for i := range want {
		if got[i].key != want[i].key || got[i].keyRaw != want[i].keyRaw || got[i].val != want[i].val {
			t.Errorf("member %d: %q %q %q, want %q %q %q", i, got[i].key, got[i].keyRaw, got[i].val,
				want[i].key, want[i].keyRaw, want[i].val)
		}
	}
	if _, ok := ix.of(string(body)); ok {
		t.Error("the index answers for a copy of the body")
	}
	if PlainRequestJSON([]byte(`{"a":1,"a":2}`), 64, false, &ix) {
		t.Fatal("duplicate shown valid")
	}
	if _, ok := ix.of(s); ok || len(ix.members) != 0 {
		t.Error("a refused body left the last index")
	}
	if !PlainRequestJSON([]byte(`[{"a":1}]`), 64, false, &ix) || len(ix.members) != 0 {
		t.Error("an array body indexed")
	}
	if !PlainRequestJSON(body, 64, false, nil) {
		t.Error("no index: not shown valid")
	}
}

// TestPlainRequestJSONFindsFoldedDuplicates checks the check under folding
// against foldedDuplicate (names folded by foldName into a map): on
// objects of 1 to 20 members (the pairwise test below 8, the table of
// hashes from 8 on), flat and nested, whose names are drawn from letters
// with other folds (the Kelvin sign, the long s, sigma), capitals,
// escapes and names past eight bytes, a body is shown valid exactly when
// no two names of one object fold alike.
func TestPlainRequestJSONFindsFoldedDuplicates(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	pieces := []string{"k", "K", "\u212a", "s", "S", "\u017f", "\u03a3", "\u03c3", "\u03c2", "a", "A", "é", "É",
		`\u0041`, `\u212a`, "_", "9", "z", "Z", "@", "[", "ind", "IND", "tate", "longername", "LONGERNAME"}
	name := func() string {
		var b strings.Builder
		for n := 1 + r.IntN(3); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	var object func(depth int) string
	object = func(depth int) string {
		var b strings.Builder
		b.WriteByte('{')
		for i := range 1 + r.IntN(20) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + name() + `":`)
			if depth < 2 && r.IntN(4) == 0 {
				b.WriteString(object(depth + 1))
			} else {
				b.WriteString(`"v"`)
			}
		}
		b.WriteByte('}')
		return b.String()
	}
	shown := 0
	for range 20_000 {
		body := object(0)
		_, dup := FoldedDuplicate([]byte(body))
		if got := PlainRequestJSON([]byte(body), 64, true, nil); got == dup {
			t.Fatalf("PlainRequestJSON(%s) = %v, a duplicate under folding: %v", body, got, dup)
		}
		if !dup {
			shown++
		}
	}
	if shown < 2_000 || shown > 18_000 {
		t.Fatalf("%d of 20 000 bodies without a duplicate: the draw tests too little of either side", shown)
	}
}
