package caddytest

import (
	"fmt"
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

// The names a list's records repeat are expected in the next list the
// gateway filters with the same rules; each answer is still filtered as it
// would be alone, whether it repeats the names before it, spells them
// otherwise or names others, and whichever rules filtered the list before.
func TestAfterListNamesBetweenResponses(t *testing.T) {
	// white space before a comma the hides remove: the member is left out
	// by the name the scan read or expected (with that white space), not cut
	// at the comma
	a := `[{"id":1 ,"password":"a","email":"e1","profile":{"ssn":"1" ,"age":1},"tags":["x"]},` +
		`{"id":2 ,"password":"b","email":"e2","profile":{"ssn":"2" ,"age":2},"tags":["y"]}]`
	b := `[{"id":3,"pass\u0077ord":"c","email" :"e3","profile":{"s\u0073n":"3","age":3},"tags":["z"]},` +
		`{"id":4,"email":"e4","password":"d","profile":{"age":4,"ssn":"4"}}]`
	c := `[{"name":"n5","id":5,"password":"e","profile":"none"},{"name":"n6","id":7,"profile":{"ssn":"6"}}]`
	up := afterUpstream(t, map[string]afterReply{
		"/api/users?p=a": {body: a}, "/api/users?p=b": {body: b}, "/api/users?p=c": {body: c},
		"/api/staff?p=a": {body: a},
	})
	crud(t, `
		resource users /api/users {
			after list {
				hide password profile.ssn
				hide email if `+"`record.id % 2 == 0`"+`
			}
		}
		resource staff /api/staff {
			after list {
				hide email profile.age
			}
		}`, up)
	usersA := `[{"id":1,"email":"e1","profile":{"age":1},"tags":["x"]},{"id":2,"profile":{"age":2},"tags":["y"]}]`
	staffA := `[{"id":1 ,"password":"a","profile":{"ssn":"1"},"tags":["x"]},{"id":2 ,"password":"b","profile":{"ssn":"2"},"tags":["y"]}]`
	cases := []afterCase{
		{name: "a list", path: "/api/users?p=a", status: 200, body: usersA},
		{name: "its names spelled otherwise, in another order", path: "/api/users?p=b", status: 200,
			body: `[{"id":3,"email" :"e3","profile":{"age":3},"tags":["z"]},{"id":4,"profile":{"age":4}}]`},
		{name: "other names", path: "/api/users?p=c", status: 200, body: `[{"name":"n5","id":5,"profile":"none"},{"name":"n6","id":7,"profile":{}}]`},
	}
	// the filter's storage is pooled per processor: enough turns that the
	// names one answer leaves are met by the next ones, under both rules
	for k := range 8 {
		cases = append(cases,
			afterCase{name: fmt.Sprintf("the first list again, %d", k+1), path: "/api/users?p=a", status: 200, body: usersA},
			afterCase{name: fmt.Sprintf("the same list under other rules, %d", k+1), path: "/api/staff?p=a", status: 200, body: staffA})
	}
	checkAfter(t, up, cases)
}
