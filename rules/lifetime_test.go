package rules

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The phases read bodies through views that share their memory
// (unsafeString, unsafeBytes). TestPhasesOnlyReadTheBody and
// TestResultsOutliveTheBody check what that depends on: a phase never
// writes into the body it is given, and nothing it returns still points
// into it (callers reuse body buffers once a phase is done).

// lifetimeCases are programs whose results carry text taken from the
// body: headers, rewritten bodies and refusal messages.
var lifetimeCases = []struct {
	name  string
	phase Phase
	stmts []*Statement
	body  string
}{
	{"before set header and message", Before, []*Statement{
		{Op: "header", Name: "X-Name", Expr: "record.name"},
		{Op: "set", Path: "copy", Expr: "record.name"},
		{Op: "protect", Paths: []string{"role"}},
	}, `{"name":"alice","role":"admin","pad":"` + strings.Repeat("p", 64) + `"}`},
	{"before deny names a field", Before, []*Statement{
		{Op: "deny", Expr: `record.name == "alice"`, Message: "no ${record.name}"},
	}, `{"name":"alice"}`},
	{"after hide in runs", After, []*Statement{
		{Op: "hide", Paths: []string{"secret", "profile.ssn"}},
		{Op: "header", Name: "X-Name", Expr: "record.name"},
	}, `{"a":1,"b":"x","secret":"s","name":"bob","profile":{"ssn":1,"bio":"b"},"c":[1,2]}`},
	{"after mask and redact in runs", After, []*Statement{
		{Op: "mask", Paths: []string{"card"}, Keep: 4},
		{Op: "redact", Paths: []string{"profile.ssn"}},
		{Op: "header", Name: "X-Card", Expr: "record.card"},
	}, `{"a":1,"card":"4111111111111111","b":"x","profile":{"ssn":"1","bio":"b"},"c":[1,2]}`},
	{"after list with only and set", After, []*Statement{
		{Op: "only", Paths: []string{"id", "name"}},
		{Op: "set", Path: "label", Expr: "record.name"},
	}, `[{"id":1,"name":"a","x":1},{"id":2,"name":"b","y":2}]`},
	{"after deny names a field", After, []*Statement{
		{Op: "deny", Expr: `record.name == "eve"`, Message: "not ${record.name}"},
	}, `{"name":"eve"}`},
}

// runLifetime runs one case on body and returns its result.
func runLifetime(t *testing.T, phase Phase, stmts []*Statement, body []byte) any {
	t.Helper()
	action := "create"
	if phase == After {
		action = "list"
	}
	b, err := CompileBlock(phase, "users", &Block{Actions: []string{action}, Statements: stmts})
	if err != nil {
		t.Fatal(err)
	}
	p := NewProgram(phase, []*CompiledBlock{b})
	in := &Input{Resource: "users", Action: action, User: map[string]any{"id": "u1"}}
	var res any
	if phase == Before {
		res, err = p.RunBefore(in, body, nil)
	} else {
		res, err = p.RunAfter(in, body, Shape{}, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// marshal is v as JSON.
func marshal(t *testing.T, v any) []byte {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPhasesOnlyReadTheBody(t *testing.T) {
	for _, c := range lifetimeCases {
		t.Run(c.name, func(t *testing.T) {
			body := []byte(c.body)
			runLifetime(t, c.phase, c.stmts, body)
			if string(body) != c.body {
				t.Fatalf("the body changed under the phase:\n got %s\nwant %s", body, c.body)
			}
		})
	}
}

func TestResultsOutliveTheBody(t *testing.T) {
	for _, c := range lifetimeCases {
		t.Run(c.name, func(t *testing.T) {
			body := []byte(c.body)
			res := runLifetime(t, c.phase, c.stmts, body)
			want := marshal(t, res)
			copy(body, bytes.Repeat([]byte{'#'}, len(body))) // the caller reuses its buffer
			if again := marshal(t, res); !bytes.Equal(again, want) {
				t.Fatalf("the result changed with the body:\n got %s\nwant %s", again, want)
			}
		})
	}
}

// TestOffsetIn: appendMembersEditing copies the text around members from
// the text they were scanned from only when they are part of it; members
// from anywhere else panic instead of copying memory outside it.
func TestOffsetIn(t *testing.T) {
	s := `{"a":1,"b":2}`
	if got := offsetIn(s, s[5:12]); got != 5 {
		t.Fatalf("offsetIn = %d, want 5", got)
	}
	if got := offsetIn(s, s[len(s)-1:]); got != len(s)-1 {
		t.Fatalf("offsetIn at the end = %d, want %d", got, len(s)-1)
	}
	members, end := scanMembers(s, 0, nil, nil, nil, 0, false)
	hideB := []*pathTree{newPathTree([]Path{mustPath(t, "b")})}
	if got, _ := appendMembersEditing(nil, s, members, hideB, nil, nil, nil, nil); end != len(s) || string(got) != `{"a":1}` {
		t.Fatalf("appendMembersEditing over scanned members = %q", got)
	}
	elsewhere := strings.Clone(s)
	for _, sub := range []string{elsewhere[5:12], elsewhere, s[:0] + "x", s[5:] + "}"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("offsetIn(%q) did not panic for text outside s", sub)
				}
			}()
			offsetIn(s, sub)
		}()
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("appendMembersEditing did not panic for members of another text")
			}
		}()
		appendMembersEditing(nil, elsewhere, members, hideB, nil, nil, nil, nil)
	}()
}
