package rules

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

// refReplace writes over every value the path selects (each member a
// segment names, every duplicate; each element for `*`; a named segment
// that meets an array goes on into each element) with what with returns.
func refReplace(n *jnode, path []refSeg, with func(*jnode) *jnode) {
	seg := path[0]
	switch n.kind {
	case '{':
		for i, m := range n.members {
			if !refMatch(seg, m.key, false) {
				continue
			}
			if len(path) == 1 {
				n.members[i].val = with(m.val)
				continue
			}
			refReplace(m.val, path[1:], with)
		}
	case '[':
		if !seg.star {
			for _, e := range n.elems {
				refReplace(e, path, with)
			}
			return
		}
		for i, e := range n.elems {
			if len(path) == 1 {
				n.elems[i] = with(e)
				continue
			}
			refReplace(e, path[1:], with)
		}
	}
}

// refMask is mask without keep: a string becomes as many `*` as it has
// characters, anything else null.
func refMask(v *jnode) *jnode {
	var s string
	if v.kind != 's' || json.Unmarshal([]byte(v.scalar), &s) != nil {
		return &jnode{kind: 's', scalar: "null"}
	}
	if v.scalar[0] != '"' {
		return &jnode{kind: 's', scalar: "null"}
	}
	return &jnode{kind: 's', scalar: `"` + strings.Repeat("*", utf8.RuneCountInString(s)) + `"`}
}

func refNull(*jnode) *jnode { return &jnode{kind: 's', scalar: "null"} }

// mask and redact act as each of their paths alone would, on random
// records and overlapping path sets, against the reference above.
func TestMaskRedactProperty(t *testing.T) {
	changed := 0
	for seed := int64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewSource(seed))
		for range 1000 {
			s := &Statement{Op: "redact", Paths: genPaths(r, false)}
			with := refNull
			if r.Intn(2) == 0 {
				s.Op, with = "mask", refMask
			}
			doc := genRecord(r, false)
			want, err := decodeOrdered(doc)
			if err != nil || want.kind != '{' {
				continue
			}
			for _, p := range s.Paths {
				refReplace(want, refPath(p), with)
			}
			got, c := afterOrdered(t, []*Statement{s}, doc)
			if c {
				changed++
			}
			if got.String() != want.String() {
				t.Fatalf("%s\n doc:  %s\n got:  %s\n want: %s", describeStmts([]*Statement{s}), doc, got, want)
			}
		}
	}
	if changed < 500 {
		t.Fatalf("only %d of 4000 cases replaced a value: the generator misses the paths", changed)
	}
}
