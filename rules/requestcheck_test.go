package rules

import (
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
		{many, 32, false}, // too many members for the table of names
		{`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10}`, 32, true},
		{`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"d":10}`, 32, false},
	} {
		if got := PlainRequestJSON([]byte(c.body), c.depth, false); got != c.want {
			t.Errorf("PlainRequestJSON(%.60q, %d) = %v, want %v", c.body, c.depth, got, c.want)
		}
	}
}
