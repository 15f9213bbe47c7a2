package intercept

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"go.uber.org/zap"
)

// webhookSettings are what a webhook store runs with (see
// WebhookConfig.settings); zero values take the defaults.
type webhookSettings struct {
	// QueueSize (in-process queue only) is how many accepted events may be unfinished at once:
	// waiting for a worker, being sent, or waiting for a retry. When it is
	// reached, new events are dropped (counted and logged). Default: 1024.
	QueueSize int

	// Workers is how many deliveries are sent concurrently. Default: 4.
	Workers int

	// Attempts is how many times an event is tried, the first included.
	// Default: 5.
	Attempts int

	// Timeout bounds one attempt. Default: 5s.
	Timeout time.Duration

	// BackoffBase is the upper bound of the first retry delay; it doubles
	// for each further retry, up to BackoffMax, and the actual delay is
	// drawn uniformly below it (full jitter). Default: 200ms.
	BackoffBase time.Duration

	// BackoffMax caps the retry delay. Default: 30s.
	BackoffMax time.Duration

	// Grace is how long, once the queue is closed, pending and in-flight
	// deliveries may still run. Default: 5s.
	Grace time.Duration

	// JetStream, when set, stores events durably on NATS JetStream;
	// nil keeps them in the in-process queue (lossy: a crash or a restart
	// loses what is queued).
	JetStream *jetStreamSettings

	// Client sends the events. Default: a client of its own with the
	// per-attempt timeout that follows no redirects. The per-attempt
	// timeout applies to any client.
	Client *http.Client
}

// Webhook delivery defaults.
const (
	defaultWebhookQueueSize   = 1024
	defaultWebhookWorkers     = 4
	defaultWebhookAttempts    = 5
	defaultWebhookTimeout     = 5 * time.Second
	defaultWebhookBackoffBase = 200 * time.Millisecond
	defaultWebhookBackoffMax  = 30 * time.Second
	defaultWebhookGrace       = 5 * time.Second

	// webhookDrainLimit is how much of a receiver's answer is read so the
	// connection can be reused; the rest is dropped with the connection.
	webhookDrainLimit = 64 << 10
)

// Webhook delivery outcomes, as counted by WebhookStats.
const (
	webhookDelivered = "delivered"
	webhookRetried   = "retried"
	webhookFailed    = "failed"
	webhookDropped   = "dropped"
)

// withDefaults returns the config with its zero (or meaningless) fields
// set to the defaults.
func (c webhookSettings) withDefaults() webhookSettings {
	if c.QueueSize <= 0 {
		c.QueueSize = defaultWebhookQueueSize
	}
	if c.Workers <= 0 {
		c.Workers = defaultWebhookWorkers
	}
	if c.Attempts <= 0 {
		c.Attempts = defaultWebhookAttempts
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultWebhookTimeout
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = defaultWebhookBackoffBase
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = defaultWebhookBackoffMax
	}
	if c.BackoffMax < c.BackoffBase {
		c.BackoffMax = c.BackoffBase
	}
	if c.Grace <= 0 {
		c.Grace = defaultWebhookGrace
	}
	return c
}

// delivery is one event to POST.
type delivery struct {
	URL     string
	EventID string // the same on every retry; sent as header `X-Crud-Event-Id`
	Body    []byte // JSON; not modified by the queue, and must not be by the caller once enqueued
	Where   string // rule location, for logs
	Secret  []byte // Standard Webhooks signing key; nil: unsigned
}

// WebhookStats receives counts (the lead maps them to Prometheus): outcome
// is one of "delivered", "retried", "failed", "dropped". An event
// undelivered at shutdown counts as "failed", so every accepted event is
// counted once as delivered or failed. QueueLength is called with the
// number of unfinished accepted events (waiting, in flight or waiting for
// a retry) whenever it changes, under the queue's lock: it must be quick
// and must not call back into the queue.
type WebhookStats interface {
	Delivery(outcome string)
	QueueLength(n int)
}

type nopWebhookStats struct{}

func (nopWebhookStats) Delivery(string) {}
func (nopWebhookStats) QueueLength(int) {}

// webhookJob is an accepted delivery and its progress.
type webhookJob struct {
	delivery
	safeURL  string // URL without userinfo, query or fragment, for logs
	attempts int    // attempts made so far
}

// webhookQueue delivers events in the background: a fixed pool of workers
// takes jobs from ready; a job to retry waits on a timer (holding no
// worker) and then goes back into ready. A job holds its queue slot from
// enqueue until its final outcome, so ready never holds more than
// QueueSize jobs and a retry never needs a new slot.
type webhookQueue struct {
	cfg       webhookSettings
	client    *http.Client
	ownClient bool
	logger    *zap.Logger
	stats     WebhookStats

	ready chan *webhookJob // capacity QueueSize; sends never block

	// ctx is cancelled when the grace period ends (or everything is
	// done); it aborts in-flight attempts and stops the workers.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	pending int                         // accepted, unfinished jobs
	waiting map[*webhookJob]*time.Timer // jobs waiting for a retry
	closed  bool                        // enqueue refuses
	stopped bool                        // nothing more is started or scheduled
	drained chan struct{}               // closed once closed && pending == 0
	wg      sync.WaitGroup              // workers and retry timer callbacks
	once    sync.Once                   // close runs once
}

