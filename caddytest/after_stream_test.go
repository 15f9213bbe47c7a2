package caddytest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// afterStreamUpstream writes first with contentType, flushes, waits until the
// test releases it (or the request is gone), then writes rest.
func afterStreamUpstream(t *testing.T, contentType, first, rest string) (*upstream, func()) {
	t.Helper()
	released := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(released) }) }
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, first)
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("upstream flush: %v", err)
		}
		select {
		case <-released:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, rest)
	})
	// registered after newUpstream's cleanup, so it runs first and the
	// upstream can finish before it is closed
	t.Cleanup(release)
	return up, release
}

// afterReadStream opens path and returns the response and a reader of its body;
// ctx bounds the whole exchange so a held-back stream fails the test
// instead of hanging it.
func afterReadStream(t *testing.T, ctx context.Context, path string) (*http.Response, *bufio.Reader) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("http://localhost:%d%s", gatewayPort, path), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	c := wireClient()
	c.Timeout = 0 // the context bounds it
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: no response before the upstream was released: %v", path, err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res, bufio.NewReader(res.Body)
}

// afterReadUntil reads from br through the first occurrence of delim.
func afterReadUntil(t *testing.T, br *bufio.Reader, delim string) string {
	t.Helper()
	var got []byte
	for len(got) < len(delim) || string(got[len(got)-len(delim):]) != delim {
		b, err := br.ReadByte()
		if err != nil {
			t.Fatalf("read %q, then %v; want it to end with %q", got, err, delim)
		}
		got = append(got, b)
	}
	return string(got)
}

// afterStreamPasses asserts that path streams through the gateway: the
// first part arrives while the upstream still holds the rest.
func afterStreamPasses(t *testing.T, path, contentType, first, rest, delim string, release func()) {
	t.Helper()
	// a generous bound against a hang, not a timing assertion
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, br := afterReadStream(t, ctx, path)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != contentType {
		t.Fatalf("got %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if got := afterReadUntil(t, br, delim); got != first {
		t.Fatalf("first part %q, want %q", got, first)
	}
	release()
	b, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != rest {
		t.Fatalf("rest of the stream %q, want %q", b, rest)
	}
}

// afterStreamRefused asserts that path is answered 502 while the upstream
// still holds the rest of its stream: a stream is never held back.
func afterStreamRefused(t *testing.T, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, br := afterReadStream(t, ctx, path)
	b, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("reading the answer before the upstream was released: %v", err)
	}
	got := response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
	got.expect(t, 502, problemJSON(502, "the upstream response could not be filtered"))
	afterHas(t, got, "Content-Type: application/problem+json", "Cache-Control: no-store")
}

func TestAfterEventStream(t *testing.T) {
	const first = "event: user\ndata: {\"id\":1,\"password\":\"p\"}\n\n"
	const rest = "data: {\"id\":2,\"password\":\"q\"}\n\n"
	const rules = `
			after read {
				hide password
				drop ´record.id == 1´
			}`

	t.Run("refused", func(t *testing.T) {
		up, _ := afterStreamUpstream(t, "text/event-stream", first, rest)
		crud(t, `
		resource users /api/users {`+rules+`
		}`, up)
		afterStreamRefused(t, "/api/users")
		// the client's Accept names no JSON type: the upstream is asked for JSON
		up.only(t).header(t, "Accept", "application/json")
	})
	t.Run("non_json pass", func(t *testing.T) {
		up, release := afterStreamUpstream(t, "text/event-stream", first, rest)
		crud(t, `
		resource users /api/users {
			non_json pass`+rules+`
		}`, up)
		afterStreamPasses(t, "/api/users", "text/event-stream", first, rest, "\n\n", release)
		// the resource serves streams on purpose: the client's Accept is kept
		up.only(t).header(t, "Accept", "text/event-stream")
	})
}

func TestAfterNonJSONStream(t *testing.T) {
	const first = "{\"id\":1,\"password\":\"p\"}\n"
	const rest = "{\"id\":2,\"password\":\"q\"}\n"
	for _, ct := range []string{"application/x-ndjson", "application/jsonl", "application/json-seq"} {
		t.Run(ct+" refused", func(t *testing.T) {
			up, _ := afterStreamUpstream(t, ct, first, rest)
			crud(t, `
		resource users /api/users {
			after list {
				hide password
			}
		}`, up)
			afterStreamRefused(t, "/api/users")
		})
		t.Run(ct+" non_json pass", func(t *testing.T) {
			up, release := afterStreamUpstream(t, ct, first, rest)
			crud(t, `
		resource users /api/users {
			non_json pass
			after list {
				hide password
			}
		}`, up)
			afterStreamPasses(t, "/api/users", ct, first, rest, "\n", release)
		})
	}
}

func TestAfterFlushedJSONIsFiltered(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/users": {chunks: []string{`[{"id":1,"pass`, `word":"p"},`, `{"id":2,"password":"q"}`, `]`}},
	})
	crud(t, `
		resource users /api/users {
			after list {
				hide password
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "flushed in pieces", path: "/api/users", status: 200, body: `[{"id":1},{"id":2}]`},
	})
}
