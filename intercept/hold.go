package intercept

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// holdsEvents reports whether this exchange's response waits until its
// webhook events are stored: with a durable store, for an action whose
// async rules may send webhooks, out of report mode.
func (x *exchange) holdsEvents() bool {
	return x.act.hooks && x.e.webhooks != nil && x.e.webhooks.durable() && !x.report()
}

// serveHeld calls next for an action with async rules and no after rules,
// holding a 2xx response back until its events are stored.
func (x *exchange) serveHeld(next caddyhttp.Handler) error {
	rb := newResponseBuffer(x.w, x.e.cfg.MaxResponse, nil) // hold mode
	rb.events = true
	defer rb.release()
	x.in.Response = func() map[string]any { return responseVar(rb.status, x.w.Header()) }
	err, aborted := x.callNext(next, rb)
	if !rb.buffering {
		if aborted {
			panic(http.ErrAbortHandler) // streamed: not ours to mend
		}
		if err == nil {
			x.runAsync(rb.status, nil) // not 2xx, a stream, or larger than max_response
		}
		return err
	}
	if aborted {
		return x.badGateway("upstream response incomplete", nil)
	}
	if err != nil {
		return err
	}
	raw := rb.buf.Bytes()
	body := raw
	h := x.w.Header()
	if !IsJSON(h.Get("Content-Type")) {
		body = nil
	} else if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		plain := bufferPool.Get().(*bytes.Buffer)
		defer releaseBuffer(plain)
		body = nil
		if decodeBody(plain, raw, ce, x.e.cfg.MaxResponse) == nil {
			body = plain.Bytes()
		}
	}
	return x.writeHeld(rb.status, raw, body)
}

// writeHeld stores the events of a held 2xx response whose client body is
// eventBody, then writes raw; when they cannot be stored the client gets
// 503 instead.
func (x *exchange) writeHeld(status int, raw, eventBody []byte) error {
	if err := x.storeEvents(status, eventBody); err != nil {
		return x.unstored(err)
	}
	x.w.WriteHeader(status)
	if len(raw) == 0 {
		return nil
	}
	_, err := x.w.Write(raw)
	return err
}

// unstored answers 503: the request's webhook events cannot be stored, so
// its response is not given (fail closed). Before the upstream was called
// nothing changed; after, the change was made and the client may retry.
func (x *exchange) unstored(err error) error {
	x.e.logger.Error("webhook events could not be stored; answering 503", zap.String("resource", x.res.name),
		zap.String("action", x.act.name), zap.Error(err))
	x.decide(outcomeError)
	clearUpstreamHeaders(x.w.Header())
	return x.e.refuse(x.w, x.r, problem{status: http.StatusServiceUnavailable,
		detail: "the webhook event could not be stored"})
}
