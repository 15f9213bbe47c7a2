package crud

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-crud/caddy-crud/intercept"
)

// config resolves the webhook options (nil: all defaults) into the
// engine's: durable on JetStream unless store is memory.
func (w *WebhookOptions) config() intercept.WebhookConfig {
	if w == nil {
		w = &WebhookOptions{}
	}
	cfg := intercept.WebhookConfig{QueueSize: w.QueueSize, Workers: w.Workers,
		Attempts: w.Attempts, Timeout: time.Duration(w.Timeout), Grace: time.Duration(w.Grace)}
	if w.Store == "memory" {
		return cfg
	}
	js := &intercept.JetStreamConfig{MaxEvents: w.MaxEvents, MaxBytes: w.MaxBytes, Replicas: w.Replicas,
		StoreTimeout: time.Duration(w.StoreTimeout)}
	if n := w.NATS; n != nil {
		repl := caddy.NewReplacer()
		resolve := func(v string) string { return repl.ReplaceKnown(v, "") }
		js.URL, js.Creds, js.NKey = resolve(n.URL), resolve(n.Creds), resolve(n.NKey)
		js.User, js.Password = resolve(n.User), resolve(n.Password)
	} else {
		js.Dir = filepath.Join(caddy.AppDataDir(), "crud", "webhooks")
	}
	cfg.JetStream = js
	return cfg
}

// storeChoice lists the webhook stores.
var storeChoice = intercept.Choice{"jetstream", "memory"}

// validate checks the combinations of webhook options.
func (w *WebhookOptions) validate() error {
	if w == nil {
		return nil
	}
	if err := storeChoice.Check("webhooks: store", w.Store); err != nil {
		return err
	}
	if w.Store == "memory" && (w.NATS != nil || w.MaxEvents != 0 || w.MaxBytes != 0 || w.Replicas != 0 || w.StoreTimeout != 0) {
		return fmt.Errorf("webhooks: nats, max_events, max_bytes, replicas and store_timeout need store jetstream, not memory")
	}
	if w.NATS != nil && w.NATS.URL == "" {
		return fmt.Errorf("webhooks: nats: a server URL is required")
	}
	if w.MaxEvents < 0 || w.MaxBytes < 0 || w.Replicas < 0 || w.StoreTimeout < 0 {
		return fmt.Errorf("webhooks: limits must not be negative")
	}
	return nil
}
