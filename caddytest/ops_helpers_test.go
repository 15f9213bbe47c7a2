package caddytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// opsWait bounds every wait for something asynchronous: a safety net
// against a hung test, never a timing assertion.
const opsWait = 15 * time.Second

// hookCall is one webhook delivery attempt as a receiver got it.
type hookCall struct {
	Path    string
	EventID string
	Header  http.Header
	Body    string
}

// hookReceiver is a webhook receiver that reports every attempt on a
// channel. Paths under /block wait for release (or for the sender to give
// up); a path given failures answers 500 that many times first; every
// other attempt gets 200.
type hookReceiver struct {
	*httptest.Server
	calls chan hookCall

	release     chan struct{}
	releaseOnce sync.Once

	mu       sync.Mutex
	failures map[string]int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{calls: make(chan hookCall, 256), release: make(chan struct{}), failures: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.calls <- hookCall{Path: r.URL.Path, EventID: r.Header.Get("X-Crud-Event-Id"), Header: r.Header.Clone(), Body: string(b)}
		if strings.HasPrefix(r.URL.Path, "/block") {
			select {
			case <-h.release:
			case <-r.Context().Done():
				return
			}
		}
		h.mu.Lock()
		fail := h.failures[r.URL.Path] > 0
		if fail {
			h.failures[r.URL.Path]--
		}
		h.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	// cleanups run last first: unblock the handlers, then close
	t.Cleanup(h.Close)
	t.Cleanup(h.unblock)
	return h
}

// failFirst makes the receiver answer 500 to the first n attempts on path.
func (h *hookReceiver) failFirst(path string, n int) {
	h.mu.Lock()
	h.failures[path] = n
	h.mu.Unlock()
}

// unblock lets every /block attempt, waiting or to come, answer.
func (h *hookReceiver) unblock() { h.releaseOnce.Do(func() { close(h.release) }) }

// next waits for the next attempt.
func (h *hookReceiver) next(t *testing.T) hookCall {
	t.Helper()
	select {
	case c := <-h.calls:
		return c
	case <-time.After(opsWait):
		t.Fatal("no webhook arrived")
		return hookCall{}
	}
}

// quiet asserts that no attempt arrived that was not taken yet.
func (h *hookReceiver) quiet(t *testing.T) {
	t.Helper()
	select {
	case c := <-h.calls:
		t.Fatalf("unexpected webhook %s %s", c.Path, c.Body)
	default:
	}
}

// hookEvent is a default webhook payload, its fields kept raw.
type hookEvent map[string]json.RawMessage

// decodeEvent decodes a default payload, asserting its exact set of keys
// and that its id is the delivery's event id.
func decodeEvent(t *testing.T, c hookCall) hookEvent {
	t.Helper()
	var ev hookEvent
	if err := json.Unmarshal([]byte(c.Body), &ev); err != nil {
		t.Fatalf("event %s: %v", c.Body, err)
	}
	var keys []string
	for k := range ev {
		keys = append(keys, k)
	}
	want := []string{"action", "id", "old", "params", "records", "request_id", "resource", "time", "user"}
	if len(keys) != len(want) {
		t.Fatalf("event keys %v, want %v: %s", keys, want, c.Body)
	}
	for _, k := range want {
		if _, ok := ev[k]; !ok {
			t.Fatalf("event lacks %q: %s", k, c.Body)
		}
	}
	if id := ev.str(t, "id"); id == "" || id != c.EventID {
		t.Fatalf("event id %q, X-Crud-Event-Id %q", id, c.EventID)
	}
	if ct := c.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("webhook Content-Type %q", ct)
	}
	return ev
}

// str is a string field of the event.
func (ev hookEvent) str(t *testing.T, key string) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(ev[key], &s); err != nil {
		t.Fatalf("event %s = %s: not a string", key, ev[key])
	}
	return s
}

// expect asserts the event's fields: strings as they are, JSON values
// (params, records, old, user) compared as JSON, key order aside.
func (ev hookEvent) expect(t *testing.T, resource, action, params, records, old, user string) {
	t.Helper()
	if got := ev.str(t, "resource"); got != resource {
		t.Fatalf("event resource %q, want %q", got, resource)
	}
	if got := ev.str(t, "action"); got != action {
		t.Fatalf("event action %q, want %q", got, action)
	}
	for _, f := range []struct{ key, want string }{{"params", params}, {"records", records}, {"old", old}, {"user", user}} {
		if !jsonEqual(t, string(ev[f.key]), f.want) {
			t.Fatalf("event %s = %s, want %s", f.key, ev[f.key], f.want)
		}
	}
	if ev.str(t, "request_id") == "" {
		t.Fatal("event request_id is empty")
	}
	if _, err := time.Parse(time.RFC3339, ev.str(t, "time")); err != nil {
		t.Fatalf("event time: %v", err)
	}
}

