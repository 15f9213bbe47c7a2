package intercept

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-crud/caddy-crud/rules"
)

// Outcomes, as {http.crud.outcome} and the metrics name them.
const (
	outcomePassed          = "passed"
	outcomeRejected        = "rejected"
	outcomeInvalid         = "invalid"
	outcomeError           = "error"
	outcomeWouldReject     = "would_reject"
	outcomeWouldInvalidate = "would_invalidate"
)

// ServeHTTP matches the request, runs the rules of its action around next,
// and passes requests that match no resource through untouched.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	m, prob := e.match(r)
	if prob != nil {
		report := e.cfg.Report
		if m.res != nil {
			report = m.res.cfg.Report
		}
		if e.enforce(w, r, m, "before", report, refusal{problem: *prob, outcome: outcomeInvalid, check: "request"}) {
			return nil
		}
		return next.ServeHTTP(w, r)
	}
	if m.res == nil {
		return next.ServeHTTP(w, r)
	}
	if m.route == nil {
		e.decide(r, m, outcomePassed)
		if r.Method == http.MethodOptions || m.res.cfg.UnmappedPass {
			return next.ServeHTTP(w, r)
		}
		f := refusal{outcome: outcomeRejected, check: "method", problem: problem{status: http.StatusMethodNotAllowed,
			detail: "method " + m.method + " is not mapped on this resource"}}
		if !m.res.cfg.Report {
			w.Header().Set("Allow", strings.Join(m.allow, ", "))
		}
		if e.enforce(w, r, m, "before", m.res.cfg.Report, f) {
			return nil
		}
		return next.ServeHTTP(w, r)
	}
	x := newExchange(e, w, r, m)
	defer x.release()
	return x.serve(next)
}

// refusal is a decision to refuse a request: by a rule, or by one of the
// handler's own checks before any rule ran.
type refusal struct {
	problem
	outcome string // rejected or invalid
	rule    string // the rule's location, when a rule decided
	check   string // the handler's check that decided: request, method, identity, body, fetch_old
}

// enforce refuses the request, or in report mode logs and counts what it
// would have refused and reports false, so the caller goes on unchanged.
func (e *Engine) enforce(w http.ResponseWriter, r *http.Request, m match, phase string, report bool, f refusal) bool {
	outcome, msg := f.outcome, "request rejected"
	if report {
		msg = "would reject"
		outcome = outcomeWouldReject
		if f.outcome == outcomeInvalid {
			outcome = outcomeWouldInvalidate
		}
	}
	e.decide(r, m, outcome)
	resource, action := "", actionName(m.route)
	if m.res != nil {
		resource = m.res.name
		e.metrics.decision(m.res, m.route, phase, outcome)
	}
	if ce := e.logger.Check(zap.InfoLevel, msg); ce != nil {
		fields := []zap.Field{zap.String("resource", resource), zap.String("action", action), zap.Int("status", f.status)}
		if f.rule != "" {
			fields = append(fields, zap.String("rule", f.rule))
		} else {
			fields = append(fields, zap.String("check", f.check))
		}
		if report {
			fields = append(fields, zap.String("mode", "report"))
		}
		ce.Write(fields...)
	}
	if report {
		return false
	}
	drain(r, e.cfg.MaxBody)
	writeProblem(w, f.problem)
	return true
}

// decide sets the decision placeholders.
func (e *Engine) decide(r *http.Request, m match, outcome string) {
	repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return
	}
	if m.res != nil {
		repl.Set("http.crud.resource", m.res.nameValue)
	}
	action := emptyValue
	if m.route != nil {
		action = m.route.actionValue
	}
	repl.Set("http.crud.action", action)
	repl.Set("http.crud.outcome", outcomeValue(outcome))
}

// The placeholder values are boxed once, not on every request.
var (
	emptyValue    any = ""
	outcomeValues     = map[string]any{}
)

