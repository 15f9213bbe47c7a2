// Package crud is a Caddy HTTP handler that puts business rules in front of
// an existing REST API: it maps requests to resources and CRUD actions, runs
// before rules on the JSON request, after rules on the JSON response, and
// async rules once the response is written.
package crud

import (
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-crud/caddy-crud/intercept"
)

// Handler is the `crud` HTTP handler (module ID http.handlers.crud). It
// matches each request to a resource and an action, runs the action's
// before rules on the JSON request, hands it to the next handler, runs the
// after rules on the JSON response, and the async rules once the response
// is written. Requests that match no resource pass through untouched.
//
// It sets these placeholders for matched requests:
//
// Placeholder | Description
// ------------|-------------
// `{http.crud.resource}` | the name of the matched resource
// `{http.crud.action}` | the matched action: list, get, create, update, delete or a custom name
// `{http.crud.outcome}` | `passed`, `rejected` (deny, require, 401, 403, 405, a fetch_old 404), `invalid` (422, 400, 413, 415), `error` (a rule runtime error, a 502 on the response); in report mode `would_reject` or `would_invalidate`
type Handler struct {
	// Config holds the resources, limits and modes, read by the engine;
	// its fields are the handler's own JSON fields.
	intercept.Config

	// Identity says who the caller is: a verified JWT, or what an earlier
	// authentication handler set. Without it, `user` is nil.
	Identity *intercept.Identity `json:"identity,omitempty"`

	// OpenAPI derives resources, actions, and request body and parameter
	// validation from an OpenAPI document; declared resources with the same
	// base add their rules to the derived ones.
	OpenAPI *OpenAPI `json:"openapi,omitempty"`

	engine *intercept.Engine
	hooks  *hooks // see UseOutsideServer
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

// Provision builds the identity check and the engine, which compiles every
// resource and rule once.
func (h *Handler) Provision(ctx caddy.Context) error {
	rt := intercept.Runtime{Logger: ctx.Logger(), Metrics: ctx.GetMetricsRegistry()}
	if h.hooks != nil {
		if h.hooks.logger != nil {
			rt.Logger = h.hooks.logger
		}
		rt.WebhookClient = h.hooks.webhooks
	}
	if h.Identity != nil {
		id, err := h.Identity.Provision(rt.Logger)
		if err != nil {
			return fmt.Errorf("identity: %w", err)
		}
		rt.Identity = id
	}
	cfg := h.Config
	if h.OpenAPI != nil {
		derived, err := h.OpenAPI.resources()
		if err != nil {
			return err
		}
		if cfg.Resources, err = withOpenAPI(derived, h.Resources); err != nil {
			return fmt.Errorf("openapi %s: %w", h.OpenAPI.File, err)
		}
	}
	engine, err := intercept.New(cfg, rt)
	if err != nil {
		return err
	}
	h.engine = engine
	return nil
}

// Validate checks the values of the options; New checks them again with
// the resources an OpenAPI document adds.
func (h *Handler) Validate() error {
	if err := h.Config.Validate(); err != nil {
		return err
	}
	if h.OpenAPI != nil {
		return h.OpenAPI.validate()
	}
	return nil
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

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
