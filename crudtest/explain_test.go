package crudtest_test

import (
	"bytes"
	"testing"

	"github.com/caddy-crud/caddy-crud/crudtest"
)

// explain lists every statement of the action with its decision, the
// rule that refused, and what the API and the client saw.
func TestExplainRejection(t *testing.T) {
	opts := crudtest.ExplainOptions{ConfigFile: "testdata/Caddyfile", Adapter: "caddyfile",
		Listen: ":8080", Method: "post", Path: "/api/posts", Body: `{"title":"Hi"}`, User: `{"id":"6","role":"reader"}`}
	want := `request: POST /api/posts
caller:  {"id":"6","role":"reader"}
matched: resource "posts", action create
before:
  testdata/Caddyfile:10 before create: statement 1 (require user != nil && user.role == "author"): rejected: 403 authors only
  testdata/Caddyfile:11 before create: statement 2 (set authorId): not reached
async:
  testdata/Caddyfile:17 async create: statement 1 (webhook http://hooks.example/post-created): not reached
upstream receives: nothing
client gets: 403
  {"type":"about:blank","title":"Forbidden","status":403,"detail":"authors only"}
outcome: rejected
`
	expectExplain(t, opts, want)
}

// A request the rules pass shows each change, the body sent upstream
// with the fields that changed, the client's body and the webhook.
func TestExplainChanges(t *testing.T) {
	var out, errs bytes.Buffer
	status := crudtest.ExplainCommand(crudtest.ExplainOptions{ConfigFile: "testdata/Caddyfile", Adapter: "caddyfile",
		Listen: ":8080", Method: "POST", Path: "/api/posts", Body: `{"title":"Hi"}`, User: `{"id":"5","role":"author"}`,
		Upstream: `{"id":9,"title":"Hi","authorId":"5","draftNotes":"x"}`}, &out, &errs)
	want := `request: POST /api/posts
caller:  {"id":"5","role":"author"}
matched: resource "posts", action create
before:
  testdata/Caddyfile:10 before create: statement 1 (require user != nil && user.role == "author"): passed
  testdata/Caddyfile:11 before create: statement 2 (set authorId): changed field authorId from absent to "5"
async:
  testdata/Caddyfile:17 async create: statement 1 (webhook http://hooks.example/post-created): passed
upstream receives: POST /api/posts
  {"title":"Hi","authorId":"5"}
  authorId: absent -> "5"
client gets: 200
  {"authorId":"5","draftNotes":"x","id":9,"title":"Hi"}
`
	if status != 0 || !bytes.HasPrefix(out.Bytes(), []byte(want)) || !bytes.Contains(out.Bytes(), []byte("webhook queued: http://hooks.example/post-created\n")) {
		t.Errorf("status %d, stderr %s, stdout:\n%s\nwant it to start:\n%s", status, errs.String(), out.String(), want)
	}
}

// A path no resource claims names the closest base and why it missed.
func TestExplainNoMatch(t *testing.T) {
	opts := crudtest.ExplainOptions{ConfigFile: "testdata/Caddyfile", Adapter: "caddyfile",
		Listen: ":8080", Method: "GET", Path: "/api/post/1"}
	want := `request: GET /api/post/1
caller:  anonymous
matched: no resource; the request passes through untouched
closest: resource "posts", base /api/posts: segment 2 is "post", the base has "posts"
upstream receives: GET /api/post/1
client gets: 200
  {}
outcome: untouched
`
	expectExplain(t, opts, want)
}

// Each statement of a create says what it did to the record: protect
// removing a field, transform and set changing one, default filling one,
// and after the response hide removing one.
func TestExplainCreateStatements(t *testing.T) {
	opts := crudtest.ExplainOptions{ConfigFile: "../Caddyfile.example", Adapter: "caddyfile",
		Method: "POST", Path: "/api/users", User: `{"id":"7"}`, Body: `{"name":"Ada","email":" ADA@X.org ","role":"admin"}`,
		Upstream: `{"id":4,"name":"Ada","email":"ada@x.org","creatorId":"7","role":"member","password":"h"}`}
	want := `request: POST /api/users
caller:  {"id":"7"}
matched: resource "users", action create
before:
  ../Caddyfile.example:19 before write delete: statement 1 (require user != nil): passed
  ../Caddyfile.example:22 before create update: statement 1 (protect createdAt creatorId role): changed field role from "admin" to absent
  ../Caddyfile.example:23 before create update: statement 2 (transform email): changed field email from " ADA@X.org " to "ada@x.org"
  ../Caddyfile.example:26 before create: statement 1 (check email): passed
  ../Caddyfile.example:27 before create: statement 2 (check name): passed
  ../Caddyfile.example:34 before create: statement 1 (set creatorId): changed field creatorId from absent to "7"
  ../Caddyfile.example:35 before create: statement 2 (default role): changed field role from absent to "member"
after:
  ../Caddyfile.example:41 after read write: statement 1 (hide password): hid 1 field
  ../Caddyfile.example:42 after read write: statement 2 (hide email): skipped (condition false)
  ../Caddyfile.example:43 after read write: statement 3 (drop record.deleted == true): passed
async:
  ../Caddyfile.example:46 async create: statement 1 (log "user " + string(record.id) + " created by " + string(use...): passed
upstream receives: POST /api/users
  {"email":"ada@x.org","name":"Ada","creatorId":"7","role":"member"}
  email: " ADA@X.org " -> "ada@x.org"
  role: "admin" -> "member"
  creatorId: absent -> "7"
client gets: 200
  {"creatorId":"7","email":"ada@x.org","id":4,"name":"Ada","role":"member"}
  password: "h" -> absent
outcome: passed
`
	expectExplain(t, opts, want)
}

