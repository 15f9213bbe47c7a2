package rules_test

import (
	"fmt"
	"strings"
	"time"

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

// An async block that sends the default event of a create to a webhook:
// the records the client received, the route's parameters, old (nil on a
// create), the caller's id, the request's id and the time.
func ExampleProgram_RunAsync() {
	block, err := rules.CompileBlock(rules.Async, "users", &rules.Block{
		Actions:    []string{"create"},
		Statements: []*rules.Statement{{Op: "webhook", URL: "https://hooks.example/users"}},
	})
	if err != nil {
		panic(err)
	}
	prog := rules.NewProgram(rules.Async, []*rules.CompiledBlock{block})
	in := &rules.Input{Resource: "users", Action: "create", User: map[string]any{"id": "u1"}}
	hooks, err := prog.RunAsync(in, []byte(`{"id":7,"name":"Ada"}`), &rules.AsyncInput{
		Params:    func() map[string]string { return map[string]string{"tenant": "acme"} },
		RequestID: func() string { return "r-1" },
		Now:       time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	for _, h := range hooks {
		fmt.Println(h.URL)
		fmt.Println(strings.Replace(string(h.Body), h.EventID, "<event id>", 1))
	}
	// Output:
	// https://hooks.example/users
	// {"id":"<event id>","resource":"users","action":"create","params":{"tenant":"acme"},"records":[{"id":7,"name":"Ada"}],"old":null,"user":"u1","request_id":"r-1","time":"2025-01-02T03:04:05Z"}
}
