package caddytest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// bt turns ´ into a backtick, so Caddyfiles with expressions can be written
// as Go raw strings: `deny ´record.role == "admin"´` reads as the Caddyfile.
func bt(s string) string { return strings.ReplaceAll(s, "´", "`") }

// crud loads `crud { crudBody }` in front of up, with ´ as backticks.
func crud(t *testing.T, crudBody string, up *upstream) *caddytest.Tester {
	t.Helper()
	return gateway(t, bt(crudBody), up)
}

// forwarded asserts that the request went upstream as method uri with
// exactly body, and that the client got the upstream's 200 {}.
func (r response) forwarded(t *testing.T, up *upstream, method, uri, body string) {
	t.Helper()
	r.expect(t, 200, `{}`)
	up.got(t, method, uri, body)
}

// refused asserts the exact problem the client got, and that the upstream
// was never called.
func (r response) refused(t *testing.T, up *upstream, status int, problem string) {
	t.Helper()
	r.expectProblem(t, status, problem)
	up.none(t)
}

// expectProblem asserts an application/problem+json answer with the exact
// status and body.
func (r response) expectProblem(t *testing.T, status int, body string) {
	t.Helper()
	r.expect(t, status, body)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
}

// fieldError is one entry of a 422 problem's errors.
type fieldError struct{ field, message string }

// invalid is the exact 422 problem listing errs.
func invalid(errs ...fieldError) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = fmt.Sprintf(`{"field":%q,"message":%q}`, e.field, e.message)
	}
	return `{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid","errors":[` +
		strings.Join(parts, ",") + `]}`
}

// got asserts the single request the upstream received: method, URI (with
// query) and exact body; a body that reached it must carry a matching
// Content-Length.
func (u *upstream) got(t *testing.T, method, uri, body string) received {
	t.Helper()
	r := u.only(t)
	if r.Method != method || r.URI != uri || r.Body != body {
		t.Fatalf("upstream got %s %s %q\nwant %s %s %q", r.Method, r.URI, r.Body, method, uri, body)
	}
	if body != "" {
		if cl := r.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
			t.Fatalf("upstream Content-Length %q, want %d (body %q)", cl, len(body), body)
		}
	}
	return r
}

// header asserts the value of one header the upstream received ("" for
// absent).
func (r received) header(t *testing.T, name, want string) {
	t.Helper()
	if got := r.Header.Get(name); got != want || (want == "" && len(r.Header.Values(name)) > 0) {
		t.Fatalf("upstream header %s = %q (%d values), want %q", name, got, len(r.Header.Values(name)), want)
	}
}

// sendRaw writes a request byte for byte to the gateway (so nothing cleans
// or re-encodes its path) and reads the answer.
func sendRaw(t *testing.T, request string) response {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", gatewayPort))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// a safety net against a hung gateway, not a timing assertion
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", request, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// rawRequest is an HTTP/1.1 request with target exactly as given; headers
// are "Name: value" lines. A non-empty body is sent with Content-Length,
// or in one chunk when chunked.
func rawRequest(method, target, body string, chunked bool, headers ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: localhost:%d\r\nConnection: close\r\n", method, target, gatewayPort)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	switch {
	case chunked:
		fmt.Fprintf(&b, "Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	case body != "":
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	default:
		b.WriteString("\r\n")
	}
	return b.String()
}

// expectLoadError asserts that loading `crud { crudBody }` (´ as backticks)
// fails with an error containing want. The Caddy admin API answers with the
// error inside a JSON document, so want is compared JSON-escaped.
func expectLoadError(t *testing.T, crudBody, want string) {
	t.Helper()
	caddyfile := caddyConfig("", "\tcrud {\n"+bt(crudBody)+"\n\t}\n\treverse_proxy 127.0.0.1:9")
	escaped, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		// AssertLoadError dereferences a nil error when the load succeeds
		if recover() != nil {
			t.Fatalf("the config loaded, want an error containing %s", want)
		}
	}()
	caddytest.AssertLoadError(t, caddyfile, "caddyfile", string(escaped[1:len(escaped)-1]))
}

// crudLogged loads `crud { crudBody }` (´ as backticks) in front of up, with
// the handler's log lines written as JSON to the file it returns.
func crudLogged(t *testing.T, crudBody string, up *upstream) (*caddytest.Tester, string) {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "crud.log")
	return loadLogged(t, logFile, crudBody, up), logFile
}