// Every check runs and says why it failed; the after phase is not reached.
func TestExplainInvalid(t *testing.T) {
	opts := crudtest.ExplainOptions{ConfigFile: "../Caddyfile.example", Adapter: "caddyfile",
		Method: "POST", Path: "/api/users", User: `{"id":"7"}`, Body: `{"name":"A","email":"nope"}`}
	want := `request: POST /api/users
caller:  {"id":"7"}
matched: resource "users", action create
before:
  ../Caddyfile.example:19 before write delete: statement 1 (require user != nil): passed
  ../Caddyfile.example:22 before create update: statement 1 (protect createdAt creatorId role): passed
  ../Caddyfile.example:23 before create update: statement 2 (transform email): passed
  ../Caddyfile.example:26 before create: statement 1 (check email): failed: email: must be a valid email
  ../Caddyfile.example:27 before create: statement 2 (check name): failed: name: must have at least 2 characters
  ../Caddyfile.example:34 before create: statement 1 (set creatorId): changed field creatorId from absent to "7"
  ../Caddyfile.example:35 before create: statement 2 (default role): changed field role from absent to "member"
after:
  ../Caddyfile.example:41 after read write: statement 1 (hide password): not reached
  ../Caddyfile.example:42 after read write: statement 2 (hide email): not reached
  ../Caddyfile.example:43 after read write: statement 3 (drop record.deleted == true): not reached
async:
  ../Caddyfile.example:46 async create: statement 1 (log "user " + string(record.id) + " created by " + string(use...): not reached
upstream receives: nothing
client gets: 422
  {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid","errors":[{"field":"email","message":"must be a valid email"},{"field":"name","message":"must have at least 2 characters"}]}
outcome: invalid
`
	expectExplain(t, opts, want)
}

// A list's statements are summed up over its records: fields hidden,
// records skipped by a condition, records dropped.
func TestExplainList(t *testing.T) {
	opts := crudtest.ExplainOptions{ConfigFile: "../Caddyfile.example", Adapter: "caddyfile",
		Method: "GET", Path: "/api/users", User: `{"id":"7"}`,
		Upstream: `{"data":[{"id":1,"creatorId":"7","email":"a@x","password":"p"},{"id":2,"creatorId":"8","email":"b@x","password":"q"},` +
			`{"id":3,"creatorId":"7","deleted":true,"password":"r"}],"total":3}`}
	want := `request: GET /api/users
caller:  {"id":"7"}
matched: resource "users", action list
after:
  ../Caddyfile.example:41 after read write: statement 1 (hide password): hid 3 fields over 3 of 3 records
  ../Caddyfile.example:42 after read write: statement 2 (hide email): skipped (condition false) for 2 of 3 records; hid 1 field over 1 of 3 records
  ../Caddyfile.example:43 after read write: statement 3 (drop record.deleted == true): passed 2 of 3 records; dropped 1 of 3 records
upstream receives: GET /api/users
client gets: 200
  {"data":[{"creatorId":"7","email":"a@x","id":1},{"creatorId":"8","id":2}],"total":2}
  data: 3 items -> 2: [{"creatorId":"7","email":"a@x","id":1},{"creatorId":"8","id":2}]
  data[0].password: "p" -> absent
  data[1].email: "b@x" -> absent
  data[1].password: "q" -> absent
  total: 3 -> 2
outcome: passed
`
	expectExplain(t, opts, want)
}

// Hides written one after the other each say what they hid, though the
// handler runs them as one.
func TestExplainHidesOneAfterAnother(t *testing.T) {
	opts := crudtest.ExplainOptions{ConfigFile: "testdata/Caddyfile", Adapter: "caddyfile",
		Listen: ":8082", Method: "GET", Path: "/api/users/1", Upstream: `{"id":1,"password":"p","card":"4111","pin":"1234"}`}
	want := `request: GET /api/users/1
caller:  anonymous
matched: resource "users", action get
after:
  testdata/Caddyfile:43 after get: statement 1 (hide password): hid 1 field
  testdata/Caddyfile:44 after get: statement 2 (hide card pin): hid 2 fields
upstream receives: GET /api/users/1
client gets: 200
  {"id":1}
  card: "4111" -> absent
  password: "p" -> absent
  pin: "1234" -> absent
outcome: passed
`
	expectExplain(t, opts, want)
}

// expectExplain runs explain with opts and requires exit status 0 and
// exactly want on stdout.
func expectExplain(t *testing.T, opts crudtest.ExplainOptions, want string) {
	t.Helper()
	var out, errs bytes.Buffer
	if status := crudtest.ExplainCommand(opts, &out, &errs); status != 0 || out.String() != want {
		t.Errorf("status %d, stderr %s, stdout:\n%s\nwant:\n%s", status, errs.String(), out.String(), want)
	}
}
