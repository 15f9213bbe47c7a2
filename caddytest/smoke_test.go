package caddytest

import "testing"

func TestSmokeBefore(t *testing.T) {
	up := newUpstream(t, nil)
	tester := gateway(t, `
		resource users /api/users {
			before create update {
				protect createdAt role
				transform email `+"`lower(trim(value))`"+`
				check email `+"`record.email matches \"^[^@ ]+@[^@ ]+$\"`"+` "must be a valid email"
			}
			before create {
				default role `+"`\"member\"`"+`
			}
		}`, up)
	send(t, tester, "POST", "/api/users", `{"email":" A@X.IO","r\u006fle":"admin"}`).expect(t, 200, `{}`)
	if got := up.only(t); got.Body != `{"email":"a@x.io","role":"member"}` || got.Header.Get("Content-Length") != "34" {
		t.Fatalf("upstream got %q (Content-Length %s)", got.Body, got.Header.Get("Content-Length"))
	}
	up.reset()
	send(t, tester, "POST", "/api/users/", `{"email":"nope"}`).expect(t, 422,
		`{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid","errors":[{"field":"email","message":"must be a valid email"}]}`)
	up.none(t)
	send(t, tester, "DELETE", "/api/users", "").expect(t, 405, problemJSON(405, "method DELETE is not mapped on this resource"))
	send(t, tester, "GET", "/other", "").expect(t, 200, `{}`)
}
