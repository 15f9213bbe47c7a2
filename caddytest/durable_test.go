package caddytest

import (
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
