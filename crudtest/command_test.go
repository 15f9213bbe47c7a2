package crudtest_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/caddy-crud/caddy-crud"
	_ "github.com/caddy-crud/caddy-crud/cmd/caddy/demo"
	"github.com/caddy-crud/caddy-crud/crudtest"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

// run runs the command in process and returns its exit status, stdout
// and stderr.
func run(t *testing.T, opts crudtest.TestOptions) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	status := crudtest.TestCommand(opts, &out, &errs)
	return status, out.String(), errs.String()
}

// The command prints a line per case, for a failure what differed and
// the rule that decided with its Caddyfile line, the totals, and exits 1.
func TestCommandReportsFailures(t *testing.T) {
	status, out, errs := run(t, crudtest.TestOptions{ConfigFile: "testdata/Caddyfile", Adapter: "caddyfile",
		Files: []string{"testdata/posts.crudtest.yaml"}})
	want := `ok   testdata/posts.crudtest.yaml:3: an author creates a post and a webhook is queued
FAIL testdata/posts.crudtest.yaml:22: a reader may not create
     status: want 201, got 403
     upstream: want called, got never called (the client got 403)
     decided by: resource "posts": before create: statement 1 (require user != nil && user.role == "author") at testdata/Caddyfile:10
FAIL testdata/posts.crudtest.yaml:30: reads hide draft notes
     body.draftNotes: want "secret", got absent
     changed by: resource "posts": after read: statement 1 (hide draftNotes) at testdata/Caddyfile:14
ok   testdata/posts.crudtest.yaml:37: notes take the owner from placeholders
2 passed, 2 failed
`
	if status != 1 || out != want || errs != "" {
		t.Errorf("status %d, stderr %q, stdout:\n%s\nwant status 1, stdout:\n%s", status, errs, out, want)
	}
}

// --run keeps the matching cases; all passing exits 0.
func TestCommandRunSelects(t *testing.T) {
	status, out, _ := run(t, crudtest.TestOptions{ConfigFile: "testdata/Caddyfile", Adapter: "caddyfile",
		Run: "author|placeholders", Files: []string{"testdata/posts.crudtest.yaml"}})
	want := `ok   testdata/posts.crudtest.yaml:3: an author creates a post and a webhook is queued
ok   testdata/posts.crudtest.yaml:37: notes take the owner from placeholders
2 passed, 0 failed
`
	if status != 0 || out != want {
		t.Errorf("status %d, stdout:\n%s\nwant status 0, stdout:\n%s", status, out, want)
	}
}

