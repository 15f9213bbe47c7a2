package caddytest

import "testing"

const (
	paramRefused = "the _method parameter is not accepted here"
	clash        = "the method overrides disagree"
	formType     = "Content-Type: application/x-www-form-urlencoded"
)

func TestMatchingMethodParameterRefused(t *testing.T) {
	up := userUpstream(t)
	tester := crud(t, spellingResource, up)

	for _, c := range []struct{ name, method, target, body string }{
		{"query", "POST", "/api/users?_method=GET", ""},
		{"query, other case", "POST", "/api/users?_METHOD=get", ""},
		{"query, encoded name", "POST", "/api/users?%5Fmethod=GET", ""},
		{"query, encoded letters", "POST", "/api/users?_m%65thod=GET", ""},
		{"query, dot for underscore (PHP)", "POST", "/api/users?.method=GET", ""},
		{"query, leading space (PHP drops it)", "POST", "/api/users?+_method=GET", ""},
		{"query after a semicolon (Rack)", "POST", "/api/users?a=1;_method=GET", ""},
		{"query, empty value", "POST", "/api/users?_method=", ""},
		{"query on a get", "GET", "/api/users/1?_method=DELETE", ""},
		{"query on a write with a body", "PUT", "/api/users/1?_method=PATCH", `{"role":"admin"}`},
		{"form field", "POST", "/api/users", "name=a&_method=GET"},
		{"form field, other case", "POST", "/api/users", "_Method=GET&role=admin"},
		{"form field, encoded", "POST", "/api/users/1", "%5Fmethod=DELETE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			headers := []string{"Content-Type: application/json"}
			if c.body != "" && c.body[0] != '{' {
				headers = []string{formType}
			}
			sendRaw(t, rawRequest(c.method, c.target, c.body, false, headers...)).
				expectProblem(t, 400, problemJSON(400, paramRefused))
			up.none(t)
		})
	}

	for _, c := range []struct{ name, method, target, body, uri string }{
		{"unmatched path passes", "POST", "/other?_method=GET", "_method=GET", "/other?_method=GET"},
		{"a field that is not _method", "GET", "/api/users?x_method=GET&method=GET", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			res := sendRaw(t, rawRequest(c.method, c.target, c.body, false, formType))
			if c.uri != "" {
				res.expect(t, 200, fullUser)
				up.got(t, c.method, c.uri, c.body)
				return
			}
			res.expect(t, 200, `{"id":1,"name":"a","role":"user"}`)
			up.got(t, c.method, c.target, "")
		})
	}

	t.Run("a form on PUT is not read for _method", func(t *testing.T) {
		// only a POST is overridden by a form field; this body meets the
		// update rules, which read only JSON
		up.reset()
		send(t, tester, "PUT", "/api/users/1", "_method=GET", formType).
			expectProblem(t, 415, problemJSON(415, "the request body must be JSON (application/json or a +json type)"))
		up.none(t)
	})
}

func TestMatchingMethodParameterAllowed(t *testing.T) {
	up := userUpstream(t)
	tester := crud(t, "method_override allow\n"+spellingResource, up)

	t.Run("query decides the action: list, filtered", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users?_method=GET", "").expect(t, 200, `{"id":1,"name":"a","role":"user"}`)
		up.got(t, "POST", "/api/users?_method=GET", "")
	})
	t.Run("form decides the action: get, filtered", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users/1", "_method=get", formType).expect(t, 200, `{"id":1,"name":"a","role":"user"}`)
		up.got(t, "POST", "/api/users/1", "_method=get")
	})
	t.Run("form decides the action: update, body must be JSON", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users/1", "_method=PUT&role=admin", formType).
			expectProblem(t, 415, problemJSON(415, "the request body must be JSON (application/json or a +json type)"))
		up.none(t)
	})
	t.Run("query decides the action: update, role protected", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users/1?_method=PATCH", `{"name":"b","role":"admin"}`).expect(t, 200, fullUser)
		up.got(t, "POST", "/api/users/1?_method=PATCH", `{"name":"b"}`)
	})
	t.Run("empty value leaves the method", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users?_method=", `{"name":"b","role":"admin"}`).expect(t, 200, fullUser)
		up.got(t, "POST", "/api/users?_method=", `{"name":"b"}`)
	})
	for _, c := range []struct {
		name, target, body string
		headers            []string
	}{
		{"header and query", "/api/users?_method=GET", `{}`, []string{"X-HTTP-Method-Override: POST", "Content-Type: application/json"}},
		{"two query values", "/api/users?_method=GET&_METHOD=POST", `{}`, []string{"Content-Type: application/json"}},
		{"query and form", "/api/users?_method=GET", "_method=POST", []string{formType}},
	} {
		t.Run("disagreeing: "+c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, "POST", c.target, c.body, c.headers...).expectProblem(t, 400, problemJSON(400, clash))
			up.none(t)
		})
	}
}
