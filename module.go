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

	// Webhooks tunes the delivery of webhook statements.
	Webhooks *WebhookOptions `json:"webhooks,omitempty"`

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
	rt.Webhooks = h.Webhooks.config()
	if h.hooks != nil {
		if h.hooks.logger != nil {
			rt.Logger = h.hooks.logger
		}
		rt.Webhooks.Client = h.hooks.webhooks
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
	if err := h.Webhooks.validate(); err != nil {
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
