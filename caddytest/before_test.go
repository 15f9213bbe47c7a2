package caddytest

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// bodyCase is a request body and what the upstream must receive (when
// status is 200) or the exact problem the client must get.
type bodyCase struct {
	name   string
	sent   string
	status int
	want   string // the upstream body when status is 200, else the problem
}

// checkBodies sends each case to method path and asserts the outcome.
func checkBodies(t *testing.T, tester *caddytest.Tester, up *upstream, method, path string, cases []bodyCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Helper()
			up.reset()
			res := send(t, tester, method, path, c.sent)
			if c.status == 200 {
				res.forwarded(t, up, method, path, c.want)
				return
			}
			res.refused(t, up, c.status, c.want)
		})
	}
}

func TestBeforeDenyRequire(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				deny ´record.role == "root"´
				deny ´record.role == "admin"´ 403 "admins are made by hand"
				require ´record.name != nil´ 400 "name is required"
				deny ´record.kind == "teapot"´ 418 "${record.name} is a teapot"
				require ´len(record.name) < 10´
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"deny without status or message", `{"role":"root","name":"a"}`, 403,
			`{"type":"about:blank","title":"Forbidden","status":403}`},
		{"deny with a message", `{"role":"admin","name":"a"}`, 403, problemJSON(403, "admins are made by hand")},
		{"require with a status", `{"role":"user"}`, 400, problemJSON(400, "name is required")},
		{"first rejection stops", `{"role":"admin"}`, 403, problemJSON(403, "admins are made by hand")},
		{"any error status", `{"name":"Tea","kind":"teapot"}`, 418, problemJSON(418, "Tea is a teapot")},
		{"require without status", `{"name":"abcdefghijk"}`, 403,
			`{"type":"about:blank","title":"Forbidden","status":403}`},
		{"passes unchanged", `{ "name": "a",  "role": "user" }`, 200, `{ "name": "a",  "role": "user" }`},
	})
}

func TestBeforeMessageTemplates(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				deny ´true´ 422 "[${record.v}] on ${resource}.${action}"
			}
		}`, up)

	for _, c := range []struct{ name, v, rendered string }{
		{"string as is", `"a \"b\" c"`, `a "b" c`},
		{"integer", `42`, `42`},
		{"negative float", `-1.5`, `-1.5`},
		{"true", `true`, `true`},
		{"null is empty", `null`, ``},
		{"array as JSON", `[1, "x", null]`, `[1,"x",null]`},
		{"object as JSON", `{ "k" : "v" }`, `{"k":"v"}`},
		{"never evaluated again", `"${1+1}"`, `${1+1}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, "POST", "/api/users", `{"v":`+c.v+`}`).
				expectProblem(t, 422, problemJSON(422, "["+c.rendered+"] on users.create"))
			up.none(t)
		})
	}
	t.Run("absent is empty", func(t *testing.T) {
		send(t, tester, "POST", "/api/users", `{}`).expectProblem(t, 422, problemJSON(422, "[] on users.create"))
	})
}

func TestBeforeCheck(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create update {
				check email ´(record.email ?? "") matches "^[^@ ]+@[^@ ]+$"´ "must be a valid email"
				check name ´len(record.name ?? "") >= 2´ "must have at least 2 characters"
				check age ´record.age == nil || record.age >= 18´ "must be 18 or over, not ${record.age}"
				deny ´record.name == "root"´ 403 "root is reserved"
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"every failure listed", `{"email":"x","name":"a","age":16}`, 422, invalid(
			fieldError{"email", "must be a valid email"},
			fieldError{"name", "must have at least 2 characters"},
			fieldError{"age", "must be 18 or over, not 16"})},
		{"one failure", `{"email":"a@x.io","name":"a"}`, 422, invalid(
			fieldError{"name", "must have at least 2 characters"})},
		{"valid passes unchanged", `{"email":"a@x.io","name":"ab","age":18}`, 200, `{"email":"a@x.io","name":"ab","age":18}`},
		{"deny wins over earlier failed checks", `{"email":"x","name":"root"}`, 403, problemJSON(403, "root is reserved")},
		{"bulk: each record checked", `[{"email":"a@x.io","name":"ab"},{"email":"bad","name":"ab"},{"name":"z"}]`, 422, invalid(
			fieldError{"[1].email", "must be a valid email"},
			fieldError{"[2].email", "must be a valid email"},
			fieldError{"[2].name", "must have at least 2 characters"})},
		{"bulk: deny in a later record wins", `[{"email":"bad","name":"ab"},{"email":"a@x.io","name":"root"}]`, 403,
			problemJSON(403, "root is reserved")},
		{"bulk: valid passes unchanged", `[ {"email":"a@x.io","name":"ab"}, {"email":"b@x.io","name":"cd"} ]`, 200,
			`[ {"email":"a@x.io","name":"ab"}, {"email":"b@x.io","name":"cd"} ]`},
	})

	t.Run("update too", func(t *testing.T) {
		up.reset()
		send(t, tester, "PATCH", "/api/users/1", `{"email":"nope","name":"ab"}`).
			expectProblem(t, 422, invalid(fieldError{"email", "must be a valid email"}))
		up.none(t)
	})
}

