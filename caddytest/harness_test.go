package caddytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"

	_ "github.com/caddy-crud/caddy-crud"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

// The gateway under test: a Caddy with the crud handler in front of an
// upstream that records exactly what reached it.

// gatewayPort is where the Caddy under test listens for HTTP. Every config
// load moves it to a fresh port: Caddy stops the previous config's server
// after /load has answered, and on a shared port a test's first request
// could meet that server as it closes.
var gatewayPort = 19080

// nextGatewayPort moves gatewayPort on before a config is loaded.
func nextGatewayPort() { gatewayPort++ }

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

// crud loads `crud { crudBody }` in front of up, with ´ as backticks.
func crud(t *testing.T, crudBody string, up *upstream) *caddytest.Tester {
	t.Helper()
	return gateway(t, bt(crudBody), up)
}

// bt turns ´ into a backtick, so Caddyfiles with expressions can be written
// as Go raw strings: `deny ´record.role == "admin"´` reads as the Caddyfile.
func bt(s string) string { return strings.ReplaceAll(s, "´", "`") }

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
