// Package crud is a Caddy HTTP handler that puts business rules in front of
// an existing REST API: it maps requests to resources and CRUD actions, runs
// before rules on the JSON request, after rules on the JSON response, and
// async rules once the response is written.
package crud

import (
	"fmt"
	"github.com/caddy-crud/caddy-crud/intercept"
	"net/http"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-crud/caddy-crud/rules"
)

// Handler is the `crud` HTTP handler (module ID http.handlers.crud).
type Handler struct {
	// Resources are the API resources this handler guards, in declaration order.
	Resources []*Resource `json:"resources,omitempty"`

	// MaxBody is the largest request body, in bytes, that is read for rules;
	// larger bodies get 413. Default: 1 MiB.
	MaxBody int64 `json:"max_body,omitempty"`

	// MaxDepth is the deepest nesting of objects and arrays accepted in a JSON
	// body (the top-level value is depth 1); deeper bodies get 400. Default: 64.
	MaxDepth int `json:"max_depth,omitempty"`

	// MaxResponse is the largest response body, in bytes, that is buffered for
	// after rules; larger responses get 502. Default: 16 MiB.
	MaxResponse int64 `json:"max_response,omitempty"`

	// MaxLookups is the most lookup() calls one request may make. Default: 16.
	MaxLookups int `json:"max_lookups,omitempty"`

	// OnError says what a rule runtime error does: `deny` answers 500
	// (default), `pass` lets the request through, logged.
	OnError string `json:"on_error,omitempty"`

	// Mode is `enforce` (default) or `report`: report evaluates every rule and
	// logs what it would have done, changing nothing.
	Mode string `json:"mode,omitempty"`

	// MethodOverride says what X-HTTP-Method-Override and its cousins do on a
	// matched resource: `reject` answers 400 (default), `allow` lets them pick
	// the action.
	MethodOverride string `json:"method_override,omitempty"`

	// CaseSensitive makes path matching case-sensitive. Default: false, so
	// /API/users meets the rules of /api/users.
	CaseSensitive bool `json:"case_sensitive,omitempty"`

	// Webhooks tunes the delivery of webhook statements.
	Webhooks *WebhookOptions `json:"webhooks,omitempty"`

	// Identity says who the caller is: a verified JWT, or what an earlier
	// authentication handler set. Without it, `user` is nil.
	Identity *Identity `json:"identity,omitempty"`

	engine *intercept.Engine
}

// WebhookOptions tunes webhook delivery. Deliveries run in the
// background: a slow or dead receiver never slows the API. By default
// events are durable: each is stored in NATS JetStream (an embedded
// server, or the cluster named by NATS) before the client's response is
// written, and delivered at least once.
type WebhookOptions struct {
	// Store is where accepted events wait for delivery: `jetstream`
	// (default: durable, at-least-once) or `memory` (an in-process queue;
	// lossy: a crash, a restart or a reload that outlasts Grace loses
	// what is queued).
	Store string `json:"store,omitempty"`

	// NATS is the external NATS (JetStream) cluster to store events in,
	// shared by every gateway that names it. Default: an embedded server,
	// without a network listener, storing under Caddy's data directory.
	NATS *NATSOptions `json:"nats,omitempty"`

	// MaxEvents is the most events the stream keeps waiting for delivery
	// (the dead-letter stream has the same limit); when it is full, the
	// requests whose events cannot be stored get 503. Default: 1000000.
	MaxEvents int64 `json:"max_events,omitempty"`

	// MaxBytes is the most bytes of events the stream keeps, as
	// MaxEvents. Default: 1 GiB.
	MaxBytes int64 `json:"max_bytes,omitempty"`

	// Replicas is how many servers of an external cluster keep each
	// stream. Default: 1.
	Replicas int `json:"replicas,omitempty"`

	// StoreTimeout bounds how long a response waits for its events to be
	// stored before it becomes a 503. Default: 5s.
	StoreTimeout caddy.Duration `json:"store_timeout,omitempty"`

	// QueueSize (store memory only) is how many events may wait or be in
	// flight at once; more are dropped, counted and logged. Default: 1024.
	QueueSize int `json:"queue_size,omitempty"`

	// Workers is how many deliveries each gateway sends concurrently.
	// Default: 4.
	Workers int `json:"workers,omitempty"`

	// Attempts is how many times an event is tried (network errors,
	// timeouts, 429 and 5xx are retried with exponential backoff and full
	// jitter); an event that spends them goes to the dead letters (store
	// memory: it is logged and dropped). Default: 5.
	Attempts int `json:"attempts,omitempty"`

	// Timeout bounds one attempt. Default: 5s.
	Timeout caddy.Duration `json:"timeout,omitempty"`

	// Grace is how long attempts in flight may still run when the config
	// is reloaded or Caddy stops. A durable store then hands what is left
	// back to the stream; store memory logs it by event id. Default: 5s.
	Grace caddy.Duration `json:"grace,omitempty"`
}

