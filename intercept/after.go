package intercept

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-crud/caddy-crud/rules"
)

// after calls next with the response held back when it is 2xx JSON, runs
// the after rules on it, and writes what they leave.
func (x *exchange) after(next caddyhttp.Handler) error {
	x.phase = "after"
	h := x.r.Header
	h.Set("Accept-Encoding", "identity") // ask for a body we can read
	h.Del("Range")                       // and for all of it: a part cannot be filtered
	h.Del("If-Range")
	if !x.res.cfg.NonJSONPass && !acceptsOnlyJSON(h.Values("Accept")) {
		h.Set("Accept", "application/json") // and for JSON, not a page or a feed
	}
	rb := newResponseBuffer(x.w, x.e.cfg.MaxResponse, x.notJSON)
	rb.events = x.holdsEvents()
	defer rb.release()
	x.in.Response = func() map[string]any { return responseVar(rb.status, x.w.Header()) }

	err, aborted := x.callNext(next, rb)
	if rb.refused {
		return nil // answered by notJSON
	}
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
	h = x.w.Header()
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
		if rb.events {
			return x.writeHeld(rb.status, rb.buf.Bytes(), nil)
		}
		x.w.WriteHeader(rb.status) // an empty 2xx body has nothing to filter
		if _, err := x.w.Write(rb.buf.Bytes()); err != nil {
			return err
		}
		x.runAsync(rb.status, nil)
		return nil
	}
	if rb.sniffing { // labelled otherwise, and undecided until decoded
		if c, _ := firstOf(body); c != '{' && c != '[' {
			if !x.notJSON("response is not JSON", false) {
				return nil
			}
			x.w.WriteHeader(rb.status)
			_, err := x.w.Write(rb.buf.Bytes())
			return err
		}
	}
	outp := slicePool.Get().(*[]byte)
	out := (*outp)[:0]
	if cap(out) < len(body) {
		out = make([]byte, 0, len(body)+len(body)/8)
	}
	start := time.Now()
	shape := x.res.shape
	shape.List = x.act.name == "list"
	res, err := x.act.after.RunAfter(&x.in, body, shape, out)
	if err != rules.ErrMalformed && err != rules.ErrNoRecords { // the rules saw no response
		x.e.metrics.afterDuration.Observe(time.Since(start).Seconds())
	}
	if err == nil && x.act.after.ChecksResponses() {
		var m *rules.ResponseMismatch
		if m, err = x.act.after.CheckResponse(rb.status, body); m != nil && x.mismatch(m) {
			return x.badGateway("response does not match its schema", nil)
		}
	}
	defer func() {
		if res.Body != nil {
			out = res.Body
		}
		if cap(out) <= maxPooledBuffer {
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
	case err == rules.ErrNoRecords:
		if x.report() {
			return x.passHeldBack(rb, "list response without an array at the records path")
		}
		return x.badGateway("list response without an array at the records path", nil)
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
		x.e.metrics.filteredCounts(x.res, true, res.Hidden, res.Dropped, res.Masked, res.Redacted)
		res = rules.AfterResult{}
	case res.Reject != nil:
		x.settle(outcomeRejected)
		if ce := x.e.logger.Check(zap.InfoLevel, "response rejected"); ce != nil {
			ce.Write(zap.String("resource", x.res.name), zap.String("action", x.act.name),
				zap.String("rule", res.Reject.Where), zap.Int("status", res.Reject.Status))
		}
		clearUpstreamHeaders(h)
		writeProblem(x.w, problem{status: res.Reject.Status, detail: res.Reject.Detail})
		return nil
	}
	if err == nil && !x.report() {
		x.settle(outcomePassed)
		x.e.metrics.filteredCounts(x.res, false, res.Hidden, res.Dropped, res.Masked, res.Redacted)
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
	if rb.events {
		if err := x.storeEvents(rb.status, final); err != nil {
			return x.unstored(err)
		}
	}
	h.Set("Content-Length", lengthText(len(final)))
	x.w.WriteHeader(rb.status)
	if _, err = x.w.Write(final); err != nil {
		return err
	}
	if !rb.events {
		x.runAsync(rb.status, final)
	}
	return nil
}

// notJSON decides on a 2xx answer that is not JSON (or is a 206): with
// non_json pass it streams through (not a 206); in report mode it passes,
// logged; else the client gets a 502 at once, logged, and the rest of the
// upstream's answer is discarded.
func (x *exchange) notJSON(reason string, partial bool) bool {
	if x.res.cfg.NonJSONPass && !partial {
		return true
	}
	if x.report() {
		x.settle(outcomeWouldReject)
		x.logReport("would answer 502: "+reason, "")
		return true
	}
	x.badGateway(reason, nil)
	_ = http.NewResponseController(x.w).Flush() // a stream's client need not wait for it to end
	return false
}

// badGateway answers 502 instead of passing on a response the rules could
// not see; the reason goes to the log.
func (x *exchange) badGateway(reason string, err error) error {
	return x.failUpstream(reason, "the upstream response could not be filtered", err)
}

// failUpstream answers 502 with detail; reason and err go to the log.
func (x *exchange) failUpstream(reason, detail string, err error) error {
	fields := []zap.Field{zap.String("resource", x.res.name), zap.String("action", x.act.name)}
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

// mismatch logs and counts a response that does not match its schema, and
// reports whether it must not reach the client.
func (x *exchange) mismatch(m *rules.ResponseMismatch) bool {
	x.e.metrics.mismatches.WithLabelValues(x.res.name, x.act.name).Inc()
	if ce := x.e.logger.Check(zap.WarnLevel, "response does not match its schema"); ce != nil {
		fields := make([]string, len(m.Errors))
		for i, e := range m.Errors {
			fields[i] = e.Pointer + ": " + e.Message
		}
		ce.Write(zap.String("resource", x.res.name), zap.String("action", x.act.name),
			zap.String("rule", m.Where), zap.Strings("errors", fields), zap.Bool("enforced", m.Enforce && !x.report()))
	}
	return m.Enforce && !x.report()
}
