package rules

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// Property tests: a set of paths means what each path alone means. Random
// records and random overlapping path sets go through the product and
// through the reference of pathset_ref_test.go; the outputs must be the
// same JSON (member order and duplicates included).

// afterCase is one random after-phase program and the reference of it.
type afterCase struct {
	stmts []*Statement
	doc   []byte
}

func genAfterCase(r *rand.Rand) afterCase {
	var c afterCase
	for n := 1 + r.Intn(3); n > 0; n-- {
		s := &Statement{Op: "hide", Paths: genPaths(r, false)}
		if r.Intn(2) == 0 {
			// names only: the rewrite tells hidden members by their bits
			s.Paths = namedOnly(r, s.Paths)
		}
		switch r.Intn(4) {
		case 0:
			s.Op = "only"
		case 1:
			s.If = "true" // not merged with its neighbours
			if keys := refPathText(s.Paths[0]); len(keys) > 1 && identifiers(keys) {
				// true as well, and reads the path: the scan goes into the
				// objects on the way for the condition, beside the hides
				s.If = "record." + strings.Join(keys, ".") + ` != "§"`
			}
		}
		c.stmts = append(c.stmts, s)
	}
	if r.Intn(3) == 0 { // a list of records
		c.doc = []byte("[" + string(genRecord(r, false)) + "," + string(genRecord(r, false)) + "]")
	} else {
		c.doc = genRecord(r, false)
	}
	return c
}

// namedOnly writes each path again with a name in place of every `*`.
func namedOnly(r *rand.Rand, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		segs := refPathText(p)
		for j, seg := range segs {
			if seg == "*" {
				segs[j] = genSeg(r, false)
			}
		}
		out[i] = strings.Join(segs, ".")
	}
	return out
}

// identifiers reports whether every key can follow a dot in an expression.
func identifiers(keys []string) bool {
	for _, k := range keys {
		for i, c := range k {
			if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
				return false
			}
		}
		if k == "" {
			return false
		}
	}
	return true
}

// refAfter applies the statements to every record of doc. A condition of
// the form refIndexCondition writes holds as the record's index says; the
// others the tests write hold on every record.
func refAfter(doc *jnode, stmts []*Statement) {
	records := []*jnode{doc}
	if doc.kind == '[' {
		records = doc.elems
	}
	for index, rec := range records {
		for _, s := range stmts {
			var n, rest int
			if _, err := fmt.Sscanf(s.If, refIndexCondition, &n, &rest); err == nil && index%n != rest {
				continue
			}
			applyPathStmt(rec, s, false)
		}
	}
}

// refIndexCondition is the condition refAfter reads: the record's index in
// its list modulo a number equals another.
const refIndexCondition = "index %% %d == %d"

// applyPathStmt is the reference of hide, protect and only.
func applyPathStmt(rec *jnode, s *Statement, fold bool) {
	var paths [][]refSeg
	for _, p := range s.Paths {
		paths = append(paths, refPath(p))
	}
	if s.Op == "only" {
		refKeep(rec, paths, fold)
		return
	}
	for _, p := range paths {
		refDelete(rec, p, fold)
	}
}

// checkAfter runs one case through RunAfter and the reference.
func checkAfter(t *testing.T, stmts []*Statement, doc []byte) {
	t.Helper()
	want, err := decodeOrdered(doc)
	if err != nil {
		return // not JSON: nothing to compare
	}
	got, _ := afterOrdered(t, stmts, doc)
	if want.kind == '{' || want.kind == '[' {
		refAfter(want, stmts)
	}
	if got.String() != want.String() {
		t.Fatalf("%s\n doc:  %s\n got:  %s\n want: %s", describeStmts(stmts), doc, got, want)
	}
}

// afterOrdered runs stmts as an after block on doc and decodes what came
// out; changed says the product rewrote the body.
func afterOrdered(t *testing.T, stmts []*Statement, doc []byte) (got *jnode, changed bool) {
	t.Helper()
	b, err := CompileBlock(After, "users", &Block{Actions: []string{"list"}, Statements: stmts})
	if err != nil {
		t.Fatal(err)
	}
	res, err := NewProgram(After, []*CompiledBlock{b}).RunAfter(&Input{}, doc, Shape{}, nil)
	if err != nil {
		t.Fatalf("RunAfter: %v\n doc: %s", err, doc)
	}
	out := doc
	if res.Body != nil {
		out = res.Body
	}
	got, err = decodeOrdered(out)
	if err != nil {
		t.Fatalf("output is not JSON: %v\n doc: %s\n out: %s", err, doc, out)
	}
	return got, res.Body != nil
}

