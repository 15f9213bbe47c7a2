package rules

import (
	"reflect"
	"testing"

	"github.com/caddy-crud/caddy-crud/internal/benchdata"
)

// TestAfterRunPooledHoldsNoResponse: a run back in its pool holds nothing
// of the response it filtered but the storage its scans reuse, and that
// storage holds no member of it.
func TestAfterRunPooledHoldsNoResponse(t *testing.T) {
	p := benchProgram(t, After, "list",
		&Statement{Op: "hide", Paths: []string{"password"}},
		&Statement{Op: "hide", Paths: []string{"profile.phone"}},
		&Statement{Op: "hide", Paths: []string{"email"}, If: "user?.id != record.id"},
		&Statement{Op: "drop", Expr: "record.active == false"},
	)
	body := benchdata.Accounts(10)
	in := &Input{Resource: "users", Action: "list"}
	for range 100 {
		res, err := p.RunAfter(in, body, Shape{List: true}, nil)
		if err != nil || res.Body == nil || res.Dropped != 1 || len(res.Changed) != 3 {
			t.Fatalf("RunAfter: %+v, %v", res, err)
		}
		r := afterRuns.Get().(*afterRun)
		if cap(r.storage.members) == 0 {
			continue // a new run: the race detector's pool drops some of what goes back
		}
		if !reflect.DeepEqual(*r, afterRun{storage: r.storage}) {
			t.Fatalf("the pooled run holds more than its storage: %+v", *r)
		}
		for _, kept := range [][]member{r.storage.members[:cap(r.storage.members)], r.storage.nested.kids[:cap(r.storage.nested.kids)]} {
			for i, m := range kept {
				if m != (member{}) {
					t.Fatalf("the pooled storage holds member %d: %+v", i, m)
				}
			}
		}
		return
	}
	t.Fatal("no run came back to the pool")
}
