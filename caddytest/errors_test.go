package caddytest

import (
	"strings"
	"testing"
)

// ruleFailed is the exact answer to a rule that could not be evaluated.
const ruleFailed = `{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"a rule could not be evaluated"}`

func TestErrorsRuntime(t *testing.T) {
	up := newUpstream(t, nil)
	const rules = `
		resource users /api/users {
			before create {
				require ´int("x") > 0´
				protect role
			}
			before update {
				set n ´int(record.s) + 1´
			}
			before delete {
				deny ´true´ 403 "${1 / record.zero > 0}"
			}
		}`

	t.Run("on_error deny", func(t *testing.T) {
		tester := crud(t, rules, up)
		for _, c := range []struct{ name, method, path, body string }{
			{"condition", "POST", "/api/users", `{"role":"admin"}`},
			{"set from the body", "PUT", "/api/users/1", `{"s":"x"}`},
			{"message", "DELETE", "/api/users/1", `{"zero":"a"}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				up.reset()
				send(t, tester, c.method, c.path, c.body).expectProblem(t, 500, ruleFailed)
				up.none(t)
			})
		}
		t.Run("set succeeds", func(t *testing.T) {
			up.reset()
			send(t, tester, "PUT", "/api/users/1", `{"s":"41"}`).expect(t, 200, `{}`)
			up.got(t, "PUT", "/api/users/1", `{"s":"41","n":42}`)
		})
	})

	t.Run("on_error pass", func(t *testing.T) {
		tester := crud(t, "on_error pass\n"+rules, up)
		for _, c := range []struct{ name, method, path, body string }{
			{"condition", "POST", "/api/users", `{ "role": "admin" }`},
			{"set from the body", "PUT", "/api/users/1", `{"s":"x"}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				up.reset()
				send(t, tester, c.method, c.path, c.body).expect(t, 200, `{}`)
				up.got(t, c.method, c.path, c.body)
			})
		}
	})
}