func describeStmts(stmts []*Statement) string {
	var b strings.Builder
	for _, s := range stmts {
		fmt.Fprintf(&b, "%s", s.Op)
		for _, p := range s.Paths {
			fmt.Fprintf(&b, " %s", p)
		}
		if s.Path != "" {
			fmt.Fprintf(&b, " %s %s", s.Path, s.Expr)
		}
		if s.If != "" {
			fmt.Fprintf(&b, " if %s", s.If)
		}
		b.WriteString("; ")
	}
	return b.String()
}

func TestPathSetsAfterProperty(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewSource(seed))
		for range 1000 {
			c := genAfterCase(r)
			checkAfter(t, c.stmts, c.doc)
		}
	}
}

// FuzzPathSetsAfter compares hide and only with the reference for any
// document and any path set (paths separated by spaces; a first byte of
// 'o' makes the statement only).
func FuzzPathSetsAfter(f *testing.F) {
	f.Add([]byte(`{"name":{"secret":1,"meta":2}}`), "h*.secret name.meta")
	f.Add([]byte(`{"top":{"k":{"secret":1,"meta":2}}}`), "htop.*.secret top.k.meta")
	f.Add([]byte(`{"name":"n","profile":[{"bio":"b","isAdmin":true}],"id":1}`), "oname profile.bio")
	f.Add([]byte(`[{"profile":[[{"ssn":1}],{"ssn":2,"ssn":3}]}]`), "hprofile.ssn")
	f.Add([]byte(`{"x.y":{"a":1},"x":{"y":2}}`), `hx\.y.a x.y`)
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "hpassword items.*.secret items.x profile.ssn")
	}
	f.Fuzz(func(t *testing.T, doc []byte, spec string) {
		stmt, ok := fuzzStmt(spec, "hide")
		if !ok || !validKeys(doc) {
			return
		}
		checkAfter(t, []*Statement{stmt}, doc)
	})
}