func init() {
	for _, o := range []string{outcomePassed, outcomeRejected, outcomeInvalid, outcomeError,
		outcomeWouldReject, outcomeWouldInvalidate} {
		outcomeValues[o] = o
	}
}

func outcomeValue(o string) any {
	if v, ok := outcomeValues[o]; ok {
		return v
	}
	return o
}

// refuse reads what the client sent (up to max_body), so it sees the
// error and not a reset connection, then writes the problem.
func (e *Engine) refuse(w http.ResponseWriter, r *http.Request, p problem) error {
	drain(r, e.cfg.MaxBody)
	writeProblem(w, p)
	return nil
}

// enforce refuses the exchange's request, or in report mode logs it; it
// reports whether the response is written.
func (x *exchange) enforce(f refusal) bool {
	x.outcome = "" // set by the engine
	return x.e.enforce(x.w, x.r, x.m, x.phase, x.report(), f)
}

// exchange is one matched request on its way through the rules.
type exchange struct {
	e         *Engine
	w         http.ResponseWriter
	r         *http.Request
	m         match
	act       *action
	res       *resource
	in        rules.Input
	body      *bodyBuffer // the request body as read
	rewritten *[]byte     // the request body as the rules left it (rewritePool)
	sent      *sentBody   // the body given to the next handler
	next      caddyhttp.Handler

	phase   string // before or after, for metrics
	outcome string // what the outcome placeholder holds, when the exchange set it last
	lookups *lookupState

	queryValues url.Values        // see query
	paramValues map[string]string // see params

	calls exchangeCalls    // bound to this exchange, kept across requests
	limit io.LimitedReader // reads the request body up to max_body
	index rules.BodyIndex  // what the body check found of the body (storage kept across requests)
}

// settle sets the outcome placeholder and counts the decision.
func (x *exchange) settle(outcome string) {
	x.decide(outcome)
	x.e.metrics.decision(x.res, x.m.route, x.phase, outcome)
}

// decide sets the outcome placeholder, unless the exchange set it to
// outcome last.
func (x *exchange) decide(outcome string) {
	if outcome != x.outcome {
		x.e.decide(x.r, x.m, outcome)
		x.outcome = outcome
	}
}

// exchanges keeps exchanges from one request to the next, with the
// functions bound to each that rules call back (made once, not per request).
var exchanges sync.Pool

func init() {
	exchanges.New = func() any { // set here: a lookup serves a request through the engine again
		x := &exchange{}
		x.calls = exchangeCalls{request: x.requestVar, placeholder: x.placeholder, lookup: x.lookup}
		return x
	}
}

// exchangeCalls are an exchange's methods as the functions rules.Input takes.
type exchangeCalls struct {
	request     func() map[string]any
	placeholder func(string) string
	lookup      func(string) (any, error)
}

func newExchange(e *Engine, w http.ResponseWriter, r *http.Request, m match) *exchange {
	x := exchanges.Get().(*exchange) // as release left it: nothing set but calls and index
	x.e, x.w, x.r, x.m, x.res, x.act = e, w, r, m, m.res, m.route.act
	x.in = rules.Input{
		Resource:    m.res.name,
		Action:      m.route.act.name,
		RawQuery:    r.URL.RawQuery,
		Request:     x.calls.request,
		Placeholder: x.calls.placeholder,
		Lookup:      x.calls.lookup,
		Logger:      e.logger,
		BulkPartial: m.res.cfg.BulkPartial,
		Trace:       traceOf(r.Context()),
	}
	return x
}

// release returns the request body's buffers to their pool, unless the
// body sent upstream may still be read, and the exchange to its own,
// holding nothing of the request.
func (x *exchange) release() {
	defer func() {
		x.index.Reset()
		*x = exchange{calls: x.calls, index: x.index}
		exchanges.Put(x)
	}()
	if x.sent != nil && !x.sent.reusable() {
		x.body, x.rewritten = nil, nil // the collector takes them
	}
	if x.body != nil {
		x.body.release()
		x.body = nil
	}
	if x.rewritten != nil {
		if cap(*x.rewritten) <= maxPooledBuffer {
			*x.rewritten = (*x.rewritten)[:0]
			rewritePool.Put(x.rewritten)
		}
		x.rewritten = nil
	}
}

