package caddytest

import (
	"strconv"
	"strings"
	"testing"
)

// With bulk partial, the elements of a bulk body that fail a check, deny or
// require are left out; the rest go upstream with every statement applied,
// and the answer names the left-out elements by their index in the body
// the client sent.
func TestBulkPartial(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			bulk partial
			before create {
				protect role
				check email ´record.email matches "^[^@ ]+@[^@ ]+$"´ "must be a valid email"
				check profile.age ´record.profile?.age == nil || record.profile.age >= 0´ "must not be negative"
				deny ´record.name == "root"´ 403 "${record.name} is reserved"
				require ´index != 2 || record.name != nil´
				set n ´index´
			}
		}`, up)

	for _, c := range []struct {
		name, sent  string
		forwarded   string // "" when the upstream must not be called
		status      int
		body        string
		excluded    string
		errorHeader string
	}{
		{"none failing", `[{"email":"a@b.io"},{"email":"c@d.io","role":"admin"}]`,
			`[{"email":"a@b.io","n":0},{"email":"c@d.io","n":1}]`, 200, `{}`, "", ""},
		{"first failing", `[{"email":"nope"},{"email":"c@d.io"}]`,
			`[{"email":"c@d.io","n":1}]`, 200, `{}`, "1", `[{"field":"[0].email","message":"must be a valid email"}]`},
		{"middle and last failing", `[{"email":"a@b.io"},{"email":"c@d.io","name":"root"},{"email":"e@f.io"},{"email":"x"}]`,
			`[{"email":"a@b.io","n":0}]`, 200, `{}`, "3",
			`[{"field":"[1]","message":"root is reserved"},{"field":"[2]","message":"refused with status 403"},{"field":"[3].email","message":"must be a valid email"}]`},
		{"nested field errors, all listed", `[{"email":"x","profile":{"age":-1}},{"email":"a@b.io"}]`,
			`[{"email":"a@b.io","n":1}]`, 200, `{}`, "1",
			`[{"field":"[0].email","message":"must be a valid email"},{"field":"[0].profile.age","message":"must not be negative"}]`},
		{"all failing", `[{"email":"x"},{"email":"y","name":"root"}]`, "", 422,
			`{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid","errors":[{"field":"[0].email","message":"must be a valid email"},{"field":"[1]","message":"root is reserved"}]}`, "", ""},
		{"an element that is not an object", `[{"email":"a@b.io"},"x"]`, "", 400,
			problemJSON(400, "the request body must be a JSON object or an array of objects"), "", ""},
		{"a single body is refused as before", `{"email":"x"}`, "", 422,
			`{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid","errors":[{"field":"email","message":"must be a valid email"}]}`, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			res := send(t, tester, "POST", "/api/users", c.sent)
			res.expect(t, c.status, c.body)
			if got := res.Header.Get("Crud-Bulk-Excluded"); got != c.excluded {
				t.Fatalf("Crud-Bulk-Excluded %q, want %q", got, c.excluded)
			}
			if got := res.Header.Get("Crud-Bulk-Errors"); got != c.errorHeader {
				t.Fatalf("Crud-Bulk-Errors %s\nwant %s", got, c.errorHeader)
			}
			if c.forwarded == "" {
				up.none(t)
				return
			}
			up.got(t, "POST", "/api/users", c.forwarded)
		})
	}
}

// protect strict still refuses the whole bulk body; bulk all (the default)
// refuses it on any failing element.
func TestBulkPartialLimits(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			bulk partial
			before create {
				protect strict role
			}
		}
		resource orders /api/orders {
			before create {
				check qty ´record.qty > 0´ "must be positive"
			}
		}`, up)
	send(t, tester, "POST", "/api/users", `[{"name":"a"},{"name":"b","role":"admin"}]`).expectProblem(t, 403, problemJSON(403, "the request may not set role"))
	send(t, tester, "POST", "/api/orders", `[{"qty":1},{"qty":0}]`).expectProblem(t, 422,
		`{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid","errors":[{"field":"[1].qty","message":"must be positive"}]}`)
	up.none(t)
}

// In report mode nothing is left out: the body goes upstream as sent, and
// the log says what would have been.
func TestBulkPartialReport(t *testing.T) {
	up := newUpstream(t, nil)
	tester, logFile := crudLogged(t, `
		resource users /api/users {
			mode report
			bulk partial
			before create {
				check email ´record.email != nil´ "is required"
			}
		}`, up)
	res := send(t, tester, "POST", "/api/users", `[{"email":"a"},{}]`)
	res.expect(t, 200, `{}`)
	if res.Header.Get("Crud-Bulk-Excluded") != "" {
		t.Fatalf("report mode excluded elements: %v", res.Header)
	}
	up.got(t, "POST", "/api/users", `[{"email":"a"},{}]`)
	expectLog(t, logFile, "would leave out a bulk element", []string{"level", "resource", "action", "rule", "mode"},
		`info users create [1].email: is required report`)
}

// A large bulk body: 10,000 elements, every tenth failing.
func TestBulkPartialLarge(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		max_body 4MiB
		resource users /api/users {
			bulk partial
			before create {
				check n ´record.n % 10 != 3´ "must not end in 3"
			}
		}`, up)
	var sent, forwarded strings.Builder
	sent.WriteByte('[')
	forwarded.WriteByte('[')
	for i := range 10000 {
		el := `{"n":` + strconv.Itoa(i) + `}`
		if i > 0 {
			sent.WriteByte(',')
		}
		sent.WriteString(el)
		if i%10 != 3 {
			if forwarded.Len() > 1 {
				forwarded.WriteByte(',')
			}
			forwarded.WriteString(el)
		}
	}
	sent.WriteByte(']')
	forwarded.WriteByte(']')
	res := send(t, tester, "POST", "/api/users", sent.String())
	res.expect(t, 200, `{}`)
	if got := res.Header.Get("Crud-Bulk-Excluded"); got != "1000" {
		t.Fatalf("Crud-Bulk-Excluded %q", got)
	}
	if res.Header.Get("Crud-Bulk-Errors-Truncated") != "true" || len(res.Header.Get("Crud-Bulk-Errors")) > 8<<10 {
		t.Fatalf("report %d bytes, truncated %q", len(res.Header.Get("Crud-Bulk-Errors")), res.Header.Get("Crud-Bulk-Errors-Truncated"))
	}
	if !strings.HasPrefix(res.Header.Get("Crud-Bulk-Errors"), `[{"field":"[3].n","message":"must not end in 3"},{"field":"[13].n",`) {
		t.Fatalf("report starts %.100s", res.Header.Get("Crud-Bulk-Errors"))
	}
	up.got(t, "POST", "/api/users", forwarded.String())
}
