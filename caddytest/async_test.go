package caddytest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// asyncEcho is an upstream that answers a write with its request body (or
// with status and body from the X-Reply-Status header and the request)
// and a read from replies by "METHOD path".
func asyncEcho(t *testing.T, replies map[string]string) *upstream {
	t.Helper()
	read := oldReply(replies)
	var u *upstream
	u = newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if _, ok := replies[r.Method+" "+r.URL.Path]; ok || r.Method == "GET" {
			read(w, r)
			return
		}
		// the recorder has read the body: echo what it kept (writes
		// come one at a time in these tests)
		reqs := u.requests()
		b := reqs[len(reqs)-1].Body
		w.Header().Set("Content-Type", "application/json")
		switch r.Header.Get("X-Reply-Status") {
		case "422":
			w.WriteHeader(http.StatusUnprocessableEntity)
		case "500":
			w.WriteHeader(http.StatusInternalServerError)
		case "404":
			w.WriteHeader(http.StatusNotFound)
		}
		_, _ = io.WriteString(w, b)
	})
	return u
}

func TestAsyncEventCreate(t *testing.T) {
	alice, _, _ := oldTokens(t)
	hook := newHookReceiver(t)
	up := newUpstream(t, oldReply(map[string]string{
		"POST /api/users": `200 {"id":5,"name":"a","password":"p"}`,
	}))
	tester := crud(t, `
		identity jwt {
			secret {env.JWT_SECRET}
		}
		webhooks {
			grace 1s
		}
		resource users /api/users {
			after read write {
				hide password
			}
			async create {
				webhook `+hook.URL+`/created
			}
		}`, up)

	res := send(t, tester, "POST", "/api/users", `{"name":"a"}`, "Authorization: "+alice)
	res.expect(t, 200, `{"id":5,"name":"a"}`)
	c := hook.next(t)
	if c.Path != "/created" {
		t.Fatalf("webhook to %s", c.Path)
	}
	ev := decodeEvent(t, c)
	ev.expect(t, "users", "create", `{}`, `[{"id":5,"name":"a"}]`, `null`, `"alice"`)
	// the records are the bytes the client received
	if got := string(ev["records"]); got != "["+res.Body+"]" {
		t.Fatalf("event records %s, client got %s", got, res.Body)
	}
	if strings.Contains(c.Body, "password") || strings.Contains(c.Body, alice[len("Bearer "):]) {
		t.Fatalf("event carries what the client could not read: %s", c.Body)
	}
	hook.quiet(t)
}

