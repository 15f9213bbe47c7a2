package intercept

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// webhookCounts records what a queue reports.
type webhookCounts struct {
	mu       sync.Mutex
	outcomes map[string]int
	length   int
	events   chan string // every outcome, for tests that wait for one
}

func newWebhookCounts() *webhookCounts {
	return &webhookCounts{outcomes: map[string]int{}, events: make(chan string, 1024)}
}

func (c *webhookCounts) Delivery(outcome string) {
	c.mu.Lock()
	c.outcomes[outcome]++
	c.mu.Unlock()
	select {
	case c.events <- outcome:
	default:
	}
}

func (c *webhookCounts) QueueLength(n int) {
	c.mu.Lock()
	c.length = n
	c.mu.Unlock()
}

// check compares the outcome counts with want (missing outcomes: zero) and
// expects an empty queue.
func (c *webhookCounts) check(t *testing.T, want map[string]int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range []string{webhookDelivered, webhookRetried, webhookFailed, webhookDropped} {
		if c.outcomes[o] != want[o] {
			t.Errorf("%s: got %d, want %d (all: %v)", o, c.outcomes[o], want[o], c.outcomes)
		}
	}
	if c.length != 0 {
		t.Errorf("queue length: got %d, want 0", c.length)
	}
}

// waitFor waits until the queue reports outcome.
func (c *webhookCounts) waitFor(t *testing.T, outcome string) {
	t.Helper()
	guard := time.NewTimer(10 * time.Second) // a hang guard, not a timing check
	defer guard.Stop()
	for {
		select {
		case o := <-c.events:
			if o == outcome {
				return
			}
		case <-guard.C:
			t.Fatalf("no %q outcome reported", outcome)
		}
	}
}

// received is one request a receiver got.
type received struct {
	method string
	header http.Header
	body   string
}

// receiver is a webhook endpoint answering statuses in order (the last one
// repeats). With block set, each request waits until block is closed or
// the client goes away, and answers 200.
type receiver struct {
	statuses []int
	block    chan struct{}
	arrived  chan string // event ids as requests arrive

	mu   sync.Mutex
	reqs []received
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	n := len(rc.reqs)
	rc.reqs = append(rc.reqs, received{method: r.Method, header: r.Header.Clone(), body: string(body)})
	rc.mu.Unlock()
	if rc.arrived != nil {
		rc.arrived <- r.Header.Get("X-Crud-Event-Id")
	}
	if rc.block != nil {
		select {
		case <-rc.block:
		case <-r.Context().Done():
		}
		return
	}
	status := http.StatusOK
	if len(rc.statuses) > 0 {
		status = rc.statuses[min(n, len(rc.statuses)-1)]
	}
	if status >= 300 && status < 400 {
		w.Header().Set("Location", "/elsewhere")
	}
	w.WriteHeader(status)
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

// startReceiver serves rc until the test ends.
func startReceiver(t *testing.T, rc *receiver) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return srv
}

// startQueue starts a queue that logs to an observer and is closed when
// the test ends (if the test did not close it).
func startQueue(t *testing.T, cfg webhookSettings) (*webhookQueue, *webhookCounts, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	counts := newWebhookCounts()
	q := newWebhookQueue(cfg, zap.New(core), counts)
	t.Cleanup(q.close)
	return q, counts, logs
}

// checkGoroutines fails the test if, once everything it started has been
// cleaned up, goroutines remain that it added, or any of the queue's.
// Call it first, so its cleanup runs last.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() { settleGoroutines(t, before) })
}

// settleGoroutines fails the test unless the number of goroutines comes
// back to at most before and none of the queue's is left.
func settleGoroutines(t *testing.T, before int) {
	t.Helper()
	guard := time.Now().Add(10 * time.Second) // a hang guard, not a timing check
	for {
		n := runtime.NumGoroutine()
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if n <= before && !strings.Contains(stacks, "(*webhookQueue)") {
			return
		}
		if time.Now().After(guard) {
			t.Errorf("goroutines: %d before, %d after:\n%s", before, n, stacks)
			return
		}
		time.Sleep(5 * time.Millisecond) // settle: exiting goroutines need a moment
	}
}

// findLog returns the entries with message msg and field event_id = id.
func findLog(logs *observer.ObservedLogs, msg, id string) []observer.LoggedEntry {
	return logs.FilterMessage(msg).FilterField(zap.String("event_id", id)).AllUntimed()
}

