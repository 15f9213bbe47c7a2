package caddytest

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

// protectRole is a resource whose create and update read the body.
const protectRole = `
		resource users /api/users {
			action upload POST /api/users/{id}/avatar
			before create update {
				protect role
			}
			before upload {
				header X-Upload ´request.params.id´
			}
		}`

func TestBodiesMediaTypes(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, protectRole, up)
	const notJSON = "the request body must be JSON (application/json or a +json type)"

	for _, c := range []struct {
		name, method, path, contentType, sent string
		status                                int
		want                                  string // upstream body on 200, else the problem
	}{
		{"application/json", "POST", "/api/users", "application/json", `{"role":"a","n":1}`, 200, `{"n":1}`},
		{"with charset", "POST", "/api/users", "application/json; charset=utf-8", `{"role":"a","n":1}`, 200, `{"n":1}`},
		{"upper case", "PUT", "/api/users/1", "Application/JSON", `{"role":"a","n":1}`, 200, `{"n":1}`},
		{"+json type", "PATCH", "/api/users/1", "application/vnd.api+json", `{"role":"a","n":1}`, 200, `{"n":1}`},
		{"text", "POST", "/api/users", "text/plain", `{"role":"a"}`, 415, problemJSON(415, notJSON)},
		{"form", "POST", "/api/users", "application/x-www-form-urlencoded", `role=admin`, 415, problemJSON(415, notJSON)},
		{"no content type", "PUT", "/api/users/1", "", `{"role":"a"}`, 415, problemJSON(415, notJSON)},
		{"json as a parameter only", "POST", "/api/users", "text/plain; x=application/json", `{"role":"a"}`, 415, problemJSON(415, notJSON)},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			res := send(t, tester, c.method, c.path, c.sent, "Content-Type: "+c.contentType)
			if c.status != 200 {
				res.expectProblem(t, c.status, c.want)
				up.none(t)
				return
			}
			res.expect(t, 200, `{}`)
			up.got(t, c.method, c.path, c.want).header(t, "Content-Type", c.contentType)
		})
	}

	t.Run("gzip encoded", func(t *testing.T) {
		up.reset()
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		_, _ = zw.Write([]byte(`{"role":"admin"}`))
		_ = zw.Close()
		send(t, tester, "POST", "/api/users", zipped.String(), "Content-Encoding: gzip").
			expectProblem(t, 415, problemJSON(415, "encoded request bodies are not accepted"))
		up.none(t)
	})

	t.Run("empty body of any type", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users", "").expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", "")
	})

	for _, c := range []struct{ name, method, path, contentType, sent string }{
		{"no body rules: binary", "POST", "/api/users/7/avatar", "image/png", "\x89PNG\r\n\x1a\n\x00\x01{"},
		{"no body rules: broken JSON", "POST", "/api/users/7/avatar", "application/json", `{"role":`},
		{"no rules: delete with text", "DELETE", "/api/users/7", "text/plain", "role=admin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, c.method, c.path, c.sent, "Content-Type: "+c.contentType).expect(t, 200, `{}`)
			up.got(t, c.method, c.path, c.sent).header(t, "Content-Type", c.contentType)
		})
	}
}

func TestBodiesBadJSON(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		max_depth 3
		resource users /api/users {
			before create {
				protect role
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"cut short", `{"a":`, 400, problemJSON(400, "malformed JSON: unexpected end of input")},
		{"trailing data", `{"a":1}x`, 400, problemJSON(400, "malformed JSON: unexpected data after top-level value at offset 7")},
		{"two values", `{"a":1} {"role":"x"}`, 400, problemJSON(400, "malformed JSON: unexpected data after top-level value at offset 8")},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", 400, problemJSON(400, "invalid UTF-8 in JSON string")},
		{"invalid UTF-8 in a key", "{\"\xc3\":1}", 400, problemJSON(400, "invalid UTF-8 in JSON string")},
		{"lone surrogate", `{"a":"\ud800"}`, 400, problemJSON(400, "invalid UTF-8 in JSON string: unpaired surrogate escape at offset 6")},
		{"duplicate keys", `{"role":"user","role":"admin"}`, 400, problemJSON(400, `duplicate key "role"`)},
		{"duplicate keys after unescaping", `{"r\u006fle":"admin","role":"user"}`, 400, problemJSON(400, `duplicate key "role"`)},
		{"duplicate nested keys", `{"a":{"b":1,"b":2}}`, 400, problemJSON(400, `duplicate key "b"`)},
		{"objects too deep", `{"a":{"b":{"c":{}}}}`, 400, problemJSON(400, "JSON nested deeper than 3 levels")},
		{"arrays too deep", `[[[[]]]]`, 400, problemJSON(400, "JSON nested deeper than 3 levels")},
		{"mixed at max depth", `{"a":[{"b":1}]}`, 200, `{"a":[{"b":1}]}`},
		{"mixed deeper", `{"a":[{"b":[1]}]}`, 400, problemJSON(400, "JSON nested deeper than 3 levels")},
		{"at max depth", `{"a":{"b":{"c":1}},"role":1}`, 200, `{"a":{"b":{"c":1}}}`},
		{"not an object", `"role"`, 400, problemJSON(400, "the request body must be a JSON object or an array of objects")},
		{"array of scalars", `[1,2]`, 400, problemJSON(400, "the request body must be a JSON object or an array of objects")},
	})
}

