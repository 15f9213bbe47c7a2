package intercept

import (
	"context"
	"sync/atomic"

	"github.com/caddy-crud/caddy-crud/rules"
)

type traceKey struct{}

// tracing is set once a request has carried a trace, so that a handler
// whose requests never do looks for none.
var tracing atomic.Bool

// WithTrace returns ctx carrying fn: the handler serving a request with
// this context passes every statement's decision to fn (see rules.Input's
// Trace). `caddy crud explain` uses it.
func WithTrace(ctx context.Context, fn func(rules.Step)) context.Context {
	tracing.Store(true)
	return context.WithValue(ctx, traceKey{}, fn)
}

// traceOf is the trace a request's context carries, or nil.
func traceOf(ctx context.Context) func(rules.Step) {
	if !tracing.Load() {
		return nil
	}
	fn, _ := ctx.Value(traceKey{}).(func(rules.Step))
	return fn
}