func TestAsyncEventUpdateWithOld(t *testing.T) {
	alice, _, carol := oldTokens(t)
	hook := newHookReceiver(t)
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/users/5":    `200 {"id":5,"name":"old","password":"p","email":"e@x.io"}`,
		"PUT /api/users/5":    `200 {"id":5,"name":"new"}`,
		"DELETE /api/users/5": `204`,
		"GET /api/accounts/1": `200 {"id":1,"name":"old","iban":"DE00","owner":{"id":"alice"}}`,
		"PUT /api/accounts/1": `200 {"id":1,"name":"new"}`,
		"GET /api/vaults/1":   `200 {"id":1,"gold":9}`,
		"PUT /api/vaults/1":   `200 {"id":1}`,
	}))
	tester := crud(t, `
		identity jwt {
			secret {env.JWT_SECRET}
		}
		webhooks {
			grace 1s
		}
		resource users /api/users {
			fetch_old
			after get {
				hide password
				hide email if ´user.role != "admin"´
			}
			async update delete {
				webhook `+hook.URL+`/changed
			}
		}
		resource accounts /api/accounts {
			fetch_old
			after get {
				only id name
			}
			async update {
				webhook `+hook.URL+`/account
			}
		}
		resource vaults /api/vaults {
			fetch_old
			after get {
				deny ´user.role != "admin"´ 403 "admins only"
			}
			async update {
				webhook `+hook.URL+`/vault
			}
		}`, up)

	t.Run("update by a member", func(t *testing.T) {
		send(t, tester, "PUT", "/api/users/5", `{"name":"new"}`, "Authorization: "+alice).expect(t, 200, `{"id":5,"name":"new"}`)
		ev := decodeEvent(t, hook.next(t))
		ev.expect(t, "users", "update", `{"id":"5"}`, `[{"id":5,"name":"new"}]`, `{"id":5,"name":"old"}`, `"alice"`)
		hook.quiet(t)
	})
	t.Run("update by an admin", func(t *testing.T) {
		send(t, tester, "PUT", "/api/users/5", `{"name":"new"}`, "Authorization: "+carol).expect(t, 200, `{"id":5,"name":"new"}`)
		ev := decodeEvent(t, hook.next(t))
		ev.expect(t, "users", "update", `{"id":"5"}`, `[{"id":5,"name":"new"}]`, `{"id":5,"name":"old","email":"e@x.io"}`, `"carol"`)
		hook.quiet(t)
	})
	t.Run("delete", func(t *testing.T) {
		send(t, tester, "DELETE", "/api/users/5", "", "Authorization: "+alice).expect(t, 204, "")
		ev := decodeEvent(t, hook.next(t))
		ev.expect(t, "users", "delete", `{"id":"5"}`, `[]`, `{"id":5,"name":"old"}`, `"alice"`)
		hook.quiet(t)
	})
	t.Run("only on get", func(t *testing.T) {
		send(t, tester, "PUT", "/api/accounts/1", `{"name":"new"}`, "Authorization: "+alice).expect(t, 200, `{"id":1,"name":"new"}`)
		ev := decodeEvent(t, hook.next(t))
		ev.expect(t, "accounts", "update", `{"id":"1"}`, `[{"id":1,"name":"new"}]`, `{"id":1,"name":"old"}`, `"alice"`)
		hook.quiet(t)
	})
	t.Run("a stored record the caller may not read", func(t *testing.T) {
		send(t, tester, "PUT", "/api/vaults/1", `{"gold":10}`, "Authorization: "+alice).expect(t, 200, `{"id":1}`)
		ev := decodeEvent(t, hook.next(t))
		ev.expect(t, "vaults", "update", `{"id":"1"}`, `[{"id":1}]`, `null`, `"alice"`)
		send(t, tester, "PUT", "/api/vaults/1", `{"gold":10}`, "Authorization: "+carol).expect(t, 200, `{"id":1}`)
		ev = decodeEvent(t, hook.next(t))
		ev.expect(t, "vaults", "update", `{"id":"1"}`, `[{"id":1}]`, `{"id":1,"gold":9}`, `"carol"`)
		hook.quiet(t)
	})
}

func TestAsyncEventList(t *testing.T) {
	hook := newHookReceiver(t)
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/users": `200 {"data":[{"id":1},{"id":2,"deleted":true},{"id":3}],"total":3}`,
	}))
	tester := crud(t, `
		webhooks {
			grace 1s
		}
		resource users /api/users {
			records data
			total total
			after list {
				drop ´record.deleted == true´
			}
			async list {
				webhook `+hook.URL+`/listed
			}
		}`, up)

	send(t, tester, "GET", "/api/users?page=1", "").expect(t, 200, `{"data":[{"id":1},{"id":3}],"total":2}`)
	ev := decodeEvent(t, hook.next(t))
	ev.expect(t, "users", "list", `{}`, `[{"id":1},{"id":3}]`, `null`, `null`)
	if got := string(ev["records"]); got != `[{"id":1},{"id":3}]` {
		t.Fatalf("event records %s", got)
	}
	hook.quiet(t)
}

func TestAsyncEventEmptyBody(t *testing.T) {
	hook := newHookReceiver(t)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "DELETE" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	tester := crud(t, `
		webhooks {
			grace 1s
		}
		resource things /api/things {
			async create delete {
				webhook `+hook.URL+`/things
			}
		}`, up)

	t.Run("204", func(t *testing.T) {
		send(t, tester, "DELETE", "/api/things/9", "").expect(t, 204, "")
		decodeEvent(t, hook.next(t)).expect(t, "things", "delete", `{"id":"9"}`, `[]`, `null`, `null`)
	})
	t.Run("201 without a body", func(t *testing.T) {
		send(t, tester, "POST", "/api/things", `{"name":"n"}`).expect(t, 201, "")
		decodeEvent(t, hook.next(t)).expect(t, "things", "create", `{}`, `[]`, `null`, `null`)
	})
	hook.quiet(t)
}

