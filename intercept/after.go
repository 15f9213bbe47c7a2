package intercept

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-crud/caddy-crud/rules"
)

// after calls next with the response held back when it is 2xx JSON, runs
// the after rules on it, and writes what they leave.
func (x *exchange) after(next caddyhttp.Handler) error {
	x.r.Header.Set("Accept-Encoding", "identity") // ask for a body we can read
	rb := newResponseBuffer(x.w, x.e.cfg.MaxResponse)
	defer rb.release()
	x.in.Response = func() map[string]any { return responseVar(rb.status, x.w.Header()) }

	err := next.ServeHTTP(rb, x.r)
	if !rb.buffering {
		return err // streamed through, or nothing written
	}
	if rb.tooBig {
		return x.badGateway("response larger than max_response", nil)
	}
	if err != nil {
		return err
	}
	h := x.w.Header()
	body := rb.buf.Bytes()
	decoded := false
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		plain := bufferPool.Get().(*bytes.Buffer)
		defer releaseBuffer(plain)
		if err := decodeBody(plain, body, ce, x.e.cfg.MaxResponse); err != nil {
			return x.badGateway("response could not be decoded", err)
		}
		body, decoded = plain.Bytes(), true
	}
	if !gjson.ValidBytes(body) {
		return x.badGateway("response is not valid JSON", nil)
	}

	outp := slicePool.Get().(*[]byte)
	out := (*outp)[:0]
	if cap(out) < len(body) {
		out = make([]byte, 0, len(body)+len(body)/8)
	}
	res, err := x.act.after.RunAfter(&x.in, body, x.res.shape, out)
	defer func() {
		if res.Body != nil {
			out = res.Body
		}
		if cap(out) <= 4<<20 {
			*outp = out[:0]
			slicePool.Put(outp)
		}
	}()
	switch {
	case err != nil:
		if done, herr := x.runtimeError(err); done {
			return herr
		}
		res = rules.AfterResult{} // on_error pass: the response as it came
	case x.report():
		for _, where := range res.Changed {
			x.logReport("would change the response", where)
		}
		if res.Reject != nil {
			x.e.decide(x.r, x.m, outcomeWouldReject)
			x.logReport("would reject the response", res.Reject.Where)
		}
		res = rules.AfterResult{}
	case res.Reject != nil:
		x.e.decide(x.r, x.m, outcomeRejected)
		if ce := x.e.logger.Check(zap.InfoLevel, "response rejected"); ce != nil {
			ce.Write(zap.String("resource", x.res.name), zap.String("action", x.m.route.action),
				zap.String("rule", res.Reject.Where), zap.Int("status", res.Reject.Status))
		}
		writeProblem(x.w, problem{status: res.Reject.Status, detail: res.Reject.Detail})
		return nil
	}
	for _, e := range res.Headers {
		if e.Remove {
			h.Del(e.Name)
		} else {
			h.Set(e.Name, e.Value)
		}
	}
	final := body
	if res.Body != nil {
		final = res.Body
	}
	if res.Body != nil || decoded {
		h.Del("Content-Encoding")
		h.Del("Etag")
		h.Del("Last-Modified")
		h.Del("Accept-Ranges")
	}
	h.Set("Content-Length", strconv.Itoa(len(final)))
	x.w.WriteHeader(rb.status)
	_, err = x.w.Write(final)
	return err
}

// badGateway answers 502 instead of passing on a response the rules could
// not see; the reason goes to the log.
func (x *exchange) badGateway(reason string, err error) error {
	return x.failUpstream(reason, "the upstream response could not be filtered", err)
}

// failUpstream answers 502 with detail; reason and err go to the log.
func (x *exchange) failUpstream(reason, detail string, err error) error {
	fields := []zap.Field{zap.String("resource", x.res.name), zap.String("action", x.m.route.action)}
	if err != nil {
		fields = append(fields, zap.Error(err))
	}
	x.e.logger.Error(reason, fields...)
	x.e.decide(x.r, x.m, outcomeError)
	h := x.w.Header()
	for k := range h {
		delete(h, k)
	}
	writeProblem(x.w, problem{status: http.StatusBadGateway, detail: detail})
	return nil
}

// slicePool holds the buffers filtered bodies are written into.
var slicePool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

func releaseBuffer(b *bytes.Buffer) {
	if b.Cap() <= 4<<20 {
		b.Reset()
		bufferPool.Put(b)
	}
}

// responseVar builds the `response` variable.
func responseVar(status int, h http.Header) map[string]any {
	headers := make(map[string]any, len(h))
	for k, v := range h {
		if len(v) > 0 {
			headers[strings.ToLower(k)] = v[0]
		}
	}
	return map[string]any{"status": status, "headers": headers}
}
