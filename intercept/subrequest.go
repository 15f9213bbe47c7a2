package intercept

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-crud/caddy-crud/rules"
)

// memoryWriter collects the response to an internal request, up to max.
type memoryWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
	max    int64
}

func newMemoryWriter(max int64) *memoryWriter {
	return &memoryWriter{header: http.Header{}, max: max}
}

func (m *memoryWriter) Header() http.Header { return m.header }

func (m *memoryWriter) WriteHeader(status int) {
	if m.status == 0 && status >= 200 {
		m.status = status
	}
}

func (m *memoryWriter) Write(p []byte) (int, error) {
	if m.status == 0 {
		m.status = http.StatusOK
	}
	if int64(m.buf.Len()+len(p)) > m.max {
		return 0, errResponseTooBig
	}
	return m.buf.Write(p)
}

// errUnsafePath is a lookup or fetch_old path that a backend could
// resolve somewhere else than it reads: it is never sent.
var errUnsafePath = errors.New("unsafe path")

// internalRequest builds a GET-like request for target (a path with an
// optional query) that carries the caller's headers and context. The
// target meets the defences of client paths (see trick: no dot segment,
// empty segment, raw or encoded backslash, encoded slash, ;parameter or
// double encoding); one query at most and no fragment (a value spliced
// in must not cut or extend what the rule wrote).
func internalRequest(parent *http.Request, method, target string) (*http.Request, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
		return nil, fmt.Errorf("%q is not a path on this gateway", target)
	}
	if detail := trick(u); detail != "" {
		return nil, fmt.Errorf("%w %q: %s (escape values with pathescape)", errUnsafePath, target, detail)
	}
	switch {
	case strings.Count(target, "?") > 1:
		return nil, fmt.Errorf("%w %q: a second '?' (escape query values with queryescape)", errUnsafePath, target)
	case strings.Contains(target, "#"):
		return nil, fmt.Errorf("%w %q: a '#' (escape values with pathescape or queryescape)", errUnsafePath, target)
	}
	req := parent.Clone(parent.Context())
	req.Method = method
	req.URL.Path, req.URL.RawPath, req.URL.RawQuery = u.Path, u.RawPath, u.RawQuery
	req.RequestURI = u.RequestURI()
	req.Body, req.ContentLength, req.GetBody = http.NoBody, 0, nil
	req.TransferEncoding = nil
	for _, h := range []string{"Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding", "Expect"} {
		req.Header.Del(h)
	}
	for _, h := range overrideHeaders {
		req.Header.Del(h)
	}
	for _, h := range partialHeaders {
		req.Header.Del(h) // a part or a 304 of the record is no record
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Encoding", "identity")
	return req, nil
}

// json is the body of an internal response, decoded from its content
// encoding (up to max bytes) and checked to be JSON.
func (m *memoryWriter) json(max int64) ([]byte, error) {
	body := m.buf.Bytes()
	if ce := m.header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		var plain bytes.Buffer
		if err := decodeBody(&plain, body, ce, max); err != nil {
			return nil, err
		}
		body = plain.Bytes()
	}
	if !rules.ValidJSON(body) {
		return nil, errors.New("response is not valid JSON")
	}
	return body, nil
}

// partialHeaders ask for a part of a representation, or for none when it
// has not changed; internal reads need the whole record.
var partialHeaders = []string{"Range", "If-Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since"}

// lookupState is shared by a request and the internal requests its
// lookups make: one memo, one budget.
type lookupState struct {
	count int
	memo  map[string]lookupResult
}

type lookupResult struct {
	value any
	err   error
}

type lookupKey struct{}

// lookup answers lookup(path): what the caller would get from GET path
// through this gateway, rules included; nil on 404.
func (x *exchange) lookup(path string) (any, error) {
	st := x.lookups
	if st == nil {
		st, _ = x.r.Context().Value(lookupKey{}).(*lookupState)
		if st == nil {
			st = &lookupState{memo: map[string]lookupResult{}}
		}
		x.lookups = st
	}
	if res, ok := st.memo[path]; ok {
		return res.value, res.err
	}
	if st.count >= x.e.cfg.MaxLookups {
		return nil, fmt.Errorf("lookup(%q): more than max_lookups (%d) lookups in one request", path, x.e.cfg.MaxLookups)
	}
	st.count++
	v, err := x.doLookup(path, st)
	st.memo[strings.Clone(path)] = lookupResult{v, err} // path may point into a reused body buffer
	return v, err
}

