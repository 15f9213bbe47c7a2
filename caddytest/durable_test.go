package caddytest

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// A gateway killed with SIGKILL in the middle of a burst loses no event
// whose request got a 2xx: its restart delivers what was stored.
func TestDurableKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs gateway processes")
	}
	recv := newEventLog(t, 10*time.Millisecond)
	api := echoAPI(t)
	g := newGatewayProc(t, "gateway", t.TempDir(), durableSite(`
			workers 2
			timeout 1s
			grace 1s`, recv.URL, api.URL))
	g.start()

	var b burst
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.fire(0, 2000, 8, func(int) int { return g.port }, stop)
	}()
	for b.nAck.Load() < 150 {
		time.Sleep(time.Millisecond)
	}
	g.kill()
	close(stop)
	<-done
	recv.mu.Lock()
	before := len(recv.ids)
	recv.mu.Unlock()
	t.Logf("killed after %d acknowledged creates, %d events delivered", b.nAck.Load(), before)
	if before >= int(b.nAck.Load()) {
		t.Fatalf("nothing was left to deliver at the kill (%d delivered): the test proves nothing", before)
	}

	g.start()
	defer func() {
		if t.Failed() {
			t.Logf("gateway log:\n%s", g.log)
		}
	}()
	b.waitDelivered(t, recv, 45*time.Second)
}

// Two gateways share one external NATS: killing one in the middle of a
// burst loses no acknowledged event, the other takes its work over.
func TestDurableTwoGateways(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs gateway processes")
	}
	ns := startNATS(t)
	recv := newEventLog(t, 10*time.Millisecond)
	api := echoAPI(t)
	site := durableSite(`
			nats `+ns.ClientURL()+`
			workers 2
			timeout 1s
			grace 1s`, recv.URL, api.URL)
	a := newGatewayProc(t, "gateway a", t.TempDir(), site)
	b := newGatewayProc(t, "gateway b", t.TempDir(), site)
	a.start()
	b.start()

	var bu burst
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		bu.fire(0, 600, 8, func(n int) int {
			if n%2 == 0 {
				return a.port
			}
			return b.port
		}, stop)
	}()
	for bu.nAck.Load() < 150 {
		time.Sleep(time.Millisecond)
	}
	a.kill()
	<-done // b goes on taking creates; a's half fails
	t.Logf("gateway a killed after %d acknowledged creates", bu.nAck.Load())
	bu.waitDelivered(t, recv, 45*time.Second)
}

// The config does not load when the NATS it names cannot be reached.
func TestDurableNATSUnreachable(t *testing.T) {
	port := freePort(t)
	expectLoadError(t, `
		webhooks {
			nats nats://127.0.0.1:`+strconv.Itoa(port)+`
		}
		resource users /api/users {
			async create {
				webhook http://127.0.0.1:9/h
			}
		}`, "webhooks: nats nats://127.0.0.1:"+strconv.Itoa(port)+": nats: no servers available for connection")
}

// With NATS gone, an action with webhooks answers 503 (fail closed) and,
// once the gateway knows, does not reach the upstream; actions without
// webhooks go on.
func TestDurableNATSLost(t *testing.T) {
	ns := startNATS(t)
	hook := newHookReceiver(t)
	up := asyncEcho(t, map[string]string{"GET /api/users/1": `200 {"id":1}`})
	tester, logFile := crudLogged(t, `
		webhooks {
			nats `+ns.ClientURL()+`
			store_timeout 1s
			grace 1s
		}
		resource users /api/users {
			async create {
				webhook `+hook.URL+`/ok
			}
		}`, up)

	send(t, tester, "POST", "/api/users", `{"n":1}`).expect(t, 200, `{"n":1}`)
	if c := hook.next(t); !strings.Contains(c.Body, `"records":[{"n":1}]`) {
		t.Fatalf("webhook %s", c.Body)
	}
	ns.Shutdown()
	ns.WaitForShutdown()

	// the first requests may meet the store before the gateway noticed
	deadline := time.Now().Add(opsWait)
	for send(t, tester, "POST", "/api/users", `{"n":2}`).Status != 503 {
		if time.Now().After(deadline) {
			t.Fatal("no 503 with NATS gone")
		}
	}
	up.reset()
	send(t, tester, "POST", "/api/users", `{"n":3}`).expectProblem(t, 503, problemJSON(503, "the webhook event could not be stored"))
	up.none(t)
	send(t, tester, "GET", "/api/users/1", "").expect(t, 200, `{"id":1}`)
	if len(logsWith(t, logFile, "webhook events could not be stored; answering 503")) == 0 {
		t.Fatal("the refusal is not logged")
	}
	hook.quiet(t)
}

