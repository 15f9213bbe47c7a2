package caddytest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

const lookupFailed = `{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"a rule could not be evaluated"}`

func TestLookupCreditLimit(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/customers/7": `200 {"id":7,"creditLimit":100,"secret":"s"}`,
		"POST /api/orders":     `200 {"id":1}`,
	}))
	tester := crud(t, `
		resource customers /api/customers {
			after get {
				hide secret
			}
		}
		resource orders /api/orders {
			before create {
				deny ´record.total > lookup("/api/customers/" + string(record.customerId)).creditLimit´ 422 "over the credit limit"
			}
		}`, up)

	t.Run("over the limit", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/orders", `{"customerId":7,"total":150}`, "Authorization: Bearer caller-token").
			expectProblem(t, 422, problemJSON(422, "over the credit limit"))
		reqs := oldSaw(t, up, "GET /api/customers/7")
		oldFetch(t, reqs[0], "Bearer caller-token")
	})
	for _, total := range []string{"50", "100"} {
		t.Run("within the limit: "+total, func(t *testing.T) {
			up.reset()
			body := `{"customerId":7,"total":` + total + `}`
			send(t, tester, "POST", "/api/orders", body, "Authorization: Bearer caller-token").expect(t, 200, `{"id":1}`)
			reqs := oldSaw(t, up, "GET /api/customers/7", "POST /api/orders")
			oldFetch(t, reqs[0], "Bearer caller-token")
			if reqs[1].Body != body {
				t.Fatalf("upstream body %q, want %q", reqs[1].Body, body)
			}
		})
	}
}

