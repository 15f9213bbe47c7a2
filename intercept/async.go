package intercept

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/google/uuid"
	"github.com/tidwall/gjson"
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
	var target gjson.Result
	if len(bytes.TrimSpace(body)) > 0 && rules.ValidJSON(body) {
		target = rules.Records(body, x.res.shape.Records)
	}
	var record, whole any
	if target.IsObject() {
		record = rules.Decode([]byte(target.Raw))
	}
	if x.act.async.Reads("body") && len(body) > 0 {
		whole = rules.Decode(body)
	}
	x.phase = "async"
	hooks, err := x.act.async.RunAsync(&x.in, record, whole)
	if err != nil {
		x.e.logger.Error("rule failed", zap.String("resource", x.res.name),
			zap.String("action", x.m.route.action), zap.String("phase", "async"), zap.Error(err))
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
	var event []byte // built once, for every webhook that sends it
	events := make([]delivery, 0, len(hooks))
	for _, h := range hooks {
		id := uuid.NewString()
		payload := h.Body
		if payload == nil {
			if event == nil {
				event = x.event(target)
			}
			payload = withEventID(event, id)
		}
		events = append(events, delivery{URL: h.URL, EventID: id, Body: payload, Where: h.Where, Secret: h.Secret})
	}
	// the change is made upstream: store even if the client has gone
	return x.e.webhooks.store(context.WithoutCancel(x.r.Context()), events)
}

// eventIDMark stands for the id in a built event, so one event serves
// several webhooks that each need their own id.
const eventIDMark = `"id":"\u0000"`

// event builds the default webhook payload.
func (x *exchange) event(target gjson.Result) []byte {
	b := make([]byte, 0, 256+len(target.Raw))
	b = append(b, '{')
	b = append(b, eventIDMark...)
	b = append(b, `,"resource":`...)
	b = rules.AppendString(b, x.res.name)
	b = append(b, `,"action":`...)
	b = rules.AppendString(b, x.m.route.action)
	b = append(b, `,"params":`...)
	params := map[string]any{}
	for k, v := range x.params() {
		params[k] = v
	}
	b, _ = rules.AppendJSON(b, params)
	b = append(b, `,"records":`...)
	switch {
	case target.IsArray():
		b = append(b, target.Raw...)
	case target.IsObject():
		b = append(b, '[')
		b = append(b, target.Raw...)
		b = append(b, ']')
	default:
		b = append(b, "[]"...)
	}
	b = append(b, `,"old":`...)
	b = append(b, x.oldAsReadable()...)
	b = append(b, `,"user":`...)
	var userID any
	if u, ok := x.in.User.(map[string]any); ok {
		userID = u["id"]
	}
	b, _ = rules.AppendJSON(b, userID)
	b = append(b, `,"request_id":`...)
	b = rules.AppendString(b, x.placeholder("{http.request.uuid}"))
	b = append(b, `,"time":`...)
	b = rules.AppendString(b, time.Now().UTC().Format(time.RFC3339Nano))
	return append(b, '}')
}

// withEventID copies the event with its id filled in.
func withEventID(event []byte, id string) []byte {
	i := bytes.Index(event, []byte(eventIDMark))
	out := make([]byte, 0, len(event)+len(id))
	out = append(out, event[:i]...)
	out = append(out, `"id":`...)
	out = rules.AppendString(out, id)
	return append(out, event[i+len(eventIDMark):]...)
}

// oldAsReadable is the old record less what the get action's after rules
// remove for this caller: a webhook never carries a field the caller could
// not read. null when there is no old record or get would not show it.
func (x *exchange) oldAsReadable() []byte {
	if x.in.Old == nil {
		return []byte("null")
	}
	raw, err := rules.AppendJSON(nil, x.in.Old)
	if err != nil {
		return []byte("null")
	}
	get := x.res.actions["get"]
	if get == nil || get.after.Empty() {
		return raw
	}
	in := x.in
	in.Action = "get"
	res, err := get.after.RunAfter(&in, raw, rules.Shape{}, nil)
	switch {
	case err != nil || res.Reject != nil:
		return []byte("null")
	case res.Body != nil:
		return res.Body
	}
	return raw
}

// startWebhooks starts the store when some rule sends webhooks: durable
// on JetStream when configured, the in-process queue otherwise.
func (e *Engine) startWebhooks(cfg WebhookConfig) error {
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
