package caddytest

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// oldSaw asserts the requests the upstream received, in order, as
// "METHOD uri" lines.
func oldSaw(t *testing.T, up *upstream, want ...string) []received {
	t.Helper()
	reqs := up.requests()
	got := make([]string, len(reqs))
	for i, r := range reqs {
		got[i] = r.Method + " " + r.URI
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("upstream received\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	return reqs
}

// oldFetch asserts what the internal GET of fetch_old (or of a lookup)
// carried: the caller's Authorization, Accept-Encoding: identity, no body
// and no Content-Type.
func oldFetch(t *testing.T, r received, authorization string) {
	t.Helper()
	if r.Method != "GET" || r.Body != "" {
		t.Fatalf("internal request %s %s with body %q, want a GET without body", r.Method, r.URI, r.Body)
	}
	r.header(t, "Authorization", authorization)
	r.header(t, "Accept-Encoding", "identity")
	r.header(t, "Content-Type", "")
	r.header(t, "Content-Length", "")
}

// oldReply answers from replies by "METHOD path" (the status, then the
// body as JSON); 200 {"ok":true} otherwise.
func oldReply(replies map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		rep, ok := replies[r.Method+" "+r.URL.Path]
		if !ok {
			_, _ = io.WriteString(w, `{"ok":true}`)
			return
		}
		status, body, _ := strings.Cut(rep, " ")
		switch status {
		case "204":
			w.WriteHeader(http.StatusNoContent)
			return
		case "404":
			w.WriteHeader(http.StatusNotFound)
		case "500":
			w.WriteHeader(http.StatusInternalServerError)
		case "text":
			w.Header().Set("Content-Type", "text/plain")
		}
		_, _ = io.WriteString(w, body)
	}
}

// oldTokens signs a token for each of alice and bob (members) and carol
// (an admin).
func oldTokens(t *testing.T) (alice, bob, carol string) {
	t.Helper()
	t.Setenv("JWT_SECRET", identitySecret)
	exp := time.Now().Add(time.Hour).Unix()
	tok := func(sub, role string) string {
		return "Bearer " + identityToken(t, identitySecret, jwt.MapClaims{"sub": sub, "role": role, "exp": exp})
	}
	return tok("alice", "member"), tok("bob", "member"), tok("carol", "admin")
}

func TestOldWhoIsAsking(t *testing.T) {
	alice, bob, carol := oldTokens(t)
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/users/1":    `200 {"data":{"id":1,"creatorId":"alice","name":"a"}}`,
		"PUT /api/users/1":    `200 {"data":{"id":1,"creatorId":"alice","name":"b"}}`,
		"DELETE /api/users/1": `204`,
		"GET /api/users":      `200 {"data":[]}`,
		"POST /api/users":     `200 {"data":{"id":2}}`,
	}))
	tester := crud(t, `
		identity jwt {
			secret {env.JWT_SECRET}
		}
		resource users /api/users {
			records data
			fetch_old
			before update delete {
				deny ´old.creatorId != user.id && user.role != "admin"´ 403 "not your record"
			}
		}`, up)

	t.Run("the creator may update", func(t *testing.T) {
		up.reset()
		send(t, tester, "PUT", "/api/users/1", `{"name":"b"}`, "Authorization: "+alice).
			expect(t, 200, `{"data":{"id":1,"creatorId":"alice","name":"b"}}`)
		reqs := oldSaw(t, up, "GET /api/users/1", "PUT /api/users/1")
		oldFetch(t, reqs[0], alice)
		if reqs[1].Body != `{"name":"b"}` {
			t.Fatalf("upstream PUT body %q", reqs[1].Body)
		}
		// the change itself still carries what the client sent
		reqs[1].header(t, "Content-Type", "application/json")
		reqs[1].header(t, "Authorization", alice)
	})
	t.Run("the creator may delete", func(t *testing.T) {
		up.reset()
		send(t, tester, "DELETE", "/api/users/1", "", "Authorization: "+alice).expect(t, 204, "")
		reqs := oldSaw(t, up, "GET /api/users/1", "DELETE /api/users/1")
		oldFetch(t, reqs[0], alice)
	})
	t.Run("another user may not update", func(t *testing.T) {
		up.reset()
		send(t, tester, "PUT", "/api/users/1", `{"name":"b"}`, "Authorization: "+bob).
			expectProblem(t, 403, problemJSON(403, "not your record"))
		reqs := oldSaw(t, up, "GET /api/users/1")
		oldFetch(t, reqs[0], bob)
	})
	t.Run("another user may not delete", func(t *testing.T) {
		up.reset()
		send(t, tester, "DELETE", "/api/users/1", "", "Authorization: "+bob).
			expectProblem(t, 403, problemJSON(403, "not your record"))
		oldSaw(t, up, "GET /api/users/1")
	})
	t.Run("an admin may", func(t *testing.T) {
		up.reset()
		send(t, tester, "PUT", "/api/users/1", `{"name":"b"}`, "Authorization: "+carol).
			expect(t, 200, `{"data":{"id":1,"creatorId":"alice","name":"b"}}`)
		oldSaw(t, up, "GET /api/users/1", "PUT /api/users/1")
		up.reset()
		send(t, tester, "DELETE", "/api/users/1", "", "Authorization: "+carol).expect(t, 204, "")
		oldSaw(t, up, "GET /api/users/1", "DELETE /api/users/1")
	})
	t.Run("no token fetches nothing", func(t *testing.T) {
		up.reset()
		send(t, tester, "DELETE", "/api/users/1", "").expectProblem(t, 401, problemJSON(401, "authentication required"))
		up.none(t)
	})
	t.Run("reads and creates fetch nothing", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/api/users/1", "", "Authorization: "+bob).
			expect(t, 200, `{"data":{"id":1,"creatorId":"alice","name":"a"}}`)
		oldSaw(t, up, "GET /api/users/1")
		up.reset()
		send(t, tester, "GET", "/api/users", "", "Authorization: "+bob).expect(t, 200, `{"data":[]}`)
		oldSaw(t, up, "GET /api/users")
		up.reset()
		send(t, tester, "POST", "/api/users", `{"name":"c"}`, "Authorization: "+bob).expect(t, 200, `{"data":{"id":2}}`)
		up.got(t, "POST", "/api/users", `{"name":"c"}`)
	})
}