func TestAsyncWebhookIf(t *testing.T) {
	hook := newHookReceiver(t)
	up := asyncEcho(t, nil)
	// one worker sends in queue order: a webhook queued first arrives first
	tester := crud(t, `
		webhooks {
			workers 1
			grace 1s
		}
		resource users /api/users {
			async create {
				webhook `+hook.URL+`/vip if ´record.vip == true´
				webhook `+hook.URL+`/all
			}
		}`, up)

	t.Run("condition false", func(t *testing.T) {
		send(t, tester, "POST", "/api/users", `{"vip":false}`).expect(t, 200, `{"vip":false}`)
		if c := hook.next(t); c.Path != "/all" {
			t.Fatalf("first webhook to %s %s, want /all", c.Path, c.Body)
		}
		hook.quiet(t)
	})
	t.Run("condition true", func(t *testing.T) {
		send(t, tester, "POST", "/api/users", `{"vip":true}`).expect(t, 200, `{"vip":true}`)
		first, second := hook.next(t), hook.next(t)
		if first.Path != "/vip" || second.Path != "/all" {
			t.Fatalf("webhooks to %s, %s; want /vip, /all", first.Path, second.Path)
		}
		// one event per webhook, each with its own id
		if first.EventID == second.EventID {
			t.Fatalf("both webhooks have the event id %s", first.EventID)
		}
		hook.quiet(t)
	})
}

func TestAsyncCustomBody(t *testing.T) {
	alice, _, _ := oldTokens(t)
	hook := newHookReceiver(t)
	up := asyncEcho(t, nil)
	tester := crud(t, `
		identity jwt {
			secret {env.JWT_SECRET}
		}
		webhooks {
			grace 1s
		}
		resource users /api/users {
			async create {
				webhook `+hook.URL+`/custom {
					body ´{"name": record.name, "user": user.id, "n": len(body.tags)}´
				}
			}
		}`, up)

	send(t, tester, "POST", "/api/users", `{"name":"a","tags":[1,2]}`, "Authorization: "+alice).expect(t, 200, `{"name":"a","tags":[1,2]}`)
	c := hook.next(t)
	if c.Path != "/custom" || c.Body != `{"n":2,"name":"a","user":"alice"}` {
		t.Fatalf("webhook %s %s", c.Path, c.Body)
	}
	if c.EventID == "" {
		t.Fatal("a custom body still has an X-Crud-Event-Id")
	}
	if ct := c.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("webhook Content-Type %q", ct)
	}
	hook.quiet(t)
}

func TestAsyncOnlyForSuccess(t *testing.T) {
	hook := newHookReceiver(t)
	up := asyncEcho(t, map[string]string{
		"GET /api/users/1": `404 {"error":"none"}`,
		"GET /api/users/2": `200 {"n":"get"}`,
	})
	tester := crud(t, `
		webhooks {
			workers 1
			grace 1s
		}
		resource users /api/users {
			before create {
				deny ´record.n == "denied"´ 403 "denied"
			}
			async create get {
				webhook `+hook.URL+`/hook
			}
		}`, up)

	for _, c := range []struct {
		name, method, path, body, header string
		status                           int
	}{
		{"upstream 422", "POST", "/api/users", `{"n":"422"}`, "X-Reply-Status: 422", 422},
		{"upstream 500", "POST", "/api/users", `{"n":"500"}`, "X-Reply-Status: 500", 500},
		{"upstream 404", "GET", "/api/users/1", "", "", 404},
		{"rejected before", "POST", "/api/users", `{"n":"denied"}`, "", 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			var headers []string
			if c.header != "" {
				headers = append(headers, c.header)
			}
			if res := sendSettled(t, c.method, c.path, c.body, headers...); res.Status != c.status {
				t.Fatalf("status %d, want %d: %s", res.Status, c.status, res.Body)
			}
			// the next success is the first to send anything
			send(t, tester, "GET", "/api/users/2", "").expect(t, 200, `{"n":"get"}`)
			ev := decodeEvent(t, hook.next(t))
			ev.expect(t, "users", "get", `{"id":"2"}`, `[{"n":"get"}]`, `null`, `null`)
			hook.quiet(t)
		})
	}
}

