package caddytest

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAfterAsksForJSON: for an action with after rules the upstream is
// asked for JSON, unless the client asked for JSON types only, so a
// content-negotiating backend does not answer with a page or a feed the
// rules cannot read.
func TestAfterAsksForJSON(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/users/1": {body: `{"id":1,"password":"x"}`},
		"/api/pages/1": {body: `{"id":1,"password":"x"}`},
		"/api/files/1": {body: `{"id":1,"password":"x"}`},
	})
	crud(t, `
		resource users /api/users {
			after read {
				hide password
			}
		}
		resource pages /api/pages {
			non_json pass
			after read {
				hide password
			}
		}
		resource files /api/files`, up)

	for _, c := range []struct {
		name, path, accept, upstream string
	}{
		{"no Accept", "/api/users/1", "", "application/json"},
		{"a browser", "/api/users/1", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"},
		{"anything", "/api/users/1", "*/*", "application/json"},
		{"XML", "/api/users/1", "application/xml", "application/json"},
		{"JSON among others", "/api/users/1", "application/json, text/html", "application/json"},
		{"JSON", "/api/users/1", "application/json", "application/json"},
		{"JSON with a parameter", "/api/users/1", "application/json; charset=utf-8", "application/json; charset=utf-8"},
		{"JSON types only", "/api/users/1", "application/vnd.api+json, application/problem+json;q=0.5", "application/vnd.api+json, application/problem+json;q=0.5"},
		{"non_json pass keeps the client's choice", "/api/pages/1", "text/html", "text/html"},
		{"no after rules", "/api/files/1", "text/csv", "text/csv"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			var headers []string
			if c.accept != "" {
				headers = append(headers, "Accept: "+c.accept)
			}
			res := sendWire(t, "GET", c.path, "", headers...)
			want := `{"id":1}`
			if c.path == "/api/files/1" {
				want = `{"id":1,"password":"x"}`
			}
			res.expect(t, 200, want)
			up.only(t).header(t, "Accept", c.upstream)
		})
	}
}

// rangeUpstream serves each GET of records with http.ServeContent, which
// honours Range and If-Range as range-capable backends do; other methods
// get {"ok":true}.
func rangeUpstream(t *testing.T, records map[string]string) *upstream {
	t.Helper()
	modified := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	return newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body, ok := records[r.URL.Path]
		if r.Method != http.MethodGet || !ok {
			_, _ = io.WriteString(w, `{"ok":true}`)
			return
		}
		http.ServeContent(w, r, "", modified, strings.NewReader(body))
	})
}

// TestAfterRange: a range request on an action with after rules would get
// the whole record as a 206 that is never filtered; Range and If-Range are
// not forwarded there, nor by lookup() and fetch_old.
func TestAfterRange(t *testing.T) {
	const record = `{"id":1,"password":"x"}`
	up := rangeUpstream(t, map[string]string{
		"/api/users/1":     record,
		"/api/files/1":     record,
		"/api/customers/7": `{"id":7,"creditLimit":100}`,
		"/api/accounts/1":  `{"id":1,"locked":false}`,
	})
	tester := crud(t, `
		resource users /api/users {
			after read {
				hide password
			}
		}
		resource files /api/files
		resource orders /api/orders {
			before create {
				set customer ´lookup("/api/customers/" + pathescape(record.customerId))´
			}
		}
		resource accounts /api/accounts {
			fetch_old
			before update {
				deny ´old.locked != false´ 423 "locked"
			}
		}`, up)
	const lastModified = "Mon, 02 Jan 2006 15:04:05 GMT"

	for _, c := range []struct {
		name    string
		headers []string
	}{
		{"whole", []string{"Range: bytes=0-"}},
		{"part", []string{"Range: bytes=0-6"}},
		{"if-range", []string{"Range: bytes=0-6", "If-Range: " + lastModified}},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			res := sendWire(t, "GET", "/api/users/1", "", c.headers...)
			res.expect(t, 200, `{"id":1}`)
			afterGone(t, res, "Content-Range", "Accept-Ranges")
			got := up.only(t)
			got.header(t, "Range", "")
			got.header(t, "If-Range", "")
		})
	}
	t.Run("no after rules: forwarded", func(t *testing.T) {
		up.reset()
		res := sendWire(t, "GET", "/api/files/1", "", "Range: bytes=0-")
		res.expect(t, 206, record)
		up.only(t).header(t, "Range", "bytes=0-")
	})
	t.Run("lookup", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/orders", `{"customerId":7}`, "Range: bytes=0-4", "If-Range: "+lastModified).
			expect(t, 200, `{"ok":true}`)
		reqs := oldSaw(t, up, "GET /api/customers/7", "POST /api/orders")
		reqs[0].header(t, "Range", "")
		reqs[0].header(t, "If-Range", "")
		if want := `{"customerId":7,"customer":{"creditLimit":100,"id":7}}`; reqs[1].Body != want {
			t.Fatalf("upstream body %q, want %q", reqs[1].Body, want)
		}
	})
	t.Run("fetch_old", func(t *testing.T) {
		up.reset()
		send(t, tester, "PUT", "/api/accounts/1", `{"name":"a"}`, "Range: bytes=0-4").
			expect(t, 200, `{"ok":true}`)
		reqs := oldSaw(t, up, "GET /api/accounts/1", "PUT /api/accounts/1")
		reqs[0].header(t, "Range", "")
		reqs[0].header(t, "If-Range", "")
	})
}