func TestErrorsMethodOverride(t *testing.T) {
	up := newUpstream(t, nil)
	const resources = `
		resource users /api/users {
			before all {
				header X-Action ´action´
			}
		}`
	const refused = "method override headers are not accepted here"

	t.Run("rejected by default", func(t *testing.T) {
		tester := crud(t, resources, up)
		for _, h := range []string{"X-HTTP-Method-Override: DELETE", "X-HTTP-Method: PUT", "X-Method-Override: GET", "x-http-method-override: post"} {
			t.Run(h, func(t *testing.T) {
				up.reset()
				send(t, tester, "POST", "/api/users/1", `{}`, h).expectProblem(t, 400, problemJSON(400, refused))
				up.none(t)
			})
		}
		t.Run("unmatched path passes", func(t *testing.T) {
			up.reset()
			send(t, tester, "POST", "/other/1", `{}`, "X-HTTP-Method-Override: DELETE").expect(t, 200, `{}`)
			up.got(t, "POST", "/other/1", `{}`).header(t, "X-HTTP-Method-Override", "DELETE")
		})
	})

	for _, c := range []struct{ name, config string }{
		{"allowed on the handler", "method_override allow\n" + resources},
		{"allowed on the resource", `
		resource users /api/users {
			method_override allow
			before all {
				header X-Action ´action´
			}
		}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			tester := crud(t, c.config, up)
			for _, o := range []struct{ method, path, header, action string }{
				{"POST", "/api/users/1", "X-HTTP-Method-Override: DELETE", "delete"},
				{"POST", "/api/users/1", "X-HTTP-Method: patch", "update"},
				{"GET", "/api/users", "X-Method-Override: POST", "create"},
			} {
				t.Run(o.header, func(t *testing.T) {
					up.reset()
					send(t, tester, o.method, o.path, `{}`, o.header).expect(t, 200, `{}`)
					up.got(t, o.method, o.path, `{}`).header(t, "X-Action", o.action)
				})
			}
		})
	}
}

func TestErrorsPathDefences(t *testing.T) {
	up := newUpstream(t, nil)
	crud(t, `
		resource users /api/users {
			before all {
				deny ´true´ 403 "denied"
			}
		}`, up)
	const refused = "the path holds dot segments, empty segments or encoded slashes"

	for _, target := range []string{
		"/api/users/../users/1",
		"/api/users/./1",
		"/api/users/1/..",
		"/api/users//1",
		"/api//users/1",
		"/api/users/1%2F2",
		"/api/users%2F1",
		"/api/users%2f1",
		"/api/users/1%5c",
		"/api/users/1%5C",
		"/API/users/../users/1",
		"/other/../api/users/1",
		"/api/users/%2e%2e/users/1",
	} {
		t.Run(target, func(t *testing.T) {
			up.reset()
			sendRaw(t, rawRequest("GET", target, "", false)).expectProblem(t, 400, problemJSON(400, refused))
			up.none(t)
		})
	}

	for _, target := range []string{"/other//x", "/other/a%2Fb", "/other/./x"} {
		t.Run("elsewhere "+target, func(t *testing.T) {
			up.reset()
			sendRaw(t, rawRequest("GET", target, "", false)).expect(t, 200, `{}`)
			up.got(t, "GET", target, "")
		})
	}
}

func TestErrorsReportMode(t *testing.T) {
	up := newUpstream(t, nil)
	const rules = `
			before create {
				protect role
				set touched ´true´
				header X-Added ´"1"´
				query added ´"1"´
				check email ´record.email != "x"´ "bad email"
				deny ´record.role == "admin"´ 403 "no admins"
			}
			before update {
				require ´int("x") > 0´
			}`
	tester := crud(t, `
		resource users /api/users {
			mode report`+rules+`
		}
		resource posts /api/posts {`+rules+`
		}`, up)
	const body = `{ "role": "admin", "email": "x" }`

	for _, c := range []struct{ name, method, path string }{
		{"would deny", "POST", "/api/users?a=1"},
		{"would fail", "PUT", "/api/users/1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, c.method, c.path, body).expect(t, 200, `{}`)
			got := up.got(t, c.method, c.path, body)
			got.header(t, "X-Added", "")
		})
	}
	t.Run("would change", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users", `{"role":"user"}`).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", `{"role":"user"}`).header(t, "X-Added", "")
	})
	t.Run("enforced elsewhere", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{"role":"user"}`).expect(t, 200, `{}`)
		got := up.got(t, "POST", "/api/posts?added=1", `{"touched":true}`)
		got.header(t, "X-Added", "1")
		up.reset()
		send(t, tester, "POST", "/api/posts", body).expectProblem(t, 422, invalid(fieldError{"email", "bad email"}))
		up.none(t)
	})

	t.Run("on the handler", func(t *testing.T) {
		tester := crud(t, `
		mode report
		resource posts /api/posts {`+rules+`
		}`, up)
		up.reset()
		send(t, tester, "POST", "/api/posts", body).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/posts", body)
	})
}