func (x *exchange) doLookup(path string, st *lookupState) (any, error) {
	req, err := internalRequest(x.r, http.MethodGet, path)
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	req = req.WithContext(context.WithValue(req.Context(), lookupKey{}, st))
	mw := newMemoryWriter(x.e.cfg.MaxResponse)
	if err := x.e.ServeHTTP(mw, req, x.next); err != nil {
		return nil, fmt.Errorf("lookup(%q): %w", path, err)
	}
	switch {
	case mw.status == http.StatusNotFound:
		return nil, nil
	case mw.status < 200 || mw.status > 299 || mw.status == http.StatusPartialContent:
		return nil, fmt.Errorf("lookup(%q): status %d", path, mw.status)
	}
	body, err := mw.json(x.e.cfg.MaxResponse)
	if err != nil {
		return nil, fmt.Errorf("lookup(%q): %w", path, err)
	}
	return rules.Decode(body), nil
}

// fetchOld gets the stored record before an update or delete, straight
// from the next handler, decoded and as JSON. found is false on 404.
func (x *exchange) fetchOld() (old any, raw []byte, found bool, err error) {
	fo := x.res.cfg.FetchOld
	method, target := fo.Method, fo.Path
	if method == "" {
		method = http.MethodGet
	}
	if target == "" {
		target = x.r.URL.EscapedPath()
	} else {
		target = expand(target, x.params())
	}
	req, err := internalRequest(x.r, method, target)
	if err != nil {
		return nil, nil, false, fmt.Errorf("fetch_old: %w", err)
	}
	mw := newMemoryWriter(x.e.cfg.MaxResponse)
	if err := x.next.ServeHTTP(mw, req); err != nil {
		var he caddyhttp.HandlerError
		if errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
			return nil, nil, false, nil
		}
		return nil, nil, false, fmt.Errorf("fetch_old %s %s: %w", method, target, err)
	}
	switch {
	case mw.status == http.StatusNotFound:
		return nil, nil, false, nil
	case mw.status < 200 || mw.status > 299 || mw.status == http.StatusPartialContent:
		return nil, nil, false, fmt.Errorf("fetch_old %s %s: status %d", method, target, mw.status)
	}
	body, err := mw.json(x.e.cfg.MaxResponse)
	if err != nil {
		return nil, nil, false, fmt.Errorf("fetch_old %s %s: %w", method, target, err)
	}
	raw = rules.Records(body, x.res.shape.Records)
	return rules.Decode(raw), raw, true, nil
}

// errOld marks the errors of loadOld, which oldFailed answers.
var errOld = errors.New("fetch_old")

// oldError is why the stored record could not be had.
type oldError struct {
	notFound bool
	err      error
}

func (e *oldError) Error() string {
	if e.notFound {
		return "fetch_old: not found"
	}
	return "fetch_old: " + e.err.Error()
}
func (e *oldError) Is(target error) bool { return target == errOld }
func (e *oldError) Unwrap() error        { return e.err }

// loadOld fetches the stored record once per request into x.in (rules
// call it through Input.LoadOld the first time they need old). In report
// mode a failure is logged and old stays nil; so does an unsafe path under
// on_error pass.
func (x *exchange) loadOld() (any, []byte, error) {
	old, oldJSON, found, err := x.fetchOld()
	switch {
	case err != nil && x.report():
		x.e.logger.Warn("fetch_old failed", zap.String("resource", x.res.name),
			zap.String("action", x.act.name), zap.String("mode", "report"), zap.Error(err))
		return nil, nil, nil
	case errors.Is(err, errUnsafePath) && x.e.cfg.OnErrorPass:
		_, _ = x.runtimeError(&rules.RuntimeError{Where: "fetch_old", Err: err}) // logged; the rules read old as nil
		return nil, nil, nil
	case err != nil:
		return nil, nil, &oldError{err: err}
	case !found:
		return nil, nil, &oldError{notFound: true}
	}
	x.in.Old, x.in.OldJSON = old, oldJSON
	return old, oldJSON, nil
}

// oldFailed answers a failed fetch of the stored record: 404 when there is
// none, a runtime error for a path built unsafely from the request (never
// sent), 502 when the upstream failed. done means the response is written.
func (x *exchange) oldFailed(err error) (bool, error) {
	var oe *oldError
	errors.As(err, &oe)
	switch {
	case oe.notFound:
		return x.enforce(refusal{outcome: outcomeRejected, check: "fetch_old",
			problem: problem{status: http.StatusNotFound, detail: "not found"}}), nil
	case errors.Is(oe.err, errUnsafePath):
		return x.runtimeError(&rules.RuntimeError{Where: "fetch_old", Err: oe.err})
	}
	return true, x.failUpstream("fetch_old failed", "the stored record could not be fetched", oe.err)
}