// NATSOptions name an external NATS server or cluster. Every value may hold
// placeholders, e.g. {env.NATS_PASSWORD}, resolved when the config loads.
type NATSOptions struct {
	// URL is the server, or several comma-separated servers of one
	// cluster, e.g. nats://nats-1:4222,nats://nats-2:4222.
	URL string `json:"url"`

	// Creds is a NATS credentials file (a user JWT and its nkey seed).
	Creds string `json:"creds,omitempty"`

	// NKey is a file holding an nkey seed.
	NKey string `json:"nkey,omitempty"`

	// User and Password log in with a user name and password.
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
}

// Resource is one API resource: a base path, its actions and its rules.
type Resource struct {
	// Name names the resource in rules, logs and metrics.
	Name string `json:"name"`

	// Base is the resource's base path, e.g. /api/users; it may hold
	// parameters, e.g. /api/posts/{postId}/comments.
	Base string `json:"base"`

	// RestOff turns the default REST mapping off (`rest off`), leaving only
	// the declared actions.
	RestOff bool `json:"rest_off,omitempty"`

	// Actions map legacy endpoints to actions:
	// `action <name> <METHOD> <path>[?<query>]`.
	Actions []*Action `json:"actions,omitempty"`

	// Records is where the record(s) sit in response bodies, e.g. `data`.
	// Default: the body itself.
	Records string `json:"records,omitempty"`

	// Total is a count field of list responses, lowered by the records that
	// drop removed. Needs Records.
	Total string `json:"total,omitempty"`

	// FetchOld makes update and delete fetch the stored record first and
	// expose it to rules as `old`.
	FetchOld *FetchOld `json:"fetch_old,omitempty"`

	// Mode overrides the handler's mode for this resource: enforce or report.
	Mode string `json:"mode,omitempty"`

	// CaseSensitive overrides the handler's case_sensitive for this resource.
	CaseSensitive *bool `json:"case_sensitive,omitempty"`

	// MethodOverride overrides the handler's method_override for this
	// resource: reject or allow.
	MethodOverride string `json:"method_override,omitempty"`

	// Unmapped says what a method that maps to no action gets on this
	// resource's paths: `reject` answers 405 (default), `pass` lets it through.
	Unmapped string `json:"unmapped,omitempty"`

	// Before are the rule blocks run on requests, in order.
	Before []*rules.Block `json:"before,omitempty"`

	// After are the rule blocks run on 2xx JSON responses, in order.
	After []*rules.Block `json:"after,omitempty"`

	// Async are the rule blocks run after the response is written, in order.
	Async []*rules.Block `json:"async,omitempty"`
}

// Action maps one endpoint to an action: `action <name> <METHOD> <path>[?<query>]`.
type Action struct {
	// Name is the action: list, get, create, update, delete, or a custom name.
	Name string `json:"name"`

	// Method is the HTTP method, upper case.
	Method string `json:"method"`

	// Path is the endpoint path; `{name}` segments are parameters.
	Path string `json:"path"`

	// Query is an optional query pattern, e.g. `op=add` or `id={id}`; every
	// pair must be present (a `{name}` value captures a parameter).
	Query string `json:"query,omitempty"`
}

// FetchOld is the request that fetches the stored record before a change.
type FetchOld struct {
	// Method is the method of the fetch. Default: GET.
	Method string `json:"method,omitempty"`

	// Path is the path of the fetch, with `{param}` placeholders and an
	// optional query. Default: the request's own path.
	Path string `json:"path,omitempty"`
}