// report reports whether this resource only reports what it would do.
func (x *exchange) report() bool { return x.res.cfg.Report }

func (x *exchange) serve(next caddyhttp.Handler) error {
	x.next = next
	x.phase = "before"
	x.decide(outcomePassed)
	if id := x.e.cfg.Identity; id != nil {
		user, err := id.Authenticate(x.r)
		switch {
		case err != nil:
			if c, ok := id.(interface{ Challenge() string }); ok && !x.report() {
				x.w.Header().Set("WWW-Authenticate", c.Challenge())
			}
			if x.enforce(refusal{outcome: outcomeRejected, check: "identity",
				problem: problem{status: http.StatusUnauthorized, detail: err.Error()}}) {
				return nil
			}
		case user != nil:
			x.in.User = user
		}
	}
	if x.act.query != nil && x.r.URL.RawQuery != "" {
		rej, err := x.act.query.Check(&x.in, x.r.URL.RawQuery)
		if err != nil {
			if done, err := x.runtimeError(err); done || err != nil {
				return err
			}
		} else if rej != nil {
			if done, _ := x.reject(rej); done {
				return nil
			}
		}
	}
	if x.res.cfg.FetchOld != nil && (x.act.name == "update" || x.act.name == "delete") {
		// fetched when a before statement first needs old, else right after
		// the before phase: a refusal before that point (401 for an
		// anonymous caller) does not tell whether the record exists
		x.in.LoadOld = x.loadOld
	}
	if !x.act.before.Empty() {
		done, err := x.before()
		if done || err != nil {
			return err
		}
	}
	if x.in.LoadOld != nil {
		x.in.LoadOld = nil
		if _, _, err := x.loadOld(); err != nil {
			if done, herr := x.oldFailed(err); done {
				return herr
			}
		}
	}
	if x.holdsEvents() {
		if err := x.e.webhooks.available(); err != nil {
			return x.unstored(err) // before the upstream: nothing changed
		}
	}
	if !x.act.after.Empty() {
		if x.r.Method == http.MethodHead {
			// the headers of a HEAD must describe the filtered body (its
			// length, no upstream validator): fetch it as GET, filter it,
			// and net/http sends the headers without the body
			x.r.Method = http.MethodGet
		}
		return x.after(next)
	}
	if x.act.async.Empty() {
		return next.ServeHTTP(x.w, x.r)
	}
	if x.holdsEvents() {
		return x.serveHeld(next)
	}
	t := newTee(x.w, x.e.cfg.MaxResponse)
	defer t.release()
	x.in.Response = func() map[string]any { return responseVar(t.status, x.w.Header()) }
	err := next.ServeHTTP(t, x.r)
	if err == nil {
		x.runAsync(t.status, t.body())
	}
	return err
}