func TestOldProtectedRecords(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/docs/1":    `200 {"id":1,"protected":true}`,
		"GET /api/docs/2":    `200 {"id":2,"protected":false}`,
		"GET /api/docs/3":    `200 {"id":3}`,
		"DELETE /api/docs/2": `204`,
		"DELETE /api/docs/3": `204`,
	}))
	tester := crud(t, `
		resource docs /api/docs {
			fetch_old
			before delete {
				deny ´old.protected == true´ 409 "protected"
			}
		}`, up)

	t.Run("a protected record cannot be deleted", func(t *testing.T) {
		up.reset()
		send(t, tester, "DELETE", "/api/docs/1", "").expectProblem(t, 409, problemJSON(409, "protected"))
		oldSaw(t, up, "GET /api/docs/1")
	})
	for _, id := range []string{"2", "3"} {
		t.Run("an unprotected record can: "+id, func(t *testing.T) {
			up.reset()
			send(t, tester, "DELETE", "/api/docs/"+id, "").expect(t, 204, "")
			oldSaw(t, up, "GET /api/docs/"+id, "DELETE /api/docs/"+id)
		})
	}
	t.Run("a protected record can be updated", func(t *testing.T) {
		up.reset()
		send(t, tester, "PATCH", "/api/docs/1", `{"title":"t"}`).expect(t, 200, `{"ok":true}`)
		reqs := oldSaw(t, up, "GET /api/docs/1", "PATCH /api/docs/1")
		if reqs[1].Body != `{"title":"t"}` {
			t.Fatalf("upstream PATCH body %q", reqs[1].Body)
		}
	})
}