// --json writes the totals and each case's result and what happened.
func TestCommandJSON(t *testing.T) {
	status, out, _ := run(t, crudtest.TestOptions{ConfigFile: "testdata/Caddyfile", Adapter: "caddyfile", JSON: true,
		Run: "reader", Files: []string{"testdata/posts.crudtest.yaml"}})
	var got struct {
		Passed, Failed int
		Cases          []struct {
			Name     string
			Line     int
			Passed   bool
			Failures []string
			Rule     string
			Got      struct {
				Status   int
				Body     string
				Upstream *struct{}
				Outcome  string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	c := got.Cases[0]
	if status != 1 || got.Passed != 0 || got.Failed != 1 || len(got.Cases) != 1 || c.Name != "a reader may not create" ||
		c.Line != 22 || c.Passed || len(c.Failures) != 2 || c.Got.Status != 403 || c.Got.Upstream != nil ||
		c.Got.Outcome != "rejected" || c.Got.Body != `{"type":"about:blank","title":"Forbidden","status":403,"detail":"authors only"}` ||
		!strings.HasSuffix(c.Rule, "at testdata/Caddyfile:10") {
		t.Errorf("status %d, got %+v", status, got)
	}
}

// The example config's test file passes: the README's example does what
// its tests say.
func TestExampleConfigPasses(t *testing.T) {
	t.Setenv("JWT_SECRET", "not-used-by-the-runner")
	status, out, errs := run(t, crudtest.TestOptions{ConfigFile: "../Caddyfile.example", Adapter: "caddyfile"})
	if status != 0 || !strings.HasSuffix(out, " passed, 0 failed\n") {
		t.Errorf("status %d, stderr %s, stdout:\n%s", status, errs, out)
	}
}

// Bad input fails the run with file:line and a clear message.
func TestCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	okFile := write("ok.crudtest.yaml", "cases:\n  - name: x\n    request: {path: /api/posts}\n")
	broken := write("Caddyfile", ":8080 {\n\tcrud {\n\t\tresource a /a {\n\t\t\tbefore create {\n\t\t\t\tdeny `nosuch(1)`\n\t\t\t}\n\t\t}\n\t}\n}\n")
	for _, tc := range []struct {
		name, config, file, text, want, contains string
	}{
		{name: "syntax error", text: "cases:\n  - name: x\n    request: {path: /a\n",
			want: "crud test: FILE:2: did not find expected ',' or '}'\n"},
		{name: "unknown key", text: "cases:\n  - name: x\n    request: {path: /a}\n    expect:\n      stauts: 200\n",
			want: "crud test: FILE:5: unknown key \"stauts\" in expect\n"},
		{name: "unknown resource", text: "listen: \":8080\"\ncases:\n  - name: x\n    request: {path: /a}\n    expect: {resource: post}\n",
			want: "crud test: FILE:3: case \"x\": expect.resource: unknown resource \"post\" (the config declares posts)\n"},
		{name: "no path", text: "cases:\n  - name: x\n    request: {method: GET}\n",
			want: "crud test: FILE:2: case \"x\": request.path must start with /, got \"\"\n"},
		{name: "wrong type", text: "cases:\n  - name: x\n    request: {path: /a}\n    expect: {status: ok}\n",
			want: "crud test: FILE:4: `ok` is not a valid int\n"},
		{name: "bad answer key", text: "cases:\n  - name: x\n    request: {path: /a}\n    answers: {/a: {}}\n",
			want: "crud test: FILE:2: case \"x\": answers: \"/a\": want \"METHOD /path\"\n"},
		{name: "config that fails", config: broken, file: okFile,
			want:     "crud test: adapting config using caddyfile: parsing caddyfile tokens for 'crud': resource \"a\": before create: statement 1 (deny nosuch(1)): unknown name nosuch",
			contains: ", at " + broken + ":5\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			config, file := tc.config, tc.file
			if config == "" {
				config = "testdata/Caddyfile"
			}
			if file == "" {
				file = write("case.crudtest.yaml", tc.text)
			}
			status, out, errs := run(t, crudtest.TestOptions{ConfigFile: config, Adapter: "caddyfile", Files: []string{file}})
			want := strings.ReplaceAll(tc.want, "FILE", file)
			if status != 1 || out != "" || !strings.HasPrefix(errs, want) || !strings.Contains(errs, tc.contains) {
				t.Errorf("status %d, stdout %q, stderr:\n%s\nwant status 1, stderr:\n%s", status, out, errs, want)
			}
		})
	}
}

// A refused request names the rule that refused it, and no statement as
// having changed it: what the before phase changed reached no one.
func TestCommandRefusedChangesNothing(t *testing.T) {
	status, out, errs := run(t, crudtest.TestOptions{ConfigFile: "testdata/Caddyfile", Adapter: "caddyfile",
		Files: []string{"testdata/refused.crudtest.yaml"}})
	want := `FAIL testdata/refused.crudtest.yaml:3: an anonymous create goes through
     status: want 200, got 401
     upstream: want called, got never called (the client got 401)
     decided by: resource "users": before create: statement 2 (require user != nil) at testdata/Caddyfile:48
0 passed, 1 failed
`
	if status != 1 || out != want || errs != "" {
		t.Errorf("status %d, stderr %q, stdout:\n%s\nwant status 1, stdout:\n%s", status, errs, out, want)
	}
}
