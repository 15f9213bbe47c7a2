package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestRunAfter(t *testing.T) {
	user := map[string]any{"id": "u1"}
	tests := []struct {
		name    string
		stmts   []*Statement
		shape   Shape
		body    string
		want    string // "" when unchanged
		status  int
		dropped int
	}{
		{
			name:  "hide nested and wildcard in a list",
			stmts: []*Statement{{Op: "hide", Paths: []string{"password", "profile.ssn", "items.*.cost"}}},
			body:  `[{"id":1,"password":"p","profile":{"ssn":"1","bio":"b"},"items":[{"cost":1,"sku":"a"}]},{"id":2}]`,
			want:  `[{"id":1,"profile":{"bio":"b"},"items":[{"sku":"a"}]},{"id":2}]`,
		},
		{
			name: "of duplicate keys the last is what rules read, in the VM or not",
			stmts: []*Statement{
				{Op: "drop", Expr: `record.n == 2 && record.m == 2`},        // without the VM
				{Op: "hide", Paths: []string{"n"}, If: `record.k in ["b"]`}, // through the VM
			},
			body:    `[{"n":1,"n":2,"m":1,"m":2},{"n":2,"n":1,"m":2},{"k":"b","k":"a","n":0},{"k":"a","k":"b","n":0}]`,
			want:    `[{"n":2,"n":1,"m":2},{"k":"b","k":"a","n":0},{"k":"a","k":"b"}]`,
			dropped: 1,
		},
		{
			name: "a field read by name beside an expression that reads the record whole",
			stmts: []*Statement{
				{Op: "drop", Expr: `record.id == 2`},                        // without the VM
				{Op: "hide", Paths: []string{"email"}, If: `record != nil`}, // the whole record
			},
			body:    `[{"id":1,"email":"a"},{"id":2,"email":"b"}]`,
			want:    `[{"id":1}]`,
			dropped: 1,
		},
		{
			name:  "white space kept around what is left out",
			stmts: []*Statement{{Op: "hide", Paths: []string{"a", "c", "p.q"}}},
			body:  "[ {\n \"a\": 1 ,\n \"b\": 2 ,\n \"c\": 3 ,\n \"p\": { \"q\": 1 , \"r\": 2 }\n} , { \"c\" : 1 } ]",
			want:  "[{\n \"b\": 2 ,\n \"p\": { \"r\": 2 }\n},{  }]",
		},
		{
			name:  "hide every duplicate and escaped key",
			stmts: []*Statement{{Op: "hide", Paths: []string{"password"}}},
			body:  `{"p\u0061ssword":"a","password":"b","x":1}`,
			want:  `{"x":1}`,
		},
		{
			name: "conditional hide and drop with envelope total",
			stmts: []*Statement{
				{Op: "hide", Paths: []string{"password"}},
				{Op: "hide", Paths: []string{"secret"}, If: `user?.id != record.creatorId`},
				{Op: "drop", Expr: `record.deleted == true`},
			},
			shape:   Shape{Records: []string{"data"}, Total: []string{"total"}},
			body:    `{"total":103,"data":[{"creatorId":"u1","secret":"s","password":"p"},{"creatorId":"u2","secret":"s"},{"deleted":true}],"page":1}`,
			want:    `{"total":102,"data":[{"creatorId":"u1","secret":"s"},{"creatorId":"u2"}],"page":1}`,
			dropped: 1,
		},
		{
			name:    "total padded when it shrinks a digit",
			stmts:   []*Statement{{Op: "drop", Expr: `record.d`}},
			shape:   Shape{Records: []string{"data"}, Total: []string{"total"}},
			body:    `{"data":[{"d":true}],"total":10}`,
			want:    `{"data":[],"total":9 }`,
			dropped: 1,
		},
		{
			name:   "drop on a single record is 404",
			stmts:  []*Statement{{Op: "drop", Expr: `record.deleted == true`}},
			body:   `{"deleted":true}`,
			status: 404,
		},
		{
			name: "set masks and sees earlier hides",
			stmts: []*Statement{
				{Op: "set", Path: "card", Expr: `"****" + record.card[-4:]`},
				{Op: "hide", Paths: []string{"cvv"}},
				{Op: "set", Path: "hadCvv", Expr: `record.cvv != nil`},
			},
			shape: Shape{Records: []string{"result", "item"}},
			body:  `{"result":{"item":{"card":"4111111111111111","cvv":"123"}}}`,
			want:  `{"result":{"item":{"card":"****1111","hadCvv":false}}}`,
		},
		{
			name:  "only",
			stmts: []*Statement{{Op: "only", Paths: []string{"id", "name"}}},
			body:  `[{"id":1,"name":"a","password":"p"}]`,
			want:  `[{"id":1,"name":"a"}]`,
		},
		{
			name:   "deny replaces the response",
			stmts:  []*Statement{{Op: "deny", Expr: `record.ownerId != user.id`, Status: 403, Message: "not yours"}},
			body:   `{"ownerId":"u2"}`,
			status: 403,
		},
		{
			name:  "missing records path: the body is the record",
			stmts: []*Statement{{Op: "hide", Paths: []string{"password"}}},
			shape: Shape{Records: []string{"data"}},
			body:  `{"id":1,"password":"p"}`,
			want:  `{"id":1}`,
		},
		{
			name:  "untouched list keeps its bytes",
			stmts: []*Statement{{Op: "hide", Paths: []string{"password"}}},
			body:  "[ {\"id\": 12345678901234567890} ]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustProgram(t, After, tt.stmts...)
			res, err := p.RunAfter(&Input{User: user}, []byte(tt.body), tt.shape, nil)
			if err != nil {
				t.Fatal(err)
			}
			status := 0
			if res.Reject != nil {
				status = res.Reject.Status
			}
			if status != tt.status {
				t.Fatalf("status = %d, want %d", status, tt.status)
			}
			if status == 0 && string(res.Body) != tt.want {
				t.Errorf("body = %s\nwant   %s", res.Body, tt.want)
			}
			if res.Dropped != tt.dropped {
				t.Errorf("dropped = %d, want %d", res.Dropped, tt.dropped)
			}
		})
	}
}

