package intercept

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// jetStreamSettings make webhook delivery durable on NATS JetStream: each
// event is stored in a stream before the response is written, and workers
// consume it through one durable consumer that every gateway on the same
// NATS shares.
type jetStreamSettings struct {
	// URL is the NATS server to use (several comma-separated); empty runs
	// an embedded server, with no network listener, storing in Dir.
	URL string

	// Dir is where the embedded server stores its streams.
	Dir string

	// Creds is a NATS credentials file; NKey an nkey seed file; User and
	// Password a user's login. Empty: not used.
	Creds, NKey, User, Password string

	// MaxEvents and MaxBytes cap the stream of events waiting for
	// delivery (and the dead-letter stream); a full stream refuses new
	// events. Defaults: 1,000,000 events and 1 GiB.
	MaxEvents, MaxBytes int64

	// Replicas is how many servers of a cluster keep each stream. Default: 1.
	Replicas int

	// StoreTimeout bounds how long a response waits for its events to be
	// stored. Default: 5s.
	StoreTimeout time.Duration
}

// The JetStream names: one work-queue stream of events, one stream of
// dead letters (one per event id), one durable consumer.
const (
	eventsStream      = "CRUD_WEBHOOKS"
	eventsSubject     = "crud.webhooks.events"
	deadStream        = "CRUD_WEBHOOKS_DEAD"
	deadSubjectPrefix = "crud.webhooks.dead."
	consumerName      = "crud-webhooks"
)

// The headers of a stored event; the body is the webhook's payload.
const (
	hdrEventID  = "Crud-Event-Id"
	hdrURL      = "Crud-Url"
	hdrRule     = "Crud-Rule"
	hdrSecretID = "Crud-Secret-Id" // a fingerprint: the secret itself is never stored
	hdrAttempts = "Crud-Attempts"  // dead letters
	hdrFailure  = "Crud-Failure"   // dead letters: the last attempt's outcome
	hdrDeadAt   = "Crud-Dead-At"   // dead letters: RFC 3339
)

// JetStream defaults.
const (
	defaultMaxEvents    = 1_000_000
	defaultMaxBytes     = 1 << 30
	defaultStoreTimeout = 5 * time.Second

	// fetchWait bounds one wait for an event, so workers notice a close.
	fetchWait = 5 * time.Second

	// queueGaugeEvery is how often the queue length gauge is refreshed.
	queueGaugeEvery = 2 * time.Second

	// webhookDead counts an event moved to the dead-letter stream;
	// webhookUnstored an event a durable store could not take.
	webhookDead     = "dead"
	webhookUnstored = "unstored"
)

// errUnknownSecret: the event was signed with a secret this gateway's
// config does not hold (changed since, or another gateway's).
var errUnknownSecret = errors.New("signing secret of the event is not in this gateway's config")

// jsStore is the durable store on JetStream.
type jsStore struct {
	cfg    webhookSettings
	js     jetStreamSettings
	key    string // what the store reaches, for the admin API
	nc     *nats.Conn
	jet    jetstream.JetStream
	cons   jetstream.Consumer
	client *http.Client
	logger *zap.Logger
	stats  WebhookStats

	fetchCtx  context.Context // cancelled at close: take no more events
	fetchStop context.CancelFunc
	sendCtx   context.Context // cancelled when the grace ends: abort attempts
	sendStop  context.CancelFunc
	wg        sync.WaitGroup
	once      sync.Once
}

