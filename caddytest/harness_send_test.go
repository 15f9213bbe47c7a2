package caddytest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// Sending requests to the gateway, and asserting what the client got.

// response is what the client got.
type response struct {
	Status int
	Header http.Header
	Body   string
}

// send makes a request to the gateway; headers are "Name: value" lines.
func send(t *testing.T, tester *caddytest.Tester, method, path, body string, headers ...string) response {
	t.Helper()
	return sendWith(t, tester.Client, method, path, body, headers...)
}

// sendWith is send through client.
func sendWith(t *testing.T, client *http.Client, method, path, body string, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, fmt.Sprintf("http://localhost:%d%s", gatewayPort, path), rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return readResponse(t, res)
}

// readResponse reads and closes res's body: what the client got.
func readResponse(t *testing.T, res *http.Response) response {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// dialGateway opens a connection of its own to the gateway; the deadline
// is a safety net against a hung gateway, not a timing assertion.
func dialGateway(t *testing.T) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", gatewayPort))
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(opsWait))
	return conn
}

// sendWire is send through a client that neither asks for nor undoes a
// Content-Encoding, so the test sees the bytes and headers on the wire.
func sendWire(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	return sendWith(t, wireClient(), method, path, body, headers...)
}

// wireClient is a fresh client without transparent decompression,
// redirects or keep-alive (configs are reloaded between tests).
func wireClient() *http.Client {
	tr := caddytest.CreateTestingTransport()
	tr.DisableCompression = true
	tr.DisableKeepAlives = true
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// sendSettled is send on a connection of its own, followed on that same
// connection by a request for a path no resource matches. The server
// reads a connection's next request only once the handler of the one
// before has returned, so when sendSettled returns, the async rules of the
// request (which run after its response is written) have run too.
func sendSettled(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	conn := dialGateway(t)
	defer conn.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: localhost:%d\r\n", method, path, gatewayPort)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if body != "" {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n" + body)
	br := bufio.NewReader(conn)
	read := func(req string, method string) response {
		if _, err := io.WriteString(conn, req); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("reading the answer to %s %s: %v", method, path, err)
		}
		return readResponse(t, res)
	}
	res := read(b.String(), method)
	read(fmt.Sprintf("GET /ops/settled HTTP/1.1\r\nHost: localhost:%d\r\nConnection: close\r\n\r\n", gatewayPort), "GET")
	return res
}

// sendRaw writes a request byte for byte to the gateway (so nothing cleans
// or re-encodes its path) and reads the answer.
func sendRaw(t *testing.T, request string) response {
	t.Helper()
	conn := dialGateway(t)
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", request, err)
	}
	return readResponse(t, res)
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

// closedOnShutdown opens a keep-alive connection to the gateway, makes one
// request on it and returns a channel closed once the server that accepted
// it closes it: that is, once the config it belongs to is being stopped.
func closedOnShutdown(t *testing.T) <-chan struct{} {
	t.Helper()
	conn := dialGateway(t)
	if _, err := fmt.Fprintf(conn, "GET /ops/keepalive HTTP/1.1\r\nHost: localhost:%d\r\n\r\n", gatewayPort); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		defer conn.Close()
		_, _ = br.ReadByte() // returns when the server closes the connection (or at the deadline)
	}()
	return closed
}

// opsWait bounds every wait for something asynchronous: a safety net
// against a hung test, never a timing assertion.
const opsWait = 15 * time.Second

// expect asserts the exact status and body the client got.
func (r response) expect(t *testing.T, status int, body string) {
	t.Helper()
	if r.Status != status || r.Body != body {
		t.Fatalf("got %d %s\nwant %d %s", r.Status, r.Body, status, body)
	}
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

// problemJSON is the exact problem document for status and detail.
func problemJSON(status int, detail string) string {
	s := fmt.Sprintf(`{"type":"about:blank","title":%q,"status":%d`, http.StatusText(status), status)
	if detail != "" {
		s += fmt.Sprintf(`,"detail":%q`, detail)
	}
	return s + "}"
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