// TestAfterChangedNamesEachStatementOnce: the statements that acted are
// listed once each, in the order they first acted, however many there are
// (beyond 64 too) and however many records they act on.
func TestAfterChangedNamesEachStatementOnce(t *testing.T) {
	var stmts []*Statement
	var record strings.Builder
	record.WriteString(`{"id":1`)
	for i := range 70 {
		stmts = append(stmts, &Statement{Op: "hide", Paths: []string{fmt.Sprintf("f%d", 69-i)}, If: fmt.Sprintf("record.id != %d", i%3)})
		fmt.Fprintf(&record, `,"f%d":%d`, i, i)
	}
	record.WriteString(`}`)
	p := benchProgram(t, After, "list", stmts...)
	res, err := p.RunAfter(&Input{Resource: "users", Action: "list"}, []byte("["+record.String()+","+strings.Replace(record.String(), `"id":1`, `"id":2`, 1)+"]"), Shape{List: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kept := func(id int) string { // the fields of the statements that did not act
		var b strings.Builder
		fmt.Fprintf(&b, `{"id":%d`, id)
		for f := range 70 {
			if (69-f)%3 == id {
				fmt.Fprintf(&b, `,"f%d":%d`, f, f)
			}
		}
		return b.String() + "}"
	}
	if want := "[" + kept(1) + "," + kept(2) + "]"; string(res.Body) != want {
		t.Fatalf("body %s, want %s", res.Body, want)
	}
	var want []string
	for i, s := range p.stmts { // the second record adds those the first did not run
		if i%3 != 1 {
			want = append(want, s.where)
		}
	}
	for i, s := range p.stmts {
		if i%3 == 1 {
			want = append(want, s.where)
		}
	}
	if !slices.Equal(res.Changed, want) {
		t.Fatalf("changed\n%q\nwant\n%q", res.Changed, want)
	}
}

// Records with the same names whose hides differ only in statements past
// the 64th are each rewritten by their own hides.
func TestAfterHidesBeyondTheSixtyFourth(t *testing.T) {
	var stmts []*Statement
	for range 64 {
		stmts = append(stmts, &Statement{Op: "hide", Paths: []string{"x"}, If: "true"})
	}
	stmts = append(stmts,
		&Statement{Op: "hide", Paths: []string{"g"}, If: "record.id == 1"},
		&Statement{Op: "hide", Paths: []string{"h"}, If: "record.id == 2"})
	p := benchProgram(t, After, "list", stmts...)
	body := `[{"id":1,"x":0,"g":1,"h":1},{"id":2,"x":0,"g":2,"h":2},{"id":1,"x":0,"g":3,"h":3}]`
	res, err := p.RunAfter(&Input{Resource: "users", Action: "list"}, []byte(body), Shape{List: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"id":1,"h":1},{"id":2,"g":2},{"id":1,"h":3}]`; string(res.Body) != want || res.Hidden != 6 {
		t.Fatalf("body %s (%d hidden), want %s (6)", res.Body, res.Hidden, want)
	}
}
