package intercept

import (
	"errors"
	"net/http"
	"path/filepath"
	"time"

	"github.com/caddyserver/caddy/v2"
)

// WebhookConfig tunes webhook delivery (the handler's `webhooks` field).
// Deliveries run in the background: a slow or dead receiver never slows
// the API. By default events are durable: each is stored in NATS
// JetStream (an embedded server, or the cluster named by NATS) before the
// client's response is written, and delivered at least once.
type WebhookConfig struct {
	// Store is where accepted events wait for delivery: `jetstream`
	// (default: durable, at-least-once) or `memory` (an in-process queue;
	// lossy: a crash, a restart or a reload that outlasts Grace loses
	// what is queued).
	Store string `json:"store,omitempty"`

	// NATS is the external NATS (JetStream) cluster to store events in,
	// shared by every gateway that names it. Default: an embedded server,
	// without a network listener, storing under Caddy's data directory.
	NATS *NATSConfig `json:"nats,omitempty"`

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

// NATSConfig names an external NATS server or cluster. Every value may hold
// placeholders, e.g. {env.NATS_PASSWORD}, resolved when the config loads.
type NATSConfig struct {
	// URL is the server, or several comma-separated servers of one
	// cluster, e.g. nats://nats-1:4222,nats://nats-2:4222. Required.
	URL string `json:"url"`

	// Creds is a NATS credentials file (a user JWT and its nkey seed).
	// Default: none.
	Creds string `json:"creds,omitempty"`

	// NKey is a file holding an nkey seed. Default: none.
	NKey string `json:"nkey,omitempty"`

	// User logs in with a user name, with Password. Default: none.
	User string `json:"user,omitempty"`

	// Password is User's password. Default: none.
	Password string `json:"password,omitempty"`
}

// StoreChoice lists the webhook stores.
var StoreChoice = Choice{"jetstream", "memory"}

// Validate checks the combinations of the webhook options; nil is the
// defaults.
func (w *WebhookConfig) Validate() error {
	if w == nil {
		return nil
	}
	if err := StoreChoice.Check("webhooks: store", w.Store); err != nil {
		return err
	}
	if w.Store == "memory" && (w.NATS != nil || w.MaxEvents != 0 || w.MaxBytes != 0 || w.Replicas != 0 || w.StoreTimeout != 0) {
		return errors.New("webhooks: nats, max_events, max_bytes, replicas and store_timeout need store jetstream, not memory")
	}
	if w.NATS != nil && w.NATS.URL == "" {
		return errors.New("webhooks: nats: a server URL is required")
	}
	if w.MaxEvents < 0 || w.MaxBytes < 0 || w.Replicas < 0 || w.StoreTimeout < 0 {
		return errors.New("webhooks: limits must not be negative")
	}
	return nil
}

// settings resolves the options (nil: all defaults) into what the store
// runs with: durable on JetStream unless store is memory, the NATS values'
// placeholders replaced, the embedded server's directory under Caddy's
// data directory. client sends the events (nil: a client of its own).
func (w *WebhookConfig) settings(client *http.Client) webhookSettings {
	if w == nil {
		w = &WebhookConfig{}
	}
	s := webhookSettings{QueueSize: w.QueueSize, Workers: w.Workers, Attempts: w.Attempts,
		Timeout: time.Duration(w.Timeout), Grace: time.Duration(w.Grace), Client: client}
	if w.Store == "memory" {
		return s
	}
	js := &jetStreamSettings{MaxEvents: w.MaxEvents, MaxBytes: w.MaxBytes, Replicas: w.Replicas,
		StoreTimeout: time.Duration(w.StoreTimeout)}
	if n := w.NATS; n != nil {
		repl := caddy.NewReplacer()
		resolve := func(v string) string { return repl.ReplaceKnown(v, "") }
		js.URL, js.Creds, js.NKey = resolve(n.URL), resolve(n.Creds), resolve(n.NKey)
		js.User, js.Password = resolve(n.User), resolve(n.Password)
	} else {
		js.Dir = filepath.Join(caddy.AppDataDir(), "crud", "webhooks")
	}
	s.JetStream = js
	return s
}