func TestWebhookDelivered(t *testing.T) {
	checkGoroutines(t)
	rc := &receiver{statuses: []int{http.StatusNoContent}}
	srv := startReceiver(t, rc)
	before := runtime.NumGoroutine()
	q, counts, logs := startQueue(t, webhookSettings{Grace: time.Minute})

	body := `{"id":"ev-1","resource":"users","records":[{"id":1}]}`
	if !q.enqueue(delivery{URL: srv.URL + "/hook", EventID: "ev-1", Body: []byte(body), Where: "Caddyfile:12"}) {
		t.Fatal("enqueue refused")
	}
	q.close() // returns once the queue is drained
	// with the receiver still up: workers gone, idle connections closed
	settleGoroutines(t, before)

	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("requests: got %d, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost {
		t.Errorf("method: got %s", r.method)
	}
	if r.body != body {
		t.Errorf("body: got %s, want %s", r.body, body)
	}
	for name, want := range map[string]string{
		"Content-Type":    "application/json",
		"User-Agent":      "caddy-crud",
		"X-Crud-Event-Id": "ev-1",
		"Content-Length":  fmt.Sprint(len(body)),
	} {
		if got := r.header.Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	counts.check(t, map[string]int{webhookDelivered: 1})
	if n := logs.FilterLevelExact(zapcore.ErrorLevel).Len(); n != 0 {
		t.Errorf("error logs: %v", logs.FilterLevelExact(zapcore.ErrorLevel).AllUntimed())
	}
}

func TestWebhookOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		statuses  []int
		attempts  int
		requests  int
		outcomes  map[string]int
		failedLog bool
	}{
		{"5xx then 2xx", []int{500, 500, 200}, 5, 3,
			map[string]int{webhookRetried: 2, webhookDelivered: 1}, false},
		{"429 retried", []int{429, 503, 201}, 5, 3,
			map[string]int{webhookRetried: 2, webhookDelivered: 1}, false},
		{"4xx fails at once", []int{400}, 5, 1,
			map[string]int{webhookFailed: 1}, true},
		{"redirect not followed", []int{302}, 5, 1,
			map[string]int{webhookFailed: 1}, true},
		{"5xx until attempts run out", []int{502}, 3, 3,
			map[string]int{webhookRetried: 2, webhookFailed: 1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			rc := &receiver{statuses: tc.statuses}
			srv := startReceiver(t, rc)
			q, counts, logs := startQueue(t, webhookSettings{
				Attempts: tc.attempts, BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond,
				Grace: time.Minute,
			})
			// secrets in the userinfo and query must not reach the logs
			u := strings.Replace(srv.URL, "://", "://user:pw-secret@", 1) + "/hook?token=tok-secret"
			if !q.enqueue(delivery{URL: u, EventID: "ev-2", Body: []byte(`{}`), Where: "Caddyfile:7"}) {
				t.Fatal("enqueue refused")
			}
			q.close()

			reqs := rc.requests()
			if len(reqs) != tc.requests {
				t.Fatalf("requests: got %d, want %d", len(reqs), tc.requests)
			}
			for i, r := range reqs {
				if id := r.header.Get("X-Crud-Event-Id"); id != "ev-2" {
					t.Errorf("request %d: event id %q", i, id)
				}
			}
			counts.check(t, tc.outcomes)

			failed := findLog(logs, "webhook delivery failed", "ev-2")
			if !tc.failedLog {
				if len(failed) != 0 {
					t.Errorf("unexpected failure log: %v", failed)
				}
				return
			}
			if len(failed) != 1 {
				t.Fatalf("failure logs: got %d, want 1", len(failed))
			}
			e := failed[0]
			f := e.ContextMap()
			if e.Level != zapcore.ErrorLevel || f["rule"] != "Caddyfile:7" ||
				f["url"] != srv.URL+"/hook" || f["attempts"] != int64(tc.requests) {
				t.Errorf("failure log: %v %v", e.Level, f)
			}
			for _, e := range logs.AllUntimed() {
				if s := fmt.Sprint(e.Message, e.ContextMap()); strings.Contains(s, "secret") {
					t.Errorf("log leaks a secret: %s", s)
				}
			}
		})
	}
}