func TestLookupIdsExist(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/tags/1": `200 {"id":1}`,
		"GET /api/tags/2": `200 {"id":2}`,
		"GET /api/tags/3": `404 {"error":"no such tag"}`,
	}))
	tester := crud(t, `
		resource posts /api/posts {
			before create {
				require ´all(record.tagIds, {lookup("/api/tags/" + string(#)) != nil})´ 422 "unknown tag"
			}
		}`, up)

	t.Run("all exist", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{"tagIds":[1,2]}`).expect(t, 200, `{"ok":true}`)
		reqs := oldSaw(t, up, "GET /api/tags/1", "GET /api/tags/2", "POST /api/posts")
		if reqs[2].Body != `{"tagIds":[1,2]}` {
			t.Fatalf("upstream body %q", reqs[2].Body)
		}
	})
	t.Run("one is missing", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{"tagIds":[1,3,2]}`).expectProblem(t, 422, problemJSON(422, "unknown tag"))
		// all stops at the first missing tag; the post is never created
		oldSaw(t, up, "GET /api/tags/1", "GET /api/tags/3")
	})
	t.Run("none to check", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{"tagIds":[]}`).expect(t, 200, `{"ok":true}`)
		oldSaw(t, up, "POST /api/posts")
	})
}

func TestLookupEmbedsOnlyWhatTheCallerMayRead(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/posts/1":          `200 {"id":1,"title":"t"}`,
		"GET /api/posts/1/comments": `200 [{"id":10,"text":"hi","email":"a@x.io"},{"id":11,"text":"yo","email":"b@x.io"}]`,
		"GET /api/posts/2":          `200 {"id":2,"title":"u"}`,
		"GET /api/posts/2/comments": `404 {"error":"none"}`,
	}))
	tester := crud(t, `
		resource comments /api/posts/{postId}/comments {
			after list {
				hide email
			}
		}
		resource posts /api/posts {
			after get {
				set comments ´lookup("/api/posts/" + string(record.id) + "/comments")´
			}
		}`, up)

	t.Run("embedded without the hidden field", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/api/posts/1", "").
			expect(t, 200, `{"id":1,"title":"t","comments":[{"id":10,"text":"hi"},{"id":11,"text":"yo"}]}`)
		oldSaw(t, up, "GET /api/posts/1", "GET /api/posts/1/comments")
	})
	t.Run("404 embeds null", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/api/posts/2", "").expect(t, 200, `{"id":2,"title":"u","comments":null}`)
		oldSaw(t, up, "GET /api/posts/2", "GET /api/posts/2/comments")
	})
	t.Run("the comments themselves", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/api/posts/1/comments", "").expect(t, 200, `[{"id":10,"text":"hi"},{"id":11,"text":"yo"}]`)
	})
}

func TestLookupMemoized(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/customers/7": `200 {"id":7,"name":"acme"}`,
		"POST /api/orders":     `200 {"id":1}`,
	}))
	tester := crud(t, `
		resource orders /api/orders {
			before create {
				require ´lookup("/api/customers/7") != nil´ 422 "unknown customer"
				set customerName ´lookup("/api/customers/7").name´
				set again ´lookup("/api/customers/7").id == lookup("/api/customers/7").id´
			}
			after create {
				set customerName ´lookup("/api/customers/7").name´
			}
		}`, up)

	// twice, so the memo is shown to live for one request only
	for _, round := range []string{"first", "second"} {
		t.Run(round, func(t *testing.T) {
			up.reset()
			send(t, tester, "POST", "/api/orders", `{"customerId":7}`).expect(t, 200, `{"id":1,"customerName":"acme"}`)
			reqs := oldSaw(t, up, "GET /api/customers/7", "POST /api/orders")
			if want := `{"customerId":7,"customerName":"acme","again":true}`; reqs[1].Body != want {
				t.Fatalf("upstream body %q, want %q", reqs[1].Body, want)
			}
		})
	}
	t.Run("another query is another lookup", func(t *testing.T) {
		up.reset()
		tester := crud(t, `
			resource orders /api/orders {
				before create {
					set a ´lookup("/api/customers/7") != nil´
					set b ´lookup("/api/customers/7?x=1") != nil´
				}
			}`, up)
		send(t, tester, "POST", "/api/orders", `{}`).expect(t, 200, `{"id":1}`)
		oldSaw(t, up, "GET /api/customers/7", "GET /api/customers/7?x=1", "POST /api/orders")
	})
}

func TestLookupMaxLookups(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/tags/1":      `200 {"id":1}`,
		"GET /api/tags/2":      `200 {"id":2}`,
		"GET /api/tags/3":      `200 {"id":3}`,
		"GET /api/customers/7": `200 {"id":7,"region":"eu"}`,
		"GET /api/regions/eu":  `200 {"name":"Europe"}`,
	}))
	tester, logFile := crudLogged(t, `
		max_lookups 2
		resource customers /api/customers {
			after get {
				set regionName ´lookup("/api/regions/" + record.region).name´
			}
		}
		resource posts /api/posts {
			before create {
				require ´all(record.tagIds, {lookup("/api/tags/" + string(#)) != nil})´ 422 "unknown tag"
			}
		}
		resource orders /api/orders {
			before create {
				require ´lookup("/api/customers/7") != nil && lookup("/api/tags/1") != nil´ 422 "unknown"
			}
		}
		resource loops /api/loops {
			after get {
				set self ´lookup(request.path)´
			}
		}`, up)

	t.Run("within the limit", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{"tagIds":[1,2]}`).expect(t, 200, `{"ok":true}`)
		oldSaw(t, up, "GET /api/tags/1", "GET /api/tags/2", "POST /api/posts")
	})
	t.Run("a memoized lookup is not another", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{"tagIds":[1,2,1,2]}`).expect(t, 200, `{"ok":true}`)
		oldSaw(t, up, "GET /api/tags/1", "GET /api/tags/2", "POST /api/posts")
	})
	t.Run("over the limit", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{"tagIds":[1,2,3]}`).expectProblem(t, 500, lookupFailed)
		oldSaw(t, up, "GET /api/tags/1", "GET /api/tags/2")
		line := oneLog(t, logFile, "rule failed")
		expectFields(t, line, map[string]string{
			"level":    "error",
			"resource": "posts",
			"action":   "create",
		})
		// the location names the statement (a long expression is shortened)
		if rule, _ := line["rule"].(string); !strings.HasPrefix(rule, `resource "posts": before create: statement 1 (require all(record.tagIds, `) {
			t.Fatalf("logged rule %q", rule)
		}
		if msg, _ := line["error"].(string); !strings.Contains(msg, "max_lookups") {
			t.Fatalf("logged error %q does not name max_lookups", msg)
		}
	})
	t.Run("lookups made by a lookup count too", func(t *testing.T) {
		up.reset()
		// customers/7 (1) looks up regions/eu (2); tags/1 would be the third
		send(t, tester, "POST", "/api/orders", `{}`).expectProblem(t, 500, lookupFailed)
		oldSaw(t, up, "GET /api/customers/7", "GET /api/regions/eu")
	})
	t.Run("a record that looks itself up", func(t *testing.T) {
		up.reset()
		// the client's GET, then one per lookup until the third is refused
		send(t, tester, "GET", "/api/loops/1", "").expectProblem(t, 500, lookupFailed)
		oldSaw(t, up, "GET /api/loops/1", "GET /api/loops/1", "GET /api/loops/1")
	})
}

