package caddytest

import (
	"net/http"
	"testing"
)

// mask keeps a field's place and hides its value; redact replaces it.
// Both follow hide's paths (nested, *, arrays, every duplicate) and take
// per-record conditions.
func TestMaskRedact(t *testing.T) {
	var reply string
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(reply))
	})
	tester := crud(t, `
		resource users /api/users {
			records data
			after read {
				mask card.number keep 4
				mask phone tags.* nickname
				mask email if ´record.public != true´
				redact ssn
				redact dob with ´"hidden"´
				redact profile.*.secret with ´record.id´
			}
		}`, up)

	for _, c := range []struct{ name, upstream, client string }{
		{"strings keep their length in characters",
			`{"data":{"id":1,"card":{"number":"4111111111111111"},"phone":"+49 30 123"}}`,
			`{"data":{"id":1,"card":{"number":"************1111"},"phone":"**********"}}`},
		{"escaped and non-ASCII characters count once",
			`{"data":{"id":1,"card":{"number":"\u00e9t\u00e9-1234"},"nickname":"Zoë 👩‍💻"}}`,
			`{"data":{"id":1,"card":{"number":"****1234"},"nickname":"*******"}}`},
		{"shorter than keep stays as it is",
			`{"data":{"id":1,"card":{"number":"12"}}}`,
			`{"data":{"id":1,"card":{"number":"12"}}}`},
		{"other types become null; absent stays absent",
			`{"data":{"id":1,"phone":12345,"card":{"number":null},"ssn":{"a":1}}}`,
			`{"data":{"id":1,"phone":null,"card":{"number":null},"ssn":null}}`},
		{"each element, every duplicate",
			`{"data":{"id":1,"tags":["ab","cde",7],"phone":"1","phone":"22"}}`,
			`{"data":{"id":1,"tags":["**","***",null],"phone":"*","phone":"**"}}`},
		{"a condition per record",
			`{"data":[{"id":1,"email":"a@b.io","public":true},{"id":2,"email":"c@d.io"}]}`,
			`{"data":[{"id":1,"email":"a@b.io","public":true},{"id":2,"email":"******"}]}`},
		{"redact with a value, and through *",
			`{"data":{"id":9,"ssn":"123-45-6789","dob":"1990-01-01","profile":{"a":{"secret":"x"},"b":{"secret":"y","k":1}}}}`,
			`{"data":{"id":9,"ssn":null,"dob":"hidden","profile":{"a":{"secret":9},"b":{"secret":9,"k":1}}}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			reply = c.upstream
			send(t, tester, "GET", "/api/users/1", "").expect(t, 200, c.client)
		})
	}
}