func TestBeforeSet(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				set meta.source ´"api"´
				set owner.profile.id ´40 + 2´
				set vip ´true´ if ´record.kind == "gold"´
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"creates intermediate objects", `{"name":"a"}`, 200,
			`{"name":"a","meta":{"source":"api"},"owner":{"profile":{"id":42}}}`},
		{"replaces and extends", `{"meta":{"source":"web","n":1},"name":"a"}`, 200,
			`{"meta":{"source":"api","n":1},"name":"a","owner":{"profile":{"id":42}}}`},
		{"if true", `{"kind":"gold"}`, 200, `{"kind":"gold","meta":{"source":"api"},"owner":{"profile":{"id":42}},"vip":true}`},
		{"if false", `{"kind":"tin","vip":false}`, 200, `{"kind":"tin","vip":false,"meta":{"source":"api"},"owner":{"profile":{"id":42}}}`},
		{"empty object", `{}`, 200, `{"meta":{"source":"api"},"owner":{"profile":{"id":42}}}`},
		{"bulk", `[{},{"name":"b"}]`, 200,
			`[{"meta":{"source":"api"},"owner":{"profile":{"id":42}}},{"name":"b","meta":{"source":"api"},"owner":{"profile":{"id":42}}}]`},
	})
}

func TestBeforeDefault(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				default role ´"member"´
				default prefs.lang ´"en"´
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"absent", `{}`, 200, `{"role":"member","prefs":{"lang":"en"}}`},
		{"null", `{"role":null,"prefs":{"lang":null}}`, 200, `{"role":"member","prefs":{"lang":"en"}}`},
		{"present stays, exact bytes", "{ \"role\": \"admin\",\n \"prefs\": { \"lang\": \"fr\" } }", 200,
			"{ \"role\": \"admin\",\n \"prefs\": { \"lang\": \"fr\" } }"},
		{"empty string and false are present", `{"role":"","prefs":{"lang":false}}`, 200, `{"role":"","prefs":{"lang":false}}`},
	})
}

func TestBeforeTransform(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				transform email ´lower(trim(value))´
				transform tag ´value + "-1"´
				transform tag ´value + "-2"´
				transform age ´value + 1´
				set nick ´"bob"´ if ´record.name != nil´
				transform nick ´upper(value)´
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"present", `{"email":"  A@X.IO "}`, 200, `{"email":"a@x.io"}`},
		{"chained in order", `{"tag":"t"}`, 200, `{"tag":"t-1-2"}`},
		{"arithmetic", `{"age":41}`, 200, `{"age":42}`},
		{"absent is left alone, exact bytes", `{ "x": 1 }`, 200, `{ "x": 1 }`},
		{"only the value changes, white space kept", "{ \"email\" : \" A@X.IO \" ,\n \"x\": 1 }", 200,
			"{ \"email\" : \"a@x.io\" ,\n \"x\": 1 }"},
		{"set earlier", `{"name":"a"}`, 200, `{"name":"a","nick":"BOB"}`},
		{"sent", `{"nick":"al"}`, 200, `{"nick":"AL"}`},
	})
}

