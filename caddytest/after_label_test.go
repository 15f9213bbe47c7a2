package caddytest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"testing"
)

// gzipped is s compressed with gzip.
func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestAfterMislabelledJSON: legacy servers send JSON as text/html,
// text/plain and the like, and clients (fetch().json(), axios, jQuery)
// parse it anyway; a 2xx body whose first non-space byte is { or [ is
// filtered whatever its label.
func TestAfterMislabelledJSON(t *testing.T) {
	const secret = `{"id":1,"password":"x"}`
	labels := []string{"text/html; charset=UTF-8", "text/plain", "text/json", "application/x-json",
		"text/javascript", "application/octet-stream", "application/xml", "image/png"}
	replies := map[string]afterReply{
		"/api/users/none":    {header: []string{"Content-Type:"}, body: secret},
		"/api/users/space":   {header: []string{"Content-Type: text/html"}, body: " \r\n\t" + secret},
		"/api/users/bom":     {header: []string{"Content-Type: text/html"}, body: "\xef\xbb\xbf" + secret},
		"/api/users/gzip":    {header: []string{"Content-Type: text/html", "Content-Encoding: gzip"}, body: gzipped(t, secret)},
		"/api/users/chunked": {header: []string{"Content-Type: text/plain"}, chunks: []string{"  ", " ", `{"id":1,"pass`, `word":"x"}`}},
		"/api/users/broken":  {header: []string{"Content-Type: text/html"}, body: `{"id":1,"password":"x"`},
		"/api/users":         {header: []string{"Content-Type: text/html"}, body: `[{"id":1,"password":"x"},{"id":2,"password":"y"}]`},
	}
	var cases []afterCase
	for i, label := range labels {
		path := "/api/users/" + string(rune('a'+i))
		replies[path] = afterReply{header: []string{"Content-Type: " + label}, body: secret}
		cases = append(cases, afterCase{name: label, path: path, status: 200, body: `{"id":1}`})
	}
	cases = append(cases,
		afterCase{name: "no Content-Type", path: "/api/users/none", status: 200, body: `{"id":1}`},
		afterCase{name: "leading white space", path: "/api/users/space", status: 200, body: `{"id":1}`},
		afterCase{name: "gzip", path: "/api/users/gzip", status: 200, body: `{"id":1}`},
		afterCase{name: "flushed in pieces", path: "/api/users/chunked", status: 200, body: `{"id":1}`},
		afterCase{name: "list", path: "/api/users", status: 200, body: `[{"id":1},{"id":2}]`},
		// a byte order mark is skipped by some clients' parsers, so the body
		// is JSON to the gateway, and not JSON it can filter
		afterCase{name: "byte order mark", path: "/api/users/bom", status: 502, kind: kindProblem, body: "the upstream response could not be filtered"},
		afterCase{name: "does not parse", path: "/api/users/broken", status: 502, kind: kindProblem, body: "the upstream response could not be filtered"},
	)
	up := afterUpstream(t, replies)
	for _, nonJSON := range []string{"non_json reject", "non_json pass"} {
		t.Run(nonJSON, func(t *testing.T) {
			crud(t, `
		resource users /api/users {
			`+nonJSON+`
			after read {
				hide password
			}
		}`, up)
			checkAfter(t, up, cases)
		})
	}
}