func TestErrorsConfig(t *testing.T) {
	for _, c := range []struct{ name, crudBody, want string }{
		{"broken expression", `
		resource users /api/users {
			before create {
				deny ´record.a ==´
			}
		}`, `resource "users": before create: statement 1 (deny record.a ==): unexpected token`},
		{"statement numbers count from 1 in each block", `
		resource users /api/users {
			before create update {
				protect role
				set a ´1 +´
			}
		}`, `resource "users": before create update: statement 2 (set a): unexpected token`},
		{"condition not bool", `
		resource users /api/users {
			before create {
				require ´1 + 1´
			}
		}`, `resource "users": before create: statement 1 (require 1 + 1): expected bool, but got int`},
		{"unknown name in a method's argument", `
		resource users /api/users {
			before create {
				set at ´date(record.at).Format(time.RFC3339)´
			}
		}`, `resource "users": before create: statement 1 (set at): unknown name time`},
		{"unknown name in a function's argument", `
		resource users /api/users {
			before create {
				deny ´placeholder(tenant) == ""´
			}
		}`, `resource "users": before create: statement 1 (deny placeholder(tenant) == ""): unknown name tenant`},
		{"broken message", `
		resource users /api/users {
			before create {
				deny ´true´ 403 "no ${record.a"
			}
		}`, `resource "users": before create: statement 1 (deny true): unclosed ${`},
		{"unknown action", `
		resource users /api/users {
			before frobnicate {
				deny ´true´
			}
		}`, `resource "users": before frobnicate: unknown action "frobnicate"`},
		{"action of rest off", `
		resource users /api/users {
			rest off
			action search GET /api/users/search
			before get {
				deny ´true´
			}
		}`, `unknown action "get"`},
		{"hide in before", `
		resource users /api/users {
			before create {
				hide password
			}
		}`, `resource "users": before create: statement 1 (hide password): "hide" is not a before statement`},
	} {
		t.Run(c.name, func(t *testing.T) {
			expectLoadError(t, c.crudBody, c.want)
		})
	}
}

func TestPlaceholders(t *testing.T) {
	up := newUpstream(t, nil)
	tester := startGateway(t, bt(`
	header >X-Crud "{http.crud.resource} {http.crud.action} {http.crud.outcome}"
	crud {
		resource users /api/users {
			before create {
				check email ´record.email != "x"´ "bad email"
				deny ´record.role == "admin"´ 403 "no admins"
				require ´record.n == nil || int(record.n) > 0´
			}
		}
		resource posts /api/posts {
			mode report
			before create {
				check email ´record.email != "x"´ "bad email"
				deny ´record.role == "admin"´ 403 "no admins"
			}
		}
	}
	reverse_proxy {upstream} {
		header_up X-Crud "{http.crud.resource} {http.crud.action} {http.crud.outcome}"
	}`), up)

	for _, c := range []struct {
		name, method, path, body string
		status                   int
		crud                     string // resource, action, outcome; * for any
		reached                  bool
	}{
		{"passed", "POST", "/api/users", `{}`, 200, "users create passed", true},
		{"rejected", "POST", "/api/users", `{"role":"admin"}`, 403, "users create rejected", false},
		{"unmapped", "DELETE", "/api/users", "", 405, "users * rejected", false},
		{"invalid check", "POST", "/api/users", `{"email":"x"}`, 422, "users create invalid", false},
		{"invalid body", "POST", "/api/users", `{`, 400, "users create invalid", false},
		{"error", "POST", "/api/users", `{"n":"x"}`, 500, "users create error", false},
		{"would reject", "POST", "/api/posts", `{"role":"admin"}`, 200, "posts create would_reject", true},
		{"would invalidate", "POST", "/api/posts", `{"email":"x"}`, 200, "posts create would_invalidate", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			res := send(t, tester, c.method, c.path, c.body)
			if res.Status != c.status {
				t.Fatalf("status %d, want %d: %s", res.Status, c.status, res.Body)
			}
			if got := res.Header.Get("X-Crud"); !fieldsMatch(got, c.crud) {
				t.Fatalf("client X-Crud %q, want %q", got, c.crud)
			}
			if !c.reached {
				up.none(t)
				return
			}
			if got := up.only(t).Header.Get("X-Crud"); !fieldsMatch(got, c.crud) {
				t.Fatalf("upstream X-Crud %q, want %q", got, c.crud)
			}
		})
	}
}

// fieldsMatch compares space-separated fields; a * in want matches any one.
func fieldsMatch(got, want string) bool {
	g, w := strings.Split(got, " "), strings.Split(want, " ")
	if len(g) != len(w) {
		return false
	}
	for i := range w {
		if w[i] != "*" && w[i] != g[i] {
			return false
		}
	}
	return true
}
