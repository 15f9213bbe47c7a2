package caddytest

import "testing"

// TestBuiltStringsBeforeCreate builds strings from a request body's
// fields (joined, printed, cased, split) into the values, the header and
// the message a create's rules write, through Caddy: each record of a bulk
// create gets its own, escapes read as what they spell, and the upstream
// gets the exact bytes.
func TestBuiltStringsBeforeCreate(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource items /api/items {
			before create {
				deny ´upper(record.code) + string(record.qty) == "NO0"´ 422 "${record.code} may not be ordered"
				set label ´upper(record.code) + "/" + string(record.qty)´
				set domain ´split(record.email, "@")[1]´
				set slug ´replace(lower(record.code), "-", "_") + "." + join(record.tags, ".")´
				header X-Domain ´split(record.email, "@")[-1] + "!"´
			}
		}`, up)

	up.reset()
	send(t, tester, "POST", "/api/items",
		`{"code":"\u0061b-C","qty":1,"email":"a@x.org","tags":["t","\u0075"]}`).expect(t, 200, `{}`)
	up.got(t, "POST", "/api/items", `{"code":"\u0061b-C","qty":1,"email":"a@x.org","tags":["t","\u0075"],`+
		`"label":"AB-C/1","domain":"x.org","slug":"ab_c.t.u"}`).header(t, "X-Domain", "x.org!")

	checkBodies(t, tester, up, "POST", "/api/items", []bodyCase{
		{"each record its own", `[{"code":"a","qty":2.5,"email":"b@c@d","tags":[]},{"code":"Zz","qty":-7,"email":"e@f","tags":["g"]}]`, 200,
			`[{"code":"a","qty":2.5,"email":"b@c@d","tags":[],"label":"A/2.5","domain":"c","slug":"a."},` +
				`{"code":"Zz","qty":-7,"email":"e@f","tags":["g"],"label":"ZZ/-7","domain":"f","slug":"zz.g"}]`},
		{"a message from a built condition", `{"code":"no","qty":0,"email":"a@b","tags":[]}`, 422,
			problemJSON(422, "no may not be ordered")},
		{"no second piece", `{"code":"a","qty":1,"email":"nobody","tags":[]}`, 500,
			problemJSON(500, "a rule could not be evaluated")},
	})
}

// TestBuiltStringsAfterList filters a list on strings built from each
// record, through Caddy, for the exact body the client gets.
func TestBuiltStringsAfterList(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/users": {body: `[{"id":1,"name":"al","email":"a@spam.example","tags":["a","b"]},` +
			`{"id":2,"name":"bob","email":"b@x.org","tags":["a","b"]},{"id":3,"name":"aXl","email":"c@x.org","tags":["a"]},` +
			`{"id":4,"name":"\u0041L","email":"d@x.org","tags":["a","c"]}]`},
		"/api/users?bad=1": {body: `[{"id":5,"name":"e","email":"e@x.org","tags":["a",1]}]`},
	})
	crud(t, `
		resource users /api/users {
			after list {
				drop ´split(record.email, "@")[-1] == "spam.example"´
				hide email if ´string(record.id) + record.name == "2bob"´
				hide tags if ´join(record.tags, ",") == "a,b"´
				hide name if ´replace(upper(record.name), "X", "") == "AL"´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "built per record", path: "/api/users", status: 200,
			body: `[{"id":2,"name":"bob"},{"id":3,"email":"c@x.org","tags":["a"]},{"id":4,"email":"d@x.org","tags":["a","c"]}]`},
		{name: "join of a list holding a number", path: "/api/users?bad=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"}, // expr's error
	})
}