// A full stream refuses the event: the request gets 503, the refusal is
// counted and logged by event id, never dropped silently.
func TestDurableStreamFull(t *testing.T) {
	ns := startNATS(t)
	hook := newHookReceiver(t)
	up := asyncEcho(t, nil)
	tester, logFile := crudLogged(t, `
		webhooks {
			nats `+ns.ClientURL()+`
			max_events 2
			workers 1
			grace 1s
		}
		resource users /api/users {
			async create {
				webhook `+hook.URL+`/block
			}
		}`, up)

	before := scrape(t)
	send(t, tester, "POST", "/api/users", `{"n":1}`).expect(t, 200, `{"n":1}`)
	send(t, tester, "POST", "/api/users", `{"n":2}`).expect(t, 200, `{"n":2}`)
	hook.next(t) // in flight, not acknowledged: both events stay stored
	send(t, tester, "POST", "/api/users", `{"n":3}`).expectProblem(t, 503, problemJSON(503, "the webhook event could not be stored"))
	expectDeltas(t, before, scrape(t), map[string]float64{deliverySeries("unstored"): 1})
	line := oneLog(t, logFile, "webhook event not stored")
	expectFields(t, line, map[string]string{"level": "error", "url": hook.URL + "/block"})
	if id, _ := line["event_id"].(string); id == "" {
		t.Fatalf("no event id in %v", line)
	}
	if e, _ := line["error"].(string); !strings.Contains(e, "maximum messages exceeded") {
		t.Fatalf("error %q", e)
	}
	hook.unblock()
	for range 1 { // the second event
		hook.next(t)
	}
}

// Config reloads in the middle of a burst lose no acknowledged event: the
// embedded server runs on across them and the new config's workers take
// over from the old one's.
func TestDurableReload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs gateway processes")
	}
	recv := newEventLog(t, 20*time.Millisecond) // slower than the burst: a backlog at each reload
	api := echoAPI(t)
	site := func(workers int) string {
		return durableSite(`
			workers `+strconv.Itoa(workers)+`
			timeout 1s
			grace 1s`, recv.URL, api.URL)
	}
	g := newGatewayProc(t, "gateway", t.TempDir(), site(2))
	g.start()

	var b burst
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.fire(0, 400, 8, func(int) int { return g.port }, nil)
	}()
	reloads := 0
	for workers := 3; workers <= 5; workers++ { // each a different config, so each is a reload
		for b.nAck.Load() < int64(90*(workers-2)) {
			time.Sleep(time.Millisecond)
		}
		recv.mu.Lock()
		backlog := int(b.nAck.Load()) - len(recv.ids)
		recv.mu.Unlock()
		g.setSite(site(workers))
		g.load()
		reloads++
		t.Logf("reload %d with %d acknowledged events undelivered", reloads, backlog)
	}
	<-done
	// every answer is a 2xx; a connection the old config's socket held
	// when it closed may be reset (Caddy binds a socket per config with
	// SO_REUSEPORT): such a request is not acknowledged and claims nothing
	if b.other.Load() != 0 {
		t.Errorf("%d creates answered with an error across the reloads", b.other.Load())
	}
	if errs := b.errors(); len(errs) > 0 {
		t.Logf("%d connection errors, e.g. %v", b.sent.Load()-b.nAck.Load()-b.other.Load(), errs)
	}
	b.waitDelivered(t, recv, 45*time.Second)
}
