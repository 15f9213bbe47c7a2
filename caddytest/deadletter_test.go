package caddytest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// admin calls Caddy's admin endpoint.
func admin(t *testing.T, method, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+adminAddr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b))
}

// An event that spends its attempts is dead-lettered: counted, logged by
// id, listed on the admin API, and delivered once re-queued, with its id.
func TestDeadLetters(t *testing.T) {
	ns := startNATS(t)
	hook := newHookReceiver(t)
	hook.failFirst("/flaky", 2)
	up := asyncEcho(t, nil)
	tester, logFile := crudLogged(t, `
		webhooks {
			nats `+ns.ClientURL()+`
			attempts 2
			grace 1s
		}
		resource users /api/users {
			async create {
				webhook `+hook.URL+`/flaky?token=s3cret
			}
		}`, up)

	before := scrape(t)
	send(t, tester, "POST", "/api/users", `{"n":1}`).expect(t, 200, `{"n":1}`)
	first, second := hook.next(t), hook.next(t) // both answered 500
	if first.EventID != second.EventID {
		t.Fatalf("a retry is another event: %s %s", first.EventID, second.EventID)
	}
	line := waitLog(t, logFile, "webhook delivery failed; event dead-lettered")
	expectFields(t, line, map[string]string{"level": "error", "event_id": first.EventID,
		"url": hook.URL + "/flaky", "status": "500", "attempts": "2"})
	expectDeltas(t, before, scrape(t), map[string]float64{
		deliverySeries("dead"):      1,
		deliverySeries("retried"):   1,
		deliverySeries("delivered"): 0,
	})

	status, body := admin(t, "GET", "/crud/webhooks/dead")
	var list []map[string]any
	if err := json.Unmarshal([]byte(body), &list); status != 200 || err != nil || len(list) != 1 {
		t.Fatalf("list: %d %s", status, body)
	}
	dl := list[0]
	if dl["id"] != first.EventID || dl["url"] != hook.URL+"/flaky" || dl["attempts"] != 2.0 ||
		dl["failure"] != "status 500" || dl["dead_at"] == "" ||
		dl["rule"] != `resource "users": async create: statement 1 (webhook `+hook.URL+`/flaky)` {
		t.Fatalf("dead letter %s", body)
	}
	if ev, _ := json.Marshal(dl["event"]); !jsonEqual(t, string(ev), first.Body) {
		t.Fatalf("dead letter event %s, sent %s", ev, first.Body)
	}

	if status, body := admin(t, "POST", "/crud/webhooks/dead/no-such-id/requeue"); status != 404 ||
		!strings.Contains(body, "no dead letter with this id") {
		t.Fatalf("unknown id: %d %s", status, body)
	}
	if status, body := admin(t, "POST", "/crud/webhooks/dead/"+first.EventID+"/requeue"); status != 200 || body != `{"requeued":1}` {
		t.Fatalf("requeue: %d %s", status, body)
	}
	again := hook.next(t) // the receiver answers 200 now
	if again.EventID != first.EventID || again.Header.Get("webhook-id") != first.EventID || again.Body != first.Body {
		t.Fatalf("requeued delivery %s %s, want %s %s", again.EventID, again.Body, first.EventID, first.Body)
	}
	if status, body := admin(t, "GET", "/crud/webhooks/dead"); status != 200 || body != `[]` {
		t.Fatalf("list after requeue: %d %s", status, body)
	}
	if status, body := admin(t, "POST", "/crud/webhooks/dead/requeue"); status != 200 || body != `{"requeued":0}` {
		t.Fatalf("requeue all: %d %s", status, body)
	}
	hook.quiet(t)
}

// With store memory there are no dead letters to list.
func TestDeadLettersMemory(t *testing.T) {
	up := asyncEcho(t, nil)
	crud(t, `
		webhooks {
			store memory
		}
		resource users /api/users {
			async create {
				webhook http://127.0.0.1:9/h
			}
		}`, up)
	if status, body := admin(t, "GET", "/crud/webhooks/dead"); status != 404 || !strings.Contains(body, "no durable webhook store is running") {
		t.Fatalf("list: %d %s", status, body)
	}
}