// newWebhookQueue starts the workers of a delivery queue; close stops them.
func newWebhookQueue(cfg webhookSettings, logger *zap.Logger, stats WebhookStats) *webhookQueue {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = zap.NewNop()
	}
	if stats == nil {
		stats = nopWebhookStats{}
	}
	q := &webhookQueue{
		cfg:     cfg,
		client:  cfg.Client,
		logger:  logger,
		stats:   stats,
		ready:   make(chan *webhookJob, cfg.QueueSize),
		waiting: map[*webhookJob]*time.Timer{},
		drained: make(chan struct{}),
	}
	if q.client == nil {
		q.client = newWebhookClient(cfg.Timeout)
		q.ownClient = true
	}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	q.wg.Add(cfg.Workers)
	for range cfg.Workers {
		go q.work()
	}
	return q
}

// newWebhookClient returns a client with its own connection pool that
// follows no redirects.
func newWebhookClient(timeout time.Duration) *http.Client {
	var tr *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = dt.Clone()
	} else {
		tr = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// enqueue accepts d for delivery without blocking. It returns false, counts
// "dropped" and logs a warning when the queue is full or closed. The queue
// keeps d.Body: the caller must not modify it afterwards.
func (q *webhookQueue) enqueue(d delivery) bool {
	j := &webhookJob{delivery: d, safeURL: redactURL(d.URL)}
	q.mu.Lock()
	reason := ""
	switch {
	case q.closed:
		reason = "shutting down"
	case q.pending >= q.cfg.QueueSize:
		reason = "queue full"
	default:
		q.pending++
		q.stats.QueueLength(q.pending)
		q.ready <- j // never blocks: len(ready) <= pending <= QueueSize
	}
	q.mu.Unlock()
	if reason == "" {
		return true
	}
	q.stats.Delivery(webhookDropped)
	q.logger.Warn("webhook event dropped", zap.String("reason", reason),
		zap.String("event_id", d.EventID), zap.String("url", j.safeURL), zap.String("rule", d.Where))
	return false
}

// close stops accepting events, lets pending and in-flight deliveries run
// for up to Grace, then cancels the rest and logs every undelivered event
// at error. It returns when all workers and retry timers have stopped.
// Calling it again waits for the first call.
func (q *webhookQueue) close() {
	q.once.Do(q.shutdown)
}

func (q *webhookQueue) shutdown() {
	q.mu.Lock()
	q.closed = true
	if q.pending == 0 {
		close(q.drained)
	}
	q.mu.Unlock()

	grace := time.NewTimer(q.cfg.Grace)
	select {
	case <-q.drained:
	case <-grace.C:
	}
	grace.Stop()

	// Abort in-flight attempts and stop the workers; take the retries
	// that are still waiting. A timer that could not be stopped has
	// started its callback, which sees stopped and reports its job.
	q.cancel()
	var left []*webhookJob
	q.mu.Lock()
	q.stopped = true
	for j, t := range q.waiting {
		if t.Stop() {
			delete(q.waiting, j)
			left = append(left, j)
			q.wg.Done()
		}
	}
	q.mu.Unlock()
	q.wg.Wait()

	// Nothing else runs now: what is still ready was never sent.
	for len(q.ready) > 0 {
		left = append(left, <-q.ready)
	}
	for _, j := range left {
		q.undelivered(j)
	}
	if q.ownClient {
		q.client.CloseIdleConnections()
	}
}

// work sends ready jobs until the queue's context ends.
func (q *webhookQueue) work() {
	defer q.wg.Done()
	for {
		select {
		case <-q.ctx.Done():
			return
		case j := <-q.ready:
			q.attempt(j)
		}
	}
}

// attempt sends j once and decides what follows: done, retry, or failure.
func (q *webhookQueue) attempt(j *webhookJob) {
	if q.ctx.Err() != nil {
		q.undelivered(j)
		return
	}
	j.attempts++
	status, retriable, err := q.send(j)
	switch {
	case err == nil && status >= 200 && status < 300:
		if ce := q.logger.Check(zap.DebugLevel, "webhook delivered"); ce != nil {
			ce.Write(zap.String("event_id", j.EventID), zap.String("url", j.safeURL),
				zap.String("rule", j.Where), zap.Int("attempts", j.attempts), zap.Int("status", status))
		}
		q.stats.Delivery(webhookDelivered)
		q.finish()
	case q.ctx.Err() != nil:
		// cut off at shutdown, whatever the attempt's own outcome
		q.undelivered(j)
	case !retriable || j.attempts >= q.cfg.Attempts:
		q.fail(j, status, err)
	default:
		if ce := q.logger.Check(zap.DebugLevel, "webhook attempt failed, will retry"); ce != nil {
			ce.Write(append(outcomeFields(j, status, err), zap.Int("attempts", j.attempts))...)
		}
		q.retry(j)
	}
}

// send POSTs j once.
func (q *webhookQueue) send(j *webhookJob) (status int, retriable bool, err error) {
	return post(q.ctx, q.client, q.cfg.Timeout, &j.delivery)
}

// post sends d once, signed afresh, within timeout. retriable tells
// whether a failure may be retried: network errors, timeouts, 429 and 5xx.
func post(ctx context.Context, client *http.Client, timeout time.Duration, d *delivery) (status int, retriable bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, false, errors.New("invalid webhook url")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return 0, false, fmt.Errorf("unsupported webhook url scheme %q", req.URL.Scheme)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "caddy-crud")
	req.Header.Set("X-Crud-Event-Id", d.EventID)
	setWebhookHeaders(req.Header, d.EventID, time.Now().Unix(), d.Secret, d.Body)
	resp, err := client.Do(req)
	if err != nil {
		// a *url.Error repeats the URL, query included: keep only the cause
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, true, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, webhookDrainLimit))
	_ = resp.Body.Close()
	s := resp.StatusCode
	return s, s == http.StatusTooManyRequests || s >= 500, nil
}

