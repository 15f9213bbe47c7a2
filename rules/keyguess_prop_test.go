package rules

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// Property tests of the names the scan expects from the record before
// (keyguess.go): a list whose records repeat their neighbours' names, or
// almost do, is read as each record alone would be. Lists are built from
// one random record and copies of it edited by a byte or two around its
// names; the output must be the reference's and the body refused exactly
// when encoding/json refuses it.

// nameEdits are the bytes an edit puts into or beside a name: the ones
// that end, escape or break a string, white space, the structure, a
// letter, and bytes that are not UTF-8 on their own.
var nameEdits = []string{`"`, `\`, "\x01", "\x1f", " ", "\t", ":", ",", "{", "a", "s", "\xc3", "\xff", `\u0061`, `\"`}

// nearCopy edits rec at one of its quotes or a little past it; a name it
// writes is one of names.
func nearCopy(r *rand.Rand, rec []byte, names []string) []byte {
	var quotes []int
	for i, c := range rec {
		if c == '"' {
			quotes = append(quotes, i)
		}
	}
	if len(quotes) == 0 {
		return rec
	}
	q := quotes[r.Intn(len(quotes))]
	edit := nameEdits[r.Intn(len(nameEdits))]
	s := string(rec)
	switch r.Intn(9) {
	case 0: // a byte inserted just inside the quote
		s = s[:q+1] + edit + s[q+1:]
	case 1: // a byte just inside the quote replaced
		if q+2 <= len(s) {
			s = s[:q+1] + edit + s[q+2:]
		}
	case 2: // white space before the quote
		s = s[:q] + []string{" ", "\n", "\t "}[r.Intn(3)] + s[q:]
	case 3: // white space or a byte after the quote
		s = s[:q+1] + " " + s[q+1:]
		if r.Intn(2) == 0 {
			s = s[:q+1] + edit + s[q+2:]
		}
	case 4: // a letter after the quote written as an escape
		if q+1 < len(s) && 'a' <= s[q+1] && s[q+1] <= 'z' {
			s = s[:q+1] + fmt.Sprintf(`\u%04x`, s[q+1]) + s[q+2:]
		}
	case 5: // a byte after the quote dropped
		if q+1 < len(s) {
			s = s[:q+1] + s[q+2:]
		}
	case 6: // one bit of a byte up to 20 past the quote flipped
		if at := q + r.Intn(21); at < len(s) {
			s = s[:at] + string([]byte{s[at] ^ 1<<r.Intn(8)}) + s[at+1:]
		}
	case 7: // the text up to the next quote made another name
		if end := strings.IndexByte(s[q+1:], '"'); end >= 0 {
			s = s[:q+1] + names[r.Intn(len(names))] + s[q+1+end:]
		}
	case 8: // the first object a member holds after the quote, in an array: the same names, a value of another kind
		if at := strings.Index(s[q:], ":{"); at >= 0 {
			at += q + 1
			if end := skipValue(s, at); end > at {
				s = s[:at] + "[" + s[at:end] + "," + s[at:end] + "]" + s[end:]
			}
		}
	}
	return []byte(s)
}

// nearCopies is a list of rec and two to five copies of it, about half of
// them edited (a name written anew is one of names); one list in eight is
// cut short past the first record.
func nearCopies(r *rand.Rand, rec []byte, names []string) []byte {
	b := []byte{'['}
	b = append(b, rec...)
	for n := 2 + r.Intn(4); n > 0; n-- {
		b = append(b, ',')
		if r.Intn(2) == 0 {
			b = append(b, nearCopy(r, rec, names)...)
		} else {
			b = append(b, rec...)
		}
	}
	if first := len(rec) + 1; r.Intn(8) == 0 && len(b) > first {
		// cut somewhere past the first record, white space after the cut
		b = append(b[:first+r.Intn(len(b)-first)], strings.Repeat(" ", r.Intn(24))...)
		return b
	}
	return append(b, ']')
}

// checkNearCopies runs stmts over doc: refused exactly when encoding/json
// refuses it, otherwise what the reference gives; and each record's
// members are what a scan of that record alone finds.
func checkNearCopies(t *testing.T, stmts []*Statement, doc []byte) {
	t.Helper()
	b, err := CompileBlock(After, "users", &Block{Actions: []string{"list"}, Statements: stmts})
	if err != nil {
		t.Fatal(err)
	}
	p := NewProgram(After, []*CompiledBlock{b})
	valid := json.Valid(doc)
	if _, err := p.RunAfter(&Input{}, doc, Shape{}, nil); (err == ErrMalformed) == valid {
		t.Fatalf("%s\n doc: %q\n err %v, encoding/json says valid=%v", describeStmts(stmts), doc, err, valid)
	}
	if !valid || !validKeys(doc) {
		return
	}
	checkAfter(t, stmts, doc)
	checkMembersAlone(t, p.descend, string(doc))
}

// checkMembersAlone scans each record of the list s in turn with the names
// of the one before it remembered, and alone, and compares the members.
func checkMembersAlone(t *testing.T, tree *pathTree, s string) {
	t.Helper()
	var shared nested
	for i := skipSpace(s, 1); i < len(s) && s[i] != ']'; {
		end := skipValue(s, i)
		if s[i] == '{' {
			shared.kids = shared.kids[:0]
			got, gotEnd := scanMembers(s, i, nil, tree, &shared, 0, true)
			var alone nested
			want, wantEnd := scanMembers(s, i, nil, tree, &alone, 0, true)
			if g, w := describeMembers(got, &shared), describeMembers(want, &alone); g != w || gotEnd != wantEnd {
				t.Fatalf("record %q\n after the one before: %s (end %d)\n alone: %s (end %d)", s[i:end], g, gotEnd, w, wantEnd)
			}
		}
		if i = skipSpace(s, end); s[i] == ',' {
			i = skipSpace(s, i+1)
		}
	}
}

// describeMembers writes what a scan found, nested members included.
func describeMembers(ms []member, n *nested) string {
	var b strings.Builder
	for i := range ms {
		m := &ms[i]
		fmt.Fprintf(&b, "%q %q %q miss=%v at=%d", m.key, m.keyRaw, m.val, m.miss, m.at)
		if m.deep {
			fmt.Fprintf(&b, " {%s}", describeMembers(n.of(m), n))
		}
		b.WriteString("; ")
	}
	return b.String()
}

// recordPaths lists the paths of names that lead to the members of the
// objects of doc (not into arrays), each as its segments.
func recordPaths(doc *jnode, prefix []string, out [][]string) [][]string {
	if doc.kind != '{' {
		return out
	}
	for _, m := range doc.members {
		if strings.ContainsAny(m.key, `*\`) || m.key == "" {
			continue
		}
		p := append(prefix[:len(prefix):len(prefix)], m.key)
		out = recordPaths(m.val, p, append(out, p))
	}
	return out
}

// hidesOf draws hides of paths rec has, some with their first name put
// in place of another's, so that the names of one place lead into
// different paths from record to record once a copy renames them.
func hidesOf(r *rand.Rand, rec []byte) ([]*Statement, []string) {
	doc, err := decodeOrdered(rec)
	if err != nil {
		return nil, nil
	}
	paths := recordPaths(doc, nil, nil)
	if len(paths) == 0 {
		return nil, nil
	}
	var stmts []*Statement
	var names []string
	for n := 1 + r.Intn(3); n > 0; n-- {
		s := &Statement{Op: "hide"}
		for k := 1 + r.Intn(3); k > 0; k-- {
			p := append([]string{}, paths[r.Intn(len(paths))]...)
			if r.Intn(2) == 0 {
				p[0] = paths[r.Intn(len(paths))][0]
			}
			names = append(names, p...)
			for i := range p {
				p[i] = strings.ReplaceAll(p[i], ".", `\.`)
			}
			s.Paths = append(s.Paths, strings.Join(p, "."))
		}
		if r.Intn(3) == 0 { // records with the same names, hidden each as its index says
			s.If = fmt.Sprintf(refIndexCondition, 2+r.Intn(2), r.Intn(2))
		}
		stmts = append(stmts, s)
	}
	return stmts, names
}

func TestNearCopiesProperty(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewSource(seed))
		for range 1000 {
			rec := genRecord(r, r.Intn(2) == 0)
			stmts, names := hidesOf(r, rec)
			if stmts == nil || r.Intn(3) == 0 {
				stmts = genAfterCase(r).stmts
			}
			checkNearCopies(t, stmts, nearCopies(r, rec, append(names, genNames...)))
		}
	}
}

// FuzzNearCopies lists a record, another and the first again, under the
// hides of a fuzzed path set (as FuzzPathSetsAfter reads it).
func FuzzNearCopies(f *testing.F) {
	f.Add([]byte(`{"id":1,"password":"a","profile":{"ssn":1,"age":2}}`), []byte(`{"id":2,"pass\u0077ord":"b","profile":{"ssn" :1,"age":2}}`), "hpassword profile.ssn")
	f.Add([]byte(`{"name":"a","meta":{"k":{"x":1}}}`), []byte(`{"name":"a","meta":{"k":{"x`+"\x01"+`":1}}}`), "hname")
	f.Add([]byte(`{"a":1,"b":2}`), []byte(`{"b":2,"a":1}`), "ha")
	f.Fuzz(func(t *testing.T, a, b []byte, spec string) {
		stmt, ok := fuzzStmt(spec, "hide")
		if !ok {
			return
		}
		doc := append(append(append(append(append([]byte{'['}, a...), ','), b...), ','), a...)
		checkNearCopies(t, []*Statement{stmt}, append(doc, ']'))
	})
}

// Records wider than the names a scan remembers are read as each alone,
// and what the scan keeps stays bounded.
func TestWideRecordsNearCopies(t *testing.T) {
	var rec strings.Builder
	rec.WriteByte('{')
	for i := range 100 {
		if i > 0 {
			rec.WriteByte(',')
		}
		fmt.Fprintf(&rec, `"n%d":{"a":%d,"b":[{"c":%d}]}`, i, i, i)
	}
	rec.WriteByte('}')
	doc := []byte("[" + rec.String() + "," + rec.String() + "," + strings.Replace(rec.String(), `"n80"`, `"n8O"`, 1) + "]")
	stmts := []*Statement{{Op: "hide", Paths: []string{"n3.a", "n70", "n80.b", "n99.a"}}}
	checkNearCopies(t, stmts, doc)

	var n nested
	tree := newPathTree(nil)
	for i := skipSpace(string(doc), 1); i < len(doc) && doc[i] == '{'; {
		_, end := scanMembers(string(doc), i, nil, tree, &n, 0, true)
		if end < 0 {
			t.Fatalf("scanMembers at %d: malformed", i)
		}
		i = skipSpace(string(doc), end+1)
	}
	if len(n.guesses) != maxKnownNames || len(n.guesses[0].inner) != 3 {
		t.Fatalf("remembered %d names, the first with %d inside; want %d and 3", len(n.guesses), len(n.guesses[0].inner), maxKnownNames)
	}
}

// heldText reports the first name the storage of known, walked to its
// capacity and into the names each guess holds, still remembers.
func heldText(known []keyGuess) (string, bool) {
	for _, g := range known[:cap(known)] {
		if g.span != "" || g.key != "" {
			return g.span, true
		}
		for _, k := range g.inner[:cap(g.inner)] {
			if k.span != "" {
				return k.span, true
			}
		}
		if span, held := heldText(g.kids); held {
			return span, true
		}
	}
	return "", false
}

// textElsewhere returns the first text of a name in known, nested ones
// too, that is not in text.
func textElsewhere(known []keyGuess, text string) (string, bool) {
	for i := range known {
		g := &known[i]
		for _, s := range []string{g.span, g.key} {
			if !inText(s, text) {
				return s, true
			}
		}
		for _, k := range g.inner {
			if !inText(k.span, text) {
				return k.span, true
			}
		}
		if s, ok := textElsewhere(g.kids, text); ok {
			return s, true
		}
	}
	return "", false
}

// Once forgotten, the names a scan remembered hold no text of the body
// they came from, however the records replaced them meanwhile: pooled
// storage keeps no body alive. Kept for the next body instead, they are
// the same names, and their text is all in the buffer keepKeys last
// wrote, none in the body or in the buffer it writes next.
func TestKeptAndForgottenNamesHoldNoText(t *testing.T) {
	// a guess with names inside its value replaced: members gone into and
	// skipped, whose names other ones take, twice in a row
	a, c := `{"a":{"x":1,"y":2},"b":{"k":1,"l":2}}`, `{"c":{"z":1},"d":1}`
	forgottenCase(t, []*Statement{{Op: "hide", Paths: []string{"a.x", "c.z"}}}, []string{"[" + a + "," + c + "," + c + "," + a + "]"})
	for seed := int64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewSource(seed))
		for range 300 {
			rec := genRecord(r, r.Intn(2) == 0)
			stmts, names := hidesOf(r, rec)
			if stmts == nil {
				continue
			}
			lists := make([]string, 4) // scanned in turn with the same storage, as a pooled run's
			for k := range lists {
				lists[k] = string(nearCopies(r, rec, append(names, genNames...)))
			}
			forgottenCase(t, stmts, lists)
		}
	}
}

// forgottenCase scans each list in turn with the same storage under the
// hides of stmts, keeping the names after each as a run's release does,
// and checks the kept names and, forgotten, a copy of them.
func forgottenCase(t *testing.T, stmts []*Statement, lists []string) {
	t.Helper()
	b, err := CompileBlock(After, "users", &Block{Actions: []string{"list"}, Statements: stmts})
	if err != nil {
		t.Fatal(err)
	}
	tree := NewProgram(After, []*CompiledBlock{b}).descend
	var n nested
	for _, s := range lists {
		for i := skipSpace(s, 1); i < len(s) && s[i] == '{'; {
			n.kids = n.kids[:0]
			_, end := scanMembers(s, i, nil, tree, &n, 0, true)
			if end < 0 {
				break
			}
			if i = skipSpace(s, end); i < len(s) && s[i] == ',' {
				i = skipSpace(s, i+1)
			}
		}
		want := describeGuesses(n.guesses)
		n.keepKeys()
		if text, ok := textElsewhere(n.guesses, unsafeString(n.text[n.textAt])); ok {
			t.Fatalf("list %q, %s: a kept name's text %q is not in the kept text", s, describeStmts(stmts), text)
		}
		if got := describeGuesses(n.guesses); got != want {
			t.Fatalf("list %q, %s: kept names\n %s\nwant\n %s", s, describeStmts(stmts), got, want)
		}
		forgotten := cloneGuesses(n.guesses) // the next list is read with the names kept
		forgetKeys(forgotten)
		if span, held := heldText(forgotten[:0]); held {
			t.Fatalf("list %q, %s: forgotten names still hold %q", s, describeStmts(stmts), span)
		}
	}
}

// describeGuesses writes the names remembered, nested ones too.
func describeGuesses(known []keyGuess) string {
	var b strings.Builder
	for i := range known {
		g := &known[i]
		fmt.Fprintf(&b, "%q %q %d %d %v;", g.span, g.key, g.nameAt, g.nameLen, g.kept)
		for _, k := range g.inner {
			fmt.Fprintf(&b, " inner %q", k.span)
		}
		if len(g.kids) > 0 {
			fmt.Fprintf(&b, " {%s}", describeGuesses(g.kids))
		}
	}
	return b.String()
}

// cloneGuesses copies known and the storage of its nested names, to the
// capacity of each slice.
func cloneGuesses(known []keyGuess) []keyGuess {
	all := slices.Clone(known[:cap(known)])
	for i := range all {
		g := &all[i]
		g.kids = cloneGuesses(g.kids)
		g.inner = slices.Clone(g.inner[:cap(g.inner)])[:len(g.inner)]
	}
	return all[:len(known)]
}