func TestOldProtectStrict(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/users/1": `200 {"id":1,"role":"member","perms":{"read":true,"write":false}}`,
		"GET /api/users/2": `200 {"id":2}`,
	}))
	tester := crud(t, `
		resource users /api/users {
			fetch_old
			before create update {
				protect strict role perms
			}
		}`, up)

	for _, c := range []struct {
		name, method, path, body string
		allowed                  bool
		detail                   string
	}{
		{"same value", "PUT", "/api/users/1", `{"name":"x","role":"member"}`, true, ""},
		{"same object in another order", "PATCH", "/api/users/1", `{"perms":{"write":false,"read":true}}`, true, ""},
		{"field not sent", "PUT", "/api/users/1", `{"name":"x"}`, true, ""},
		{"different value", "PUT", "/api/users/1", `{"name":"x","role":"admin"}`, false, "the request may not set role"},
		{"different object", "PATCH", "/api/users/1", `{"perms":{"read":true,"write":true}}`, false, "the request may not set perms"},
		{"stored record lacks the field", "PUT", "/api/users/2", `{"role":"member"}`, false, "the request may not set role"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			res := send(t, tester, c.method, c.path, c.body)
			if !c.allowed {
				res.expectProblem(t, 403, problemJSON(403, c.detail))
				oldSaw(t, up, "GET "+c.path)
				return
			}
			res.expect(t, 200, `{"ok":true}`)
			reqs := oldSaw(t, up, "GET "+c.path, c.method+" "+c.path)
			if reqs[1].Body != c.body {
				t.Fatalf("upstream body %q, want %q", reqs[1].Body, c.body)
			}
		})
	}
	t.Run("create has no old: any value is refused", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users", `{"role":"member"}`).expectProblem(t, 403, problemJSON(403, "the request may not set role"))
		up.none(t)
	})
}

func TestOldFetchFailures(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/users/404": `404 {"error":"no such user","table":"users"}`,
		"GET /api/users/500": `500 {"error":"database down","dsn":"postgres://u:p@db"}`,
		"GET /api/users/txt": `text oops`,
		"GET /api/users/bad": `200 {"id":`,
	}))
	tester := crud(t, `
		resource users /api/users {
			fetch_old
			before update delete {
				deny ´old.locked == true´ 423 "locked"
			}
		}`, up)

	const couldNotFetch = `{"type":"about:blank","title":"Bad Gateway","status":502,"detail":"the stored record could not be fetched"}`
	for _, c := range []struct {
		name, id string
		status   int
		body     string
	}{
		{"not found", "404", 404, problemJSON(404, "not found")},
		{"upstream error", "500", 502, couldNotFetch},
		{"not JSON", "txt", 502, couldNotFetch},
		{"malformed JSON", "bad", 502, couldNotFetch},
	} {
		for _, method := range []string{"PUT", "DELETE"} {
			t.Run(c.name+" "+method, func(t *testing.T) {
				up.reset()
				body := ""
				if method == "PUT" {
					body = `{"name":"x"}`
				}
				send(t, tester, method, "/api/users/"+c.id, body).expectProblem(t, c.status, c.body)
				// the change never reaches the upstream
				oldSaw(t, up, "GET /api/users/"+c.id)
			})
		}
	}
}

