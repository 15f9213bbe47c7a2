package caddytest

import (
	"fmt"
	"strings"
	"testing"
)

// opsUpstream answers reads from replies and echoes writes.
func opsUpstream(t *testing.T) *upstream {
	t.Helper()
	return asyncEcho(t, map[string]string{
		"GET /api/users":   `200 [{"id":1,"password":"a","profile":{"ssn":"1","city":"x"}},{"id":2,"password":"b"},{"id":3,"deleted":true}]`,
		"GET /api/users/1": `200 {"id":1,"password":"p"}`,
		"GET /api/users/2": `200 {"id":2,"secret":true,"note":"hunter2-response-secret"}`,
		"GET /api/users/3": `200 {"id":3,"n":"x"}`,
		"GET /api/users/4": `200 {"id":`,
		"GET /api/users/5": `200 {"id":5,"locked":true}`,
		"GET /api/users/6": `404 {"error":"none"}`,
		"GET /api/users/7": `500 {"error":"down"}`,
	})
}

func TestOperationsDecisionMetrics(t *testing.T) {
	up := opsUpstream(t)
	tester := crud(t, `
		resource users /api/users {
			before create {
				check email ´record.email != "x"´ "bad email"
				deny ´record.role == "admin"´ 403 "no admins"
				require ´record.n == nil || int(record.n) > 0´
			}
			after create get {
				deny ´record.secret == true´ 403 "secret record"
				set n2 ´int(record.n) * 2´ if ´record.n != nil´
			}
		}`, up)

	before := scrape(t)
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/api/users", `{"email":"a"}`, 200}, // before passed, after passed
		{"POST", "/api/users", `{"role":"admin"}`, 403},
		{"POST", "/api/users", `{"email":"x"}`, 422},
		{"POST", "/api/users", `{"n":"x"}`, 500},
		{"GET", "/api/users/1", "", 200},
		{"GET", "/api/users/2", "", 403},    // after deny
		{"GET", "/api/users/3", "", 500},    // after runtime error
		{"GET", "/api/users/4", "", 502},    // not JSON: the after rules cannot run
		{"POST", "/api/users/1", `{}`, 405}, // no action takes the method
	} {
		if res := send(t, tester, c.method, c.path, c.body); res.Status != c.status {
			t.Fatalf("%s %s: status %d, want %d: %s", c.method, c.path, res.Status, c.status, res.Body)
		}
	}
	after := scrape(t)
	expectDeltas(t, before, after, map[string]float64{
		decisionSeries("users", "create", "before", "passed"):         1,
		decisionSeries("users", "create", "before", "rejected"):       1,
		decisionSeries("users", "create", "before", "invalid"):        1,
		decisionSeries("users", "create", "before", "error"):          1,
		decisionSeries("users", "create", "after", "passed"):          1,
		decisionSeries("users", "create", "after", "rejected"):        0,
		decisionSeries("users", "get", "after", "passed"):             1,
		decisionSeries("users", "get", "after", "rejected"):           1,
		decisionSeries("users", "get", "after", "error"):              2,
		decisionSeries("users", "unmapped", "before", "rejected"):     1,
		`caddy_http_crud_rule_duration_seconds_count{phase="before"}`: 4,
		`caddy_http_crud_rule_duration_seconds_count{phase="after"}`:  4,
	})
}

// Both phases' duration series are exposed once crud is loaded, before
// any request, even for a config with no after rules.
func TestOperationsDurationSeriesFromTheStart(t *testing.T) {
	up := opsUpstream(t)
	crud(t, `
		resource users /api/users {
			before create {
				check email ´record.email != "x"´ "bad email"
			}
		}`, up)
	m := scrape(t)
	for _, phase := range []string{"before", "after"} {
		if series := fmt.Sprintf(`caddy_http_crud_rule_duration_seconds_count{phase=%q}`, phase); !m.has(series) {
			t.Errorf("%s is not exposed", series)
		}
	}
}

