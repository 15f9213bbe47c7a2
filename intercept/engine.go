// Package intercept is the HTTP engine of the crud handler: it matches
// requests to resources and actions, reads and rewrites request bodies, and
// runs the compiled rules around the next handler.
package intercept

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/caddy-crud/caddy-crud/rules"
)

// Config is what the engine is built from: limits, and resources whose
// blocks are already compiled.
type Config struct {
	Resources   []*ResourceConfig
	MaxBody     int64
	MaxDepth    int
	MaxResponse int64
	MaxLookups  int
	OnErrorPass bool
	Logger      *zap.Logger

	// Report is the handler's mode for requests no resource claims yet
	// (a refused path); resources carry their own.
	Report bool

	// Identity finds the caller of matched requests; nil: user is nil.
	Identity Authenticator

	// Webhooks tunes webhook delivery.
	Webhooks WebhookConfig

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

// ResourceConfig is one resource.
type ResourceConfig struct {
	Name                string
	Base                string
	RestOff             bool
	Actions             []ActionConfig
	Records             string
	Total               string
	Report              bool
	CaseSensitive       bool
	MethodOverrideAllow bool
	UnmappedPass        bool
	FetchOld            *FetchOldConfig
	Before, After       []*rules.CompiledBlock
	Async               []*rules.CompiledBlock
}

// FetchOldConfig is the request that fetches the stored record; empty
// fields: GET and the request's own path.
type FetchOldConfig struct {
	Method, Path string
}

// ActionConfig maps an endpoint to an action.
type ActionConfig struct {
	Name, Method, Path, Query string
}

// Engine serves requests for one crud handler.
type Engine struct {
	cfg       Config
	resources []*resource
	routes    []*route
	logger    *zap.Logger
	metrics   *metrics
	webhooks  webhookStore // nil when no rule sends webhooks
}

// resource is a resource with its routes and one program per action and
// phase.
type resource struct {
	name    string
	base    []patSeg
	cfg     *ResourceConfig
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
	hooks  bool // async may send webhooks
}

var restActions = []string{"list", "get", "create", "update", "delete"}

// groups are the action group names blocks may use.
var groups = map[string][]string{
	"read":  {"list", "get"},
	"write": {"create", "update"},
}

// New builds the engine: routes, and a program per action and phase.
func New(cfg Config) (*Engine, error) {
	e := &Engine{cfg: cfg, logger: cfg.Logger, metrics: newMetrics(cfg.Metrics)}
	if e.logger == nil {
		e.logger = zap.NewNop()
	}
	order := 0
	seen := map[string]bool{}
	for _, rc := range cfg.Resources {
		if rc.Name == "" {
			return nil, fmt.Errorf("a resource needs a name")
		}
		if seen[rc.Name] {
			return nil, fmt.Errorf("resource %q declared twice", rc.Name)
		}
		seen[rc.Name] = true
		base, err := parsePattern(rc.Base)
		if err != nil {
			return nil, fmt.Errorf("resource %q: %w", rc.Name, err)
		}
		res := &resource{name: rc.Name, nameValue: rc.Name, base: base, cfg: rc, actions: map[string]*action{}}
		for _, f := range []struct {
			text string
			dst  *[]string
		}{{rc.Records, &res.shape.Records}, {rc.Total, &res.shape.Total}} {
			if f.text == "" {
				continue
			}
			p, err := rules.ParsePath(f.text)
			if err != nil {
				return nil, fmt.Errorf("resource %q: %w", rc.Name, err)
			}
			*f.dst = p.Keys()
		}
		add := func(name, method string, segs []patSeg, query []queryPat) {
			order++
			e.routes = append(e.routes, &route{res: res, action: name, actionValue: name, method: method, segs: segs, query: query, order: order})
			if res.actions[name] == nil {
				res.actions[name] = &action{name: name}
			}
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
				return nil, fmt.Errorf("resource %q: action needs a name, a method and a path", rc.Name)
			}
			segs, err := parsePattern(a.Path)
			if err != nil {
				return nil, fmt.Errorf("resource %q: action %s: %w", rc.Name, a.Name, err)
			}
			query, err := parseQueryPattern(a.Query)
			if err != nil {
				return nil, fmt.Errorf("resource %q: action %s: %w", rc.Name, a.Name, err)
			}
			method := strings.ToUpper(a.Method)
			add(a.Name, method, segs, query)
			if method == http.MethodGet {
				add(a.Name, http.MethodHead, segs, query)
			}
		}
		if len(res.actions) == 0 {
			return nil, fmt.Errorf("resource %q maps no action (rest off and no action lines)", rc.Name)
		}
		for _, ph := range []struct {
			phase  rules.Phase
			blocks []*rules.CompiledBlock
		}{{rules.Before, rc.Before}, {rules.After, rc.After}, {rules.Async, rc.Async}} {
			perAction := map[string][]*rules.CompiledBlock{}
			for _, b := range ph.blocks {
				names, err := res.expand(b.Actions)
				if err != nil {
					return nil, fmt.Errorf("resource %q: %s %s: %w", rc.Name, ph.phase, strings.Join(b.Actions, " "), err)
				}
				for _, n := range names {
					perAction[n] = append(perAction[n], b)
				}
			}
			for name, a := range res.actions {
				p := rules.NewProgram(ph.phase, perAction[name])
				switch ph.phase {
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
		e.resources = append(e.resources, res)
	}
	sortRoutes(e.routes)
	if err := e.startWebhooks(cfg.Webhooks); err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	return e, nil
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
