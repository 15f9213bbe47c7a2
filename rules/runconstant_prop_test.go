package rules

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestRunConstantOperandsProperty: conditions mixing operands fixed for a
// run (the caller's fields, the action) with record fields answer what the
// VM answers on every record of a run, run after run with callers of other
// values, each run in an Env from the pool as RunAfter takes it.
func TestRunConstantOperandsProperty(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	eg, jg := exprGen{picker{r}}, jsonGen{r}
	users := []any{
		nil,
		map[string]any{"id": "a", "n": 1, "s": "A b", "o": map[string]any{"n": 2}, "t": []any{"x", "a"}},
		map[string]any{"id": "b", "n": 2.5, "s": "b", "t": []any{"a"}},
		map[string]any{"id": 7, "n": -1},
		"str",
	}
	fixed := func() string {
		return eg.pick(`user.id`, `user?.n`, `user.s`, `user.o.n`, `user?.t[0]`, `len(user.s ?? "")`,
			`lower(user.s ?? "")`, `(user.n ?? 0) + 1`, `user.id == "a"`, `action + "x"`,
			`(user.n > 1 ? user.s : user.id)`, `user.id in ["a", 7]`, `"a" in (user.t ?? [])`,
			`string(user.n ?? 0) + "!"`, `upper(user.s ?? "")`, `join(user.t ?? [], "-")`, `[user.id, action]`,
			`max(user.n ?? 0, 1)`, `date("2024-01-15") + duration("1h")`, `replace(user.s ?? "", "b", "c")`)
	}
	other := func() string {
		if r.Intn(3) == 0 {
			return fixed()
		}
		return eg.value(1)
	}
	cached := 0
	for range 600 {
		src := fmt.Sprintf("%s %s %s", fixed(), eg.pick("==", "!=", "<", ">=", "??"), other())
		switch r.Intn(3) {
		case 0:
			src = fmt.Sprintf("(%s) && (%s)", src, eg.cond(1))
		case 1:
			src = fmt.Sprintf("(%s) || (%s %s %s)", src, fixed(), eg.pick("==", "!="), other())
		}
		p, err := compileExpr(src, true)
		if err != nil || p.cond == nil {
			continue
		}
		cached++
		for range 3 {
			user := users[r.Intn(len(users))]
			env := newEnv(&Program{}, &Input{User: user, Action: "list"})
			for index := range 4 {
				raw := jg.object(2)
				members, _ := scanMembers(raw, 0, nil, nil, nil, 0, false)
				env.fields, env.Index = &recordFields{raw: raw, members: members, state: scanned}, index
				vmEnv := &Env{Record: Decode([]byte(raw)), User: user, Action: "list", Index: index, Get: get}
				agree(t, p, vmEnv, env, fmt.Sprintf("%s as user %v", raw, user))
			}
			env.release()
		}
	}
	if cached < 250 { // the rest do not compile: expr refuses their types
		t.Fatalf("only %d of 600 conditions compiled without the VM", cached)
	}
}