func TestOperationsFilteredMetrics(t *testing.T) {
	up := opsUpstream(t)
	tester := crud(t, `
		resource users /api/users {
			after list get {
				hide password profile.ssn
				drop ´record.deleted == true´
			}
		}`, up)

	before := scrape(t)
	send(t, tester, "GET", "/api/users", "").expect(t, 200, `[{"id":1,"profile":{"city":"x"}},{"id":2}]`)
	mid := scrape(t)
	expectDeltas(t, before, mid, map[string]float64{
		filteredSeries("users", "hidden"):  3, // fields: two of the first record, one of the second
		filteredSeries("users", "dropped"): 1, // records
	})
	send(t, tester, "GET", "/api/users/1", "").expect(t, 200, `{"id":1}`)
	expectDeltas(t, mid, scrape(t), map[string]float64{
		filteredSeries("users", "hidden"):  1,
		filteredSeries("users", "dropped"): 0,
	})
}

func TestOperationsWebhookMetrics(t *testing.T) {
	hook := newHookReceiver(t)
	up := opsUpstream(t)
	tester := crud(t, `
		webhooks {
			store memory
			workers 1
			grace 1s
		}
		resource users /api/users {
			async create {
				webhook `+hook.URL+`/ok
			}
			async get {
				webhook `+hook.URL+`/block
			}
		}`, up)

	before := scrape(t)
	if !before.has("caddy_http_crud_webhook_queue_length") {
		t.Error("no caddy_http_crud_webhook_queue_length")
	}
	send(t, tester, "POST", "/api/users", `{"n":1}`).expect(t, 200, `{"n":1}`)
	if c := hook.next(t); c.Path != "/ok" {
		t.Fatalf("webhook to %s", c.Path)
	}
	// the only worker takes the next event once the first is counted
	send(t, tester, "GET", "/api/users/1", "").expect(t, 200, `{"id":1,"password":"p"}`)
	if c := hook.next(t); c.Path != "/block" {
		t.Fatalf("webhook to %s", c.Path)
	}
	after := scrape(t)
	expectDeltas(t, before, after, map[string]float64{
		deliverySeries("delivered"): 1,
		deliverySeries("failed"):    0,
		deliverySeries("dropped"):   0,
	})
	// the blocked delivery is still unfinished
	if got := after["caddy_http_crud_webhook_queue_length"]; got != 1 {
		t.Errorf("caddy_http_crud_webhook_queue_length %v, want 1", got)
	}
	hook.unblock()
}

func TestOperationsOutcomePlaceholders(t *testing.T) {
	up := opsUpstream(t)
	tester := startGateway(t, bt(`
	header >X-Crud "{http.crud.resource} {http.crud.action} {http.crud.outcome}"
	crud {
		resource users /api/users {
			fetch_old
			before update {
				deny ´old.locked == true´ 423 "locked"
			}
			after get {
				deny ´record.secret == true´ 403 "secret record"
				set n2 ´int(record.n) * 2´ if ´record.n != nil´
			}
		}
	}
	reverse_proxy {upstream}`), up)

	for _, c := range []struct {
		name, method, path, body string
		status                   int
		crud                     string
	}{
		{"after passed", "GET", "/api/users/1", "", 200, "users get passed"},
		{"after deny", "GET", "/api/users/2", "", 403, "users get rejected"},
		{"after runtime error", "GET", "/api/users/3", "", 500, "users get error"},
		{"after 502", "GET", "/api/users/4", "", 502, "users get error"},
		{"update passed", "PUT", "/api/users/1", `{"n":1}`, 200, "users update passed"},
		{"deny on old", "PUT", "/api/users/5", `{"n":1}`, 423, "users update rejected"},
		{"fetch_old 404", "PUT", "/api/users/6", `{"n":1}`, 404, "users update rejected"},
		{"fetch_old 500", "PUT", "/api/users/7", `{"n":1}`, 502, "users update error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := send(t, tester, c.method, c.path, c.body)
			if res.Status != c.status {
				t.Fatalf("status %d, want %d: %s", res.Status, c.status, res.Body)
			}
			if got := res.Header.Get("X-Crud"); got != c.crud {
				t.Fatalf("X-Crud %q, want %q", got, c.crud)
			}
		})
	}
}

