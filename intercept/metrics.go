package intercept

import (
	"errors"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the handler's Prometheus collectors, on Caddy's registry.
// Labels stay bounded: resource and action names come from the config,
// never from a request.
type metrics struct {
	decisions  *prometheus.CounterVec   // resource, action, phase, outcome
	filtered   *prometheus.CounterVec   // resource, kind (hidden, dropped)
	duration   *prometheus.HistogramVec // phase
	deliveries *prometheus.CounterVec   // outcome
	queue      prometheus.Gauge
	mismatches *prometheus.CounterVec // resource, action

	mu        sync.Mutex
	queueLast map[any]int

	decisionSeries labelCache[decisionKey, prometheus.Counter]
	filteredSeries labelCache[filteredKey, [4]prometheus.Counter] // hidden, dropped, masked, redacted

	// the duration series of the phases, made with the collectors (a
	// series read once a request is not looked up by its label)
	beforeDuration, afterDuration prometheus.Observer
}

// filteredKey names the filtered series of a resource, in report mode
// (would_hide...) or not.
type filteredKey struct {
	res    *resource
	report bool
}

// decisionKey names a decision series by the route it was made on, which
// hashes faster than the resource and action names it stands for.
type decisionKey struct {
	res            *resource
	route          *route // nil: the method is not mapped on res
	phase, outcome string
}

func newMetrics(reg prometheus.Registerer) *metrics {
	const ns, sub = "caddy", "http_crud"
	m := &metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "decisions_total",
			Help: "Decisions of crud rules, by resource, action, phase and outcome.",
		}, []string{"resource", "action", "phase", "outcome"}),
		filtered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "filtered_total",
			Help: "Fields hidden and records dropped from responses, by resource and kind (hidden, dropped, masked, redacted; would_hide, would_drop, would_mask, would_redact in report mode).",
		}, []string{"resource", "kind"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "rule_duration_seconds",
			Help:    "Time spent evaluating crud rules, by phase.",
			Buckets: []float64{.00001, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .05},
		}, []string{"phase"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "webhook_deliveries_total",
			Help: "Webhook events' outcomes: delivered, retried, failed, dropped (in-process queue full), dead (dead-lettered), unstored (the durable store refused it).",
		}, []string{"outcome"}),
		queue: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "webhook_queue_length",
			Help: "Webhook deliveries waiting to be sent.",
		}),
		mismatches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "response_mismatches_total",
			Help: "2xx responses that did not match the response schema of their OpenAPI operation, by resource and action.",
		}, []string{"resource", "action"}),
		queueLast: map[any]int{},
	}
	if reg != nil {
		m.decisions = register(reg, m.decisions)
		m.filtered = register(reg, m.filtered)
		m.duration = register(reg, m.duration)
		m.deliveries = register(reg, m.deliveries)
		m.queue = register(reg, m.queue)
		m.mismatches = register(reg, m.mismatches)
	}
	m.beforeDuration, m.afterDuration = m.duration.WithLabelValues("before"), m.duration.WithLabelValues("after")
	return m
}

// register adds c to reg, or returns the collector another crud handler
// of the same config registered first.
func register[T prometheus.Collector](reg prometheus.Registerer, c T) T {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing
			}
		}
	}
	return c
}

// decision counts a decision of the rules, in phase, on a route of res
// (rt nil: no action takes the request's method).
func (m *metrics) decision(res *resource, rt *route, phase, outcome string) {
	m.decisionSeries.get(decisionKey{res, rt, phase, outcome}, func(k decisionKey) prometheus.Counter {
		return m.decisions.WithLabelValues(k.res.name, actionName(k.route), k.phase, k.outcome)
	}).Inc()
}

// filteredCounts counts what the after rules hid, dropped, masked and
// redacted in a response of res (report: what they would have).
func (m *metrics) filteredCounts(res *resource, report bool, hidden, dropped, masked, redacted int) {
	c := m.filteredSeries.get(filteredKey{res, report}, func(k filteredKey) (series [4]prometheus.Counter) {
		kinds := [4]string{"hidden", "dropped", "masked", "redacted"}
		if k.report {
			kinds = [4]string{"would_hide", "would_drop", "would_mask", "would_redact"}
		}
		for i, kind := range kinds {
			series[i] = m.filtered.WithLabelValues(k.res.name, kind)
		}
		return series
	})
	c[0].Add(float64(hidden))
	c[1].Add(float64(dropped))
	c[2].Add(float64(masked))
	c[3].Add(float64(redacted))
}

// labelCache keeps the series of a vector by their labels, so that a
// request finds its series with one map read instead of WithLabelValues'
// hashing and locking. Labels come from the config, so it stays small;
// it is copied on each new series and read without a lock.
type labelCache[K comparable, V any] struct {
	mu     sync.Mutex
	series atomic.Pointer[map[K]V]
}

// get returns the series of k, made by series the first time.
func (c *labelCache[K, V]) get(k K, series func(K) V) V {
	if m := c.series.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	next := map[K]V{}
	if old := c.series.Load(); old != nil {
		if v, ok := (*old)[k]; ok {
			return v // made while this call waited
		}
		next = maps.Clone(*old)
	}
	v := series(k)
	next[k] = v
	c.series.Store(&next)
	return v
}

// webhookStats adapts one store's reports to the shared collectors.
type webhookStats struct {
	m *metrics
	q any // the key of this store's share of the gauge
}

func (s *webhookStats) Delivery(outcome string) { s.m.deliveries.WithLabelValues(outcome).Inc() }

// QueueLength moves the shared gauge by this queue's change, so several
// handlers add up.
func (s *webhookStats) QueueLength(n int) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.queue.Add(float64(n - s.m.queueLast[s.q]))
	s.m.queueLast[s.q] = n
}
