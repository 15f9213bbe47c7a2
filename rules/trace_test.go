package rules

import (
	"fmt"
	"testing"
)

// Hides joined into one statement still report each its own count, and
// a list reports per record; a drop ends a record's statements.
func TestTraceMergedHides(t *testing.T) {
	b, err := CompileBlock(After, "r", &Block{Actions: []string{"list"}, Statements: []*Statement{
		{Op: "drop", Expr: "record.gone == true"},
		{Op: "hide", Paths: []string{"a"}},
		{Op: "hide", Paths: []string{"b", "c"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	p := NewProgram(After, []*CompiledBlock{b})
	var got []string
	in := &Input{Trace: func(s Step) {
		got = append(got, fmt.Sprintf("%d %s %s %d", s.Index, s.Where[len(`resource "r": after list: `):], s.Decision, s.Count))
	}}
	res, err := p.RunAfter(in, []byte(`[{"a":1,"b":2,"c":3},{"gone":true,"a":1},{"c":1}]`), Shape{List: true}, nil)
	if err != nil || string(res.Body) != `[{},{}]` {
		t.Fatalf("%s %v", res.Body, err)
	}
	want := fmt.Sprint([]string{
		"0 statement 1 (drop record.gone == true) passed 0",
		"0 statement 2 (hide a) hidden 1",
		"0 statement 3 (hide b c) hidden 2",
		"1 statement 1 (drop record.gone == true) dropped 0",
		"2 statement 1 (drop record.gone == true) passed 0",
		"2 statement 2 (hide a) passed 0",
		"2 statement 3 (hide b c) hidden 1",
	})
	if fmt.Sprint(got) != want {
		t.Fatalf("got  %v\nwant %s", got, want)
	}
}
