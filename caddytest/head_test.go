package caddytest

import (
	"io"
	"net/http"
	"testing"
)

// A HEAD on an action with after rules must not reveal the unfiltered
// body through its Content-Length or the upstream's validators.
func TestHeadDescribesTheFilteredBody(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Etag", `"unfiltered"`)
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Length", "44")
			return
		}
		io.WriteString(w, `{"id":1,"password":"a-long-secret-password"}`)
	})
	tester := gateway(t, `
		resource users /api/users {
			after get {
				hide password
			}
		}`, up)
	res := send(t, tester, "HEAD", "/api/users/1", "")
	res.expect(t, 200, "")
	if got := res.Header.Get("Content-Length"); got != "8" {
		t.Fatalf("Content-Length %q, want 8 (the filtered body {\"id\":1})", got)
	}
	if got := res.Header.Get("Etag"); got != "" {
		t.Fatalf("Etag %q leaked", got)
	}
	if got := up.only(t); got.Method != "GET" {
		t.Fatalf("upstream got %s, want GET", got.Method)
	}
}