// jsonEqual compares two JSON texts as values.
func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

// deadURL is an http URL on a port where nothing listens.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// metricsSnapshot is one scrape of Caddy's admin /metrics: series (name
// with its labels, as exposed) to value.
type metricsSnapshot map[string]float64

// scrape reads the metrics Caddy's admin endpoint serves.
func scrape(t *testing.T) metricsSnapshot {
	t.Helper()
	res, err := http.Get("http://" + adminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	m := metricsSnapshot{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		m[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// has reports whether the series is exposed.
func (m metricsSnapshot) has(series string) bool {
	_, ok := m[series]
	return ok
}

// expectDeltas asserts how much each series grew from before to now (a
// series not exposed counts as 0).
func expectDeltas(t *testing.T, before, after metricsSnapshot, want map[string]float64) {
	t.Helper()
	for series, d := range want {
		if got := after[series] - before[series]; got != d {
			t.Errorf("%s grew by %v, want %v (before %v, after %v)", series, got, d, before[series], after[series])
		}
	}
}

// decisionSeries names a caddy_http_crud_decisions_total series.
func decisionSeries(resource, action, phase, outcome string) string {
	return fmt.Sprintf(`caddy_http_crud_decisions_total{action=%q,outcome=%q,phase=%q,resource=%q}`, action, outcome, phase, resource)
}

// filteredSeries names a caddy_http_crud_filtered_total series.
func filteredSeries(resource, kind string) string {
	return fmt.Sprintf(`caddy_http_crud_filtered_total{kind=%q,resource=%q}`, kind, resource)
}

// deliverySeries names a caddy_http_crud_webhook_deliveries_total series.
func deliverySeries(outcome string) string {
	return fmt.Sprintf(`caddy_http_crud_webhook_deliveries_total{outcome=%q}`, outcome)
}

// loadLogged loads `crud { crudBody }` (´ as backticks) in front of up,
// with the handler's log lines written as JSON to logFile, which several
// configs may share (Caddy keeps one writer per file across a reload).
func loadLogged(t *testing.T, logFile, crudBody string, up *upstream) *caddytest.Tester {
	t.Helper()
	tester := caddytest.NewTester(t)
	nextGatewayPort()
	logging := fmt.Sprintf("\tlog crud {\n\t\toutput file %s\n\t\tformat json\n\t\tlevel DEBUG\n\t\tinclude http.handlers.crud\n\t}\n", logFile)
	site := fmt.Sprintf("\tcrud {\n%s\n\t}\n\treverse_proxy %s", bt(crudBody), up.Listener.Addr())
	tester.InitServer(caddyConfig(logging, site), "caddyfile")
	return tester
}

// newLogFile is the path of a fresh log file in the test's directory.
func newLogFile(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "crud.log")
}

// logText is the whole log file.
func logText(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// logsWith returns the decoded JSON log lines of file whose msg is msg;
// none when nothing was logged yet.
func logsWith(t *testing.T, file, msg string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if entry["msg"] == msg {
			out = append(out, entry)
		}
	}
	return out
}

// oneLog asserts that exactly one log line has msg and returns it.
func oneLog(t *testing.T, file, msg string) map[string]any {
	t.Helper()
	lines := logsWith(t, file, msg)
	if len(lines) != 1 {
		t.Fatalf("%d %q log lines, want 1: %v", len(lines), msg, lines)
	}
	return lines[0]
}

// expectFields asserts fields of a log line, each shown with fmt.Sprint.
func expectFields(t *testing.T, line map[string]any, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got, ok := line[k]
		if !ok || fmt.Sprint(got) != v {
			t.Errorf("log %q: %s = %v, want %q (line %v)", line["msg"], k, got, v, line)
		}
	}
}

// closedOnShutdown opens a keep-alive connection to the gateway, makes one
// request on it and returns a channel closed once the server that accepted
// it closes it: that is, once the config it belongs to is being stopped.
func closedOnShutdown(t *testing.T) <-chan struct{} {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", gatewayPort))
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(opsWait))
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

// sendSettled is send on a connection of its own, followed on that same
// connection by a request for a path no resource matches. The server
// reads a connection's next request only once the handler of the one
// before has returned, so when sendSettled returns, the async rules of the
// request (which run after its response is written) have run too.
func sendSettled(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", gatewayPort))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(opsWait))
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
		defer res.Body.Close()
		data, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return response{Status: res.StatusCode, Header: res.Header, Body: string(data)}
	}
	res := read(b.String(), method)
	read(fmt.Sprintf("GET /ops/settled HTTP/1.1\r\nHost: localhost:%d\r\nConnection: close\r\n\r\n", gatewayPort), "GET")
	return res
}
