package caddytest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// afterEncode compresses s with coding (gzip, deflate as zlib, raw-deflate,
// br, zstd).
func afterEncode(t *testing.T, coding, s string) string {
	t.Helper()
	var (
		b   bytes.Buffer
		w   io.WriteCloser
		err error
	)
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "deflate":
		w = zlib.NewWriter(&b)
	case "raw-deflate":
		w, err = flate.NewWriter(&b, flate.DefaultCompression)
	case "br":
		w = brotli.NewWriter(&b)
	case "zstd":
		w, err = zstd.NewWriter(&b)
	default:
		t.Fatalf("no encoder for %s", coding)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// afterGunzip decodes a gzip body the client got.
func afterGunzip(t *testing.T, s string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(s))
	if err != nil {
		t.Fatalf("the body is not gzip: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAfterEncodedUpstream(t *testing.T) {
	const record = `{"id":1,"password":"p","name":"caf\u00e9"}`
	const want = `{"id":1,"name":"caf\u00e9"}`
	replies := map[string]afterReply{
		"/api/users/gzip":        {header: []string{"Content-Encoding: gzip"}, body: afterEncode(t, "gzip", record)},
		"/api/users/x-gzip":      {header: []string{"Content-Encoding: x-gzip"}, body: afterEncode(t, "gzip", record)},
		"/api/users/upper":       {header: []string{"Content-Encoding: GZIP"}, body: afterEncode(t, "gzip", record)},
		"/api/users/deflate":     {header: []string{"Content-Encoding: deflate"}, body: afterEncode(t, "deflate", record)},
		"/api/users/raw-deflate": {header: []string{"Content-Encoding: deflate"}, body: afterEncode(t, "raw-deflate", record)},
		"/api/users/br":          {header: []string{"Content-Encoding: br"}, body: afterEncode(t, "br", record)},
		"/api/users/zstd":        {header: []string{"Content-Encoding: zstd"}, body: afterEncode(t, "zstd", record)},
		"/api/users/stacked":     {header: []string{"Content-Encoding: deflate, gzip"}, body: afterEncode(t, "gzip", afterEncode(t, "deflate", record))},
		"/api/users/identity":    {header: []string{"Content-Encoding: identity"}, body: record},
		"/api/users/nothing":     {header: []string{"Content-Encoding: gzip"}, body: afterEncode(t, "gzip", `{"id":2}`)},
		"/api/users":             {header: []string{"Content-Encoding: br"}, body: afterEncode(t, "br", `[`+record+`,{"id":2,"password":"q"}]`)},
		"/api/users/bad-gzip":    {header: []string{"Content-Encoding: gzip"}, body: record},
		"/api/users/cut-gzip":    {header: []string{"Content-Encoding: gzip"}, body: afterEncode(t, "gzip", record)[:20]},
		"/api/users/bad-br":      {header: []string{"Content-Encoding: br"}, body: "\xff\xff\xff\xff not brotli"},
		"/api/users/bad-zstd":    {header: []string{"Content-Encoding: zstd"}, body: record},
		"/api/users/bad-deflate": {header: []string{"Content-Encoding: deflate"}, body: "\xff\xfe not deflate"},
		"/api/users/unknown":     {header: []string{"Content-Encoding: compress"}, body: record},
	}
	up := afterUpstream(t, replies)
	crud(t, `
		resource users /api/users {
			after read {
				hide password
			}
		}`, up)

	const filtered = "the upstream response could not be filtered"
	var cases []afterCase
	for _, c := range []string{"gzip", "x-gzip", "upper", "deflate", "raw-deflate", "br", "zstd", "stacked", "identity"} {
		cases = append(cases, afterCase{name: c, path: "/api/users/" + c, status: 200, body: want})
	}
	for _, c := range []string{"bad-gzip", "cut-gzip", "bad-br", "bad-zstd", "bad-deflate", "unknown"} {
		cases = append(cases, afterCase{name: c, path: "/api/users/" + c, status: 502, kind: kindProblem, body: filtered})
	}
	cases = append(cases,
		afterCase{name: "decoded though nothing was hidden", path: "/api/users/nothing", status: 200, body: `{"id":2}`},
		afterCase{name: "list", path: "/api/users", status: 200, body: `[` + want + `,{"id":2}]`},
	)
	for i := range cases {
		cases[i].headers = []string{"Accept-Encoding: gzip, deflate, br, zstd"}
	}
	checkAfter(t, up, cases)
}

func TestAfterEncodingWithoutAfterRules(t *testing.T) {
	list := afterEncode(t, "gzip", `[{"id":1,"password":"p"}]`)
	up := afterUpstream(t, map[string]afterReply{
		"/api/users":   {header: []string{"Content-Encoding: gzip", "Vary: Accept-Encoding"}, body: list},
		"/api/users/1": {header: []string{"Content-Encoding: gzip"}, body: afterEncode(t, "gzip", `{"id":1,"password":"p"}`)},
	})
	crud(t, `
		resource users /api/users {
			after get {
				hide password
			}
		}`, up)

	t.Run("action without after rules", func(t *testing.T) {
		up.reset()
		res := sendWire(t, "GET", "/api/users", "", "Accept-Encoding: gzip, br")
		afterPassed(t, res, 200, list)
		afterHas(t, res, "Content-Encoding: gzip", "Vary: Accept-Encoding")
		up.only(t).header(t, "Accept-Encoding", "gzip, br")
	})
	t.Run("action with after rules", func(t *testing.T) {
		up.reset()
		afterChanged(t, sendWire(t, "GET", "/api/users/1", "", "Accept-Encoding: gzip, br"), 200, `{"id":1}`)
		up.only(t).header(t, "Accept-Encoding", "identity")
	})
}

func TestAfterUnderEncode(t *testing.T) {
	name := strings.Repeat("n", 1000)
	list := `[{"id":1,"password":"p","name":"` + name + `"},{"id":2,"password":"q"}]`
	want := `[{"id":1,"name":"` + name + `"},{"id":2}]`
	up := afterUpstream(t, map[string]afterReply{
		"/api/users":      {body: list},
		"/api/users?gz=1": {header: []string{"Content-Encoding: gzip"}, body: afterEncode(t, "gzip", list)},
		"/api/users/1":    {body: `{"id":1,"password":"p"}`},
	})
	startGateway(t, bt(`
	encode gzip
	crud {
		resource users /api/users {
			after read {
				hide password
			}
		}
	}
	reverse_proxy {upstream}`), up)

	for _, path := range []string{"/api/users", "/api/users?gz=1"} {
		t.Run("gzip to the client "+path, func(t *testing.T) {
			up.reset()
			res := sendWire(t, "GET", path, "", "Accept-Encoding: gzip")
			if res.Status != 200 {
				t.Fatalf("status %d, body %q", res.Status, res.Body)
			}
			afterHas(t, res, "Content-Encoding: gzip", "Content-Type: application/json", "X-Upstream: kept")
			afterGone(t, res, "Etag", "Last-Modified", "Accept-Ranges")
			if got := afterGunzip(t, res.Body); got != want {
				t.Fatalf("decoded body %s\nwant %s", got, want)
			}
			up.only(t).header(t, "Accept-Encoding", "identity")
		})
	}
	t.Run("plain to a client that asks for none", func(t *testing.T) {
		up.reset()
		afterChanged(t, sendWire(t, "GET", "/api/users", ""), 200, want)
		up.only(t).header(t, "Accept-Encoding", "identity")
	})
	t.Run("small body", func(t *testing.T) {
		up.reset()
		afterChanged(t, sendWire(t, "GET", "/api/users/1", "", "Accept-Encoding: gzip"), 200, `{"id":1}`)
	})
}
