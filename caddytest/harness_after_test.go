package caddytest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// The after phase's canned upstream, and the headers a filtered or passed
// response must carry.

// afterReply is one canned upstream answer.
type afterReply struct {
	status int      // 200 when 0
	header []string // "Name: value" lines, set over afterHeaders; "Name:" sends no such header
	body   string   // written in one piece, unless chunks is set
	chunks []string // written one by one, each flushed
}

// afterHeaders are the headers every canned answer carries unless its
// reply overrides them: validators and ranges that must go when the body
// changes, and one header that must survive a rewrite.
var afterHeaders = []string{
	"Content-Type: application/json",
	`Etag: "v1"`,
	"Last-Modified: Mon, 02 Jan 2006 15:04:05 GMT",
	"Accept-Ranges: bytes",
	"X-Upstream: kept",
}

// afterUpstream answers from replies, looked up by "METHOD uri", uri,
// "METHOD path", then path (uri is the path with its query).
func afterUpstream(t *testing.T, replies map[string]afterReply) *upstream {
	t.Helper()
	return newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		var (
			rep afterReply
			ok  bool
		)
		for _, key := range []string{r.Method + " " + r.URL.RequestURI(), r.URL.RequestURI(), r.Method + " " + r.URL.Path, r.URL.Path} {
			if rep, ok = replies[key]; ok {
				break
			}
		}
		if !ok {
			t.Errorf("upstream: no reply for %s %s", r.Method, r.URL.RequestURI())
			http.Error(w, "no reply", http.StatusTeapot)
			return
		}
		h := w.Header()
		for _, line := range append(append([]string(nil), afterHeaders...), rep.header...) {
			name, value, _ := strings.Cut(line, ":")
			if value = strings.TrimSpace(value); value == "" {
				h[http.CanonicalHeaderKey(strings.TrimSpace(name))] = nil // not even sniffed
				continue
			}
			h.Set(strings.TrimSpace(name), value)
		}
		status := rep.status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		if rep.chunks == nil {
			_, _ = io.WriteString(w, rep.body)
			return
		}
		for _, c := range rep.chunks {
			_, _ = io.WriteString(w, c)
			_ = http.NewResponseController(w).Flush()
		}
	})
}

// afterChanged asserts a body the after rules rewrote: exact status and
// body, a matching Content-Length, no validator, range or encoding header
// of the upstream's body, and the upstream's other headers kept.
func afterChanged(t *testing.T, r response, status int, body string) {
	t.Helper()
	r.expect(t, status, body)
	afterLength(t, r)
	afterGone(t, r, "Etag", "Last-Modified", "Accept-Ranges", "Content-Encoding")
	afterHas(t, r, "X-Upstream: kept")
	if !json.Valid([]byte(body)) {
		t.Fatalf("the client got invalid JSON: %s", body)
	}
}

// afterPassed asserts a body passed on as the upstream sent it: exact
// status and body, and the upstream's headers (validators included) kept.
func afterPassed(t *testing.T, r response, status int, body string) {
	t.Helper()
	r.expect(t, status, body)
	afterHas(t, r, `Etag: "v1"`, "Last-Modified: Mon, 02 Jan 2006 15:04:05 GMT", "Accept-Ranges: bytes", "X-Upstream: kept")
	if status != http.StatusNoContent && status != http.StatusNotModified {
		afterLength(t, r)
	}
}

// afterProblem asserts a problem document that replaced the upstream's
// response.
func afterProblem(t *testing.T, r response, status int, detail string) {
	t.Helper()
	r.expect(t, status, problemJSON(status, detail))
	afterLength(t, r)
	afterGone(t, r, "Etag", "Last-Modified", "Accept-Ranges", "Content-Encoding")
	afterHas(t, r, "Content-Type: application/problem+json")
}

// afterBadGateway is the exact answer to a response that could not be
// filtered.
func afterBadGateway(t *testing.T, r response) {
	t.Helper()
	afterProblem(t, r, http.StatusBadGateway, "the upstream response could not be filtered")
}

// afterRuleFailed is the exact answer to an after rule that could not be
// evaluated.
func afterRuleFailed(t *testing.T, r response) {
	t.Helper()
	afterProblem(t, r, http.StatusInternalServerError, "a rule could not be evaluated")
}

func afterLength(t *testing.T, r response) {
	t.Helper()
	if cl := r.Header.Get("Content-Length"); cl != strconv.Itoa(len(r.Body)) {
		t.Fatalf("Content-Length %q, body %d bytes", cl, len(r.Body))
	}
}

// afterHas asserts "Name: value" headers of the client's response.
func afterHas(t *testing.T, r response, headers ...string) {
	t.Helper()
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		if got := r.Header.Get(name); got != strings.TrimSpace(value) {
			t.Fatalf("header %s = %q, want %q (headers %v)", name, got, strings.TrimSpace(value), r.Header)
		}
	}
}

// afterGone asserts that the client's response has none of names.
func afterGone(t *testing.T, r response, names ...string) {
	t.Helper()
	for _, name := range names {
		if v := r.Header.Values(name); len(v) > 0 {
			t.Fatalf("header %s = %q, want none", name, v)
		}
	}
}
