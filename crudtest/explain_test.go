package crudtest_test

import (
	"bytes"
	"testing"

	"github.com/caddy-crud/caddy-crud/crudtest"
)

// explain lists every statement of the action with its decision, the
// rule that refused, and what the API and the client saw.
func TestExplainRejection(t *testing.T) {
	var out, errs bytes.Buffer
	status := crudtest.ExplainCommand(crudtest.ExplainOptions{ConfigFile: "testdata/Caddyfile", Adapter: "caddyfile",
		Listen: ":8080", Method: "post", Path: "/api/posts", Body: `{"title":"Hi"}`, User: `{"id":"6","role":"reader"}`}, &out, &errs)
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
	if status != 0 || out.String() != want {
		t.Errorf("status %d, stderr %s, stdout:\n%s\nwant:\n%s", status, errs.String(), out.String(), want)
	}
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
  testdata/Caddyfile:11 before create: statement 2 (set authorId): changed the request
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
	var out, errs bytes.Buffer
	status := crudtest.ExplainCommand(crudtest.ExplainOptions{ConfigFile: "testdata/Caddyfile", Adapter: "caddyfile",
		Listen: ":8080", Method: "GET", Path: "/api/post/1"}, &out, &errs)
	want := `request: GET /api/post/1
caller:  anonymous
matched: no resource; the request passes through untouched
closest: resource "posts", base /api/posts: segment 2 is "post", the base has "posts"
upstream receives: GET /api/post/1
client gets: 200
  {}
outcome: untouched
`
	if status != 0 || out.String() != want {
		t.Errorf("status %d, stderr %s, stdout:\n%s\nwant:\n%s", status, errs.String(), out.String(), want)
	}
}
