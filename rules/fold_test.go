package rules

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// foldRunes are runes whose fold orbits hold more than case pairs.
var foldRunes = []rune("kKsSaAiIrR\u212a\u017f\u00b5\u039c\u03bc\u1e9e\u00df\u0130\u0131é")

// TestFoldMatchesEqualFold checks that a path key folded at load time
// matches a member name exactly when strings.EqualFold (Go's simple
// folding, as encoding/json binds names) says they are the same.
func TestFoldMatchesEqualFold(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	word := func() string {
		var b strings.Builder
		for n := r.Intn(4); n >= 0; n-- {
			b.WriteRune(foldRunes[r.Intn(len(foldRunes))])
		}
		return b.String()
	}
	for range 20000 {
		a, b := word(), word()
		if got, want := equalFolded(a, foldName(b)), strings.EqualFold(a, b); got != want {
			t.Fatalf("equalFolded(%q, foldName(%q)) = %v, strings.EqualFold says %v", a, b, got, want)
		}
		if got, want := equalFold(a, b), strings.EqualFold(a, b); got != want {
			t.Fatalf("equalFold(%q, %q) = %v, strings.EqualFold says %v", a, b, got, want)
		}
	}
	for c := range rune(utf8.RuneSelf) { // every ASCII first byte against every other
		for d := range rune(utf8.RuneSelf) {
			a, b := string(c)+"x", string(d)+"x"
			if got, want := equalFold(a, b), strings.EqualFold(a, b); got != want {
				t.Fatalf("equalFold(%q, %q) = %v, strings.EqualFold says %v", a, b, got, want)
			}
		}
	}
	for c := rune(0); c <= unicode.MaxRune; c += 1 + rune(r.Intn(7)) {
		if got, want := equalFolded(string(c), foldName(string(unicode.ToUpper(c)))), strings.EqualFold(string(c), string(unicode.ToUpper(c))); got != want {
			t.Fatalf("rune %U: equalFolded %v, strings.EqualFold %v", c, got, want)
		}
	}
}

// TestFoldAsEncodingJSONBinds checks the names against what Go's
// encoding/json binds to a field tagged "isAdmin".
func TestFoldAsEncodingJSONBinds(t *testing.T) {
	for _, name := range []string{"isAdmin", "ISADMIN", "iſAdmin", "i\u017fadmin", "isadmın", "isAdmin\u0131", "isAdmiN", "is_admin"} {
		var v struct {
			IsAdmin bool `json:"isAdmin"`
		}
		body, _ := json.Marshal(map[string]bool{name: true})
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		if got := equalFolded(name, foldName("isAdmin")); got != v.IsAdmin {
			t.Errorf("%q: matched %v, encoding/json binds it: %v", name, got, v.IsAdmin)
		}
	}
}

func TestFoldASCIINoAllocation(t *testing.T) {
	tree := newFoldTree([]Path{mustPath(t, "role"), mustPath(t, "profile.isAdmin")})
	allocs := testing.AllocsPerRun(100, func() {
		tree.lookup("ROLE")
		tree.lookup("Profile")
		tree.lookup("iſAdmin")
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per lookup", allocs)
	}
}

func TestFoldedDuplicate(t *testing.T) {
	for _, c := range []struct{ in, key string }{
		{`{"role":1,"ROLE":2}`, "ROLE"},
		{`{"a":[{"x":1},{"iſAdmin":1,"isAdmin":2}]}`, "isAdmin"},
		{`{"r\u006fle":1,"Role":2}`, "Role"},
		{`{"role":1,"roles":2,"a":{"role":3}}`, ""},
		// nine members (the hashed path), every byte ASCII, a name above ASCII spelled with an escape
		{`{"a0":0,"a1":1,"a2":2,"a3":3,"a4":4,"a5":5,"k":6,"a7":7,"\u212a":8}`, "K"},
		{`{"a0":0,"a1":1,"a2":2,"a3":3,"a4":4,"a5":5,"sS":6,"a7":7,"\u017fs":8}`, "ſs"},
		{`{"a0":0,"a1":1,"a2":2,"a3":3,"a4":4,"a5":5,"k":6,"a7":7,"\u212b":8}`, ""},
		{`{"a0":0,"a1":1,"a2":2,"a3":3,"a4":4,"Name":5,"nick":6,"a7":7,"nAME":8}`, "nAME"},
		{`{"a0":0,"a1":1,"a2":2,"a3":3,"a4":4,"N@me":5,"n@me":6,"a7":7,"n` + "`" + `me":8}`, "n@me"},
	} {
		key, dup := FoldedDuplicate([]byte(c.in))
		if key != c.key || dup != (c.key != "") {
			t.Errorf("FoldedDuplicate(%s) = %q, %v; want %q", c.in, key, dup, c.key)
		}
		if PlainRequestJSON([]byte(c.in), 64, true, nil) != !dup {
			t.Errorf("PlainRequestJSON(%s, fold) disagrees", c.in)
		}
	}
	many := `{"a0":0,"a1":1,"a2":2,"a3":3,"a4":4,"a5":5,"a6":6,"a7":7,"A3":8}`
	if PlainRequestJSON([]byte(many), 64, true, nil) || !PlainRequestJSON([]byte(many), 64, false, nil) {
		t.Error("nine members: a3 and A3 are duplicates under folding only")
	}
}
