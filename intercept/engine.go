// Package intercept is the HTTP engine of the crud handler: it matches
// requests to resources and actions, reads and rewrites request bodies, and
// runs the compiled rules around the next handler.
package intercept

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/caddy-crud/caddy-crud/rules"
)

// Runtime is what the engine takes from its host besides its Config.
type Runtime struct {
	// Identity finds the caller of matched requests; nil: user is nil.
	Identity Authenticator

	// WebhookClient sends webhook events. Default: a client of the
	// engine's own that follows no redirects (the per-attempt timeout
	// applies to any client).
	WebhookClient *http.Client

	// Logger receives the engine's logs; nil discards them.
	Logger *zap.Logger

	// Metrics is where the collectors register (Caddy's registry); nil
	// keeps them unregistered.
	Metrics prometheus.Registerer
}

// Authenticator finds the caller of a request.
type Authenticator interface {
	// Authenticate returns the caller's claims (with "id" set), nil for an
	// anonymous caller, or an error when the request must be refused with
	// 401: a bad token, or no token where one is required. The error text
	// is safe to show the client.
	Authenticate(r *http.Request) (map[string]any, error)
}

// settings are the handler's options as requests read them: limits with
// their defaults applied and modes resolved.
type settings struct {
	MaxBody     int64
	MaxDepth    int
	MaxResponse int64
	MaxLookups  int
	OnErrorPass bool

	// Report is the handler's mode for requests no resource claims yet
	// (a refused path); resources carry their own.
	Report bool

	// Identity finds the caller of matched requests; nil: user is nil.
	Identity Authenticator
}

// resourceSettings are a resource's options resolved against the
// handler's.
type resourceSettings struct {
	Report              bool
	CaseSensitive       bool
	MethodOverrideAllow bool
	UnmappedPass        bool
	BulkPartial         bool
	NonJSONPass         bool // a 2xx answer that is not JSON streams through on actions with after rules
	FetchOld            *FetchOld
}

// Engine serves requests for one crud handler.
type Engine struct {
	cfg       settings
	resources []*resource
	routes    []*route
	index     routeIndex // finds the routes a path may match
	logger    *zap.Logger
	metrics   *metrics
	webhooks  webhookStore // nil when no rule sends webhooks
}

// resource is a resource with its routes and one program per action and
// phase.
type resource struct {
	name    string
	base    []patSeg
	cfg     resourceSettings
	actions map[string]*action
	shape   rules.Shape

	nameValue any // name, boxed once for the placeholder
}

// action holds the programs of one action of a resource.
type action struct {
	name   string
	before *rules.Program
	after  *rules.Program
	async  *rules.Program
	query  *rules.QueryGuard // nil: the query is not checked
	hooks  bool              // async may send webhooks
}

var restActions = []string{"list", "get", "create", "update", "delete"}

// groups are the action group names blocks may use.
var groups = map[string][]string{
	"read":  {"list", "get"},
	"write": {"create", "update"},
}

// New builds the engine from cfg: it validates cfg, applies the default
// limits, and builds the routes and a program per action and phase.
func New(cfg Config, rt Runtime) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{logger: rt.Logger, metrics: newMetrics(rt.Metrics), cfg: settings{
		MaxBody:     orDefault(cfg.MaxBody, defaultMaxBody),
		MaxDepth:    orDefault(cfg.MaxDepth, defaultMaxDepth),
		MaxResponse: orDefault(cfg.MaxResponse, defaultMaxResponse),
		MaxLookups:  orDefault(cfg.MaxLookups, defaultMaxLookups),
		OnErrorPass: cfg.OnError == "pass",
		Report:      cfg.Mode == "report",
		Identity:    rt.Identity,
	}}
	if e.logger == nil {
		e.logger = zap.NewNop()
	}
	seen := map[string]bool{}
	for _, rc := range cfg.Resources {
		if seen[rc.Name] {
			return nil, fmt.Errorf("resource %q declared twice", rc.Name)
		}
		seen[rc.Name] = true
		if err := e.addResource(&cfg, rc); err != nil {
			return nil, err
		}
	}
	sortRoutes(e.routes)
	e.index = indexRoutes(e.routes)
	if err := e.startWebhooks(cfg.Webhooks.settings(rt.WebhookClient)); err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	return e, nil
}

