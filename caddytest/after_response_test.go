package caddytest

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"strings"
	"testing"
)

func TestAfterOnlyTwoxxJSON(t *testing.T) {
	const secret = `{"id":1,"password":"p"}`
	up := afterUpstream(t, map[string]afterReply{
		"/api/users/1":         {body: secret},
		"/api/users/2":         {header: []string{"Content-Type: application/vnd.api+json"}, body: secret},
		"/api/users/3":         {header: []string{"Content-Type: Application/JSON; charset=utf-8"}, body: secret},
		"/api/users/4":         {header: []string{"Content-Type: application/problem+json"}, body: secret},
		"/api/users/5":         {header: []string{"Content-Type: text/plain"}, body: secret},
		"/api/users/6":         {header: []string{"Content-Type: application/jsonx"}, body: secret},
		"/api/users/7":         {status: 404, body: `{"error":"no such user","password":"p"}`},
		"/api/users/8":         {status: 500, body: `{"error":"boom","password":"p"}`},
		"/api/users/9":         {status: 206, header: []string{"Content-Range: bytes 0-9/23"}, body: `{"id":1,"pa`},
		"/api/users/10":        {status: 304},
		"/api/users/11":        {status: 204},
		"/api/users/12":        {status: 203, body: secret},
		"/api/users/13":        {status: 302, header: []string{"Location: /api/users/1"}, body: secret},
		"POST /api/users":      {status: 201, body: `{"id":14,"password":"p"}`},
		"DELETE /api/users/15": {body: ``},
	})
	crud(t, `
		resource users /api/users {
			after all {
				hide password
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "application/json", path: "/api/users/1", status: 200, body: `{"id":1}`},
		{name: "+json", path: "/api/users/2", status: 200, body: `{"id":1}`},
		{name: "parameters and case", path: "/api/users/3", status: 200, body: `{"id":1}`},
		{name: "problem+json", path: "/api/users/4", status: 200, body: `{"id":1}`},
		// JSON under another label is read as JSON, as clients read it
		{name: "text/plain", path: "/api/users/5", status: 200, body: `{"id":1}`},
		{name: "not JSON but close", path: "/api/users/6", status: 200, body: `{"id":1}`},
		{name: "404", path: "/api/users/7", status: 404, kind: kindPassed, body: `{"error":"no such user","password":"p"}`},
		{name: "500", path: "/api/users/8", status: 500, kind: kindPassed, body: `{"error":"boom","password":"p"}`},
		{name: "206", path: "/api/users/9", status: 502, kind: kindProblem, body: "the upstream response could not be filtered"},
		{name: "304", path: "/api/users/10", headers: []string{`If-None-Match: "v1"`}, status: 304, kind: kindPassed},
		{name: "204", path: "/api/users/11", status: 204, kind: kindPassed},
		{name: "203 is 2xx", path: "/api/users/12", status: 203, body: `{"id":1}`},
		{name: "302", path: "/api/users/13", status: 302, kind: kindPassed, body: secret},
		{name: "201 on create", method: "POST", path: "/api/users", status: 201, body: `{"id":14}`},
		{name: "empty 200", method: "DELETE", path: "/api/users/15", status: 200, kind: kindPassed},
	})

	t.Run("HEAD", func(t *testing.T) {
		up.reset()
		// a HEAD of a filtered action is served as the filtered GET less
		// its body: its headers must not reveal the unfiltered length or
		// the upstream's validator
		res := sendWire(t, "HEAD", "/api/users/1", "")
		res.expect(t, 200, "")
		afterHas(t, res, "Content-Length: "+strconv.Itoa(len(`{"id":1}`)), "Content-Type: application/json")
		afterGone(t, res, "Etag")
		if r := up.only(t); r.Method != "GET" {
			t.Fatalf("upstream got %s", r.Method)
		}
	})
}

func TestAfterMaxResponse(t *testing.T) {
	// sized returns {"id":n,"password":"p","pad":"xxx…"} of exactly size bytes.
	sized := func(n, size int) string {
		head := `{"id":` + strconv.Itoa(n) + `,"password":"p","pad":"`
		return head + strings.Repeat("x", size-len(head)-2) + `"}`
	}
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write([]byte(`{"id":5,"pad":"` + strings.Repeat("x", 100<<10) + `"}`))
	_ = zw.Close()
	if bomb.Len() >= 1024 {
		t.Fatalf("the compressed body is %d bytes, want it under max_response", bomb.Len())
	}

	atLimit := sized(1, 1024)
	over := sized(2, 1025)
	up := afterUpstream(t, map[string]afterReply{
		"/api/users/1": {body: atLimit},
		"/api/users/2": {body: over},
		"/api/users/3": {chunks: []string{over[:600], over[600:]}},
		"/api/users/4": {body: `{"id":4,"pad":"` + strings.Repeat("y", 4000) + `"}`},
		"/api/users/5": {header: []string{"Content-Encoding: gzip"}, body: bomb.String()},
		"/api/users/6": {header: []string{"Content-Type: text/plain"}, body: over},
		"/api/files/7": {body: over},
	})
	crud(t, `
		max_response 1KiB
		resource users /api/users {
			after read {
				hide password
			}
		}
		resource files /api/files {
			before create {
				protect id
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "at the limit", path: "/api/users/1", status: 200, body: strings.Replace(atLimit, `"password":"p",`, "", 1)},
		{name: "one byte over", path: "/api/users/2", status: 502, kind: kindProblem, body: "the upstream response could not be filtered"},
		{name: "over, streamed", path: "/api/users/3", status: 502, kind: kindProblem, body: "the upstream response could not be filtered"},
		{name: "over, nothing to hide", path: "/api/users/4", status: 502, kind: kindProblem, body: "the upstream response could not be filtered"},
		{name: "over once decoded", path: "/api/users/5", status: 502, kind: kindProblem, body: "the upstream response could not be filtered"},
	})
	t.Run("JSON labelled text/plain", func(t *testing.T) {
		up.reset()
		afterBadGateway(t, sendWire(t, "GET", "/api/users/6", ""))
	})
	t.Run("no after rules", func(t *testing.T) {
		up.reset()
		afterPassed(t, sendWire(t, "GET", "/api/files/7", ""), 200, over)
	})
}

func TestAfterMalformedJSON(t *testing.T) {
	bad := map[string]string{
		"truncated":      `{"id":1,"password":"p"`,
		"two values":     `{"id":1}{"id":2}`,
		"trailing comma": `[{"id":1},]`,
		"bare word":      `password`,
		"single quotes":  `{'id':1}`,
		// found in the pass that filters, after a member it hid
		"deep trailing comma": `{"id":1,"password":"p","tags":[1,2,]}`,
		"raw tab in a string": "{\"password\":\"p\",\"name\":\"a\tb\"}",
		"bad escape":          `{"password":"p","name":"a\qb"}`,
		"leading zero":        `{"password":"p","n":01}`,
		"unclosed nested":     `{"password":"p","profile":{"a":[{"b":1}]`,
	}
	replies := map[string]afterReply{}
	i := 0
	var cases []afterCase
	for name, body := range bad {
		i++
		replies["/api/users/"+strconv.Itoa(i)] = afterReply{body: body}
		replies["/api/files/"+strconv.Itoa(i)] = afterReply{body: body}
		cases = append(cases, afterCase{name: name, path: "/api/users/" + strconv.Itoa(i), status: 502, kind: kindProblem,
			body: "the upstream response could not be filtered"})
	}
	up := afterUpstream(t, replies)
	crud(t, `
		resource users /api/users {
			after get {
				hide password
			}
		}
		resource files /api/files {
			after create {
				hide password
			}
		}`, up)
	checkAfter(t, up, cases)

	t.Run("no after rules for the action", func(t *testing.T) {
		for j := 1; j <= i; j++ {
			up.reset()
			path := "/api/files/" + strconv.Itoa(j)
			afterPassed(t, sendWire(t, "GET", path, ""), 200, replies[path].body)
		}
	})
}

func TestAfterReportMode(t *testing.T) {
	const list = `{"data":[{"id":1,"password":"p","name":"a"},{"id":2,"deleted":true}],"total":2}`
	up := afterUpstream(t, map[string]afterReply{
		"GET /api/users":   {body: list},
		"GET /api/users/2": {body: `{"data":{"id":2,"deleted":true,"password":"p"}}`},
		"PUT /api/users/1": {body: `{"data":{"id":1,"password":"p"}}`},
		"GET /api/posts":   {body: list},
	})
	const rules = `
			records data
			total total
			after read {
				hide password
				drop ´record.deleted == true´
				only id name
				set seen ´true´
				header X-Seen ´"1"´
			}
			after update {
				deny ´true´ 403 "no"
			}`

	t.Run("on the handler", func(t *testing.T) {
		crud(t, `
		mode report
		resource users /api/users {`+rules+`
		}`, up)
		checkAfter(t, up, []afterCase{
			{name: "list", path: "/api/users", status: 200, kind: kindPassed, body: list},
			{name: "get", path: "/api/users/2", status: 200, kind: kindPassed, body: `{"data":{"id":2,"deleted":true,"password":"p"}}`},
			{name: "update", method: "PUT", path: "/api/users/1", status: 200, kind: kindPassed, body: `{"data":{"id":1,"password":"p"}}`},
		})
		afterGone(t, sendWire(t, "GET", "/api/users", ""), "X-Seen")
	})
	t.Run("on a resource", func(t *testing.T) {
		crud(t, `
		resource users /api/users {
			mode report`+rules+`
		}
		resource posts /api/posts {`+rules+`
		}`, up)
		checkAfter(t, up, []afterCase{
			{name: "report", path: "/api/users", status: 200, kind: kindPassed, body: list},
			{name: "enforce", path: "/api/posts", status: 200, body: `{"data":[{"id":1,"name":"a","seen":true}],"total":1}`},
		})
	})
}

func TestAfterRuntimeError(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"GET /api/users":   {body: `[{"id":1,"s":"1"},{"id":2,"s":"x"}]`},
		"GET /api/users/1": {body: `{"id":1,"secret":"s"}`},
		"PUT /api/users/1": {body: ` {"id":1, "s":"x"} `},
		"GET /api/posts/1": {body: `{"id":1,"n":"x","secret":"s"}`},
	})
	const rules = `
		resource users /api/users {
			after list {
				set n ´int(record.s)´
			}
			after get {
				hide secret
				drop ´int("x") > 0´
			}
			after update {
				deny ´true´ 403 "${int(record.s)}"
			}
		}
		resource posts /api/posts {
			after get {
				hide secret if ´int(record.n) > 0´
			}
		}`

	t.Run("on_error deny", func(t *testing.T) {
		crud(t, rules, up)
		const detail = "a rule could not be evaluated"
		checkAfter(t, up, []afterCase{
			{name: "set, second record", path: "/api/users", status: 500, kind: kindProblem, body: detail},
			{name: "drop", path: "/api/users/1", status: 500, kind: kindProblem, body: detail},
			{name: "message", method: "PUT", path: "/api/users/1", status: 500, kind: kindProblem, body: detail},
			{name: "hide if", path: "/api/posts/1", status: 500, kind: kindProblem, body: detail},
		})
	})
	t.Run("on_error pass", func(t *testing.T) {
		crud(t, "on_error pass\n"+rules, up)
		checkAfter(t, up, []afterCase{
			{name: "set, second record", path: "/api/users", status: 200, kind: kindPassed, body: `[{"id":1,"s":"1"},{"id":2,"s":"x"}]`},
			{name: "drop", path: "/api/users/1", status: 200, kind: kindPassed, body: `{"id":1,"secret":"s"}`},
			{name: "message", method: "PUT", path: "/api/users/1", status: 200, kind: kindPassed, body: ` {"id":1, "s":"x"} `},
			{name: "hide if", path: "/api/posts/1", status: 200, kind: kindPassed, body: `{"id":1,"n":"x","secret":"s"}`},
		})
	})
}

// TestAfterRejectionHeaders: a problem that replaces the upstream's
// response must not carry the upstream's caching or cookies, or a shared
// cache could serve one caller's 403/404 to everyone.
func TestAfterRejectionHeaders(t *testing.T) {
	hdr := []string{"Cache-Control: public, max-age=600", "Set-Cookie: session=upstream", "Expires: Thu, 01 Jan 2099 00:00:00 GMT"}
	up := afterUpstream(t, map[string]afterReply{
		"/api/docs/1": {header: hdr, body: `{"id":1,"owner":"ann"}`},
		"/api/docs/2": {header: hdr, body: `{"id":2,"deleted":true}`},
		"/api/docs/3": {header: hdr, body: `{"id":3,"n":"x"}`},
	})
	crud(t, `
		resource docs /api/docs {
			after get {
				drop ´record.deleted == true´
				require ´record.n == nil || int(record.n) > 0´
				deny ´record.owner != request.headers["x-user"]´ 403 "not yours"
			}
		}`, up)
	for _, c := range []struct {
		name, path string
		status     int
		detail     string
	}{
		{"deny", "/api/docs/1", 403, "not yours"},
		{"drop on get", "/api/docs/2", 404, "not found"},
		{"runtime error", "/api/docs/3", 500, "a rule could not be evaluated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			res := sendWire(t, "GET", c.path, "", "X-User: bob")
			res.expect(t, c.status, problemJSON(c.status, c.detail))
			afterGone(t, res, "Set-Cookie", "Expires")
			if got := res.Header.Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
				t.Fatalf("Cache-Control %q, want no-store: a refusal must not be cached", got)
			}
		})
	}
}
