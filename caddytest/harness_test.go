package caddytest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"

	_ "github.com/caddy-crud/caddy-crud"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

// gatewayPort is where the Caddy under test listens for HTTP. Every config
// load moves it to a fresh port: Caddy stops the previous config's server
// after /load has answered, and on a shared port a test's first request
// could meet that server as it closes.
var gatewayPort = 19080

// nextGatewayPort moves gatewayPort on before a config is loaded.
func nextGatewayPort() { gatewayPort++ }

// received is one request as the upstream got it.
type received struct {
	Method string
	URI    string
	Header http.Header
	Body   string
}

// upstream is a scripted API that records exactly what reached it.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

// newUpstream starts an API that answers with reply (200 {} when nil).
func newUpstream(t *testing.T, reply http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, received{Method: r.Method, URI: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(b)})
		u.mu.Unlock()
		if reply == nil {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{}`)
			return
		}
		reply(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// requests returns what the upstream received so far.
func (u *upstream) requests() []received {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]received(nil), u.reqs...)
}

// only returns the single request the upstream received, failing otherwise.
func (u *upstream) only(t *testing.T) received {
	t.Helper()
	reqs := u.requests()
	if len(reqs) != 1 {
		t.Fatalf("upstream received %d requests, want 1: %+v", len(reqs), reqs)
	}
	return reqs[0]
}

// none fails when the upstream received anything.
func (u *upstream) none(t *testing.T) {
	t.Helper()
	if reqs := u.requests(); len(reqs) != 0 {
		t.Fatalf("upstream received %d requests, want none: %+v", len(reqs), reqs)
	}
}

// reset forgets what the upstream received.
func (u *upstream) reset() {
	u.mu.Lock()
	u.reqs = nil
	u.mu.Unlock()
}

// startGateway loads a Caddy config: global options, then one site whose
// routes are site (which may say {upstream}).
func startGateway(t *testing.T, site string, up *upstream) *caddytest.Tester {
	t.Helper()
	if up != nil {
		site = strings.ReplaceAll(site, "{upstream}", up.Listener.Addr().String())
	}
	tester := caddytest.NewTester(t)
	nextGatewayPort()
	tester.InitServer(caddyConfig("", site), "caddyfile")
	return tester
}

// caddyConfig is the Caddyfile of a test: the global options every test
// shares plus globals (whole lines), and one site on the gateway port.
func caddyConfig(globals, site string) string {
	return fmt.Sprintf(`{
	admin `+adminAddr+`
	http_port %d
	https_port `+httpsPort+`
	grace_period 1ns
	skip_install_trust
%s}
:%d {
%s
}
`, gatewayPort, globals, gatewayPort, site)
}

// gateway loads `crud { crudBody }` in front of reverse_proxy to up.
func gateway(t *testing.T, crudBody string, up *upstream) *caddytest.Tester {
	t.Helper()
	return startGateway(t, "\tcrud {\n"+crudBody+"\n\t}\n\treverse_proxy {upstream}", up)
}

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
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// expect asserts the exact status and body the client got.
func (r response) expect(t *testing.T, status int, body string) {
	t.Helper()
	if r.Status != status || r.Body != body {
		t.Fatalf("got %d %s\nwant %d %s", r.Status, r.Body, status, body)
	}
}

// problemJSON is the exact problem document for status and detail.
func problemJSON(status int, detail string) string {
	s := fmt.Sprintf(`{"type":"about:blank","title":%q,"status":%d`, http.StatusText(status), status)
	if detail != "" {
		s += fmt.Sprintf(`,"detail":%q`, detail)
	}
	return s + "}"
}
