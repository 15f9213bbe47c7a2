package crudtest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/caddy-crud/caddy-crud/rules"
)

// ExplainOptions are the arguments of `caddy crud explain`.
type ExplainOptions struct {
	// ConfigFile and Adapter are as for `caddy run`.
	ConfigFile, Adapter string

	// Listen picks the crud handler when the config has several.
	Listen string

	// Method and Path are the request's; Path may carry a query.
	Method, Path string

	// Headers are `Name: value` lines.
	Headers []string

	// Body is the JSON body, or @file to read it from a file.
	Body string

	// User is the caller's claims as JSON; "": anonymous.
	User string

	// Upstream is the API's answer to the request (JSON or @file).
	// Default: {}.
	Upstream string

	// Old is the API's answer to the handler's own requests, fetch_old
	// and lookup() (JSON or @file). Default: 404.
	Old string
}

// ExplainCommand runs `caddy crud explain`: it sends one request through
// the handler and writes which resource and action matched, each
// statement of the action in order with its decision, what went upstream
// and what the client got. Exit status 1 when the request cannot be
// built or the config not loaded.
func ExplainCommand(opts ExplainOptions, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "crud explain: %v\n", err)
		return 1
	}
	suite, err := Load(opts.ConfigFile, opts.Adapter)
	if err != nil {
		return fail(err)
	}
	c, err := opts.explainCase()
	if err != nil {
		return fail(err)
	}
	hc, err := suite.handler(c.Listen)
	if err != nil {
		return fail(err)
	}
	steps := map[string][]rules.Step{}
	c.trace = func(st rules.Step) { steps[st.Where] = append(steps[st.Where], st) }
	got, _, err := suite.serve(c)
	if err != nil {
		return fail(err)
	}
	report := &Suite{handlers: []*handlerConfig{{listen: hc.listen, raw: reportMode(hc.raw)}}, lines: suite.lines}
	reported, _, err := report.serve(&Case{Name: c.Name, Request: c.Request, User: c.User, Upstream: c.Upstream, Answers: c.Answers})
	if err != nil {
		return fail(err)
	}
	e := explanation{w: stdout, suite: suite, hc: hc, c: c, got: got, steps: steps, reported: reported}
	e.write()
	return 0
}

// explainCase builds the one case explain runs.
func (o *ExplainOptions) explainCase() (*Case, error) {
	c := &Case{Name: "explain", Listen: o.Listen, Request: Request{Method: strings.ToUpper(o.Method), Path: o.Path,
		Headers: map[string]string{}}}
	if !strings.HasPrefix(o.Path, "/") {
		return nil, fmt.Errorf("PATH must start with /, got %q", o.Path)
	}
	for _, h := range o.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--header %q: want 'Name: value'", h)
		}
		c.Request.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	var err error
	if c.Request.Body, err = jsonArg("--body", o.Body); err != nil {
		return nil, err
	}
	user, err := jsonArg("--user", o.User)
	if err != nil {
		return nil, err
	}
	if user != nil {
		m, ok := user.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("--user: want a JSON object of claims")
		}
		c.User = m
	}
	up, err := jsonArg("--upstream", o.Upstream)
	if err != nil {
		return nil, err
	}
	if up != nil {
		c.Upstream = &Answer{Body: up}
	}
	old, err := jsonArg("--old", o.Old)
	if err != nil {
		return nil, err
	}
	if old != nil {
		c.Answers = map[string]*Answer{"*": {Body: old}}
	}
	return c, nil
}

// jsonArg reads a JSON argument, or the file @path names.
func jsonArg(flag, s string) (any, error) {
	if s == "" {
		return nil, nil
	}
	data := []byte(s)
	if name, ok := strings.CutPrefix(s, "@"); ok {
		var err error
		if data, err = os.ReadFile(name); err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s: not JSON: %w", flag, err)
	}
	return v, nil
}

// reportMode sets the handler and every resource to mode report, so
// every statement that would change something says so in the logs.
func reportMode(raw json.RawMessage) json.RawMessage {
	var cfg map[string]any
	if json.Unmarshal(raw, &cfg) != nil {
		return raw
	}
	cfg["mode"] = "report"
	if rs, ok := cfg["resources"].([]any); ok {
		for _, r := range rs {
			if m, ok := r.(map[string]any); ok {
				m["mode"] = "report"
			}
		}
	}
	out, _ := json.Marshal(cfg)
	return out
}

// resourceConfig is what explain reads of a resource's config.
type resourceConfig struct {
	Name   string         `json:"name"`
	Base   string         `json:"base"`
	Before []*rules.Block `json:"before"`
	After  []*rules.Block `json:"after"`
	Async  []*rules.Block `json:"async"`
}

type explanation struct {
	w        io.Writer
	suite    *Suite
	hc       *handlerConfig
	c        *Case
	got      *Got
	reported *Got
	steps    map[string][]rules.Step // by statement, in the order they ran
}

func (e *explanation) printf(format string, args ...any) { fmt.Fprintf(e.w, format, args...) }

