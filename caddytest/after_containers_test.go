package caddytest

import (
	"strings"
	"testing"
)

// The arrays and objects of a list's records that no rule reads are
// validated as they are skipped: those in the usual form at once, the others
// (escapes, fractions, a minus, deep nesting) by the scan; a broken one in
// any record refuses the whole answer.
func TestAfterListSkippedContainers(t *testing.T) {
	deep := strings.Repeat("[", 70) + "1" + strings.Repeat("]", 70)
	first := `{"id":1,"tags":["x"],"meta":{"k":"v"},"password":"p","email":"e1"},`
	broken := func(tags, meta string) afterReply {
		return afterReply{body: `[` + first + `{"id":2,"tags":` + tags + `,"meta":` + meta + `,"password":"q","email":"e2"}]`}
	}
	up := afterUpstream(t, map[string]afterReply{
		"/api/users": {body: `[` + first +
			`{"id":2,"tags":[],"meta":{},"password":"q","email":"e2"},` +
			`{"id":3,"tags":["a","b",1,0,true,false,null],"meta":{"k":"v","n":{"x":[1,{"y":"z"}]}},"password":"r","email":"e3"},` +
			`{"id":4,"tags":[ "a" , [ ] ,{ "k" : 1 } ],"meta":{` + "\n\t" + `"k":` + "\r\n" + `"v"` + "\n" + `},"password":"s","email":"e4"},` +
			`{"id":5,"tags":["0123456789abcdef0123456789abcdef","é"],"meta":{"a\"b":"c\\d","u":"\u00e9"},"password":"t","email":"e5"},` +
			`{"id":6,"tags":[1.5,-2,3e4,0.25,-0],"meta":{"n":-1,"f":2.5E-3},"password":"u","email":"e6"},` +
			`{"id":7,"tags":` + deep + `,"meta":{"k":[[[{"k":[[]]}]]]},"password":"v","email":"e7"}]`},
		"/api/users?c=comma":   broken(`["a",]`, `{}`),
		"/api/users?c=close":   broken(`["a"}`, `{}`),
		"/api/users?c=closing": broken(`[]`, `{"k":1]`),
		"/api/users?c=literal": broken(`[txyz]`, `{}`),
		"/api/users?c=colon":   broken(`[]`, `{"k" 1}`),
		"/api/users?c=nocolon": broken(`[]`, `{"k"x1}`),
		"/api/users?c=name":    broken(`[]`, `{1:2}`),
		"/api/users?c=unnamed": broken(`[]`, `{1":2}`),
		"/api/users?c=control": broken(`["a`+"\x01"+`"]`, `{}`),
		"/api/users?c=zero":    broken(`[01]`, `{}`),
		"/api/users?c=space":   broken(`[1`+"\x0b"+`]`, `{}`),
		"/api/users?c=member":  broken(`[]`, `{"k":1,}`),
		"/api/users?c=cut":     {body: `[` + first + `{"id":2,"tags":["a","b"`},
	})
	crud(t, `
		resource users /api/users {
			after list {
				hide password
				hide email if `+"`record.id % 2 == 0`"+`
			}
		}`, up)

	const bad = "the upstream response could not be filtered"
	cases := []afterCase{
		{name: "skipped containers of every form", path: "/api/users", status: 200, body: `[` +
			`{"id":1,"tags":["x"],"meta":{"k":"v"},"email":"e1"},` +
			`{"id":2,"tags":[],"meta":{}},` +
			`{"id":3,"tags":["a","b",1,0,true,false,null],"meta":{"k":"v","n":{"x":[1,{"y":"z"}]}},"email":"e3"},` +
			`{"id":4,"tags":[ "a" , [ ] ,{ "k" : 1 } ],"meta":{` + "\n\t" + `"k":` + "\r\n" + `"v"` + "\n" + `}},` +
			`{"id":5,"tags":["0123456789abcdef0123456789abcdef","é"],"meta":{"a\"b":"c\\d","u":"\u00e9"},"email":"e5"},` +
			`{"id":6,"tags":[1.5,-2,3e4,0.25,-0],"meta":{"n":-1,"f":2.5E-3}},` +
			`{"id":7,"tags":` + deep + `,"meta":{"k":[[[{"k":[[]]}]]]},"email":"e7"}]`},
	}
	for _, c := range []string{"comma", "close", "closing", "literal", "colon", "nocolon", "name", "unnamed", "control", "zero", "space", "member", "cut"} {
		cases = append(cases, afterCase{name: "a broken container: " + c, path: "/api/users?c=" + c, status: 502, kind: kindProblem, body: bad})
	}
	checkAfter(t, up, cases)
}
