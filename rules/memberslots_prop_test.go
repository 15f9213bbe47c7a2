package rules

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// TestDropConditionsBesideHidesProperty is the class for conditions the
// after phase reads through a record's scanned members: a random drop
// condition, with random hides after it (whose names join the tree the
// records are scanned against, a wildcard among them at times), drops
// exactly the records of a list on which the VM, reading the decoded
// record, answers true; the list holds duplicate and escaped names.
func TestDropConditionsBesideHidesProperty(t *testing.T) {
	hides := []string{"x", "s", "o", "o.n", "t", "*", "o.*", "m", "N", "*"}
	for seed := int64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewSource(seed))
		eg, jg := exprGen{picker{r}}, jsonGen{r}
		ran := 0
		for range 450 {
			cond := eg.cond(2)
			p, err := compileExpr(cond, true)
			if err != nil || p.cond == nil || p.vars&^(varRecord|varUser) != 0 {
				continue
			}
			stmts := []*Statement{{Op: "drop", Expr: cond}}
			for n := r.Intn(3); n > 0; n-- {
				stmts = append(stmts, &Statement{Op: "hide", Paths: []string{hides[r.Intn(len(hides))]}})
			}
			// records the VM answers on (one it fails on fails the run,
			// whatever the others hold), each at times a relative of the
			// one before: its first members, its names with new values, or
			// one more member
			var records []string
			var want []int
			var last []string
			for n, tries := 1+r.Intn(6), 0; len(records) < n && tries < 30; tries++ {
				parts := relative(jg, last)
				rec := "{" + strings.Join(parts, ", ") + "}"
				env := &Env{Record: Decode([]byte(rec)), User: map[string]any{"id": "a"}, Action: "list", Index: len(records), Get: get}
				out, err := p.run(env)
				if err != nil {
					continue
				}
				if b, _ := out.(bool); b {
					want = append(want, len(records))
				}
				records, last = append(records, rec), parts
			}
			if len(records) == 0 {
				continue
			}
			doc := []byte("[" + strings.Join(records, ",") + "]")
			ran++
			checkDrops(t, stmts, doc, want)
		}
		if ran < 150 {
			t.Fatalf("seed %d: only %d conditions ran", seed, ran)
		}
	}
}

// checkDrops runs stmts over the list doc and compares the records
// dropped with want.
func checkDrops(t *testing.T, stmts []*Statement, doc []byte, want []int) {
	t.Helper()
	b, err := CompileBlock(After, "users", &Block{Actions: []string{"list"}, Statements: stmts})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	in := &Input{Action: "list", User: map[string]any{"id": "a"}, Trace: func(st Step) {
		if st.Decision == Dropped {
			got = append(got, st.Index)
		}
	}}
	res, err := NewProgram(After, []*CompiledBlock{b}).RunAfter(in, doc, Shape{}, nil)
	switch {
	case err != nil:
		t.Fatalf("%s\n doc: %s\n %v", describeStmts(stmts), doc, err)
	case !slices.Equal(got, want) || res.Dropped != len(want):
		t.Fatalf("%s\n doc: %s\n dropped %v (%d), the VM drops %v", describeStmts(stmts), doc, got, res.Dropped, want)
	}
}

// relative is the members of a random object, at times made from last,
// the members of the object before it: the scan expects a record's names
// to be the last record's, and these meet some of them.
func relative(g jsonGen, last []string) []string {
	if len(last) == 0 || g.r.Intn(4) == 0 {
		return g.members(2)
	}
	switch g.r.Intn(3) {
	case 0:
		return slices.Clone(last[:g.r.Intn(len(last))])
	case 1:
		parts := make([]string, len(last))
		for i, m := range last {
			parts[i] = m[:strings.Index(m, ":")+1] + " " + g.value(2)
		}
		return parts
	}
	return append(slices.Clone(last), g.member(objectKeys[g.r.Intn(len(objectKeys))], 2))
}
