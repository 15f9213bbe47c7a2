package caddytest

import "testing"

// protect strict on update compares numbers by their exact decimal value:
// a number float64 cannot tell from the stored one is still a change, and
// another spelling of the stored value is not.
func TestOldProtectStrictExactNumbers(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/quotas/1": `200 {"id":1,"quota":100000000000000000000,"rate":0.1,"limit":100,"zero":0,` +
			`"nested":{"q":[1.5,100000000000000000000]}}`,
	}))
	tester := crud(t, `
		resource quotas /api/quotas {
			fetch_old
			before update {
				protect strict quota rate limit zero nested
			}
		}`, up)

	for _, c := range []struct {
		name, body string
		field      string // the refused field, "" when allowed
	}{
		{"same quota", `{"quota":100000000000000000000}`, ""},
		{"quota one more", `{"quota":100000000000000000001}`, "quota"},
		{"quota in exponent form", `{"quota":1e20}`, ""},
		{"quota as 1.0e20", `{"quota":1.0E+20}`, ""},
		{"quota ten times less", `{"quota":1e19}`, "quota"},
		{"rate a float64 rounding apart", `{"rate":0.10000000000000001}`, "rate"},
		{"rate with a trailing zero", `{"rate":0.10}`, ""},
		{"rate in exponent form", `{"rate":1e-1}`, ""},
		{"limit as a float", `{"limit":100.0}`, ""},
		{"limit in exponent form", `{"limit":1e2}`, ""},
		{"limit changed", `{"limit":101}`, "limit"},
		{"negative zero", `{"zero":-0}`, ""},
		{"nested spellings", `{"nested":{"q":[1.50,1e20]}}`, ""},
		{"nested one more", `{"nested":{"q":[1.5,100000000000000000001]}}`, "nested"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			res := send(t, tester, "PATCH", "/api/quotas/1", c.body)
			if c.field != "" {
				res.expectProblem(t, 403, problemJSON(403, "the request may not set "+c.field))
				oldSaw(t, up, "GET /api/quotas/1")
				return
			}
			res.expect(t, 200, `{"ok":true}`)
			reqs := oldSaw(t, up, "GET /api/quotas/1", "PATCH /api/quotas/1")
			if reqs[1].Body != c.body {
				t.Fatalf("upstream body %q, want %q", reqs[1].Body, c.body)
			}
		})
	}
}