func TestOldLegacyEndpoints(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == "GET" && r.URL.Path == "/legacy/user.php" {
			switch id := r.URL.Query().Get("id"); id {
			case "missing":
				w.WriteHeader(http.StatusNotFound)
			case "theirs":
				_, _ = io.WriteString(w, `{"id":"theirs","creatorId":"u2"}`)
			default:
				_, _ = io.WriteString(w, `{"creatorId":"u1"}`)
			}
			return
		}
		if r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/api/v2/items/") {
			_, _ = io.WriteString(w, `{"creatorId":"u1"}`)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	tester := crud(t, `
		resource users /legacy/users {
			rest off
			action update POST /legacy/user_update.php?id={id}
			action delete POST /legacy/user_delete.php?id={id}
			fetch_old GET /legacy/user.php?id={id}
			before update delete {
				deny ´old.creatorId != "u1"´ 403 "not your record"
			}
		}
		resource items /api/items {
			fetch_old GET /api/v2/items/{id}?full=1
			before update {
				deny ´old.creatorId != "u1"´ 403 "not your record"
			}
		}`, up)

	for _, c := range []struct {
		name, target, fetched string
	}{
		{"plain id", "/legacy/user_update.php?id=42", "/legacy/user.php?id=42"},
		{"other parameters are not copied", "/legacy/user_update.php?x=1&id=42", "/legacy/user.php?id=42"},
		{"id with a space", "/legacy/user_update.php?id=a%20b", "/legacy/user.php?id=a+b"},
		{"id with an ampersand", "/legacy/user_update.php?id=a%26b", "/legacy/user.php?id=a%26b"},
		{"id with an equals sign and a hash", "/legacy/user_update.php?id=a%3Db%23c", "/legacy/user.php?id=a%3Db%23c"},
		{"delete", "/legacy/user_delete.php?id=7", "/legacy/user.php?id=7"},
		{"path parameter", "/api/items/42", "/api/v2/items/42?full=1"},
		{"path parameter with a space", "/api/items/a%20b", "/api/v2/items/a%20b?full=1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			method := "POST"
			if strings.HasPrefix(c.target, "/api/") {
				method = "PUT"
			}
			send(t, tester, method, c.target, `{"name":"n"}`, "Authorization: Bearer legacy-token").expect(t, 200, `{"ok":true}`)
			reqs := oldSaw(t, up, "GET "+c.fetched, method+" "+c.target)
			oldFetch(t, reqs[0], "Bearer legacy-token")
			if reqs[1].Body != `{"name":"n"}` {
				t.Fatalf("upstream body %q", reqs[1].Body)
			}
		})
	}
	t.Run("not yours", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/legacy/user_update.php?id=theirs", `{"name":"n"}`).
			expectProblem(t, 403, problemJSON(403, "not your record"))
		oldSaw(t, up, "GET /legacy/user.php?id=theirs")
	})
	t.Run("not found", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/legacy/user_delete.php?id=missing", "").
			expectProblem(t, 404, problemJSON(404, "not found"))
		oldSaw(t, up, "GET /legacy/user.php?id=missing")
	})
}

// oldGzip compresses s.
func oldGzip(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestOldAndLookupEncodedAnyway(t *testing.T) {
	// an upstream that compresses whatever it is asked for
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var body string
		switch r.Method + " " + r.URL.Path {
		case "GET /api/users/1":
			body = `{"id":1,"creatorId":"u2"}`
		case "GET /api/customers/7":
			body = `{"id":7,"creditLimit":100}`
		default:
			body = `{"ok":true}`
		}
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(oldGzip(t, body))
	})
	tester := crud(t, `
		resource users /api/users {
			fetch_old
			before delete {
				deny ´old.creatorId != "u1"´ 403 "not your record"
			}
		}
		resource orders /api/orders {
			before create {
				deny ´record.total > lookup("/api/customers/7").creditLimit´ 422 "over the credit limit"
			}
		}`, up)

	t.Run("fetch_old", func(t *testing.T) {
		up.reset()
		send(t, tester, "DELETE", "/api/users/1", "").expectProblem(t, 403, problemJSON(403, "not your record"))
		oldSaw(t, up, "GET /api/users/1")
	})
	t.Run("lookup", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/orders", `{"total":150}`).expectProblem(t, 422, problemJSON(422, "over the credit limit"))
		oldSaw(t, up, "GET /api/customers/7")
	})
}