// TestAfterNotJSON: a 2xx answer that is not JSON cannot be filtered: 502,
// unless the resource says non_json pass, where it goes through as it came.
func TestAfterNotJSON(t *testing.T) {
	const png = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR{\"password\":\"x\"}"
	replies := map[string]afterReply{
		"/api/users/html":      {header: []string{"Content-Type: text/html"}, body: `<html><body>password: x</body></html>`},
		"/api/users/xml":       {header: []string{"Content-Type: application/xml"}, body: `<user><id>1</id><password>x</password></user>`},
		"/api/users/csv":       {header: []string{"Content-Type: text/csv"}, body: "id,password\n1,x\n"},
		"/api/users/jsonp":     {header: []string{"Content-Type: application/javascript"}, body: `cb({"id":1,"password":"x"})`},
		"/api/users/xssi":      {header: []string{"Content-Type: application/json"}, body: `)]}',` + "\n" + `{"id":1,"password":"x"}`},
		"/api/users/image":     {header: []string{"Content-Type: image/png"}, body: png},
		"/api/users/text":      {header: []string{"Content-Type: text/plain"}, body: "OK"},
		"/api/users/none":      {header: []string{"Content-Type:"}, body: "password=x"},
		"/api/users/gzip":      {header: []string{"Content-Type: text/html", "Content-Encoding: gzip"}, body: gzipped(t, "<p>x</p>")},
		"/api/users/chunks":    {header: []string{"Content-Type: text/html"}, chunks: []string{"  ", "<p>", "x</p>"}},
		"/api/users/format":    {header: []string{"Content-Type: application/xml"}, body: `<user><password>x</password></user>`},
		"/api/users/callback":  {header: []string{"Content-Type: text/javascript"}, body: `/**/cb({"id":1,"password":"x"});`},
		"/api/users/spaces":    {header: []string{"Content-Type: text/plain"}, body: "  \n"},
		"/api/users/empty":     {header: []string{"Content-Type: text/html"}, body: ""},
		"/api/users/204":       {status: 204, header: []string{"Content-Type: text/html"}},
		"/api/users/404":       {status: 404, header: []string{"Content-Type: text/html"}, body: "<p>no such user</p>"},
		"/api/users/mislabel":  {header: []string{"Content-Type: text/html"}, body: `{"id":1,"password":"x"}`},
		"/api/users/206":       {status: 206, header: []string{"Content-Type: text/html", "Content-Range: bytes 0-3/10"}, body: "<p>x"},
		"/api/profiles/1/html": {header: []string{"Content-Type: text/html"}, body: `<p>password: x</p>`},
	}
	up := afterUpstream(t, replies)
	const resources = `
		resource users /api/users {
			%s
			after read {
				hide password
			}
		}
		resource profiles /api/profiles`
	notJSON := []string{"html", "xml", "csv", "jsonp", "image", "text", "none", "gzip", "chunks"}
	const bad = "the upstream response could not be filtered"

	t.Run("reject", func(t *testing.T) {
		crud(t, fmt.Sprintf(resources, ""), up)
		var cases []afterCase
		for _, n := range append(notJSON, "xssi") {
			cases = append(cases, afterCase{name: n, path: "/api/users/" + n, status: 502, kind: kindProblem, body: bad})
		}
		cases = append(cases,
			afterCase{name: "?format=xml", path: "/api/users/format?format=xml", status: 502, kind: kindProblem, body: bad},
			afterCase{name: "?callback=cb", path: "/api/users/callback?callback=cb", status: 502, kind: kindProblem, body: bad},
			afterCase{name: "206", path: "/api/users/206", status: 502, kind: kindProblem, body: bad},
			// unchanged: nothing to filter, or not a 2xx
			afterCase{name: "white space only", path: "/api/users/spaces", status: 200, kind: kindPassed, body: "  \n"},
			afterCase{name: "empty", path: "/api/users/empty", status: 200, kind: kindPassed, body: ""},
			afterCase{name: "204", path: "/api/users/204", status: 204, kind: kindPassed},
			afterCase{name: "404", path: "/api/users/404", status: 404, kind: kindPassed, body: "<p>no such user</p>"},
		)
		checkAfter(t, up, cases)
		t.Run("no after rules", func(t *testing.T) {
			up.reset()
			afterPassed(t, sendWire(t, "GET", "/api/profiles/1/html", ""), 200, `<p>password: x</p>`)
		})
	})
	t.Run("non_json pass", func(t *testing.T) {
		crud(t, fmt.Sprintf(resources, "non_json pass"), up)
		var cases []afterCase
		for _, n := range notJSON {
			if n != "chunks" {
				cases = append(cases, afterCase{name: n, path: "/api/users/" + n, status: 200, kind: kindPassed, body: replies["/api/users/"+n].body})
			}
		}
		cases = append(cases,
			// labelled JSON: read as JSON, and it does not parse
			afterCase{name: "xssi", path: "/api/users/xssi", status: 502, kind: kindProblem, body: bad},
			afterCase{name: "JSON under another label is still filtered", path: "/api/users/mislabel", status: 200, body: `{"id":1}`},
			afterCase{name: "206 is never passed", path: "/api/users/206", status: 502, kind: kindProblem, body: bad},
		)
		checkAfter(t, up, cases)
		t.Run("chunks", func(t *testing.T) {
			up.reset()
			res := sendWire(t, "GET", "/api/users/chunks", "")
			res.expect(t, 200, "  <p>x</p>") // streamed on once its first byte showed it is not JSON
			afterHas(t, res, "Content-Type: text/html", `Etag: "v1"`)
		})
	})
	t.Run("report mode", func(t *testing.T) {
		crud(t, fmt.Sprintf(resources, "mode report"), up)
		checkAfter(t, up, []afterCase{
			{name: "html", path: "/api/users/html", status: 200, kind: kindPassed, body: replies["/api/users/html"].body},
		})
	})
}