func (e *explanation) write() {
	r := e.c.Request
	e.printf("request: %s %s\n", r.Method, r.Path)
	if e.c.User == nil {
		e.printf("caller:  anonymous\n")
	} else {
		e.printf("caller:  %s\n", encode(e.c.User))
	}
	var cfg struct {
		Resources []*resourceConfig `json:"resources"`
	}
	_ = json.Unmarshal(e.hc.raw, &cfg)
	var res *resourceConfig
	for _, rc := range cfg.Resources {
		if rc.Name == e.got.Resource {
			res = rc
		}
	}
	switch {
	case res == nil:
		e.printf("matched: no resource; the request passes through untouched\n")
		e.closest(cfg.Resources)
	case e.got.Action == "":
		e.printf("matched: resource %q, but %s maps to no action on it\n", res.Name, r.Method)
	default:
		e.printf("matched: resource %q, action %s\n", res.Name, e.got.Action)
	}
	if res != nil && e.got.Action != "" {
		e.statements(res)
	}
	for _, in := range e.got.Internal {
		e.printf("the handler asked the API: %s %s\n", in.Method, in.target())
	}
	if u := e.got.Upstream; u != nil {
		e.printf("upstream receives: %s %s\n", u.Method, u.target())
		if u.Body != "" {
			e.printf("  %s\n", u.Body)
		}
		e.changes("  ", r.Body, u.Body)
	} else {
		e.printf("upstream receives: nothing\n")
	}
	e.printf("client gets: %d\n", e.got.Status)
	if e.got.Body != "" {
		e.printf("  %s\n", e.got.Body)
	}
	if e.got.Upstream != nil && e.got.Status < 300 {
		var answer any = map[string]any{}
		if e.c.Upstream != nil {
			answer = e.c.Upstream.Body
		}
		e.changes("  ", answer, e.got.Body)
	}
	for _, wh := range e.got.Webhooks {
		e.printf("webhook queued: %s\n  %s\n", wh.URL, wh.Body)
	}
	outcome := e.got.Outcome
	if outcome == "" {
		outcome = "untouched"
	}
	e.printf("outcome: %s\n", outcome)
}

// statements lists the action's statements with their decisions: those
// of the before and after phases as the handler traced them, those of the
// async phase as a run in report mode logged them.
func (e *explanation) statements(res *resourceConfig) {
	changed := map[string]bool{}
	for _, l := range e.reported.Logs {
		if strings.Contains(l, " would change the ") {
			if _, where, ok := strings.Cut(l, " rule="); ok {
				changed[where] = true
			}
		}
	}
	failed := ""
	for _, l := range e.got.Logs {
		if strings.HasPrefix(l, "error rule failed") {
			failed = l
		}
	}
	stopped := e.got.Status >= 400
	for _, ph := range []struct {
		name   string
		blocks []*rules.Block
	}{{"before", res.Before}, {"after", res.After}, {"async", res.Async}} {
		var lines []string
		for _, b := range ph.blocks {
			if !appliesTo(b.Actions, e.got.Action) {
				continue
			}
			for i, s := range b.Statements {
				label := fmt.Sprintf("%s %s: statement %d (%s)", ph.name, strings.Join(b.Actions, " "), i+1, rules.Describe(s))
				where := fmt.Sprintf("resource %q: %s", res.Name, label)
				decision := "not reached"
				switch {
				case failed != "" && strings.Contains(failed, "rule="+where):
					decision = "error: " + failed
				case ph.name != "async":
					if steps := e.steps[where]; len(steps) > 0 {
						decision = decided(steps)
					}
				case stopped:
				case changed[where]:
					decision = "changed the event"
				default:
					decision = "passed"
				}
				if at := e.suite.lines.find(where); at != "" {
					label = at + " " + label
				}
				lines = append(lines, fmt.Sprintf("  %s: %s", label, decision))
			}
		}
		if len(lines) > 0 {
			e.printf("%s:\n%s\n", ph.name, strings.Join(lines, "\n"))
		}
	}
}

// appliesTo reports whether a block's actions cover action.
func appliesTo(actions []string, action string) bool {
	for _, a := range actions {
		switch {
		case a == action, a == "all",
			a == "read" && (action == "list" || action == "get"),
			a == "write" && (action == "create" || action == "update"):
			return true
		}
	}
	return false
}

// changes writes the fields that differ between two JSON bodies.
func (e *explanation) changes(indent string, before any, after string) {
	if before == nil || after == "" {
		return
	}
	var a any
	if json.Unmarshal([]byte(after), &a) != nil {
		return
	}
	for _, d := range diff(nil, "", normalize(before), a, false) {
		d = strings.TrimPrefix(d, ".")
		d = strings.Replace(d, ": want ", ": ", 1)
		d = strings.Replace(d, ", got ", " -> ", 1)
		e.printf("%s%s\n", indent, d)
	}
}

// closest names the resource whose base shares the most leading
// segments with the path.
func (e *explanation) closest(resources []*resourceConfig) {
	path := strings.Split(strings.Trim(strings.SplitN(e.c.Request.Path, "?", 2)[0], "/"), "/")
	best, bestN := (*resourceConfig)(nil), -1
	for _, r := range resources {
		base := strings.Split(strings.Trim(r.Base, "/"), "/")
		n := 0
		for n < len(base) && n < len(path) && (strings.EqualFold(base[n], path[n]) || strings.HasPrefix(base[n], "{")) {
			n++
		}
		if n > bestN {
			best, bestN = r, n
		}
	}
	if best == nil {
		return
	}
	base := strings.Split(strings.Trim(best.Base, "/"), "/")
	why := "the path is shorter than the base"
	if bestN < len(path) && bestN < len(base) {
		why = fmt.Sprintf("segment %d is %q, the base has %q", bestN+1, path[bestN], base[bestN])
	}
	e.printf("closest: resource %q, base %s: %s\n", best.Name, best.Base, why)
}