func TestAsyncRetry(t *testing.T) {
	hook := newHookReceiver(t)
	hook.failFirst("/flaky", 1)
	up := asyncEcho(t, map[string]string{"GET /api/users/1": `200 {"id":1}`})
	tester := crud(t, `
		webhooks {
			workers 1
			grace 1s
		}
		resource users /api/users {
			async create {
				webhook `+hook.URL+`/flaky
			}
			async get {
				webhook `+hook.URL+`/block
			}
		}`, up)

	before := scrape(t)
	send(t, tester, "POST", "/api/users", `{"n":1}`).expect(t, 200, `{"n":1}`)
	first, second := hook.next(t), hook.next(t)
	if first.Path != "/flaky" || second.Path != "/flaky" {
		t.Fatalf("webhooks to %s, %s", first.Path, second.Path)
	}
	if first.EventID == "" || first.EventID != second.EventID || first.Body != second.Body {
		t.Fatalf("a retry is another event:\n%s %s\n%s %s", first.EventID, first.Body, second.EventID, second.Body)
	}
	// the only worker takes the next event once the retry's outcome is
	// counted: while that one waits, the counts are final
	send(t, tester, "GET", "/api/users/1", "").expect(t, 200, `{"id":1}`)
	if c := hook.next(t); c.Path != "/block" {
		t.Fatalf("webhook to %s %s, want /block", c.Path, c.Body)
	}
	expectDeltas(t, before, scrape(t), map[string]float64{
		deliverySeries("delivered"): 1,
		deliverySeries("retried"):   1,
		deliverySeries("failed"):    0,
		deliverySeries("dropped"):   0,
	})
	hook.unblock()
	hook.quiet(t)
}

func TestAsyncDeadReceiver(t *testing.T) {
	hook := newHookReceiver(t)
	dead := deadURL(t)
	up := asyncEcho(t, nil)
	tester, logFile := crudLogged(t, `
		webhooks {
			store memory
			workers 1
			attempts 1
			grace 1s
		}
		resource users /api/users {
			after create {
				hide password
			}
			async create {
				webhook `+dead+`/hook?token=s3cret
				webhook `+hook.URL+`/block
			}
		}`, up)

	before := scrape(t)
	send(t, tester, "POST", "/api/users", `{"n":1,"password":"p"}`).expect(t, 200, `{"n":1}`)
	send(t, tester, "POST", "/api/users", `{"n":2,"password":"p"}`).expect(t, 200, `{"n":2}`)
	// the only worker reaches the live receiver once the dead one failed
	c := hook.next(t)
	if c.Path != "/block" {
		t.Fatalf("webhook to %s", c.Path)
	}
	decodeEvent(t, c).expect(t, "users", "create", `{}`, `[{"n":1}]`, `null`, `null`)
	expectDeltas(t, before, scrape(t), map[string]float64{
		deliverySeries("failed"):    1,
		deliverySeries("delivered"): 0,
	})
	line := logsWith(t, logFile, "webhook delivery failed")
	if len(line) != 1 {
		t.Fatalf("%d failure log lines, want 1", len(line))
	}
	expectFields(t, line[0], map[string]string{"level": "error", "url": dead + "/hook"})
	// the URL's query may hold a secret: no log line carries it
	for _, l := range strings.Split(logText(t, logFile), "\n") {
		if strings.Contains(l, "s3cret") {
			t.Errorf("the log carries the webhook URL's query: %s", l)
		}
	}
	hook.unblock()
	if c := hook.next(t); c.Path != "/block" || !strings.Contains(c.Body, `"records":[{"n":2}]`) {
		t.Fatalf("webhook %s %s", c.Path, c.Body)
	}
}