// retry schedules j's next attempt after a jittered backoff. The job keeps
// its slot; no worker waits for it.
func (q *webhookQueue) retry(j *webhookJob) {
	delay := q.backoff(j.attempts)
	q.mu.Lock()
	if q.stopped {
		q.mu.Unlock()
		q.undelivered(j)
		return
	}
	q.wg.Add(1) // the caller, a worker, holds the group above zero
	q.waiting[j] = time.AfterFunc(delay, func() { q.fire(j) })
	q.mu.Unlock()
	q.stats.Delivery(webhookRetried)
}

// fire moves a job whose retry delay has passed back into ready.
func (q *webhookQueue) fire(j *webhookJob) {
	defer q.wg.Done()
	q.mu.Lock()
	delete(q.waiting, j)
	if q.stopped {
		q.mu.Unlock()
		q.undelivered(j)
		return
	}
	q.ready <- j // never blocks: the job holds its slot
	q.mu.Unlock()
}

// backoff returns the delay before the retry that follows attempt number
// attempts.
func (q *webhookQueue) backoff(attempts int) time.Duration {
	return q.cfg.backoff(attempts)
}

// backoff returns the delay before the retry that follows attempt number
// attempts: uniform in [0, min(BackoffMax, BackoffBase×2^(attempts-1))).
func (c webhookSettings) backoff(attempts int) time.Duration {
	d, limit := c.BackoffBase, c.BackoffMax
	for i := 1; i < attempts && d < limit; i++ {
		if d > limit/2 {
			d = limit
			break
		}
		d *= 2
	}
	d = min(d, limit)
	return rand.N(d) // d > 0: BackoffBase > 0
}

// fail ends j as failed.
func (q *webhookQueue) fail(j *webhookJob, status int, err error) {
	q.logger.Error("webhook delivery failed",
		append(outcomeFields(j, status, err), zap.Int("attempts", j.attempts))...)
	q.stats.Delivery(webhookFailed)
	q.finish()
}

// undelivered ends j as cut off by shutdown.
func (q *webhookQueue) undelivered(j *webhookJob) {
	q.logger.Error("webhook event undelivered at shutdown", zap.String("event_id", j.EventID),
		zap.String("url", j.safeURL), zap.String("rule", j.Where), zap.Int("attempts", j.attempts))
	q.stats.Delivery(webhookFailed)
	q.finish()
}

// finish releases a job's slot.
func (q *webhookQueue) finish() {
	q.mu.Lock()
	q.pending--
	q.stats.QueueLength(q.pending)
	if q.closed && q.pending == 0 {
		close(q.drained)
	}
	q.mu.Unlock()
}

// outcomeFields are the log fields of an attempt's outcome.
func outcomeFields(j *webhookJob, status int, err error) []zap.Field {
	f := []zap.Field{zap.String("event_id", j.EventID), zap.String("url", j.safeURL), zap.String("rule", j.Where)}
	if err != nil {
		return append(f, zap.Error(err))
	}
	return append(f, zap.Int("status", status))
}

// redactURL returns u without userinfo, query or fragment, which may hold
// secrets, for logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid url)"
	}
	u.User = nil
	u.RawQuery, u.ForceQuery = "", false
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}