func TestLookupOnErrorPass(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/customers/5": `500 {"error":"down"}`,
		"POST /api/orders":     `200 {"id":1}`,
	}))
	tester, logFile := crudLogged(t, `
		on_error pass
		resource orders /api/orders {
			before create {
				set customer ´lookup("/api/customers/5")´
			}
		}`, up)

	send(t, tester, "POST", "/api/orders", `{"customerId":5}`).expect(t, 200, `{"id":1}`)
	reqs := oldSaw(t, up, "GET /api/customers/5", "POST /api/orders")
	if reqs[1].Body != `{"customerId":5}` {
		t.Fatalf("upstream body %q", reqs[1].Body)
	}
	expectFields(t, oneLog(t, logFile, "rule failed"), map[string]string{
		"level":    "error",
		"resource": "orders",
		"action":   "create",
		"rule":     `resource "orders": before create: statement 1 (set customer)`,
	})
}

func TestLookupErrorsAndNil(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/secrets/1":   `200 {"id":1,"secret":true}`,
		"GET /api/vault/1":     `200 {"id":1,"gold":1}`,
		"GET /api/customers/1": `200 {"id":1}`,
		"GET /api/customers":   `200 [{"id":1}]`,
		"GET /api/customers/4": `404 {"error":"none"}`,
		"GET /api/customers/5": `500 {"error":"down"}`,
		"GET /api/customers/6": `text not json`,
	}))
	tester := crud(t, `
		resource secrets /api/secrets {
			after get {
				deny ´record.secret == true´ 403 "not yours"
			}
		}
		resource vault /api/vault {
			before get {
				require ´request.headers["x-key"] == "k"´ 403 "no key"
			}
		}
		resource customers /api/customers
		resource orders /api/orders {
			before create {
				set found ´lookup(record.ref)´
			}
		}`, up)

	for _, c := range []struct {
		name, ref string
		header    []string
		saw       []string // what the upstream received; a POST means the order went through
		found     string   // what the lookup returned, when it went through
	}{
		{"found", "/api/customers/1", nil, []string{"GET /api/customers/1"}, `{"id":1}`},
		{"the query is kept", "/api/customers?region=eu", nil, []string{"GET /api/customers?region=eu"}, `[{"id":1}]`},
		{"404 is nil", "/api/customers/4", nil, []string{"GET /api/customers/4"}, `null`},
		{"after deny of the target", "/api/secrets/1", nil, []string{"GET /api/secrets/1"}, ""},
		{"before require of the target", "/api/vault/1", nil, nil, ""},
		{"with the caller's headers the target allows it", "/api/vault/1", []string{"X-Key: k"}, []string{"GET /api/vault/1"}, `{"gold":1,"id":1}`},
		{"upstream 500", "/api/customers/5", nil, []string{"GET /api/customers/5"}, ""},
		{"not JSON", "/api/customers/6", nil, []string{"GET /api/customers/6"}, ""},
		{"not a path", "http://127.0.0.1:9/x", nil, nil, ""},
		{"dot segments", "/api/customers/../secrets/1", nil, nil, ""},
		{"encoded dot segments", "/api/customers/%2e%2e/secrets/1", nil, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			body := `{"ref":"` + c.ref + `"}`
			res := send(t, tester, "POST", "/api/orders", body, c.header...)
			if c.found == "" {
				res.expectProblem(t, 500, lookupFailed)
				oldSaw(t, up, c.saw...)
				return
			}
			res.expect(t, 200, `{"ok":true}`)
			reqs := oldSaw(t, up, append(c.saw, "POST /api/orders")...)
			if want := `{"ref":"` + c.ref + `","found":` + c.found + `}`; reqs[len(reqs)-1].Body != want {
				t.Fatalf("upstream body %q, want %q", reqs[len(reqs)-1].Body, want)
			}
		})
	}
}

func TestLookupInAsync(t *testing.T) {
	hook := newHookReceiver(t)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "GET /api/customers/7":
			_, _ = io.WriteString(w, `{"creditLimit":100,"id":7,"secret":"s"}`)
		default:
			_, _ = io.WriteString(w, `{"id":1,"customerId":7}`)
		}
	})
	tester := crud(t, `
		webhooks {
			grace 1s
		}
		resource customers /api/customers {
			after get {
				hide secret
			}
		}
		resource orders /api/orders {
			async create {
				webhook `+hook.URL+`/customer {
					body ´lookup("/api/customers/" + string(record.customerId))´
				}
			}
		}`, up)

	send(t, tester, "POST", "/api/orders", `{"customerId":7}`, "Authorization: Bearer async-token").expect(t, 200, `{"id":1,"customerId":7}`)
	c := hook.next(t)
	if c.Path != "/customer" || c.Body != `{"creditLimit":100,"id":7}` {
		t.Fatalf("webhook %s %s", c.Path, c.Body)
	}
	reqs := oldSaw(t, up, "POST /api/orders", "GET /api/customers/7")
	oldFetch(t, reqs[1], "Bearer async-token")
}

