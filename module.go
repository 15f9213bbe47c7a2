// Package crud is a Caddy HTTP handler that puts business rules in front of
// an existing REST API: it maps requests to resources and CRUD actions, runs
// before rules on the JSON request, after rules on the JSON response, and
// async rules once the response is written.
package crud

import (
	"net/http"

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

// Provision compiles the resources and their rules.
func (h *Handler) Provision(ctx caddy.Context) error {
	return nil
}

// ServeHTTP implements caddyhttp.MiddlewareHandler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	return next.ServeHTTP(w, r)
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