func TestAsyncQueueFull(t *testing.T) {
	hook := newHookReceiver(t)
	up := asyncEcho(t, nil)
	tester, logFile := crudLogged(t, `
		webhooks {
			store memory
			queue_size 1
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
	first := hook.next(t) // in flight, holding the only slot
	sendSettled(t, "POST", "/api/users", `{"n":2}`).expect(t, 200, `{"n":2}`)
	after := scrape(t)
	expectDeltas(t, before, after, map[string]float64{deliverySeries("dropped"): 1})
	if !after.has("caddy_http_crud_webhook_queue_length") {
		t.Error("no caddy_http_crud_webhook_queue_length")
	}
	line := oneLog(t, logFile, "webhook event dropped")
	expectFields(t, line, map[string]string{"level": "warn", "reason": "queue full"})
	if id, _ := line["event_id"].(string); id == "" || id == first.EventID {
		t.Fatalf("dropped event id %q (the delivered one is %q)", id, first.EventID)
	}

	if !strings.Contains(first.Body, `"records":[{"n":1}]`) {
		t.Fatalf("first webhook %s", first.Body)
	}
	hook.unblock()
	hook.quiet(t)
}

func TestAsyncReload(t *testing.T) {
	rules := func(hookURL string) string {
		return `
		webhooks {
			store memory
			grace 2s
		}
		resource users /api/users {
			async create {
				webhook ` + hookURL + `/block
			}
		}`
	}

	t.Run("an event in flight is delivered", func(t *testing.T) {
		hook := newHookReceiver(t)
		up := asyncEcho(t, nil)
		logFile := newLogFile(t)
		tester := loadLogged(t, logFile, rules(hook.URL), up)
		send(t, tester, "POST", "/api/users", `{"n":1}`).expect(t, 200, `{"n":1}`)
		inFlight := hook.next(t)

		// release the receiver once the old server is being stopped
		stopping := closedOnShutdown(t)
		go func() {
			<-stopping
			hook.unblock()
		}()
		loadLogged(t, logFile, `resource other /api/other`, up)

		line := oneLog(t, logFile, "webhook delivered")
		expectFields(t, line, map[string]string{"event_id": inFlight.EventID, "status": "200"})
		if lines := logsWith(t, logFile, "webhook event undelivered at shutdown"); len(lines) != 0 {
			t.Fatalf("undelivered: %v", lines)
		}
		hook.quiet(t)
	})

	t.Run("an event left at the end of grace is logged by id", func(t *testing.T) {
		hook := newHookReceiver(t)
		up := asyncEcho(t, nil)
		logFile := newLogFile(t)
		tester := loadLogged(t, logFile, rules(hook.URL), up)
		send(t, tester, "POST", "/api/users", `{"n":1}`).expect(t, 200, `{"n":1}`)
		inFlight := hook.next(t) // never released

		loadLogged(t, logFile, `resource other /api/other`, up)

		line := oneLog(t, logFile, "webhook event undelivered at shutdown")
		expectFields(t, line, map[string]string{"level": "error", "event_id": inFlight.EventID})
		if lines := logsWith(t, logFile, "webhook delivered"); len(lines) != 0 {
			t.Fatalf("delivered: %v", lines)
		}
		hook.quiet(t)
	})
}

func TestAsyncVariables(t *testing.T) {
	hook := newHookReceiver(t)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "POST /api/users":
			_, _ = io.WriteString(w, `{"id":5,"name":"a","password":"p"}`)
		case "GET /api/users":
			_, _ = io.WriteString(w, `[{"id":1},{"id":2,"deleted":true},{"id":3}]`)
		case "POST /api/things":
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id":9}`)
		default:
			_, _ = io.WriteString(w, `{"ok":true}`)
		}
	})
	tester := crud(t, `
		webhooks {
			grace 1s
		}
		resource users /api/users {
			after create list {
				hide password
				drop ´record.deleted == true´
			}
			async create {
				webhook `+hook.URL+`/record {
					body ´{"record": record, "status": response.status, "method": request.method}´
				}
			}
			async list {
				webhook `+hook.URL+`/list {
					body ´{"record": record, "n": len(body)}´
				}
			}
		}
		resource things /api/things {
			async create {
				webhook `+hook.URL+`/things {
					body ´{"record": record, "status": response.status}´
				}
			}
		}
		resource legacy /legacy {
			rest off
			action update POST /legacy/u.php?id={id}
			async update {
				webhook `+hook.URL+`/legacy
			}
		}`, up)

	t.Run("record as the client received it", func(t *testing.T) {
		send(t, tester, "POST", "/api/users", `{"name":"a"}`).expect(t, 200, `{"id":5,"name":"a"}`)
		if c := hook.next(t); c.Body != `{"method":"POST","record":{"id":5,"name":"a"},"status":200}` {
			t.Fatalf("webhook %s %s", c.Path, c.Body)
		}
	})
	t.Run("no record for a list; body as the client received it", func(t *testing.T) {
		send(t, tester, "GET", "/api/users", "").expect(t, 200, `[{"id":1},{"id":3}]`)
		if c := hook.next(t); c.Body != `{"n":2,"record":null}` {
			t.Fatalf("webhook %s %s", c.Path, c.Body)
		}
	})
	t.Run("an action with async rules only", func(t *testing.T) {
		send(t, tester, "POST", "/api/things", `{}`).expect(t, 201, `{"id":9}`)
		if c := hook.next(t); c.Body != `{"record":{"id":9},"status":201}` {
			t.Fatalf("webhook %s %s", c.Path, c.Body)
		}
	})
	t.Run("query parameters are params", func(t *testing.T) {
		send(t, tester, "POST", "/legacy/u.php?id=42&x=1", `{}`).expect(t, 200, `{"ok":true}`)
		decodeEvent(t, hook.next(t)).expect(t, "legacy", "update", `{"id":"42"}`, `[{"ok":true}]`, `null`, `null`)
	})
	hook.quiet(t)
}

