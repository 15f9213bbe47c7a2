package intercept

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-crud/caddy-crud/rules"
)

// tee passes a response through untouched while keeping its status and,
// for JSON, a copy of its body (up to max) for the async rules.
type tee struct {
	*caddyhttp.ResponseWriterWrapper
	status int
	json   bool
	buf    *bytes.Buffer
	max    int64
	over   bool
}

func newTee(w http.ResponseWriter, max int64) *tee {
	return &tee{ResponseWriterWrapper: &caddyhttp.ResponseWriterWrapper{ResponseWriter: w}, max: max}
}

func (t *tee) WriteHeader(status int) {
	if t.status == 0 && status >= 200 {
		t.status = status
		t.json = IsJSON(t.Header().Get("Content-Type"))
	}
	t.ResponseWriterWrapper.WriteHeader(status)
}

func (t *tee) Write(p []byte) (int, error) {
	if t.status == 0 {
		t.WriteHeader(http.StatusOK)
	}
	if t.json && !t.over {
		if t.buf == nil {
			t.buf = bufferPool.Get().(*bytes.Buffer)
		}
		if int64(t.buf.Len()+len(p)) > t.max {
			t.over = true
		} else {
			t.buf.Write(p)
		}
	}
	return t.ResponseWriterWrapper.Write(p)
}

// ReadFrom keeps io.Copy going through Write, so the copy sees the body.
func (t *tee) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{t}, r)
}

func (t *tee) FlushError() error {
	return http.NewResponseController(t.ResponseWriterWrapper).Flush()
}

// body is what the client received, decoded, or nil when it was not JSON,
// too big, or could not be decoded.
func (t *tee) body() []byte {
	if t.buf == nil || t.over {
		return nil
	}
	ce := t.Header().Get("Content-Encoding")
	if ce == "" || strings.EqualFold(ce, "identity") {
		return t.buf.Bytes()
	}
	var plain bytes.Buffer
	if err := decodeBody(&plain, t.buf.Bytes(), ce, t.max); err != nil {
		return nil
	}
	return plain.Bytes()
}

func (t *tee) release() {
	if t.buf != nil {
		releaseBuffer(t.buf)
		t.buf = nil
	}
}

// runAsync runs the async rules once the response is written: only for
// 2xx, after a flush so the client already has its answer. Webhooks go to
// the store; nothing here can change the response. A durable store's
// failure can only be logged here (see storeEvents).
func (x *exchange) runAsync(status int, body []byte) {
	if x.act.async.Empty() || status < 200 || status > 299 {
		return
	}
	_ = http.NewResponseController(x.w).Flush()
	_ = x.storeEvents(status, body)
}

// storeEvents runs the async rules of a 2xx response with body (what the
// client receives) and stores the webhook events they send. It fails only
// when a durable store could not store them.
func (x *exchange) storeEvents(status int, body []byte) error {
	if x.act.async.Empty() || status < 200 || status > 299 {
		return nil
	}
	x.phase = "async"
	hooks, err := x.act.async.RunAsync(&x.in, body, &rules.AsyncInput{Records: x.res.shape.Records,
		Params: x.params, RequestID: x.requestID, Report: x.report()})
	if err != nil {
		x.e.logger.Error("rule failed", zap.String("resource", x.res.name),
			zap.String("action", x.act.name), zap.String("phase", "async"), zap.Error(err))
	}
	if len(hooks) == 0 || x.e.webhooks == nil {
		return nil
	}
	if x.report() {
		for _, h := range hooks {
			x.logReport("would send a webhook", h.Where)
		}
		return nil
	}
	events := make([]delivery, len(hooks))
	for i, h := range hooks {
		events[i] = delivery(h)
	}
	// the change is made upstream: store even if the client has gone
	return x.e.webhooks.store(context.WithoutCancel(x.r.Context()), events)
}

// requestID is the request's id, as {http.request.uuid} gives it.
func (x *exchange) requestID() string { return x.placeholder("{http.request.uuid}") }

// startWebhooks starts the store when some rule sends webhooks: durable
// on JetStream when configured, the in-process queue otherwise.
func (e *Engine) startWebhooks(cfg webhookSettings) error {
	for _, r := range e.resources {
		for _, a := range r.actions {
			if !a.hooks {
				continue
			}
			stats := &webhookStats{m: e.metrics}
			stats.q = stats // this store's key in the shared gauge, set before it runs
			logger := e.logger.Named("webhook")
			if cfg.JetStream == nil {
				e.webhooks = newWebhookQueue(cfg, logger, stats)
				return nil
			}
			// a worker signs events stored before a restart with the
			// secrets of the config it runs
			for _, r := range e.resources {
				for _, a := range r.actions {
					for _, secret := range a.async.Secrets() {
						rememberSecret(secret)
					}
				}
			}
			s, err := newJSStore(cfg, logger, stats)
			if err != nil {
				return err
			}
			e.webhooks = s
			return nil
		}
	}
	return nil
}

// Close stops webhook delivery: pending deliveries get the grace period.
func (e *Engine) Close() {
	if e.webhooks != nil {
		e.webhooks.close()
	}
}
