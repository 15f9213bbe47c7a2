package caddytest

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// A webhook receiver, and the default events it gets.

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