func TestOperationsLogs(t *testing.T) {
	alice, _, _ := oldTokens(t)
	token := strings.TrimPrefix(alice, "Bearer ")
	const bodySecret = "hunter2-body-secret"
	up := opsUpstream(t)
	tester, logFile := crudLogged(t, `
		identity jwt {
			secret {env.JWT_SECRET}
		}
		resource users /api/users {
			before create {
				deny ´record.role == "admin"´ 403 "no admins"
				require ´record.n == nil || int(record.n) > 0´
			}
			after get {
				deny ´record.secret == true´ 403 "secret record"
			}
		}`, up)

	t.Run("before rejection", func(t *testing.T) {
		send(t, tester, "POST", "/api/users", `{"role":"admin","password":"`+bodySecret+`"}`, "Authorization: "+alice).
			expectProblem(t, 403, problemJSON(403, "no admins"))
		expectFields(t, oneLog(t, logFile, "request rejected"), map[string]string{
			"level":    "info",
			"resource": "users",
			"action":   "create",
			"rule":     `resource "users": before create: statement 1 (deny record.role == "admin")`,
			"status":   "403",
		})
	})
	t.Run("after rejection", func(t *testing.T) {
		send(t, tester, "GET", "/api/users/2", "", "Authorization: "+alice).expectProblem(t, 403, problemJSON(403, "secret record"))
		expectFields(t, oneLog(t, logFile, "response rejected"), map[string]string{
			"level":    "info",
			"resource": "users",
			"action":   "get",
			"rule":     `resource "users": after get: statement 1 (deny record.secret == true)`,
			"status":   "403",
		})
	})
	t.Run("evaluation error", func(t *testing.T) {
		send(t, tester, "POST", "/api/users", `{"n":"x","password":"`+bodySecret+`"}`, "Authorization: "+alice).
			expectProblem(t, 500, lookupFailed)
		expectFields(t, oneLog(t, logFile, "rule failed"), map[string]string{
			"level":    "error",
			"resource": "users",
			"action":   "create",
			"rule":     `resource "users": before create: statement 2 (require record.n == nil || int(record.n) > 0)`,
		})
	})
	t.Run("bad token", func(t *testing.T) {
		send(t, tester, "POST", "/api/users", `{"password":"`+bodySecret+`"}`, "Authorization: "+alice+"x").
			expectProblem(t, 401, problemJSON(401, "invalid token signature"))
	})
	t.Run("no token, no body in the log", func(t *testing.T) {
		text := logText(t, logFile)
		for _, secret := range []string{token, token[strings.LastIndexByte(token, '.')+1:], bodySecret, "hunter2-response-secret"} {
			if strings.Contains(text, secret) {
				t.Errorf("the log carries %q:\n%s", secret, text)
			}
		}
	})
}