// addResource adds rc's routes and compiles its blocks into a program per
// action and phase; its options are resolved against cfg's.
func (e *Engine) addResource(cfg *Config, rc *Resource) error {
	if err := rules.CheckParams(rc.Params); err != nil {
		return fmt.Errorf("resource %q: %w", rc.Name, err)
	}
	var compiled [3][]*rules.CompiledBlock
	repl := caddy.NewReplacer() // {env.X} in a webhook's secret, resolved once
	resolve := func(v string) string { return repl.ReplaceKnown(v, "") }
	for i, ph := range []struct {
		phase  rules.Phase
		blocks []*rules.Block
	}{{rules.Before, rc.Before}, {rules.After, rc.After}, {rules.Async, rc.Async}} {
		for _, b := range ph.blocks {
			cb, err := rules.CompileBlockResolving(ph.phase, rc.Name, b, resolve)
			if err != nil {
				return err
			}
			compiled[i] = append(compiled[i], cb)
		}
	}
	base, err := parsePattern(rc.Base)
	if err != nil {
		return fmt.Errorf("resource %q: %w", rc.Name, err)
	}
	res := &resource{name: rc.Name, nameValue: rc.Name, base: base, actions: map[string]*action{}, cfg: resourceSettings{
		Report:              cmp.Or(rc.Mode, cfg.Mode) == "report",
		CaseSensitive:       cfg.CaseSensitive,
		MethodOverrideAllow: cmp.Or(rc.MethodOverride, cfg.MethodOverride) == "allow",
		UnmappedPass:        rc.Unmapped == "pass",
		BulkPartial:         rc.Bulk == "partial",
		NonJSONPass:         rc.NonJSON == "pass",
		FetchOld:            rc.FetchOld,
	}}
	if rc.CaseSensitive != nil {
		res.cfg.CaseSensitive = *rc.CaseSensitive
	}
	for _, f := range []struct {
		text string
		dst  *[]string
	}{{rc.Records, &res.shape.Records}, {rc.Total, &res.shape.Total}} {
		if f.text == "" {
			continue
		}
		p, err := rules.ParsePath(f.text)
		if err != nil {
			return fmt.Errorf("resource %q: %w", rc.Name, err)
		}
		*f.dst = p.Keys()
	}
	add := func(name, method string, segs []patSeg, query []queryPat) {
		if res.actions[name] == nil {
			res.actions[name] = &action{name: name}
		}
		e.routes = append(e.routes, &route{res: res, act: res.actions[name], actionValue: name, method: method, segs: segs, query: query, order: len(e.routes) + 1})
	}
	if !rc.RestOff {
		item := append(slices.Clip(base), patSeg{param: "id"})
		add("list", http.MethodGet, base, nil)
		add("list", http.MethodHead, base, nil)
		add("create", http.MethodPost, base, nil)
		add("get", http.MethodGet, item, nil)
		add("get", http.MethodHead, item, nil)
		add("update", http.MethodPut, item, nil)
		add("update", http.MethodPatch, item, nil)
		add("delete", http.MethodDelete, item, nil)
	}
	for _, a := range rc.Actions {
		if a.Name == "" || a.Method == "" {
			return fmt.Errorf("resource %q: action needs a name, a method and a path", rc.Name)
		}
		segs, err := parsePattern(a.Path)
		if err != nil {
			return fmt.Errorf("resource %q: action %s: %w", rc.Name, a.Name, err)
		}
		query, err := parseQueryPattern(a.Query)
		if err != nil {
			return fmt.Errorf("resource %q: action %s: %w", rc.Name, a.Name, err)
		}
		method := strings.ToUpper(a.Method)
		add(a.Name, method, segs, query)
		if method == http.MethodGet {
			add(a.Name, http.MethodHead, segs, query)
		}
	}
	if len(res.actions) == 0 {
		return fmt.Errorf("resource %q maps no action (rest off and no action lines)", rc.Name)
	}
	var opts []rules.ProgramOption
	if res.cfg.CaseSensitive {
		opts = append(opts, rules.ExactKeys())
	}
	for i, phase := range []rules.Phase{rules.Before, rules.After, rules.Async} {
		perAction := map[string][]*rules.CompiledBlock{}
		for _, b := range compiled[i] {
			names, err := res.expand(b.Actions)
			if err != nil {
				return fmt.Errorf("resource %q: %s %s: %w", rc.Name, phase, strings.Join(b.Actions, " "), err)
			}
			for _, n := range names {
				perAction[n] = append(perAction[n], b)
			}
		}
		phaseOpts := opts
		if get := res.actions["get"]; phase == rules.Async && get != nil {
			// built after the after phase: events carry old as get shows it
			phaseOpts = append(slices.Clip(opts), rules.OldReadBy(get.after))
		}
		for name, a := range res.actions {
			p := rules.NewProgram(phase, perAction[name], phaseOpts...)
			switch phase {
			case rules.Before:
				a.before = p
			case rules.After:
				a.after = p
			case rules.Async:
				a.async = p
				a.hooks = p.HasWebhook()
			}
		}
	}
	res.guardQueries(rc.Params, compiled[0], e.routes)
	e.resources = append(e.resources, res)
	return nil
}

// guardQueries builds each action's query guard: the params its before
// blocks list (else the resource's), plus the names of its query patterns,
// and the fields its after rules hide.
func (r *resource) guardQueries(resParams []string, before []*rules.CompiledBlock, routes []*route) {
	for name, a := range r.actions {
		params, where := resParams, fmt.Sprintf("resource %q: params", r.name)
		var fromBlocks []string
		for _, b := range before {
			if b.Params == nil {
				continue
			}
			names, _ := r.expand(b.Actions) // expanded before, without error
			if slices.Contains(names, name) {
				fromBlocks = append(fromBlocks, b.Params...)
				where = fmt.Sprintf("resource %q: before %s: params", r.name, strings.Join(b.Actions, " "))
			}
		}
		if fromBlocks != nil {
			params = fromBlocks
		}
		if params != nil {
			params = slices.Clone(params)
			for _, rt := range routes {
				if rt.res == r && rt.act.name == name {
					for _, q := range rt.query {
						params = append(params, q.name)
					}
				}
			}
		}
		a.query = rules.NewQueryGuard(a.after, params, where)
	}
}

// orDefault is v, or def when v is zero.
func orDefault[T int | int64](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// expand turns a block's action list into action names, refusing names the
// resource does not map.
func (r *resource) expand(names []string) ([]string, error) {
	var out []string
	add := func(a string) {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	for _, n := range names {
		switch {
		case n == "all":
			for _, a := range r.actionNames() {
				add(a)
			}
		case groups[n] != nil:
			for _, a := range groups[n] {
				if r.actions[a] != nil {
					add(a)
				}
			}
		case r.actions[n] != nil:
			add(n)
		default:
			return nil, fmt.Errorf("unknown action %q (this resource maps %s)", n, strings.Join(r.actionNames(), ", "))
		}
	}
	return out, nil
}

func (r *resource) actionNames() []string {
	var names []string
	for n := range r.actions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