func TestBodiesMaxBody(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		max_body 64
		resource users /api/users {
			before create {
				protect role
			}
		}`, up)
	fill := func(n int) string { return `{"pad":"` + strings.Repeat("a", n-len(`{"pad":""}`)) + `"}` }
	const tooLarge = "the request body is larger than 64 bytes"

	t.Run("at the limit", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users", fill(64)).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", fill(64))
	})
	t.Run("one byte over", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users", fill(65)).expectProblem(t, 413, problemJSON(413, tooLarge))
		up.none(t)
	})
	t.Run("chunked, at the limit", func(t *testing.T) {
		up.reset()
		sendRaw(t, rawRequest("POST", "/api/users", fill(64), true, "Content-Type: application/json")).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", fill(64))
	})
	t.Run("chunked, over", func(t *testing.T) {
		up.reset()
		sendRaw(t, rawRequest("POST", "/api/users", fill(100), true, "Content-Type: application/json")).
			expectProblem(t, 413, problemJSON(413, tooLarge))
		up.none(t)
	})
}

func TestBodiesExactBytes(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				protect role
			}
			before update {
				set touched ´true´
			}
		}`, up)

	t.Run("unchanged: the exact bytes", func(t *testing.T) {
		up.reset()
		body := "{ \"name\" : \"a\\u00e9\",\n\t\"n\": 12345678901234567890, \"f\": 1.0e2, \"z\": -0 }\n"
		send(t, tester, "POST", "/api/users", body).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", body)
	})
	t.Run("changed: numbers kept, Content-Length fixed", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users", `{"role":"admin","n":12345678901234567890,"f":1.0e2,"s":"\u00e9"}`).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", `{"n":12345678901234567890,"f":1.0e2,"s":"\u00e9"}`)
	})
	t.Run("grown by set", func(t *testing.T) {
		up.reset()
		send(t, tester, "PUT", "/api/users/1", `{"n":12345678901234567890}`).expect(t, 200, `{}`)
		up.got(t, "PUT", "/api/users/1", `{"n":12345678901234567890,"touched":true}`)
	})
	t.Run("chunked and changed", func(t *testing.T) {
		up.reset()
		sendRaw(t, rawRequest("POST", "/api/users", `{"role":"admin","a":1}`, true, "Content-Type: application/json")).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", `{"a":1}`)
	})
}

func TestBodiesRejectedLargeBody(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				deny ´true´ 403 "no"
			}
			before update {
				check name ´false´ "never"
			}
		}`, up)
	big := `{"pad":"` + strings.Repeat("a", 200<<10) + `"}`

	for _, c := range []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"deny", "POST", "/api/users", 403, problemJSON(403, "no")},
		{"check", "PUT", "/api/users/1", 422, invalid(fieldError{"name", "never"})},
		{"unmapped method", "DELETE", "/api/users", 405, problemJSON(405, "method DELETE is not mapped on this resource")},
		{"method override", "PUT", "/api/users/1", 400, problemJSON(400, "method override headers are not accepted here")},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			headers := []string{"Content-Type: application/json"}
			if c.status == 400 {
				headers = append(headers, "X-HTTP-Method-Override: DELETE")
			}
			send(t, tester, c.method, c.path, big, headers...).expectProblem(t, c.status, c.body)
			sendRaw(t, rawRequest(c.method, c.path, big, true, headers...)).expectProblem(t, c.status, c.body)
			up.none(t)
		})
	}
}
