package caddytest

import (
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// queryCase is a request target and what the upstream must receive (its
// URI, when status is 200) or the exact problem the client must get.
type queryCase struct {
	name   string
	target string
	status int
	want   string // the URI the upstream got when status is 200, else the problem
}

// checkQueries sends each case as method with body and asserts the
// outcome: the exact URI upstream, or the exact problem and no upstream call.
func checkQueries(t *testing.T, tester *caddytest.Tester, up *upstream, method, body string, cases []queryCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Helper()
			up.reset()
			res := send(t, tester, method, c.target, body)
			if c.status == 200 {
				res.forwarded(t, up, method, c.want, body)
				return
			}
			res.refused(t, up, c.status, c.want)
		})
	}
}

func TestQueryProtect(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create update {
				protect role profile.verified kind isAdmin items.*.cost
				protect internal if ´request.headers["x-admin"] != "yes"´
			}
		}`, up)

	checkQueries(t, tester, up, "POST", `{"name":"a"}`, []queryCase{
		{"plain", "/api/users?role=admin", 200, "/api/users"},
		{"upper case", "/api/users?ROLE=admin&x=1", 200, "/api/users?x=1"},
		{"mixed case between others", "/api/users?x=1&Role=admin&y=2", 200, "/api/users?x=1&y=2"},
		{"bracket segment", "/api/users?user[role]=admin&n=1", 200, "/api/users?n=1"},
		{"bracket segment folded", "/api/users?user[ROLE]=admin", 200, "/api/users"},
		{"encoded brackets", "/api/users?user%5Brole%5D=admin&n=1", 200, "/api/users?n=1"},
		{"array form", "/api/users?role[]=admin&role[]=root&n=1", 200, "/api/users?n=1"},
		{"percent-encoded name", "/api/users?r%6Fle=admin&n=1", 200, "/api/users?n=1"},
		{"long s folds with s", "/api/users?i%C5%BFAdmin=true&n=1", 200, "/api/users?n=1"},
		{"kelvin sign folds with k", "/api/users?%E2%84%AAind=x&n=1", 200, "/api/users?n=1"},
		{"nested path in brackets", "/api/users?profile[verified]=1&profile[city]=x", 200, "/api/users?profile[city]=x"},
		{"nested path dotted", "/api/users?profile.verified=1&n=1", 200, "/api/users?n=1"},
		{"nested path under a wrapper", "/api/users?user[profile][verified]=1&n=1", 200, "/api/users?n=1"},
		{"wildcard path", "/api/users?items[0][cost]=1&items[0][id]=2", 200, "/api/users?items[0][id]=2"},
		{"other bytes kept as sent", "/api/users?b=%20x&role=1&a=y+z&c&;d=%41", 200, "/api/users?b=%20x&a=y+z&c&;d=%41"},
		{"semicolon separator", "/api/users?a=1;role=x;b=2", 200, "/api/users?a=1;b=2"},
		{"names that only contain it", "/api/users?roles=1&role_id=2&verified=1&profile=x", 200,
			"/api/users?roles=1&role_id=2&verified=1&profile=x"},
		{"if true", "/api/users?internal=1&n=1", 200, "/api/users?n=1"},
	})

	t.Run("if false", func(t *testing.T) {
		up.reset()
		send(t, tester, "PUT", "/api/users/1?internal=1&role=x", `{"n":1}`, "X-Admin: yes").expect(t, 200, `{}`)
		up.got(t, "PUT", "/api/users/1?internal=1", `{"n":1}`)
	})
	t.Run("empty bulk body", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users?role=admin&internal=1&n=1", `[]`).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users?n=1", `[]`)
	})
}

func TestQueryProtectEveryAction(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before all {
				protect role
			}
		}`, up)

	for _, c := range []struct{ method, target, want string }{
		{"GET", "/api/users?role=admin&page=2", "/api/users?page=2"},
		{"GET", "/api/users/1?ROLE=admin", "/api/users/1"},
		{"DELETE", "/api/users/1?user[role]=x", "/api/users/1"},
	} {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			up.reset()
			send(t, tester, c.method, c.target, "").expect(t, 200, `{}`)
			up.got(t, c.method, c.want, "")
		})
	}
}

func TestQueryProtectStrict(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				protect strict role tenant.id
			}
		}`, up)

	checkQueries(t, tester, up, "POST", `{"name":"a"}`, []queryCase{
		{"one field", "/api/users?role=admin", 403, problemJSON(403, "the request may not set role")},
		{"bracket form", "/api/users?user[Role]=admin", 403, problemJSON(403, "the request may not set role")},
		{"fields named", "/api/users?tenant[id]=1&role=x", 403, problemJSON(403, "the request may not set tenant.id, role")},
		{"others pass unchanged", "/api/users?tenant[name]=t&x=%41", 200, "/api/users?tenant[name]=t&x=%41"},
	})
}

// A request that sets a strictly protected field in its query and fails
// a check is refused for the field (403), as when it sets the field in its
// body: a write the client may not make comes before what is invalid in it.
func TestQueryProtectStrictBeforeFailedChecks(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				check name ´len(record.name ?? "") >= 2´ "too short"
				protect strict role
			}
		}`, up)

	checkQueries(t, tester, up, "POST", `{"name":"a"}`, []queryCase{
		{"protected field and a failed check", "/api/users?role=admin", 403, problemJSON(403, "the request may not set role")},
		{"the failed check alone", "/api/users?x=1", 422, invalid(fieldError{"name", "too short"})},
	})
	t.Run("the field in the body", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users", `{"name":"a","role":"admin"}`).
			refused(t, up, 403, problemJSON(403, "the request may not set role"))
	})
}

func TestQueryProtectCaseSensitive(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			case_sensitive
			before create {
				protect role
			}
		}`, up)

	checkQueries(t, tester, up, "POST", `{"name":"a"}`, []queryCase{
		{"exact name removed", "/api/users?role=admin&n=1", 200, "/api/users?n=1"},
		{"other case kept", "/api/users?ROLE=admin&user[Role]=x", 200, "/api/users?ROLE=admin&user[Role]=x"},
	})
}
