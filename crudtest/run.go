package crudtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/caddy-crud/caddy-crud/intercept"
	"github.com/caddy-crud/caddy-crud/rules"
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Result is what one case did.
type Result struct {
	Case *Case `json:"-"`

	// Name, File and Line repeat the case's.
	Name string `json:"name"`
	File string `json:"file"`
	Line int    `json:"line"`

	// Passed is true when every expectation held.
	Passed bool `json:"passed"`

	// Failures say, one line each, what differed from the expectation.
	Failures []string `json:"failures,omitempty"`

	// Rule is the rule that refused the request or failed, with its
	// file:line when the config is a Caddyfile; "" when none did.
	Rule string `json:"rule,omitempty"`

	// ChangedBy names the statements that changed the request or the
	// response (set, protect, hide, drop, mask...), in the order they
	// ran, with file:line when the config is a Caddyfile; a request the
	// API never received has no changes of the before phase.
	ChangedBy []string `json:"changed_by,omitempty"`

	// Error is why the case could not run; the case failed.
	Error string `json:"error,omitempty"`

	// Got is what happened.
	Got *Got `json:"got,omitempty"`
}

// Got is what the client, the API and the webhook receivers saw.
type Got struct {
	changedBy []string // see Result.ChangedBy

	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body"`

	// Resource, Action and Outcome are the handler's decision.
	Resource string `json:"resource,omitempty"`
	Action   string `json:"action,omitempty"`
	Outcome  string `json:"outcome,omitempty"`

	// Upstream is the request the API received; nil: never called.
	Upstream *Received `json:"upstream"`

	// Internal are the handler's own requests (fetch_old, lookup()).
	Internal []Received `json:"internal,omitempty"`

	// Webhooks are the events queued, in order.
	Webhooks []Webhook `json:"webhooks,omitempty"`

	// Logs are the handler's log lines.
	Logs []string `json:"logs,omitempty"`
}

// Received is a request as the in-memory API got it.
type Received struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   string            `json:"query,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// Run runs the cases in order.
func (s *Suite) Run(cases []*Case) []*Result {
	results := make([]*Result, 0, len(cases))
	for _, c := range cases {
		results = append(results, s.RunCase(c))
	}
	return results
}

// RunCase runs one case through a freshly provisioned handler.
func (s *Suite) RunCase(c *Case) *Result {
	res := &Result{Case: c, Name: c.Name, File: c.File, Line: c.Line}
	err := s.checkCase(c)
	var got *Got
	var rule string
	if err == nil {
		got, rule, err = s.serve(c)
	}
	if err != nil {
		res.Error = err.Error()
		res.Failures = []string{"could not run: " + err.Error()}
		return res
	}
	res.Got, res.Rule, res.ChangedBy = got, rule, got.changedBy
	res.Failures = compare(c, got, rule)
	res.Passed = len(res.Failures) == 0
	return res
}

// serve sends the case's request through the handler.
func (s *Suite) serve(c *Case) (*Got, string, error) {
	hc, err := s.handler(c.Listen)
	if err != nil {
		return nil, "", err
	}
	core, logs := observer.New(zapcore.DebugLevel)
	capture := &webhookCapture{}
	inst, err := hc.provision(zap.New(core), &http.Client{Transport: capture})
	if err != nil {
		return nil, "", fmt.Errorf("provisioning the handler: %w", err)
	}
	cleaned := false
	defer func() {
		if !cleaned {
			inst.cleanup()
		}
	}()
	r, err := c.request(inst)
	if err != nil {
		return nil, "", err
	}
	var changedBy []string
	r = r.WithContext(intercept.WithTrace(r.Context(), func(st rules.Step) {
		if c.trace != nil {
			c.trace(st)
		}
		switch st.Decision {
		case rules.Changed, rules.Hidden, rules.Dropped:
			if !slices.Contains(changedBy, st.Where) {
				changedBy = append(changedBy, st.Where)
			}
		}
	}))
	repl := caddy.NewReplacer()
	w := httptest.NewRecorder()
	r = caddyhttp.PrepareRequest(r, repl, w, nil)
	caddyhttp.SetVar(r.Context(), caddyhttp.ClientIPVarKey, "192.0.2.1")
	if err := setPlaceholders(repl, hc.raw, c.User); err != nil {
		return nil, "", err
	}
	api := &memoryAPI{main: r, answer: c.Upstream, answers: c.Answers}
	if err := inst.handler.ServeHTTP(w, r, api); err != nil {
		// as Caddy's server does: the status of a handler error, no body
		status := http.StatusInternalServerError
		var he caddyhttp.HandlerError
		if errors.As(err, &he) && he.StatusCode != 0 {
			status = he.StatusCode
		}
		w.Code = status
	}
	inst.cleanup() // delivers the queued webhooks to the capture
	cleaned = true

	got := &Got{Status: w.Code, Body: w.Body.String(), Headers: flatten(w.Header()),
		Upstream: api.received, Internal: api.internal, Webhooks: capture.taken()}
	for _, where := range changedBy {
		if api.received == nil && strings.Contains(where, ": before ") {
			continue // refused: what the before phase changed reached no one
		}
		if at := s.lines.find(where); at != "" {
			where += " at " + at
		}
		got.changedBy = append(got.changedBy, where)
	}
	got.Resource, _ = repl.GetString("http.crud.resource")
	got.Action, _ = repl.GetString("http.crud.action")
	got.Outcome, _ = repl.GetString("http.crud.outcome")
	rule := ""
	for _, e := range logs.All() {
		got.Logs = append(got.Logs, logLine(e))
		switch e.Message {
		case "request rejected", "response rejected", "would reject", "rule failed":
			if where, ok := e.ContextMap()["rule"].(string); ok && where != "" {
				rule = where
			}
		}
	}
	if at := s.lines.find(rule); at != "" {
		rule += " at " + at
	}
	return got, rule, nil
}

// request builds the client's request; a caller of a jwt identity gets
// a token.
func (c *Case) request(inst *instance) (*http.Request, error) {
	target := c.Request.Path
	if len(c.Request.Query) > 0 {
		u, err := url.Parse(target)
		if err != nil {
			return nil, fmt.Errorf("request.path: %w", err)
		}
		q := u.Query()
		for k, v := range c.Request.Query {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		target = u.String()
	}
	var body io.Reader = http.NoBody
	var jsonBody bool
	switch {
	case c.Request.BodyRaw != nil:
		body = strings.NewReader(*c.Request.BodyRaw)
	case c.Request.Body != nil:
		b, err := toJSON(c.Request.Body)
		if err != nil {
			return nil, fmt.Errorf("request.body: %w", err)
		}
		body, jsonBody = bytes.NewReader(b), true
	}
	method := strings.ToUpper(c.Request.Method)
	if method == "" {
		method = http.MethodGet
	}
	r, err := newRequest(method, target, body)
	if err != nil {
		return nil, err
	}
	for k, v := range c.Request.Headers {
		r.Header.Set(k, v)
	}
	if jsonBody && r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if c.User != nil && inst.jwt != nil && r.Header.Get("Authorization") == "" {
		tok, err := inst.jwt.token(c.User)
		if err != nil {
			return nil, fmt.Errorf("user: %w", err)
		}
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	return r, nil
}

// newRequest is httptest.NewRequest without its panics.
func newRequest(method, target string, body io.Reader) (r *http.Request, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("request: %v", p)
		}
	}()
	return httptest.NewRequest(method, target, body), nil
}

// setPlaceholders gives a placeholder identity the caller's claims: `id`
// as its id placeholder, the other claims under their field names.
func setPlaceholders(repl *caddy.Replacer, raw json.RawMessage, user map[string]any) error {
	var cfg struct {
		Identity struct {
			Placeholder *struct {
				Prefix string            `json:"prefix"`
				ID     string            `json:"id"`
				Fields map[string]string `json:"fields"`
			} `json:"placeholder"`
		} `json:"identity"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil || cfg.Identity.Placeholder == nil || user == nil {
		return err
	}
	p := cfg.Identity.Placeholder
	for k, v := range user {
		name := k
		switch {
		case k == "id" && p.ID != "":
			name = p.ID
		case p.Fields[k] != "":
			name = p.Fields[k]
		}
		s, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			s = string(b)
		}
		repl.Set(p.Prefix+"."+name, s)
	}
	return nil
}