func TestOperationsReportMode(t *testing.T) {
	hook := newHookReceiver(t)
	up := opsUpstream(t)
	tester, logFile := crudLogged(t, `
		webhooks {
			workers 1
			grace 1s
		}
		resource users /api/users {
			mode report
			before create {
				deny ´record.role == "admin"´ 403 "no admins"
				set createdBy ´"gateway"´
			}
			after create get {
				hide password
				deny ´record.locked == true´ 423 "locked"
			}
			async create {
				webhook `+hook.URL+`/report
			}
		}
		resource posts /api/posts {
			async create {
				webhook `+hook.URL+`/enforced
			}
		}`, up)

	before := scrape(t)
	t.Run("a would-be deny passes the original body", func(t *testing.T) {
		up.reset()
		sendSettled(t, "POST", "/api/users", `{"role":"admin","password":"p"}`).
			expect(t, 200, `{"role":"admin","password":"p"}`)
		reqs := up.requests()
		if len(reqs) < 1 || reqs[0].Method != "POST" || reqs[0].Body != `{"role":"admin","password":"p"}` {
			t.Fatalf("upstream got %+v", reqs)
		}
		expectFields(t, oneLog(t, logFile, "would reject"), map[string]string{
			"level":    "info",
			"resource": "users",
			"action":   "create",
			"mode":     "report",
			"rule":     `resource "users": before create: statement 1 (deny record.role == "admin")`,
		})
		if lines := logsWith(t, logFile, "request rejected"); len(lines) != 0 {
			t.Fatalf("rejected in report mode: %v", lines)
		}
	})
	t.Run("hides are not applied", func(t *testing.T) {
		send(t, tester, "GET", "/api/users/1", "").expect(t, 200, `{"id":1,"password":"p"}`)
		var gets []map[string]any
		for _, line := range logsWith(t, logFile, "would change the response") {
			if line["action"] == "get" {
				gets = append(gets, line)
			}
		}
		if len(gets) != 1 {
			t.Fatalf("%d would-change lines for the get: %v", len(gets), gets)
		}
		expectFields(t, gets[0], map[string]string{
			"level":    "info",
			"resource": "users",
			"mode":     "report",
			"rule":     `resource "users": after create get: statement 1 (hide password)`,
		})
	})
	t.Run("a would-be deny of the response passes it", func(t *testing.T) {
		send(t, tester, "GET", "/api/users/5", "").expect(t, 200, `{"id":5,"locked":true}`)
		expectFields(t, oneLog(t, logFile, "would reject the response"), map[string]string{
			"level":    "info",
			"resource": "users",
			"action":   "get",
			"mode":     "report",
		})
	})
	t.Run("webhooks are not sent", func(t *testing.T) {
		line := oneLog(t, logFile, "would send a webhook")
		expectFields(t, line, map[string]string{"resource": "users", "action": "create", "mode": "report"})
		// the only worker sends in queue order: an event of the report
		// resource would come before this one
		send(t, tester, "POST", "/api/posts", `{"n":1}`).expect(t, 200, `{"n":1}`)
		if c := hook.next(t); c.Path != "/enforced" {
			t.Fatalf("webhook to %s %s", c.Path, c.Body)
		}
		hook.quiet(t)
	})
	t.Run("metrics", func(t *testing.T) {
		expectDeltas(t, before, scrape(t), map[string]float64{
			decisionSeries("users", "create", "before", "would_reject"): 1,
			decisionSeries("users", "create", "before", "rejected"):     0,
			decisionSeries("users", "get", "after", "would_reject"):     1,
			decisionSeries("users", "get", "after", "rejected"):         0,
			filteredSeries("users", "would_hide"):                       2, // the create and the get
			filteredSeries("users", "hidden"):                           0,
		})
	})
}

// TestOperationsLogsEveryRejection: 401, 405 and a
// fetch_old 404 as rejections, and logs rejections at info with resource
// and action.
func TestOperationsLogsEveryRejection(t *testing.T) {
	t.Setenv("JWT_SECRET", identitySecret)
	up := opsUpstream(t)
	tester, logFile := crudLogged(t, `
		identity jwt {
			secret {env.JWT_SECRET}
		}
		resource users /api/users {
			fetch_old
		}`, up)

	alice, _, _ := oldTokens(t)
	for _, c := range []struct {
		name, method, path, header string
		status                     int
		action                     string
	}{
		{"401", "GET", "/api/users/1", "Authorization: Bearer bad", 401, "get"},
		{"fetch_old 404", "DELETE", "/api/users/6", "Authorization: " + alice, 404, "delete"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(logsWith(t, logFile, "request rejected"))
			if res := send(t, tester, c.method, c.path, "", c.header); res.Status != c.status {
				t.Fatalf("status %d, want %d: %s", res.Status, c.status, res.Body)
			}
			lines := logsWith(t, logFile, "request rejected")
			if len(lines) != before+1 {
				t.Fatalf("%d new \"request rejected\" lines, want 1", len(lines)-before)
			}
			expectFields(t, lines[len(lines)-1], map[string]string{
				"level":    "info",
				"resource": "users",
				"action":   c.action,
				"status":   fmt.Sprint(c.status),
			})
		})
	}
}