// newJSStore connects (or starts the embedded server), makes sure the
// streams and the consumer exist, and starts the workers. An unreachable
// server fails here, so the config does not load.
func newJSStore(cfg webhookSettings, logger *zap.Logger, stats WebhookStats) (_ *jsStore, err error) {
	cfg = cfg.withDefaults()
	j := *cfg.JetStream
	if j.MaxEvents <= 0 {
		j.MaxEvents = defaultMaxEvents
	}
	if j.MaxBytes <= 0 {
		j.MaxBytes = defaultMaxBytes
	}
	if j.Replicas <= 0 {
		j.Replicas = 1
	}
	if j.StoreTimeout <= 0 {
		j.StoreTimeout = defaultStoreTimeout
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	if stats == nil {
		stats = nopWebhookStats{}
	}
	s := &jsStore{cfg: cfg, js: j, logger: logger, stats: stats, client: cfg.Client}
	if s.client == nil {
		s.client = newWebhookClient(cfg.Timeout)
	}
	opts := []nats.Option{nats.Name("caddy-crud"), nats.Timeout(5 * time.Second), nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err == nil {
				return // closed by us
			}
			logger.Error("nats connection lost; actions with webhooks answer 503 until it is back", zap.Error(err))
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			logger.Info("nats connection back", zap.String("server", nc.ConnectedUrlRedacted()))
		}),
	}
	if j.URL == "" {
		ns, err := useEmbeddedServer(j.Dir)
		if err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				releaseEmbeddedServer(j.Dir)
			}
		}()
		s.key = "embedded:" + j.Dir
		opts = append(opts, nats.InProcessServer(ns))
	} else {
		s.key = j.URL
		if j.Creds != "" {
			opts = append(opts, nats.UserCredentials(j.Creds))
		}
		if j.NKey != "" {
			o, err := nats.NkeyOptionFromSeed(j.NKey)
			if err != nil {
				return nil, fmt.Errorf("nats nkey: %w", err)
			}
			opts = append(opts, o)
		}
		if j.User != "" || j.Password != "" {
			opts = append(opts, nats.UserInfo(j.User, j.Password))
		}
	}
	if s.nc, err = nats.Connect(j.URL, opts...); err != nil {
		return nil, fmt.Errorf("nats %s: %w", redactServers(j.URL), err)
	}
	defer func() {
		if err != nil {
			s.nc.Close()
		}
	}()
	if s.jet, err = jetstream.New(s.nc); err != nil {
		return nil, fmt.Errorf("nats %s: jetstream: %w", redactServers(j.URL), err)
	}
	if err = s.setUp(); err != nil {
		return nil, fmt.Errorf("nats %s: %w", redactServers(j.URL), err)
	}
	s.fetchCtx, s.fetchStop = context.WithCancel(context.Background())
	s.sendCtx, s.sendStop = context.WithCancel(context.Background())
	s.wg.Add(cfg.Workers + 1)
	for range cfg.Workers {
		go s.work()
	}
	go s.gauge()
	registerStore(s)
	return s, nil
}

// setUp creates or updates the streams and the shared consumer.
func (s *jsStore) setUp() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := s.jet.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        eventsStream,
		Description: "caddy-crud webhook events waiting for delivery",
		Subjects:    []string{eventsSubject},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardNew,
		MaxMsgs:     s.js.MaxEvents,
		MaxBytes:    s.js.MaxBytes,
		Replicas:    s.js.Replicas,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", eventsStream, err)
	}
	_, err = s.jet.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              deadStream,
		Description:       "caddy-crud webhook events that exhausted their attempts",
		Subjects:          []string{deadSubjectPrefix + ">"},
		Storage:           jetstream.FileStorage,
		Discard:           jetstream.DiscardNew,
		MaxMsgs:           s.js.MaxEvents,
		MaxBytes:          s.js.MaxBytes,
		MaxMsgsPerSubject: 1,
		Replicas:          s.js.Replicas,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", deadStream, err)
	}
	// Attempts are counted here, not by MaxDeliver: an event past its
	// attempts moves to the dead letters, never stays stranded.
	s.cons, err = s.jet.CreateOrUpdateConsumer(ctx, eventsStream, jetstream.ConsumerConfig{
		Durable:       consumerName,
		Description:   "caddy-crud webhook delivery, shared by every gateway",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       2*s.cfg.Timeout + 2*time.Second,
		MaxDeliver:    -1,
		MaxAckPending: -1,
	})
	if err != nil {
		return fmt.Errorf("consumer %s: %w", consumerName, err)
	}
	return nil
}

func (s *jsStore) durable() bool { return true }

func (s *jsStore) available() error {
	if st := s.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("%w: nats connection %s", errStoreUnavailable, strings.ToLower(st.String()))
	}
	return nil
}

// store publishes the events and waits for the stream's acknowledgements.
func (s *jsStore) store(ctx context.Context, events []delivery) error {
	ctx, cancel := context.WithTimeout(ctx, s.js.StoreTimeout)
	defer cancel()
	if len(events) == 1 {
		_, err := s.jet.PublishMsg(ctx, eventMsg(&events[0]), jetstream.WithExpectStream(eventsStream))
		return s.unstored(events, err)
	}
	acks := make([]jetstream.PubAckFuture, 0, len(events))
	for i := range events {
		f, err := s.jet.PublishMsgAsync(eventMsg(&events[i]), jetstream.WithExpectStream(eventsStream))
		if err != nil {
			return s.unstored(events, err)
		}
		acks = append(acks, f)
	}
	for _, f := range acks {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return s.unstored(events, err)
		case <-ctx.Done():
			return s.unstored(events, ctx.Err())
		}
	}
	return nil
}

