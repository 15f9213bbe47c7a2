package intercept

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-crud/caddy-crud/rules"
)

// after calls next with the response held back when it is 2xx JSON, runs
// the after rules on it, and writes what they leave.
func (x *exchange) after(next caddyhttp.Handler) error {
	x.phase = "after"
	x.r.Header.Set("Accept-Encoding", "identity") // ask for a body we can read
	rb := newResponseBuffer(x.w, x.e.cfg.MaxResponse)
	rb.hold = x.holdsEvents()
	defer rb.release()
	x.in.Response = func() map[string]any { return responseVar(rb.status, x.w.Header()) }

	err, aborted := x.callNext(next, rb)
	if !rb.buffering {
		if aborted {
			panic(http.ErrAbortHandler) // streamed: not ours to mend
		}
		if err == nil {
			x.runAsync(rb.status, nil)
		}
		return err // streamed through, or nothing written
	}
	if rb.tooBig {
		return x.badGateway("response larger than max_response", nil)
	}
	if aborted {
		return x.badGateway("upstream response incomplete", nil)
	}
	if err != nil {
		return err
	}
	if !rb.filter { // held only until its events are stored: not JSON, or no body
		return x.writeHeld(rb.status, rb.buf.Bytes(), nil)
	}
	h := x.w.Header()
	body := rb.buf.Bytes()
	decoded := false
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		plain := bufferPool.Get().(*bytes.Buffer)
		defer releaseBuffer(plain)
		if err := decodeBody(plain, body, ce, x.e.cfg.MaxResponse); err != nil {
			if x.report() {
				return x.passHeldBack(rb, "response could not be decoded")
			}
			return x.badGateway("response could not be decoded", err)
		}
		body, decoded = plain.Bytes(), true
	}
	if len(bytes.TrimSpace(body)) == 0 {
		x.settle(outcomePassed)
		if rb.hold {
			return x.writeHeld(rb.status, nil, nil)
		}
		x.w.WriteHeader(rb.status) // an empty 2xx body has nothing to filter
		x.runAsync(rb.status, nil)
		return nil
	}
	outp := slicePool.Get().(*[]byte)
	out := (*outp)[:0]
	if cap(out) < len(body) {
		out = make([]byte, 0, len(body)+len(body)/8)
	}
	start := time.Now()
	res, err := x.act.after.RunAfter(&x.in, body, x.res.shape, out)
	if err != rules.ErrMalformed { // the rules saw no response
		x.e.metrics.duration.WithLabelValues("after").Observe(time.Since(start).Seconds())
	}
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
	case err == rules.ErrMalformed: // validated while filtering
		if x.report() {
			return x.passHeldBack(rb, "response is not valid JSON")
		}
		return x.badGateway("response is not valid JSON", nil)
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
			x.settle(outcomeWouldReject)
			x.logReport("would reject the response", res.Reject.Where)
		} else {
			x.settle(outcomePassed)
		}
		x.e.metrics.filtered.WithLabelValues(x.res.name, "would_hide").Add(float64(res.Hidden))
		x.e.metrics.filtered.WithLabelValues(x.res.name, "would_drop").Add(float64(res.Dropped))
		res = rules.AfterResult{}
	case res.Reject != nil:
		x.settle(outcomeRejected)
		if ce := x.e.logger.Check(zap.InfoLevel, "response rejected"); ce != nil {
			ce.Write(zap.String("resource", x.res.name), zap.String("action", x.m.route.action),
				zap.String("rule", res.Reject.Where), zap.Int("status", res.Reject.Status))
		}
		clearUpstreamHeaders(h)
		writeProblem(x.w, problem{status: res.Reject.Status, detail: res.Reject.Detail})
		return nil
	}
	if err == nil && !x.report() {
		x.settle(outcomePassed)
		x.e.metrics.filtered.WithLabelValues(x.res.name, "hidden").Add(float64(res.Hidden))
		x.e.metrics.filtered.WithLabelValues(x.res.name, "dropped").Add(float64(res.Dropped))
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
	if rb.hold {
		if err := x.storeEvents(rb.status, final); err != nil {
			return x.unstored(err)
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(final)))
	x.w.WriteHeader(rb.status)
	if _, err = x.w.Write(final); err != nil {
		return err
	}
	if !rb.hold {
		x.runAsync(rb.status, final)
	}
	return nil
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
	x.settle(outcomeError)
	clearUpstreamHeaders(x.w.Header())
	writeProblem(x.w, problem{status: http.StatusBadGateway, detail: detail})
	return nil
}

// passHeldBack writes the held-back response as it came: in report mode a
// response the rules cannot read is logged, not refused.
func (x *exchange) passHeldBack(rb *responseBuffer, reason string) error {
	x.settle(outcomeWouldReject)
	x.logReport("would answer 502: "+reason, "")
	x.w.WriteHeader(rb.status)
	_, err := x.w.Write(rb.buf.Bytes())
	return err
}

// callNext runs next into the buffer. reverse_proxy aborts a response it
// cannot finish with panic(http.ErrAbortHandler); while the response is
// held back nothing has reached the client, so that becomes a 502 instead.
func (x *exchange) callNext(next caddyhttp.Handler, rb *responseBuffer) (err error, aborted bool) {
	defer func() {
		if rec := recover(); rec != nil {
			if rec != http.ErrAbortHandler {
				panic(rec)
			}
			aborted = true
		}
	}()
	return next.ServeHTTP(rb, x.r), false
}

// clearUpstreamHeaders removes what described the upstream's answer when
// the client gets a problem instead: validators, caching, cookies, ranges.
func clearUpstreamHeaders(h http.Header) {
	for _, name := range []string{"Set-Cookie", "Expires", "Age", "Etag", "Last-Modified",
		"Accept-Ranges", "Content-Range", "Content-Encoding", "Content-Language", "Content-Location", "Location"} {
		h.Del(name)
	}
	h.Set("Cache-Control", "no-store")
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
