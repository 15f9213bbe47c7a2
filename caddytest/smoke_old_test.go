package caddytest

import (
	"io"
	"net/http"
	"testing"
)

func TestSmokeOldAndLookup(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "GET /api/users/1":
			io.WriteString(w, `{"data":{"id":1,"creatorId":"u1","role":"member"}}`)
		case "GET /api/users/2":
			io.WriteString(w, `{"data":{"id":2,"creatorId":"u2"}}`)
		case "GET /api/customers/7":
			io.WriteString(w, `{"id":7,"creditLimit":100,"secret":"s"}`)
		case "GET /api/customers/8", "GET /api/users/3":
			w.WriteHeader(404)
		default:
			io.WriteString(w, `{"ok":true}`)
		}
	})
	tester := gateway(t, `
		resource users /api/users {
			records data
			fetch_old
			before update delete {
				deny `+"`old.creatorId != \"u1\"`"+` 403 "not your record"
				protect strict role
			}
		}
		resource customers /api/customers {
			after get {
				hide secret
			}
		}
		resource orders /api/orders {
			before create {
				require `+"`lookup(\"/api/customers/\" + string(record.customerId)) != nil`"+` 422 "unknown customer"
				deny `+"`record.total > lookup(\"/api/customers/\" + string(record.customerId)).creditLimit`"+` 422 "over the credit limit"
				set customerSecret `+"`lookup(\"/api/customers/\" + string(record.customerId)).secret`"+`
			}
		}`, up)
	send(t, tester, "PUT", "/api/users/1", `{"role":"member","name":"x"}`).expect(t, 200, `{"ok":true}`)
	if reqs := up.requests(); len(reqs) != 2 || reqs[0].URI != "/api/users/1" || reqs[0].Method != "GET" || reqs[1].Body != `{"role":"member","name":"x"}` {
		t.Fatalf("upstream got %+v", reqs)
	}
	up.reset()
	send(t, tester, "PUT", "/api/users/1", `{"role":"admin"}`).expect(t, 403, problemJSON(403, "the request may not set role"))
	send(t, tester, "DELETE", "/api/users/2", ``).expect(t, 403, problemJSON(403, "not your record"))
	send(t, tester, "DELETE", "/api/users/3", ``).expect(t, 404, problemJSON(404, "not found"))
	up.reset()
	send(t, tester, "POST", "/api/orders", `{"customerId":7,"total":150}`).expect(t, 422, problemJSON(422, "over the credit limit"))
	if n := len(up.requests()); n != 1 {
		t.Fatalf("lookups not memoized: %d upstream requests", n)
	}
	send(t, tester, "POST", "/api/orders", `{"customerId":8,"total":1}`).expect(t, 422, problemJSON(422, "unknown customer"))
	up.reset()
	send(t, tester, "POST", "/api/orders", `{"customerId":7,"total":50}`).expect(t, 200, `{"ok":true}`)
	if got := up.requests()[1].Body; got != `{"customerId":7,"total":50,"customerSecret":null}` {
		t.Fatalf("upstream body %s", got)
	}
}