func TestWebhookConnectionRefused(t *testing.T) {
	checkGoroutines(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + "/hook"
	srv.Close()
	q, counts, logs := startQueue(t, webhookSettings{
		Attempts: 3, BackoffBase: time.Millisecond, BackoffMax: time.Millisecond, Grace: time.Minute,
	})
	if !q.enqueue(delivery{URL: u, EventID: "ev-3", Body: []byte(`{}`), Where: "Caddyfile:3"}) {
		t.Fatal("enqueue refused")
	}
	q.close()

	counts.check(t, map[string]int{webhookRetried: 2, webhookFailed: 1})
	failed := findLog(logs, "webhook delivery failed", "ev-3")
	if len(failed) != 1 {
		t.Fatalf("failure logs: got %d, want 1", len(failed))
	}
	f := failed[0].ContextMap()
	if f["attempts"] != int64(3) || f["url"] != u || f["rule"] != "Caddyfile:3" || f["error"] == nil {
		t.Errorf("failure log: %v", f)
	}
}

func TestWebhookBadURL(t *testing.T) {
	for _, u := range []string{"ftp://example.com/hook", "http://[::1", "/relative"} {
		t.Run(u, func(t *testing.T) {
			checkGoroutines(t)
			q, counts, logs := startQueue(t, webhookSettings{Grace: time.Minute})
			q.enqueue(delivery{URL: u, EventID: "ev-4", Body: []byte(`{}`)})
			q.close()
			counts.check(t, map[string]int{webhookFailed: 1})
			if n := len(findLog(logs, "webhook delivery failed", "ev-4")); n != 1 {
				t.Errorf("failure logs: got %d, want 1", n)
			}
		})
	}
}

func TestWebhookQueueFull(t *testing.T) {
	checkGoroutines(t)
	rc := &receiver{block: make(chan struct{})}
	srv := startReceiver(t, rc)
	q, counts, logs := startQueue(t, webhookSettings{QueueSize: 2, Workers: 1, Grace: time.Minute})

	// a job holds its slot while in flight, so the third is refused
	// whether or not the worker has taken the first
	for i, want := range []bool{true, true, false} {
		id := fmt.Sprintf("ev-full-%d", i)
		if got := q.enqueue(delivery{URL: srv.URL, EventID: id, Body: []byte(`{}`), Where: "Caddyfile:9"}); got != want {
			t.Fatalf("enqueue %s: got %v, want %v", id, got, want)
		}
	}
	dropped := findLog(logs, "webhook event dropped", "ev-full-2")
	if len(dropped) != 1 || dropped[0].Level != zapcore.WarnLevel || dropped[0].ContextMap()["rule"] != "Caddyfile:9" {
		t.Errorf("drop log: %v", dropped)
	}

	close(rc.block)
	q.close()
	counts.check(t, map[string]int{webhookDelivered: 2, webhookDropped: 1})
}

func TestWebhookCloseAfterGrace(t *testing.T) {
	checkGoroutines(t)
	rc := &receiver{block: make(chan struct{}), arrived: make(chan string, 4)}
	srv := startReceiver(t, rc)
	t.Cleanup(func() { close(rc.block) }) // runs before the server closes
	q, counts, logs := startQueue(t, webhookSettings{Workers: 1, Grace: 20 * time.Millisecond})

	for _, id := range []string{"ev-slow-1", "ev-slow-2"} {
		if !q.enqueue(delivery{URL: srv.URL, EventID: id, Body: []byte(`{}`), Where: "Caddyfile:5"}) {
			t.Fatalf("enqueue %s refused", id)
		}
	}
	<-rc.arrived // the first is in flight, the second waits for the worker
	q.close()    // the receiver never answers: returns after Grace

	for _, id := range []string{"ev-slow-1", "ev-slow-2"} {
		e := findLog(logs, "webhook event undelivered at shutdown", id)
		if len(e) != 1 || e[0].Level != zapcore.ErrorLevel || e[0].ContextMap()["rule"] != "Caddyfile:5" {
			t.Errorf("%s: undelivered log: %v", id, e)
		}
	}
	if q.enqueue(delivery{URL: srv.URL, EventID: "ev-late"}) {
		t.Error("enqueue after close accepted")
	}
	if n := len(findLog(logs, "webhook event dropped", "ev-late")); n != 1 {
		t.Errorf("drop logs after close: got %d, want 1", n)
	}
	counts.check(t, map[string]int{webhookFailed: 2, webhookDropped: 1})
	q.close() // a second close is harmless
}

func TestWebhookCloseInterruptsRetryWait(t *testing.T) {
	checkGoroutines(t)
	rc := &receiver{statuses: []int{503}}
	srv := startReceiver(t, rc)
	q, counts, logs := startQueue(t, webhookSettings{
		BackoffBase: time.Hour, BackoffMax: time.Hour, Grace: 20 * time.Millisecond,
	})
	q.enqueue(delivery{URL: srv.URL, EventID: "ev-wait", Body: []byte(`{}`), Where: "Caddyfile:2"})
	counts.waitFor(t, webhookRetried) // now waiting on a timer, no worker busy
	q.close()

	e := findLog(logs, "webhook event undelivered at shutdown", "ev-wait")
	if len(e) != 1 {
		t.Fatalf("undelivered logs: got %d, want 1", len(e))
	}
	if n := len(rc.requests()); n != int(e[0].ContextMap()["attempts"].(int64)) {
		t.Errorf("attempts logged %v, requests %d", e[0].ContextMap()["attempts"], n)
	}
	counts.mu.Lock()
	retried := counts.outcomes[webhookRetried]
	counts.mu.Unlock()
	counts.check(t, map[string]int{webhookRetried: retried, webhookFailed: 1})
}

func TestWebhookConcurrentEnqueue(t *testing.T) {
	checkGoroutines(t)
	rc := &receiver{}
	srv := startReceiver(t, rc)
	q, counts, _ := startQueue(t, webhookSettings{QueueSize: 64, Grace: time.Minute})

	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := map[string]bool{}
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				id := fmt.Sprintf("ev-%d-%d", g, i)
				if q.enqueue(delivery{URL: srv.URL, EventID: id, Body: []byte(`{}`)}) {
					mu.Lock()
					accepted[id] = true
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	q.close()

	got := map[string]bool{}
	for _, r := range rc.requests() {
		got[r.header.Get("X-Crud-Event-Id")] = true
	}
	if len(got) != len(accepted) {
		t.Errorf("delivered %d distinct events, accepted %d", len(got), len(accepted))
	}
	for id := range accepted {
		if !got[id] {
			t.Errorf("%s accepted, not delivered", id)
		}
	}
	counts.check(t, map[string]int{webhookDelivered: len(accepted), webhookDropped: 400 - len(accepted)})
}

func TestWebhookDefaults(t *testing.T) {
	checkGoroutines(t)
	q, _, _ := startQueue(t, webhookSettings{})
	want := webhookSettings{
		QueueSize: 1024, Workers: 4, Attempts: 5, Timeout: 5 * time.Second,
		BackoffBase: 200 * time.Millisecond, BackoffMax: 30 * time.Second, Grace: 5 * time.Second,
	}
	if got := q.cfg; got != want {
		t.Errorf("config: got %+v, want %+v", got, want)
	}
	if !q.ownClient || q.client.Timeout != want.Timeout || q.client.CheckRedirect == nil {
		t.Errorf("client: %+v", q.client)
	}
	q.close()
}

func TestWebhookBackoff(t *testing.T) {
	q := &webhookQueue{cfg: webhookSettings{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second}.withDefaults()}
	for attempts, ceiling := range map[int]time.Duration{
		1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond,
		4: 800 * time.Millisecond, 5: time.Second, 60: time.Second,
	} {
		for range 100 {
			if d := q.backoff(attempts); d < 0 || d > ceiling {
				t.Fatalf("backoff after %d attempts: %v, want within [0, %v]", attempts, d, ceiling)
			}
		}
	}
	huge := &webhookQueue{cfg: webhookSettings{BackoffBase: time.Hour, BackoffMax: 1<<63 - 1}.withDefaults()}
	if d := huge.backoff(200); d < 0 {
		t.Errorf("backoff overflowed: %v", d)
	}
}

func TestWebhookRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://u:p@hooks.example/a/b?token=x#frag": "https://hooks.example/a/b",
		"http://hooks.example/?":                     "http://hooks.example/",
		"http://[::1":                                "(invalid url)",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