func TestBeforeProtect(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create update {
				protect role createdAt profile.ssn items.*.cost
				protect internal if ´request.headers["x-admin"] != "yes"´
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"top-level fields", `{"name":"a","role":"admin","createdAt":1}`, 200, `{"name":"a"}`},
		{"nested field", `{"profile":{"ssn":"123","city":"x"}}`, 200, `{"profile":{"city":"x"}}`},
		{"every array element", `{"items":[{"id":1,"cost":5},{"id":2},{"cost":{"a":1}}]}`, 200,
			`{"items":[{"id":1},{"id":2},{}]}`},
		{"every object value", `{"items":{"a":{"cost":1,"n":2}}}`, 200, `{"items":{"a":{"n":2}}}`},
		{"escaped key", `{"r\u006fle":"admin"}`, 200, `{}`},
		{"if true", `{"internal":true,"name":"a"}`, 200, `{"name":"a"}`},
		{"the others keep their white space", "{ \"a\": 1 ,\n \"internal\": true ,\n \"name\": \"a\" }", 200,
			"{ \"a\": 1,\"name\": \"a\" }"},
		{"nothing to protect, exact bytes", "{\"name\" : \"a\",\n\"profile\":{\"city\":\"x\"}}", 200,
			"{\"name\" : \"a\",\n\"profile\":{\"city\":\"x\"}}"},
		{"bulk", `[{"role":"a","n":1},{"n":2,"createdAt":3}]`, 200, `[{"n":1},{"n":2}]`},
	})

	t.Run("if false", func(t *testing.T) {
		up.reset()
		send(t, tester, "PUT", "/api/users/1", `{"internal":true,"role":"x"}`, "X-Admin: yes").expect(t, 200, `{}`)
		up.got(t, "PUT", "/api/users/1", `{"internal":true}`)
	})
}

func TestBeforeProtectStrict(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				protect strict role tenant.id
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"one field", `{"name":"a","role":"user"}`, 403, problemJSON(403, "the request may not set role")},
		{"escaped key", `{"r\u006fle":"user"}`, 403, problemJSON(403, "the request may not set role")},
		{"fields named", `{"role":"x","tenant":{"id":1}}`, 403, problemJSON(403, "the request may not set role, tenant.id")},
		{"nested field", `{"tenant":{"id":1}}`, 403, problemJSON(403, "the request may not set tenant.id")},
		{"absent passes unchanged", `{"name":"a","tenant":{"name":"t"}}`, 200, `{"name":"a","tenant":{"name":"t"}}`},
	})
}

func TestBeforeOnly(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create update {
				only name email profile.city
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"removes the rest", `{"name":"a","role":"admin","email":"e","profile":{"city":"c","ssn":"1"},"x":[1]}`, 200,
			`{"name":"a","email":"e","profile":{"city":"c"}}`},
		{"all allowed, exact bytes", `{ "name" : "a" }`, 200, `{ "name" : "a" }`},
		{"bulk", `[{"name":"a","x":1},{"email":"b","y":2}]`, 200, `[{"name":"a"},{"email":"b"}]`},
	})
}

func TestBeforeHeaderAndQuery(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before list {
				query owner ´user.id ?? "anonymous"´
				query limit ´10´
				header X-Scope ´resource + ":" + action´
				header -X-Internal
				header X-Method ´request.method´
			}
		}`, up)

	up.reset()
	send(t, tester, "GET", "/api/users?limit=500&sort=name", "", "X-Internal: secret", "X-Keep: k").expect(t, 200, `{}`)
	got := up.got(t, "GET", "/api/users?limit=10&owner=anonymous&sort=name", "")
	got.header(t, "X-Scope", "users:list")
	got.header(t, "X-Internal", "")
	got.header(t, "X-Method", "GET")
	got.header(t, "X-Keep", "k")
}

func TestBeforeNilSafeMembers(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				set createdBy ´user.id´
				set anonymous ´user == nil´
				set deep ´user.profile.name.first´
				set missing ´record.a.b.c´
			}
		}`, up)

	const set = `"createdBy":null,"anonymous":true,"deep":null,"missing":null`
	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"absent", `{}`, 200, `{` + set + `}`},
		{"missing field of an object", `{"a":{"x":1}}`, 200, `{"a":{"x":1},` + set + `}`},
		{"null", `{"a":null}`, 200, `{"a":null,` + set + `}`},
		// A missing field reads as nil, never an error; a string
		// has no field b
		{"field of a string", `{"a":"str"}`, 200, `{"a":"str",` + set + `}`},
		{"field of a number", `{"a":1}`, 200, `{"a":1,` + set + `}`},
	})
}