// unstored counts and logs events a failed publish did not store.
func (s *jsStore) unstored(events []delivery, err error) error {
	if err == nil {
		return nil
	}
	for _, d := range events {
		s.stats.Delivery(webhookUnstored)
		s.logger.Error("webhook event not stored", zap.String("event_id", d.EventID),
			zap.String("url", redactURL(d.URL)), zap.String("rule", d.Where), zap.Error(err))
	}
	return fmt.Errorf("%w: %w", errStoreUnavailable, err)
}

// eventMsg is the stream message of d.
func eventMsg(d *delivery) *nats.Msg {
	m := nats.NewMsg(eventsSubject)
	m.Data = d.Body
	m.Header.Set(hdrEventID, d.EventID)
	m.Header.Set(hdrURL, d.URL)
	m.Header.Set(hdrRule, d.Where)
	if d.Secret != nil {
		m.Header.Set(hdrSecretID, rememberSecret(d.Secret))
	}
	return m
}

// webhookSecrets maps secret fingerprints to the secrets of every config
// this process loaded, so a worker signs an event stored before a reload.
var webhookSecrets sync.Map

// rememberSecret returns secret's fingerprint, the only trace of it an
// event keeps.
func rememberSecret(secret []byte) string {
	h := sha256.New()
	h.Write([]byte("caddy-crud webhook secret\x00"))
	h.Write(secret)
	id := hex.EncodeToString(h.Sum(nil)[:16])
	webhookSecrets.LoadOrStore(id, secret)
	return id
}