// TestLookupPathDefences: a lookup path built from request data must not
// leave its resource. The client-path defences hold for it: dot segments
// (also percent-encoded), empty segments, encoded slashes or backslashes,
// a raw backslash; and a second '?' or a '#' that a value spliced in. Such
// a path is a runtime error, logged with the rule, and never sent.
// pathescape and queryescape make a value one segment or one query value.
func TestLookupPathDefences(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/customers/c1": `200 {"id":"c1","blocked":false}`,
	}))
	tester, logFile := crudLogged(t, `
		resource orders /api/orders {
			before create {
				deny ´lookup("/api/customers/" + record.customerId).blocked == true´ 403 "blocked"
			}
		}
		resource quotes /api/quotes {
			before create {
				deny ´lookup("/api/customers/c1?expand=" + record.expand).blocked == true´ 403 "blocked"
			}
		}
		resource invoices /api/invoices {
			before create {
				deny ´lookup("/api/customers/" + pathescape(record.customerId) + "?expand=" + queryescape(record.expand)).blocked == true´ 403 "blocked"
			}
		}`, up)

	refused := []struct{ name, path, body string }{
		{"dot segments", "/api/orders", `{"customerId":"c1/../../admin/secret"}`},
		{"encoded dot segments", "/api/orders", `{"customerId":"c1/%2e%2e/%2E%2E/admin/secret"}`},
		{"dot segment at the end", "/api/orders", `{"customerId":".."}`},
		{"one dot", "/api/orders", `{"customerId":"."}`},
		{"encoded slash", "/api/orders", `{"customerId":"c1%2f..%2f..%2fadmin"}`},
		{"empty segment", "/api/orders", `{"customerId":"c1//admin"}`},
		{"backslash", "/api/orders", `{"customerId":"c1\\..\\admin"}`},
		{"encoded backslash", "/api/orders", `{"customerId":"c1%5c..%5cadmin"}`},
		{"fragment", "/api/orders", `{"customerId":"c1#"}`},
		{"second query", "/api/quotes", `{"expand":"a?admin=1"}`},
		{"escaped: a value is one segment, never a slash", "/api/invoices", `{"customerId":"../admin","expand":"a"}`},
		{"escaped: no segment at all", "/api/invoices", `{"customerId":"","expand":"a"}`},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, "POST", c.path, c.body).expectProblem(t, 500, lookupFailed)
			up.none(t)
		})
	}
	lines := logsWith(t, logFile, "rule failed")
	if len(lines) != len(refused) {
		t.Fatalf("%d rule failed log lines, want %d", len(lines), len(refused))
	}
	expectFields(t, lines[0], map[string]string{
		"level":    "error",
		"resource": "orders",
		"action":   "create",
		"rule":     `resource "orders": before create: statement 1 (deny lookup("/api/customers/" + record.customerId).blocked == ...)`,
	})
	if msg := fmt.Sprint(lines[0]["error"]); !strings.Contains(msg, `unsafe path "/api/customers/c1/../../admin/secret"`) {
		t.Fatalf("logged error %q", msg)
	}

	for _, c := range []struct{ name, path, body, sent string }{
		{"a plain value", "/api/orders", `{"customerId":"c1"}`, "GET /api/customers/c1"},
		{"a number, escaped", "/api/invoices", `{"customerId":12,"expand":1.5}`, "GET /api/customers/12?expand=1.5"},
		{"escaped values", "/api/invoices", `{"customerId":"c1?x=1 y","expand":"a&admin=1"}`,
			"GET /api/customers/c1%3Fx=1%20y?expand=a%26admin%3D1"},
		{"a query the rule wrote", "/api/quotes", `{"expand":"orders"}`, "GET /api/customers/c1?expand=orders"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, "POST", c.path, c.body).expect(t, 200, `{"ok":true}`)
			reqs := oldSaw(t, up, c.sent, "POST "+c.path)
			oldFetch(t, reqs[0], "")
			reqs[0].header(t, "Accept", "application/json")
		})
	}
}