// memoryAPI is the in-memory upstream: it records the request the
// handler passes on and answers it, and answers the handler's own
// requests from the case's answers.
type memoryAPI struct {
	main     *http.Request
	answer   *Answer
	answers  map[string]*Answer
	mu       sync.Mutex
	received *Received
	internal []Received
}

func (m *memoryAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) error {
	b, _ := io.ReadAll(r.Body)
	rec := Received{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Headers: flatten(r.Header), Body: string(b)}
	var a *Answer
	m.mu.Lock()
	if r == m.main {
		m.received = &rec
		a = m.answer
		if a == nil {
			a = &Answer{Body: map[string]any{}}
		}
	} else {
		m.internal = append(m.internal, rec)
		a = m.lookup(r)
	}
	m.mu.Unlock()
	if a == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":"no answer for this request in the test case"}`)
		return nil
	}
	return a.Write(w)
}

// lookup finds the answer to an internal request: by method, path and
// query, else by method and path.
func (m *memoryAPI) lookup(r *http.Request) *Answer {
	for key, a := range m.answers {
		method, target, _ := splitAnswerKey(key)
		if method != r.Method {
			continue
		}
		if target == r.URL.RequestURI() {
			return a
		}
	}
	for key, a := range m.answers {
		method, target, _ := splitAnswerKey(key)
		if method == r.Method && !strings.Contains(target, "?") && target == r.URL.Path {
			return a
		}
	}
	return m.answers["*"] // explain's --old answers every internal request
}

// Write answers as the runner's in-memory API does: the status (200 by
// default), the headers, and the body (JSON with its Content-Type, or the
// raw text as given).
func (a *Answer) Write(w http.ResponseWriter) error {
	var body []byte
	switch {
	case a.BodyRaw != nil:
		body = []byte(*a.BodyRaw)
	case a.Body != nil:
		b, err := toJSON(a.Body)
		if err != nil {
			return err
		}
		body = b
		w.Header().Set("Content-Type", "application/json")
	}
	for k, v := range a.Headers {
		w.Header().Set(k, v)
	}
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if len(body) == 0 {
		return nil
	}
	_, err := w.Write(body)
	return err
}

// flatten keeps the first value of each header.
func flatten(h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

// logLine renders a captured log entry: level, message, fields.
func logLine(e observer.LoggedEntry) string {
	var b strings.Builder
	b.WriteString(e.Level.String())
	b.WriteString(" ")
	b.WriteString(e.Message)
	m := e.ContextMap()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, m[k])
	}
	return b.String()
}
