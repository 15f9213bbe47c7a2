package crudtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/zap"
)

// tokenSecret signs the tokens the runner makes for a case's caller: a
// jwt identity is tested with this secret in place of the configured
// secret or key, so no real secret is needed.
const tokenSecret = "crudtest: callers of test cases are signed with this secret"

// outsideServer is the crud handler's hook for running in process.
type outsideServer interface {
	UseOutsideServer(logger *zap.Logger, client *http.Client)
}

// instance is a provisioned crud handler.
type instance struct {
	handler caddyhttp.MiddlewareHandler
	cancel  context.CancelFunc
	module  caddy.Module
	jwt     *jwtSettings // the configured jwt identity, nil when none
}

// jwtSettings are the claims a token needs to pass the configured check.
type jwtSettings struct {
	Issuer   string `json:"issuer"`
	Audience string `json:"audience"`
}

// provision builds the handler from its JSON config, logging to logger
// and sending webhooks through client.
func (h *handlerConfig) provision(logger *zap.Logger, client *http.Client) (*instance, error) {
	mod, err := caddy.GetModule("http.handlers.crud")
	if err != nil {
		return nil, err
	}
	raw, jwtCfg, err := forTesting(h.raw)
	if err != nil {
		return nil, err
	}
	m := mod.New()
	if err := caddy.StrictUnmarshalJSON(raw, m); err != nil {
		return nil, err
	}
	hook, ok := m.(outsideServer)
	if !ok {
		return nil, errors.New("this crud handler cannot run outside a server")
	}
	hook.UseOutsideServer(logger, client)
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	inst := &instance{module: m, cancel: cancel, jwt: jwtCfg}
	if p, ok := m.(caddy.Provisioner); ok {
		if err := p.Provision(ctx); err != nil {
			cancel()
			return nil, err
		}
	}
	if v, ok := m.(caddy.Validator); ok {
		if err := v.Validate(); err != nil {
			inst.cleanup()
			return nil, err
		}
	}
	inst.handler = m.(caddyhttp.MiddlewareHandler)
	return inst, nil
}

// cleanup lets queued webhooks be delivered (to the capture) and frees
// the handler.
func (i *instance) cleanup() {
	if c, ok := i.module.(caddy.CleanerUpper); ok {
		_ = c.Cleanup()
	}
	i.cancel()
}

// forTesting rewrites a handler config for the runner: a jwt identity
// verifies tokens signed with tokenSecret, and webhooks go to the
// in-process queue (nothing is stored across cases or runs) and are
// delivered by one worker, once each, so they are captured in the order
// queued.
func forTesting(raw json.RawMessage) (json.RawMessage, *jwtSettings, error) {
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, nil, err
	}
	var settings *jwtSettings
	if id, ok := cfg["identity"].(map[string]any); ok {
		if j, ok := id["jwt"].(map[string]any); ok {
			settings = &jwtSettings{}
			settings.Issuer, _ = j["issuer"].(string)
			settings.Audience, _ = j["audience"].(string)
			delete(j, "public_key")
			j["secret"] = tokenSecret
		}
	}
	wh, _ := cfg["webhooks"].(map[string]any)
	if wh == nil {
		wh = map[string]any{}
	}
	for _, k := range []string{"nats", "max_events", "max_bytes", "replicas", "store_timeout"} {
		delete(wh, k)
	}
	wh["store"], wh["workers"], wh["attempts"] = "memory", 1, 1
	cfg["webhooks"] = wh
	out, err := json.Marshal(cfg)
	return out, settings, err
}

// token signs the caller's claims for the jwt identity: `sub` is the
// claims' `id` unless given.
func (j *jwtSettings) token(claims map[string]any) (string, error) {
	c := jwt.MapClaims{}
	for k, v := range claims {
		c[k] = v
	}
	if _, ok := c["sub"]; !ok {
		if id, ok := c["id"]; ok {
			c["sub"] = fmt.Sprint(id)
		}
	}
	if j.Issuer != "" {
		if _, ok := c["iss"]; !ok {
			c["iss"] = j.Issuer
		}
	}
	if j.Audience != "" {
		if _, ok := c["aud"]; !ok {
			c["aud"] = j.Audience
		}
	}
	if _, ok := c["exp"]; !ok {
		c["exp"] = time.Now().Add(time.Hour).Unix()
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(tokenSecret))
}

// webhookCapture is the client webhooks are "sent" with: it keeps each
// event and answers 204, so nothing leaves the process.
type webhookCapture struct {
	mu     sync.Mutex
	events []Webhook
}

// Webhook is one event the handler queued.
type Webhook struct {
	URL  string          `json:"url"`
	Body json.RawMessage `json:"body"`
}

func (c *webhookCapture) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.events = append(c.events, Webhook{URL: r.URL.String(), Body: b})
	c.mu.Unlock()
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Header: http.Header{},
		Request: r, ProtoMajor: 1, ProtoMinor: 1, Proto: "HTTP/1.1"}, nil
}

func (c *webhookCapture) taken() []Webhook {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Webhook(nil), c.events...)
}
