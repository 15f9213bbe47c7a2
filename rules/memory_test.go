package rules

import (
	"strings"
	"testing"
)

// TestMemoryBudgetAsExpr: what a compiled evaluation builds is counted as
// expr's VM counts it (each list map, filter or a list literal builds,
// each range's ints, a value kept for the run counted on every
// evaluation), so that an evaluation reaching the budget is left to the
// VM, which fails it, and one short of it answers as the VM answers. The
// budget is a thousandth of expr's default here, for both (expr's own is
// met through Caddy, in caddytest).
func TestMemoryBudgetAsExpr(t *testing.T) {
	defer func(b int) { memoryBudget = b }(memoryBudget)
	memoryBudget = 1000
	array := func(n int) string { return "[" + strings.Repeat("1,", n-1) + "1]" }
	cases := []struct {
		src  string
		n    int  // elements of record.t
		fail bool // the VM's memory budget error
	}{
		{`len(map(record.t, #)) > 0`, 999, false},
		{`len(map(record.t, #)) > 0`, 1000, true},
		{`filter(record.t, # == 1)[-1] == 1`, 1000, false}, // findLast: nothing built
		{`len(filter(record.t, # == 1)) > 0`, 1000, false}, // count: nothing built
		{`max(filter(record.t, # == 1)) == 1`, 1000, true},
		{`max(map(record.t, #)) == 1`, 999, false}, // walked without the list, counted as built
		{`max(map(record.t, #)) == 1`, 1000, true},
		{`len([nil]) == 1 && max(map(record.t, [date("2024-01-01").Unix()])) > 0`, 499, false}, // the walk gives up, the list is built
		{`len([nil]) == 1 && max(map(record.t, [date("2024-01-01").Unix()])) > 0`, 500, true},
		{`len(map(record.t, #)) > 0 && record.t[0] in 1..2`, 998, true},
		{`len(map(record.t, #)) > 0 && record.t[0] in 1..1`, 998, false},
		{`len([nil, nil]) == 2 && len(map(record.t, #)) > 0`, 998, true},
		{`len([nil]) == 1 && len(map(record.t, #)) > 0`, 998, false},
		{`len([record.t, record.t]) == 2 && len(map(record.t, #)) > 0`, 998, true},
		{`len(map(record.t, [#, 0/0])) > 0`, 333, false}, // NaN: the list built again as the VM builds it
		{`len(map(record.t, [#, 0/0])) > 0`, 334, true},
		{`len([map(record.t, #), 0/0]) == 2`, 997, false},
		{`len([map(record.t, #), 0/0]) == 2`, 998, true},
		{`record.t[0] in [record.t[1], 1] && len(map(record.t, #)) > 0`, 997, false},
		{`record.t[0] in [record.t[1], 1] && len(map(record.t, #)) > 0`, 998, true},
		{`len(concat(record.t, [1])) > 0`, 998, false}, // a Safe built-in: the memory it says it built
		{`len(concat(record.t, [1, 1])) > 0`, 998, true},
		{`len(1..len(record.t)) > 0`, 999, false}, // a range read as a list
		{`len(1..len(record.t)) > 0`, 1000, true},
		{`len(map(record.t, ({"a": #}))) > 0`, 499, false}, // a map literal counts its pairs
		{`len(map(record.t, ({"a": #}))) > 0`, 500, true},
		{`{"a": 1, "b": 2}[record.s] == nil && len(map(record.t, #)) > 0`, 997, false},
		{`{"a": 1, "b": 2}[record.s] == nil && len(map(record.t, #)) > 0`, 998, true},
		{`map(record.t, #)[0] == 1 || map(record.t, #)[0] == 1`, 600, false},
		{`map(record.t, #)[0] == 2 || map(record.t, #)[0] == 1`, 600, true},
	}
	raws, decoded := map[int]string{}, map[int]any{} // each size built and decoded once
	for _, c := range cases {
		p, err := compileExpr(c.src, true)
		if err != nil || p.cond == nil {
			t.Fatalf("%s: err %v, compiled without the VM %v", c.src, err, p != nil && p.cond != nil)
		}
		raw, ok := raws[c.n]
		if !ok {
			raw = `{"t":` + array(c.n) + `}`
			raws[c.n], decoded[c.n] = raw, Decode([]byte(raw))
		}
		_, vmErr := p.runVM(&Env{Record: decoded[c.n], Action: "list", Get: get})
		if (vmErr != nil) != c.fail || vmErr != nil && !strings.Contains(vmErr.Error(), "memory budget exceeded") {
			t.Fatalf("%s on %d elements: VM error %v, want one %v", c.src, c.n, vmErr, c.fail)
		}
		members, _ := scanMembers(raw, 0, nil, nil, nil, 0, false)
		env := &Env{fields: &recordFields{raw: raw, members: members, state: scanned}, Action: "list", Get: get}
		for run := range 2 { // the second reads the values kept for the run
			b, err := testProgram(p, env)
			if (err != nil) != c.fail || err == nil && !b {
				t.Errorf("%s on %d elements, evaluation %d: %v, %v; want the VM's error %v", c.src, c.n, run+1, b, err, c.fail)
			}
		}
	}
}

// TestSortedTextsCountTheirList: sort of an array of strings, sorted in
// its text, counts its list against the memory budget as expr's sort
// does: with a list mapped after it, one element past the budget fails
// as in the VM.
func TestSortedTextsCountTheirList(t *testing.T) {
	defer func(b int) { memoryBudget = b }(memoryBudget)
	memoryBudget = 1000
	p, err := compileExpr(`len(sort(record.t)) > 0 && len(map(record.u, #)) > 0`, false)
	if err != nil || p.fast == nil {
		t.Fatalf("err %v, compiled without the VM %v", err, p != nil && p.fast != nil)
	}
	for _, c := range []struct {
		n    int
		fail bool
	}{{959, false}, {960, true}} {
		raw := `{"t":[` + strings.Repeat(`"b","a",`, 19) + `"c","d"],"u":[` + strings.Repeat("1,", c.n-1) + `1]}`
		checkFastValue(t, p, raw)
		_, vmErr := p.runVM(&Env{Record: Decode([]byte(raw)), Get: get})
		if (vmErr != nil) != c.fail {
			t.Errorf("%d mapped: VM error %v, want one %v", c.n, vmErr, c.fail)
		}
	}
}