// before runs the before phase; done means the response is written.
func (x *exchange) before() (bool, error) {
	var body []byte
	if x.act.before.NeedsBody() && hasBody(x.r) {
		b, prob := x.readBody()
		if prob != nil {
			// in report mode the body goes on as it came, unread by rules
			return x.enforce(refusal{problem: *prob, outcome: outcomeInvalid, check: "body"}), nil
		}
		body = b
		x.in.Index = &x.index
	}
	start := time.Now()
	var out []byte
	if body != nil {
		x.rewritten = rewritePool.Get().(*[]byte)
		out = (*x.rewritten)[:0]
	}
	res, err := x.act.before.RunBefore(&x.in, body, out)
	x.e.metrics.beforeDuration.Observe(time.Since(start).Seconds())
	if errors.Is(err, errOld) {
		return x.oldFailed(err)
	}
	if err != nil {
		return x.runtimeError(err)
	}
	if res.Reject != nil {
		return x.reject(res.Reject)
	}
	x.settle(outcomePassed)
	if x.report() {
		for _, where := range res.Changed {
			x.logReport("would change the request", where)
		}
		for _, e := range res.Excluded {
			x.logReport("would leave out a bulk element", e.Field+": "+e.Message)
		}
		return false, nil
	}
	if len(res.Excluded) > 0 {
		x.reportExcluded(res.Excluded)
	}
	if res.Body != nil {
		x.sent = setBody(x.r, res.Body, x.sent) // the body read: sent to no one yet
		*x.rewritten = res.Body                 // written into out, or into what out grew into
	}
	x.applyEdits(res)
	return false, nil
}

// reject refuses the request a rule refused, or in report mode logs it.
func (x *exchange) reject(rej *rules.Rejection) (bool, error) {
	outcome := outcomeRejected
	if rej.Status == http.StatusUnprocessableEntity || rej.Status == http.StatusBadRequest {
		outcome = outcomeInvalid
	}
	return x.enforce(refusal{outcome: outcome, rule: rej.Where,
		problem: problem{status: rej.Status, detail: rej.Detail, errors: rej.Errors}}), nil
}

// runtimeError fails closed (500) unless on_error pass lets the request
// through; either way the detail goes to the log, never to the client.
func (x *exchange) runtimeError(err error) (bool, error) {
	where := ""
	var re *rules.RuntimeError
	if errors.As(err, &re) {
		where = re.Where
	}
	x.e.logger.Error("rule failed", zap.String("resource", x.res.name),
		zap.String("action", x.act.name), zap.String("rule", where), zap.Error(err))
	x.settle(outcomeError)
	if x.e.cfg.OnErrorPass || x.report() {
		return false, nil
	}
	if x.phase == "after" {
		clearUpstreamHeaders(x.w.Header())
	}
	return true, x.e.refuse(x.w, x.r, problem{status: http.StatusInternalServerError,
		detail: "a rule could not be evaluated"})
}

func (x *exchange) logReport(msg, where string) {
	if ce := x.e.logger.Check(zap.InfoLevel, msg); ce != nil {
		ce.Write(zap.String("resource", x.res.name), zap.String("action", x.act.name),
			zap.String("rule", where), zap.String("mode", "report"))
	}
}

// placeholder resolves a Caddy placeholder for placeholder("{...}").
func (x *exchange) placeholder(s string) string {
	repl, ok := x.r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return ""
	}
	return repl.ReplaceAll(s, "") // an unknown placeholder reads as empty, never as its own text
}

// query is the request's query, parsed once.
func (x *exchange) query() url.Values {
	if x.queryValues == nil {
		x.queryValues = x.r.URL.Query()
	}
	return x.queryValues
}

// params is the matched route's path and query parameters, found once.
func (x *exchange) params() map[string]string {
	if x.paramValues == nil {
		x.paramValues = x.m.route.params(trimSlash(x.r.URL.Path), x.query())
	}
	return x.paramValues
}

// requestVar builds the `request` variable.
func (x *exchange) requestVar() map[string]any {
	r := x.r
	query := map[string]any{}
	for k, v := range x.query() {
		if len(v) > 0 {
			query[k] = v[0]
		}
	}
	headers := make(map[string]any, len(r.Header))
	for k, v := range r.Header {
		if len(v) > 0 {
			headers[strings.ToLower(k)] = v[0]
		}
	}
	params := map[string]any{}
	for k, v := range x.params() {
		params[k] = v
	}
	remote, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	return map[string]any{
		"method":    x.m.method,
		"path":      r.URL.Path,
		"query":     query,
		"headers":   headers,
		"params":    params,
		"host":      r.Host,
		"remote_ip": remote,
	}
}
