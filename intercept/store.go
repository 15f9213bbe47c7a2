package intercept

import (
	"context"
	"errors"
)

// webhookStore keeps accepted webhook events until they are delivered.
type webhookStore interface {
	// durable reports whether an event must be stored before the
	// response is written: the response waits for store, and a failed
	// store turns it into a 503.
	durable() bool

	// available fails when events cannot be stored now (a durable store that
	// lost its server), so a request can be refused before it reaches the
	// upstream.
	available() error

	// store accepts the events. A durable store returns once every one is
	// stored, or the first error; the memory queue never fails (what it
	// cannot take it drops, counted and logged).
	store(ctx context.Context, events []delivery) error

	// close stops delivery: pending deliveries get the grace period.
	close()
}

// errStoreUnavailable wraps what keeps a durable store from storing.
var errStoreUnavailable = errors.New("webhook store unavailable")

// The memory queue is the `store memory` choice: in-process, lossy.
func (q *webhookQueue) durable() bool { return false }

func (q *webhookQueue) available() error { return nil }

func (q *webhookQueue) store(_ context.Context, events []delivery) error {
	for _, d := range events {
		q.enqueue(d)
	}
	return nil
}

// Interface guards
var (
	_ webhookStore = (*webhookQueue)(nil)
	_ webhookStore = (*jsStore)(nil)
)