// fuzzStmt reads a statement from a fuzzed spec: the first byte picks only
// ('o') or the other op, the rest are paths separated by spaces.
func fuzzStmt(spec, other string) (*Statement, bool) {
	if len(spec) < 2 {
		return nil, false
	}
	s := &Statement{Op: other}
	if spec[0] == 'o' {
		s.Op = "only"
	}
	for _, p := range strings.Fields(spec[1:]) {
		if _, err := ParsePath(p); err != nil || strings.HasSuffix(p, `\`) {
			return nil, false
		}
		s.Paths = append(s.Paths, p)
	}
	return s, len(s.Paths) > 0 && len(s.Paths) <= 8
}

// beforeCase is one random before-phase program.
type beforeCase struct {
	stmts []*Statement
	doc   []byte
}

func genBeforeCase(r *rand.Rand, variants bool) beforeCase {
	var c beforeCase
	for n := 1 + r.Intn(3); n > 0; n-- {
		c.stmts = append(c.stmts, genPathStmt(r, variants))
	}
	c.doc = genRecord(r, variants)
	if r.Intn(4) == 0 { // a bulk body
		c.doc = []byte("[" + string(c.doc) + "," + string(genRecord(r, variants)) + "]")
	}
	return c
}

// genPathStmt is a random protect or only of a path set, or a set or
// default of a constant.
func genPathStmt(r *rand.Rand, variants bool) *Statement {
	switch r.Intn(5) {
	case 0, 1:
		return &Statement{Op: "protect", Paths: genPaths(r, variants)}
	case 2:
		return &Statement{Op: "only", Paths: genPaths(r, variants)}
	case 3:
		return &Statement{Op: "set", Path: genPlainPath(r, variants), Expr: `"S"`}
	}
	return &Statement{Op: "default", Path: genPlainPath(r, variants), Expr: `7`}
}

// genPlainPath is a path without `*`, for set and default.
func genPlainPath(r *rand.Rand, variants bool) string {
	segs := []string{genSeg(r, variants)}
	for n := r.Intn(3); n > 0; n-- {
		segs = append(segs, genSeg(r, variants))
	}
	return strings.Join(segs, ".")
}

// refBefore applies the statements to every record of doc.
func refBefore(doc *jnode, stmts []*Statement, fold bool) {
	records := []*jnode{doc}
	if doc.kind == '[' {
		records = doc.elems
	}
	for _, rec := range records {
		for _, s := range stmts {
			switch s.Op {
			case "set", "default":
				keys := make([]string, 0, 3)
				for _, seg := range refPath(s.Path) {
					keys = append(keys, seg.key)
				}
				v := &jnode{kind: 's', scalar: `"S"`}
				if s.Op == "default" {
					if cur := refLast(rec, keys, fold); cur != nil && cur.scalar != "null" {
						continue
					}
					v = &jnode{kind: 's', scalar: `7`}
				}
				refSet(rec, keys, v, fold)
			default:
				applyPathStmt(rec, s, fold)
			}
		}
	}
}

// checkBefore runs one case through RunBefore and the reference; exact
// makes field names match exactly (case_sensitive).
func checkBefore(t *testing.T, stmts []*Statement, doc []byte, exact bool) {
	t.Helper()
	want, err := decodeOrdered(doc)
	if err != nil || refHasFoldedDuplicate(want, !exact) {
		return // refused before rules run
	}
	if dottedRecord(want) {
		return // read as update operators and dotted keys: another shape
	}
	b, err := CompileBlock(Before, "users", &Block{Actions: []string{"create"}, Statements: stmts})
	if err != nil {
		t.Fatal(err)
	}
	records := want.kind == '{' || want.kind == '[' && allObjects(want.elems)
	refBefore(want, stmts, !exact)
	// once scanning the body, once reading the members the request check found
	for _, indexed := range []bool{false, true} {
		in := &Input{}
		if indexed {
			in.Index = &BodyIndex{}
			PlainRequestJSON(doc, 64, !exact, in.Index)
		}
		res, err := newBeforeProgram(b, exact).RunBefore(in, doc, nil)
		if err != nil {
			t.Fatalf("RunBefore: %v\n doc: %s", err, doc)
		}
		if res.Reject != nil {
			if !records {
				return
			}
			t.Fatalf("indexed=%v: rejected %+v\n %s\n doc: %s", indexed, res.Reject, describeStmts(stmts), doc)
		}
		out := doc
		if res.Body != nil {
			out = res.Body
		}
		got, err := decodeOrdered(out)
		if err != nil {
			t.Fatalf("output is not JSON: %v\n doc: %s\n out: %s", err, doc, out)
		}
		if got.String() != want.String() {
			t.Fatalf("exact=%v indexed=%v %s\n doc:  %s\n got:  %s\n want: %s", exact, indexed, describeStmts(stmts), doc, got, want)
		}
	}
}

func TestPathSetsBeforeProperty(t *testing.T) {
	for _, exact := range beforeModes {
		for seed := int64(1); seed <= 4; seed++ {
			r := rand.New(rand.NewSource(seed))
			for range 1000 {
				c := genBeforeCase(r, true)
				checkBefore(t, c.stmts, c.doc, exact)
			}
		}
	}
}

// FuzzPathSetsBefore compares protect and only with the reference for any
// request record and any path set (see fuzzStmt; 'o' is only, else
// protect), with field names folded.
func FuzzPathSetsBefore(f *testing.F) {
	f.Add([]byte(`{"name":"n","profile":[{"bio":"b","isAdmin":true}]}`), "oname profile.bio")
	f.Add([]byte(`{"ROLE":"admin","iſAdmin":true,"r\u006fle":1}`), "prole isAdmin")
	f.Add([]byte(`{"profile":[{"SSN":1},{"ſſn":2}],"\u212a":1}`), "pprofile.ssn k")
	f.Add([]byte(`{"name":{"secret":1,"meta":2}}`), "p*.secret name.meta")
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "ppassword items.*.secret role profile.ssn")
	}
	f.Fuzz(func(t *testing.T, doc []byte, spec string) {
		stmt, ok := fuzzStmt(spec, "protect")
		if !ok || !validKeys(doc) {
			return
		}
		for _, exact := range beforeModes {
			checkBefore(t, []*Statement{stmt}, doc, exact)
		}
	})
}

// beforeModes are the case_sensitive settings the before tests run with:
// names folded (the default), and exact.
var beforeModes = []bool{false, true}

// newBeforeProgram is the before program of b.
func newBeforeProgram(b *CompiledBlock, exact bool) *Program {
	if exact {
		return NewProgram(Before, []*CompiledBlock{b}, ExactKeys())
	}
	return NewProgram(Before, []*CompiledBlock{b})
}

func allObjects(nodes []*jnode) bool {
	for _, n := range nodes {
		if n.kind != '{' {
			return false
		}
	}
	return true
}

// dottedRecord reports whether a record of doc has a top-level key with a
// dot or a leading $: the before phase reads such a body as the fields its
// dotted keys and update operators write.
func dottedRecord(doc *jnode) bool {
	records := []*jnode{doc}
	if doc.kind == '[' {
		records = doc.elems
	}
	for _, r := range records {
		for _, m := range r.members {
			if strings.Contains(m.key, ".") || strings.HasPrefix(m.key, "$") {
				return true
			}
		}
	}
	return false
}

// TestHidesThroughArraysProperty is the class of hides whose paths meet
// arrays: random named paths (a wildcard among them at times), over lists
// of records built along those paths where each value on the way is an
// object, an array of objects or an array of arrays of them, beside
// members no path names. The result is the reference's, whatever mix of
// scanned objects and arrays the paths cross.
func TestHidesThroughArraysProperty(t *testing.T) {
	names := []string{"a", "b", "c", "d"}
	for seed := int64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewSource(seed))
		for range 500 {
			var stmts []*Statement
			var paths [][]string
			for n := 1 + r.Intn(3); n > 0; n-- {
				s := &Statement{Op: "hide"}
				for k := 1 + r.Intn(2); k > 0; k-- {
					var p []string
					for d := 1 + r.Intn(3); d > 0; d-- {
						seg := names[r.Intn(len(names))]
						if r.Intn(8) == 0 {
							seg = "*"
						}
						p = append(p, seg)
					}
					paths = append(paths, p)
					s.Paths = append(s.Paths, strings.Join(p, "."))
				}
				if r.Intn(3) == 0 {
					s.If = "true" // not merged with its neighbours
				}
				stmts = append(stmts, s)
			}
			var doc strings.Builder
			doc.WriteByte('[')
			for i := range 3 {
				if i > 0 {
					doc.WriteByte(',')
				}
				writeAlong(r, &doc, paths, 0)
			}
			doc.WriteByte(']')
			checkAfter(t, stmts, []byte(doc.String()))
		}
	}
}

// writeAlong writes an object holding the names the paths have at depth
// (a wildcard: any of them), each value an object written along the paths
// one level down, an array of such objects or an array of arrays of them,
// or a scalar, beside a member no path names.
func writeAlong(r *rand.Rand, b *strings.Builder, paths [][]string, depth int) {
	var keys []string
	for _, p := range paths {
		if depth < len(p) && !slices.Contains(keys, p[depth]) {
			keys = append(keys, p[depth])
		}
	}
	b.WriteString(`{"x":1`)
	for _, k := range keys {
		if k == "*" {
			k = []string{"a", "b", "c", "d"}[r.Intn(4)]
		}
		fmt.Fprintf(b, ",%q:", k)
		switch r.Intn(5) {
		case 0:
			b.WriteString(`"s"`)
		case 1:
			b.WriteByte('[')
			writeAlong(r, b, paths, depth+1)
			b.WriteByte(',')
			writeAlong(r, b, paths, depth+1)
			b.WriteByte(']')
		case 2:
			b.WriteString("[[")
			writeAlong(r, b, paths, depth+1)
			b.WriteString("],1]")
		default:
			writeAlong(r, b, paths, depth+1)
		}
	}
	b.WriteByte('}')
}