func init() {
	caddy.RegisterModule(Handler{})
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.crud",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision applies defaults and compiles every resource and rule once.
func (h *Handler) Provision(ctx caddy.Context) error {
	cfg := intercept.Config{
		MaxBody:     orDefault(h.MaxBody, 1<<20),
		MaxDepth:    int(orDefault(int64(h.MaxDepth), 64)),
		MaxResponse: orDefault(h.MaxResponse, 16<<20),
		MaxLookups:  int(orDefault(int64(h.MaxLookups), 16)),
		OnErrorPass: h.OnError == "pass",
		Report:      h.Mode == "report",
		Logger:      ctx.Logger(),
		Metrics:     ctx.GetMetricsRegistry(),
	}
	cfg.Webhooks = h.Webhooks.config()
	if h.Identity != nil {
		id, err := h.Identity.authenticator(ctx)
		if err != nil {
			return fmt.Errorf("identity: %w", err)
		}
		cfg.Identity = id
	}
	for _, res := range h.Resources {
		rc, err := h.compileResource(res)
		if err != nil {
			return err
		}
		cfg.Resources = append(cfg.Resources, rc)
	}
	engine, err := intercept.New(cfg)
	if err != nil {
		return err
	}
	h.engine = engine
	return nil
}

// Validate checks the options that take one of a few values.
func (h *Handler) Validate() error {
	if err := oneOf("on_error", h.OnError, "deny", "pass"); err != nil {
		return err
	}
	if err := oneOf("mode", h.Mode, "enforce", "report"); err != nil {
		return err
	}
	if err := oneOf("method_override", h.MethodOverride, "reject", "allow"); err != nil {
		return err
	}
	for _, r := range h.Resources {
		where := fmt.Sprintf("resource %q: ", r.Name)
		if err := oneOf(where+"mode", r.Mode, "enforce", "report"); err != nil {
			return err
		}
		if err := oneOf(where+"method_override", r.MethodOverride, "reject", "allow"); err != nil {
			return err
		}
		if err := oneOf(where+"unmapped", r.Unmapped, "reject", "pass"); err != nil {
			return err
		}
		if r.Total != "" && r.Records == "" {
			return fmt.Errorf("%stotal needs records", where)
		}
	}
	if err := h.Webhooks.validate(); err != nil {
		return err
	}
	if h.MaxBody < 0 || h.MaxDepth < 0 || h.MaxResponse < 0 || h.MaxLookups < 0 {
		return fmt.Errorf("limits must not be negative")
	}
	return nil
}

// compileResource compiles one resource's blocks and resolves its options
// against the handler's.
func (h *Handler) compileResource(res *Resource) (*intercept.ResourceConfig, error) {
	rc := &intercept.ResourceConfig{
		Name:                res.Name,
		Base:                res.Base,
		RestOff:             res.RestOff,
		Records:             res.Records,
		Total:               res.Total,
		Report:              firstOf(res.Mode, h.Mode) == "report",
		CaseSensitive:       h.CaseSensitive,
		MethodOverrideAllow: firstOf(res.MethodOverride, h.MethodOverride) == "allow",
		UnmappedPass:        res.Unmapped == "pass",
	}
	if res.CaseSensitive != nil {
		rc.CaseSensitive = *res.CaseSensitive
	}
	if res.FetchOld != nil {
		rc.FetchOld = &intercept.FetchOldConfig{Method: res.FetchOld.Method, Path: res.FetchOld.Path}
	}
	for _, a := range res.Actions {
		rc.Actions = append(rc.Actions, intercept.ActionConfig{Name: a.Name, Method: a.Method, Path: a.Path, Query: a.Query})
	}
	repl := caddy.NewReplacer()
	resolve := func(v string) string { return repl.ReplaceKnown(v, "") }
	for _, phase := range []struct {
		phase  rules.Phase
		blocks []*rules.Block
		dst    *[]*rules.CompiledBlock
	}{
		{rules.Before, res.Before, &rc.Before},
		{rules.After, res.After, &rc.After},
		{rules.Async, res.Async, &rc.Async},
	} {
		for _, b := range phase.blocks {
			cb, err := rules.CompileBlockResolving(phase.phase, res.Name, b, resolve)
			if err != nil {
				return nil, err
			}
			*phase.dst = append(*phase.dst, cb)
		}
	}
	return rc, nil
}

// Cleanup lets pending webhook deliveries finish within their grace period.
func (h *Handler) Cleanup() error {
	if h.engine != nil {
		h.engine.Close()
	}
	return nil
}

// ServeHTTP implements caddyhttp.MiddlewareHandler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	return h.engine.ServeHTTP(w, r, next)
}

func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func oneOf(name, v string, allowed ...string) error {
	if v == "" || slices.Contains(allowed, v) {
		return nil
	}
	return fmt.Errorf("%s: %q is not one of %s", name, v, strings.Join(allowed, ", "))
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
