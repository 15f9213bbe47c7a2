package intercept

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DeadLetter is an event that exhausted its attempts (or failed for good).
type DeadLetter struct {
	ID       string          `json:"id"`
	URL      string          `json:"url"` // without userinfo, query or fragment
	Rule     string          `json:"rule"`
	Attempts int             `json:"attempts"`
	Failure  string          `json:"failure"` // the last attempt's outcome
	DeadAt   string          `json:"dead_at"` // RFC 3339
	Event    json.RawMessage `json:"event"`   // the payload
}

// Errors of the dead-letter functions.
var (
	ErrNoDurableStore     = errors.New("no durable webhook store is running (no rule sends webhooks, or store memory)")
	ErrDeadLetterNotFound = errors.New("no dead letter with this id")
)

// liveStores are the running durable stores, newest last, for the admin
// API; stores that reach the same NATS share their streams.
var liveStores struct {
	sync.Mutex
	list []*jsStore
}

func registerStore(s *jsStore) {
	liveStores.Lock()
	liveStores.list = append(liveStores.list, s)
	liveStores.Unlock()
}

func unregisterStore(s *jsStore) {
	liveStores.Lock()
	liveStores.list = slices.DeleteFunc(liveStores.list, func(x *jsStore) bool { return x == s })
	liveStores.Unlock()
}

// storesByBackend returns the newest running store of each NATS reached.
func storesByBackend() []*jsStore {
	liveStores.Lock()
	defer liveStores.Unlock()
	seen := map[string]bool{}
	var out []*jsStore
	for i := len(liveStores.list) - 1; i >= 0; i-- {
		if s := liveStores.list[i]; !seen[s.key] {
			seen[s.key] = true
			out = append(out, s)
		}
	}
	return out
}

// DeadLetters lists the dead letters of every running durable store, in
// the order they died.
func DeadLetters(ctx context.Context) ([]DeadLetter, error) {
	stores := storesByBackend()
	if len(stores) == 0 {
		return nil, ErrNoDurableStore
	}
	out := []DeadLetter{}
	for _, s := range stores {
		list, err := s.deadLetters(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

// RequeueDeadLetter puts the dead letter id back in the queue, with its
// attempts counted afresh, and removes it from the dead letters.
func RequeueDeadLetter(ctx context.Context, id string) error {
	stores := storesByBackend()
	if len(stores) == 0 {
		return ErrNoDurableStore
	}
	if !validToken(id) {
		return ErrDeadLetterNotFound
	}
	for _, s := range stores {
		err := s.requeue(ctx, id)
		if !errors.Is(err, ErrDeadLetterNotFound) {
			return err
		}
	}
	return ErrDeadLetterNotFound
}

// RequeueDeadLetters requeues every dead letter; it returns how many.
func RequeueDeadLetters(ctx context.Context) (int, error) {
	list, err := DeadLetters(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range list {
		switch err := RequeueDeadLetter(ctx, d.ID); {
		case err == nil:
			n++
		case !errors.Is(err, ErrDeadLetterNotFound): // requeued meanwhile
			return n, err
		}
	}
	return n, nil
}

// deadLetters reads the dead-letter stream from its start.
func (s *jsStore) deadLetters(ctx context.Context) ([]DeadLetter, error) {
	stream, err := s.jet.Stream(ctx, deadStream)
	if err != nil {
		return nil, err
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, err
	}
	if info.State.Msgs == 0 {
		return nil, nil
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, err
	}
	var out []DeadLetter
	for {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return nil, err
		}
		last := uint64(1)
		got := 0
		for msg := range batch.Messages() {
			got++
			out = append(out, deadLetterOf(msg.Headers(), msg.Data()))
			if md, err := msg.Metadata(); err == nil {
				last = md.NumPending
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return nil, err
		}
		if got == 0 || last == 0 {
			return out, nil
		}
	}
}

func deadLetterOf(h nats.Header, data []byte) DeadLetter {
	attempts, _ := strconv.Atoi(h.Get(hdrAttempts))
	ev := json.RawMessage(data)
	if !json.Valid(data) {
		ev, _ = json.Marshal(string(data))
	}
	return DeadLetter{ID: h.Get(hdrEventID), URL: redactURL(h.Get(hdrURL)), Rule: h.Get(hdrRule),
		Attempts: attempts, Failure: h.Get(hdrFailure), DeadAt: h.Get(hdrDeadAt), Event: ev}
}

// requeue moves one dead letter back to the events: published first,
// deleted after, so a failure between leaves a duplicate, never a loss.
func (s *jsStore) requeue(ctx context.Context, id string) error {
	stream, err := s.jet.Stream(ctx, deadStream)
	if err != nil {
		return err
	}
	raw, err := stream.GetLastMsgForSubject(ctx, deadSubjectPrefix+id)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return ErrDeadLetterNotFound
	}
	if err != nil {
		return err
	}
	m := nats.NewMsg(eventsSubject)
	m.Data = raw.Data
	for _, k := range []string{hdrEventID, hdrURL, hdrRule, hdrSecretID} {
		if v := raw.Header.Get(k); v != "" {
			m.Header.Set(k, v)
		}
	}
	if _, err := s.jet.PublishMsg(ctx, m, jetstream.WithExpectStream(eventsStream)); err != nil {
		return err
	}
	return stream.DeleteMsg(ctx, raw.Sequence)
}