func TestAsyncEncodedResponse(t *testing.T) {
	hook := newHookReceiver(t)
	// an upstream that compresses when the client accepts it
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body := `{"id":1,"name":"a"}`
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(oldGzip(t, body))
			return
		}
		_, _ = io.WriteString(w, body)
	})
	tester := crud(t, `
		webhooks {
			grace 1s
		}
		resource users /api/users {
			async create {
				webhook `+hook.URL+`/created
			}
		}`, up)

	// Go's client asks for gzip and undoes it
	send(t, tester, "POST", "/api/users", `{"name":"a"}`).expect(t, 200, `{"id":1,"name":"a"}`)
	decodeEvent(t, hook.next(t)).expect(t, "users", "create", `{}`, `[{"id":1,"name":"a"}]`, `null`, `null`)
}

func TestAsyncRuleError(t *testing.T) {
	hook := newHookReceiver(t)
	up := asyncEcho(t, nil)
	tester, logFile := crudLogged(t, `
		webhooks {
			workers 1
			grace 1s
		}
		resource users /api/users {
			async create {
				webhook `+hook.URL+`/broken {
					body ´int(record.name)´
				}
			}
		}
		resource posts /api/posts {
			async create {
				webhook `+hook.URL+`/posts
			}
		}`, up)

	// the response is the upstream's, whatever the async rules do
	sendSettled(t, "POST", "/api/users", `{"name":"a"}`).expect(t, 200, `{"name":"a"}`)
	expectFields(t, oneLog(t, logFile, "rule failed"), map[string]string{
		"level":    "error",
		"resource": "users",
		"action":   "create",
	})
	send(t, tester, "POST", "/api/posts", `{}`).expect(t, 200, `{}`)
	if c := hook.next(t); c.Path != "/posts" {
		t.Fatalf("webhook to %s %s", c.Path, c.Body)
	}
	hook.quiet(t)
}