// TestOldPathDefences: a fetch_old path built from a query parameter meets
// the client-path defences: one that would leave the resource is a
// runtime error (500 unless on_error pass), logged, and never sent.
func TestOldPathDefences(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/v2/users/42": `200 {"id":42,"locked":false}`,
	}))
	const resources = `
		resource users /legacy/users {
			rest off
			action update POST /legacy/user_update.php?id={id}
			fetch_old GET /api/v2/users/{id}
			before update {
				deny ´old.locked != false´ 423 "locked"
			}
		}`

	t.Run("on_error deny", func(t *testing.T) {
		tester, logFile := crudLogged(t, resources, up)
		for _, c := range []struct{ name, id string }{
			{"dot segments", "..%2F..%2Fadmin"},
			{"dot segment", ".."},
			{"encoded dot segment", "%2e%2e"},
			{"backslash", "..%5Cadmin"},
		} {
			t.Run(c.name, func(t *testing.T) {
				up.reset()
				send(t, tester, "POST", "/legacy/user_update.php?id="+c.id, `{"name":"n"}`).
					expectProblem(t, 500, lookupFailed)
				up.none(t)
			})
		}
		expectFields(t, logsWith(t, logFile, "rule failed")[0], map[string]string{
			"level": "error", "resource": "users", "action": "update", "rule": "fetch_old",
		})
		t.Run("a plain id", func(t *testing.T) {
			up.reset()
			send(t, tester, "POST", "/legacy/user_update.php?id=42", `{"name":"n"}`).expect(t, 200, `{"ok":true}`)
			oldSaw(t, up, "GET /api/v2/users/42", "POST /legacy/user_update.php?id=42")
		})
	})
	t.Run("on_error pass", func(t *testing.T) {
		tester := crud(t, "on_error pass\n"+resources, up)
		up.reset()
		// without old, the rule reads nil: locked
		send(t, tester, "POST", "/legacy/user_update.php?id=..%2Fadmin", `{"name":"n"}`).
			expectProblem(t, 423, problemJSON(423, "locked"))
		up.none(t)
	})
}

// The stored record is fetched when a rule first needs old: a refusal
// before that (401 for an anonymous caller) is the same whether the record
// exists or not, and nothing is fetched for it.
func TestOldFetchedWhenFirstNeeded(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == "GET" && r.URL.Path == "/api/users/99" {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"error":"no such user"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":1,"owner":"u1"}`))
	})
	tester := crud(t, `
		identity placeholder http.request.header {
			id X-User
			optional
		}
		resource users /api/users {
			fetch_old
			before delete {
				require ´user != nil´ 401 "login required"
				deny ´old.owner != user.id´ 403 "not yours"
			}
		}`, up)
	for _, path := range []string{"/api/users/1", "/api/users/99"} {
		up.reset()
		send(t, tester, "DELETE", path, "").expectProblem(t, 401, problemJSON(401, "login required"))
		up.none(t)
	}
	up.reset()
	send(t, tester, "DELETE", "/api/users/99", "", "X-User: u1").expectProblem(t, 404, problemJSON(404, "not found"))
	if reqs := up.requests(); len(reqs) != 1 || reqs[0].Method != "GET" {
		t.Fatalf("upstream got %+v, want the fetch alone", reqs)
	}
	up.reset()
	send(t, tester, "DELETE", "/api/users/1", "", "X-User: u2").expectProblem(t, 403, problemJSON(403, "not yours"))
	up.reset()
	send(t, tester, "DELETE", "/api/users/1", "", "X-User: u1").expect(t, 200, `{"id":1,"owner":"u1"}`)
	if reqs := up.requests(); len(reqs) != 2 || reqs[0].Method != "GET" || reqs[1].Method != "DELETE" {
		t.Fatalf("upstream got %+v, want the fetch, then the delete", reqs)
	}
}