func TestBeforeFunctionsAndVariables(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource posts /api/posts/{postId}/comments {
			before create {
				set id ´uuid()´
				set method ´placeholder("{http.request.method}")´
				set path ´request.path´
				set q ´request.query.a´
				set client ´request.headers["x-client"]´
				set host ´request.host´
				set ip ´request.remote_ip´
				set post ´request.params.postId´
				set where ´resource + "." + action´
				set index ´index´
			}
		}`, up)
	uuid := regexp.MustCompile(`"id":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"`)
	vars := `"method":"POST","path":"/api/Posts/7/comments","q":"1","client":"c",` +
		`"host":"localhost:` + strconv.Itoa(gatewayPort) + `","ip":"127.0.0.1","post":"7","where":"posts.create"`

	for _, c := range []struct{ name, sent, want string }{
		{"single record", `{}`, `{"id":"UUID",` + vars + `,"index":-1}`},
		{"bulk", `[{},{}]`, `[{"id":"UUID",` + vars + `,"index":0},{"id":"UUID",` + vars + `,"index":1}]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, "POST", "/api/Posts/7/comments?a=1&a=2", c.sent, "X-Client: c").expect(t, 200, `{}`)
			got := up.only(t)
			if body := uuid.ReplaceAllString(got.Body, `"id":"UUID"`); body != c.want {
				t.Fatalf("upstream got %s\nwant (uuid as UUID) %s", got.Body, c.want)
			}
		})
	}
	t.Run("uuids differ", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts/7/comments", `[{},{}]`).expect(t, 200, `{}`)
		ids := uuid.FindAllString(up.only(t).Body, -1)
		if len(ids) != 2 || ids[0] == ids[1] {
			t.Fatalf("uuids %q, want two different ones", ids)
		}
	})
}

// An unknown placeholder must not reach a rule as its own literal text
// (e.g. "{http.auth.user.id}" when nobody logged in): Caddy's convention
// for values is the empty string.
func TestBeforeUnknownPlaceholderIsEmpty(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				set owner ´placeholder("{http.auth.user.id}")´
			}
		}`, up)
	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"unknown", `{}`, 200, `{"owner":""}`},
	})
}

func TestBeforeLog(t *testing.T) {
	up := newUpstream(t, nil)
	tester, logFile := crudLogged(t, `
		resource users /api/users {
			before create {
				log ´{"name": record.name, "n": 1}´
				log ´"second " + action´ warn
				log ´user.id´ debug
				deny ´record.name == "x"´ 403 "no x"
			}
		}
		resource posts /api/posts {
			mode report
			before create {
				deny ´record.name == "x"´ 403 "no x"
			}
		}`, up)

	t.Run("log statements", func(t *testing.T) {
		send(t, tester, "POST", "/api/users", `{ "name": "a" }`).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", `{ "name": "a" }`)
		expectLog(t, logFile, "rule log", []string{"level", "logger", "resource", "action", "value"},
			`info http.handlers.crud users create {"n":1,"name":"a"}`,
			`warn http.handlers.crud users create second create`,
			`debug http.handlers.crud users create `)
	})

	t.Run("rejections", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users", `{"name":"x"}`).expectProblem(t, 403, problemJSON(403, "no x"))
		up.none(t)
		expectLog(t, logFile, "request rejected", []string{"level", "resource", "action", "rule", "status"},
			`info users create resource "users": before create: statement 4 (deny record.name == "x") 403`)
	})

	t.Run("report mode", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{"name":"x"}`).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/posts", `{"name":"x"}`)
		expectLog(t, logFile, "would reject", []string{"level", "resource", "action", "rule", "mode"},
			`info posts create resource "posts": before create: statement 1 (deny record.name == "x") report`)
	})
}

// TestReportModeNamesOnlyTransformsThatChange: in report mode a transform
// is logged as a change the request would get only where its value is
// written otherwise than the field was sent; the upstream gets the body as
// it came either way.
func TestReportModeNamesOnlyTransformsThatChange(t *testing.T) {
	up := newUpstream(t, nil)
	tester, logFile := crudLogged(t, `
		resource users /api/users {
			mode report
			before create {
				transform email ´lower(trim(value))´
			}
		}`, up)
	for _, body := range []string{`{"email":"A@b.c"}`, `{"email":"a@b.c"}`, `{"email":"a\u0040b.c"}`} {
		up.reset()
		send(t, tester, "POST", "/api/users", body).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", body)
	}
	expectLog(t, logFile, "would change the request", []string{"level", "resource", "action", "rule", "mode"},
		`info users create resource "users": before create: statement 1 (transform email) report`,
		`info users create resource "users": before create: statement 1 (transform email) report`)
}
