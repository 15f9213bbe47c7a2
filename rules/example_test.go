package rules_test

import (
	"fmt"

	"github.com/caddy-crud/caddy-crud/rules"
)

// A before block that removes a field the client may not write and fills
// in a default; the rewritten body is what goes upstream.
func ExampleProgram_RunBefore() {
	block, err := rules.CompileBlock(rules.Before, "users", &rules.Block{
		Actions: []string{"create"},
		Statements: []*rules.Statement{
			{Op: "protect", Paths: []string{"role"}},
			{Op: "default", Path: "plan", Expr: `"free"`},
		},
	})
	if err != nil {
		panic(err)
	}
	prog := rules.NewProgram(rules.Before, []*rules.CompiledBlock{block})
	res, err := prog.RunBefore(&rules.Input{Resource: "users", Action: "create"}, []byte(`{"name":"Ada","role":"admin"}`), nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(res.Body))
	// Output: {"name":"Ada","plan":"free"}
}

// An after block that hides a field of every record of a list and drops
// the records a condition selects.
func ExampleProgram_RunAfter() {
	block, err := rules.CompileBlock(rules.After, "users", &rules.Block{
		Actions: []string{"list"},
		Statements: []*rules.Statement{
			{Op: "hide", Paths: []string{"password"}},
			{Op: "drop", Expr: `record.deleted == true`},
		},
	})
	if err != nil {
		panic(err)
	}
	prog := rules.NewProgram(rules.After, []*rules.CompiledBlock{block})
	body := []byte(`{"data":[{"id":1,"password":"x"},{"id":2,"deleted":true}],"total":2}`)
	res, err := prog.RunAfter(&rules.Input{Resource: "users", Action: "list"}, body,
		rules.Shape{Records: []string{"data"}, Total: []string{"total"}}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(res.Body), res.Hidden, res.Dropped)
	// Output: {"data":[{"id":1}],"total":1} 1 1
}
