package caddytest

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Caddy's metrics, scraped from the admin endpoint.

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
