package rules

import (
	"bytes"
	"context"
)

// Trace receives what each statement did to a record, for `caddy crud
// explain`. It is called only when set on the Input; a phase without it
// does no tracing work.
type Trace func(TraceEvent)

// TraceEvent is one statement's effect on one record.
type TraceEvent struct {
	// Where names the resource, block and statement.
	Where string
	// Index is the record's position in a list or bulk body; -1 for one
	// record.
	Index int
	// Before and After are the record's JSON before and after the
	// statement, when it changed the record.
	Before, After []byte
	// Hidden counts the fields a hide removed from the record.
	Hidden int
	// Dropped says a drop removed the record.
	Dropped bool
}

type traceKey struct{}

// WithTrace returns ctx carrying t, for the handler to set on the phases'
// Input of the request ctx belongs to.
func WithTrace(ctx context.Context, t Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// TraceFrom is the Trace ctx carries, or nil.
func TraceFrom(ctx context.Context) Trace {
	t, _ := ctx.Value(traceKey{}).(Trace)
	return t
}

// tracer follows the statements a phase runs on one record: each one that
// changed the record is reported once the next one starts.
type tracer struct {
	t     Trace
	index int
	s     *stmt
	prev  []byte
}

// next reports the previous statement's change, if any, and starts s on a
// record that is cur.
func (tr *tracer) next(s *stmt, cur []byte) {
	if tr.t == nil {
		return
	}
	tr.done(cur)
	tr.s, tr.prev = s, bytes.Clone(cur)
}

// done reports the last statement's change, if any.
func (tr *tracer) done(cur []byte) {
	if tr.t == nil || tr.s == nil {
		return
	}
	if !bytes.Equal(tr.prev, cur) {
		tr.t(TraceEvent{Where: tr.s.where, Index: tr.index, Before: tr.prev, After: bytes.Clone(cur)})
	}
	tr.s = nil
}

// event reports an effect that is not a change of the record's bytes.
func (tr *tracer) event(e TraceEvent) {
	if tr.t != nil {
		e.Index = tr.index
		tr.t(e)
	}
}