// work takes events one at a time until the store closes.
func (s *jsStore) work() {
	defer s.wg.Done()
	for s.fetchCtx.Err() == nil {
		ctx, cancel := context.WithTimeout(s.fetchCtx, fetchWait)
		batch, err := s.cons.Fetch(1, jetstream.FetchContext(ctx))
		if err == nil {
			for msg := range batch.Messages() {
				s.handle(msg)
			}
			err = batch.Error()
		}
		cancel()
		if err != nil && s.fetchCtx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
			if ce := s.logger.Check(zap.DebugLevel, "webhook fetch failed"); ce != nil {
				ce.Write(zap.Error(err))
			}
			select {
			case <-s.fetchCtx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
}

// gauge reports the events stored and not yet delivered (waiting, in
// flight or waiting for a retry, by any gateway) every queueGaugeEvery.
func (s *jsStore) gauge() {
	defer s.wg.Done()
	t := time.NewTicker(queueGaugeEvery)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(s.fetchCtx, queueGaugeEvery)
		if info, err := s.cons.Info(ctx); err == nil {
			s.stats.QueueLength(int(info.NumPending) + info.NumAckPending)
		}
		cancel()
		select {
		case <-s.fetchCtx.Done():
			s.stats.QueueLength(0) // this store's share of the gauge
			return
		case <-t.C:
		}
	}
}

// handle makes one attempt of a stored event and settles it: ack when
// delivered, a delayed nak for a retry, the dead letters when its
// attempts are spent or the failure is final.
func (s *jsStore) handle(msg jetstream.Msg) {
	md, err := msg.Metadata()
	if err != nil {
		_ = msg.Term()
		return
	}
	h := msg.Headers()
	d := delivery{URL: h.Get(hdrURL), EventID: h.Get(hdrEventID), Where: h.Get(hdrRule), Body: msg.Data()}
	attempt := int(md.NumDelivered)
	var status int
	retriable := true
	if id := h.Get(hdrSecretID); id != "" {
		if v, ok := webhookSecrets.Load(id); ok {
			d.Secret = v.([]byte)
		} else {
			err = errUnknownSecret
		}
	}
	if err == nil {
		status, retriable, err = post(s.sendCtx, s.client, s.cfg.Timeout, &d)
	}
	safeURL := redactURL(d.URL)
	switch {
	case err == nil && status >= 200 && status < 300:
		_ = msg.Ack()
		s.stats.Delivery(webhookDelivered)
		if ce := s.logger.Check(zap.DebugLevel, "webhook delivered"); ce != nil {
			ce.Write(zap.String("event_id", d.EventID), zap.String("url", safeURL),
				zap.String("rule", d.Where), zap.Int("attempts", attempt), zap.Int("status", status))
		}
	case s.sendCtx.Err() != nil:
		_ = msg.Nak() // cut off by a close: another worker takes it at once
	case !retriable || attempt >= s.cfg.Attempts:
		s.deadLetter(msg, &d, attempt, status, err)
	default:
		_ = msg.NakWithDelay(s.cfg.backoff(attempt))
		s.stats.Delivery(webhookRetried)
		if ce := s.logger.Check(zap.DebugLevel, "webhook attempt failed, will retry"); ce != nil {
			ce.Write(append(failureFields(&d, safeURL, status, err), zap.Int("attempts", attempt))...)
		}
	}
}

// deadLetter moves an event to the dead-letter stream, then acks it; if
// that fails the event stays and is tried again later.
func (s *jsStore) deadLetter(msg jetstream.Msg, d *delivery, attempt, status int, failure error) {
	safeURL := redactURL(d.URL)
	fields := append(failureFields(d, safeURL, status, failure), zap.Int("attempts", attempt))
	if !validToken(d.EventID) {
		_ = msg.Term()
		s.stats.Delivery(webhookFailed)
		s.logger.Error("webhook event without a valid id dropped", fields...)
		return
	}
	m := nats.NewMsg(deadSubjectPrefix + d.EventID)
	m.Data = msg.Data()
	for _, k := range []string{hdrEventID, hdrURL, hdrRule, hdrSecretID} {
		if v := msg.Headers().Get(k); v != "" {
			m.Header.Set(k, v)
		}
	}
	m.Header.Set(hdrAttempts, strconv.Itoa(attempt))
	m.Header.Set(hdrFailure, failureText(status, failure))
	m.Header.Set(hdrDeadAt, time.Now().UTC().Format(time.RFC3339))
	ctx, cancel := context.WithTimeout(context.Background(), s.js.StoreTimeout)
	defer cancel()
	if _, err := s.jet.PublishMsg(ctx, m, jetstream.WithExpectStream(deadStream)); err != nil {
		_ = msg.NakWithDelay(s.cfg.BackoffMax)
		s.logger.Error("webhook event could not be dead-lettered; it stays queued",
			append(fields, zap.NamedError("store_error", err))...)
		return
	}
	_ = msg.Ack()
	s.stats.Delivery(webhookDead)
	s.logger.Error("webhook delivery failed; event dead-lettered", fields...)
}

// failureFields are the log fields of a failed attempt.
func failureFields(d *delivery, safeURL string, status int, err error) []zap.Field {
	f := []zap.Field{zap.String("event_id", d.EventID), zap.String("url", safeURL), zap.String("rule", d.Where)}
	if err != nil {
		return append(f, zap.Error(err))
	}
	return append(f, zap.Int("status", status))
}

// failureText is an attempt's outcome for a dead letter.
func failureText(status int, err error) string {
	if err != nil {
		return err.Error()
	}
	return "status " + strconv.Itoa(status)
}

// validToken reports whether s can stand as one token of a subject.
func validToken(s string) bool {
	return s != "" && !strings.ContainsAny(s, ".*> \t\r\n")
}

// redactServers drops the userinfo of server URLs, for errors.
func redactServers(urls string) string {
	if urls == "" {
		return "(embedded)"
	}
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		parts[i] = redactURL(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

// close stops taking events, lets attempts in flight run for up to the
// grace period, then aborts the rest, which go back to the stream for the
// next worker, and closes the connection.
func (s *jsStore) close() {
	s.once.Do(func() {
		unregisterStore(s)
		s.fetchStop()
		done := make(chan struct{})
		go func() { s.wg.Wait(); close(done) }()
		grace := time.NewTimer(s.cfg.Grace)
		select {
		case <-done:
		case <-grace.C:
			s.sendStop()
			<-done
		}
		grace.Stop()
		s.sendStop()
		_ = s.nc.FlushTimeout(2 * time.Second) // the acks
		s.nc.Close()
		if s.js.URL == "" {
			releaseEmbeddedServer(s.js.Dir)
		}
		if s.cfg.Client == nil {
			s.client.CloseIdleConnections()
		}
	})
}
