package caddytest

import "testing"

// A list's records name the same members in the same order, and the scan
// expects each record's names from the one before it: a record that
// spells, orders or breaks its names differently is read as it would be
// alone.
func TestAfterListRepeatedNames(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/users": {body: `[` +
			`{"id":1,"role":"admin","email":"e1","password":"a","profile":{"ssn":"1","age":1},"meta":{"k":"v","n":{"x":1}}},` +
			`{"id":2,"r\u006fle":"admin","email":"e2","pass\u0077ord":"b","profile":{"s\u0073n":"2","age":2},"meta":{"k":"v","n":{"x":2}}},` +
			`{"id":3,"role" : "user","email": "e3","password" :"c","profile":{"ssn" :"3","age":3},"meta":{"k" :"v","n":{"x":3}}},` +
			`{"id":4,"role":"admin","email":"e4","passwordx":"d","profile":{"ssnx":"4","age":4},"meta":{"k":"v","n":{"x":4}}},` +
			`{"password":"e","id":5,"role":"admin","profile":{"age":5,"ssn":"5"},"email":"e5"},` +
			`{"id":6,"role":"user","email":"e6","profile":"none","meta":{"ssn":"6"},"password":"f"},` +
			`{"id":7,"role":"user","email":"e7","meta":{"ssn":"7"},"profile":{"ssn":"7","age":7}},` +
			`{"id":8,"role":"user","email":"e8","profile":{"ssn":"8","k":"8"}},` +
			`{"id":9,"role":"user","email":"e9","meta":{"ssn":"9","k":"9"}},` +
			`{"id":10,"password":"g"},{"id":11,"passwore":"h"},{"id":12,"password":"i"},{"id":13,"pasrword":"j"},` +
			`{"id":14,"password_confirmation":"k"},{"id":15,"password_confirmatiom":"l"}]`},
		"/api/users?c=bad-name":  {body: `[{"id":1,"name":"a"},{"id":2,"nam` + "\x01" + `":"b"}]`},
		"/api/users?c=bad-inner": {body: `[{"id":1,"meta":{"k":"v"}},{"id":2,"meta":{"k":` + "\x01" + `}}]`},
		"/api/users?c=bad-comma": {body: `[{"id":1,"password":"a"},{"id":2,"password":"b",}]`},
		"/api/users?c=cut":       {body: `[{"id":1,"password":"a"},{"id":2,"password":"b"`},
	})
	crud(t, `
		resource users /api/users {
			after list {
				hide password profile.ssn meta.k password_confirmation
				hide email if `+"`record.role == \"admin\"`"+`
			}
		}`, up)

	const bad = "the upstream response could not be filtered"
	checkAfter(t, up, []afterCase{
		{name: "spellings, white space, other names and orders", path: "/api/users", status: 200, body: `[` +
			`{"id":1,"role":"admin","profile":{"age":1},"meta":{"n":{"x":1}}},` +
			`{"id":2,"r\u006fle":"admin","profile":{"age":2},"meta":{"n":{"x":2}}},` +
			`{"id":3,"role" : "user","email": "e3","profile":{"age":3},"meta":{"n":{"x":3}}},` +
			`{"id":4,"role":"admin","passwordx":"d","profile":{"ssnx":"4","age":4},"meta":{"n":{"x":4}}},` +
			`{"id":5,"role":"admin","profile":{"age":5}},` +
			`{"id":6,"role":"user","email":"e6","profile":"none","meta":{"ssn":"6"}},` +
			`{"id":7,"role":"user","email":"e7","meta":{"ssn":"7"},"profile":{"age":7}},` +
			`{"id":8,"role":"user","email":"e8","profile":{"k":"8"}},` +
			`{"id":9,"role":"user","email":"e9","meta":{"ssn":"9"}},` +
			`{"id":10},{"id":11,"passwore":"h"},{"id":12},{"id":13,"pasrword":"j"},` +
			`{"id":14},{"id":15,"password_confirmatiom":"l"}]`},
		{name: "a broken name after a good one", path: "/api/users?c=bad-name", status: 502, kind: kindProblem, body: bad},
		{name: "a broken value after a name met before", path: "/api/users?c=bad-inner", status: 502, kind: kindProblem, body: bad},
		{name: "a trailing comma after names met before", path: "/api/users?c=bad-comma", status: 502, kind: kindProblem, body: bad},
		{name: "cut after names met before", path: "/api/users?c=cut", status: 502, kind: kindProblem, body: bad},
	})
}

// Records that name the same members in the same order share what the
// filter found for the record before (where the fields conditions read
// sit, which members the hides leave out or go into); each is still
// filtered by its own values, and a record whose members differ is read
// as it would be alone.
func TestAfterListSameNamesOwnValues(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/users": {body: `[` +
			`{"id":1,"role":"admin","email":"e1","password":"a","profile":{"ssn":"1","age":1}},` +
			`{"id":2,"role":"user","email":"e2","password":"b","profile":{"ssn":"2","age":2}},` +
			`{"id":3,"role":"user","email":"e3","password":"c","profile":"none"},` +
			`{"id":4,"role":"admin","email":"e4","password":"d","profile":{"ssn":"4","age":4}},` +
			`{"id":5,"role":"user","email":"e5"},` +
			`{"id":6,"role":"user","email":"e6","password":"f","profile":{"ssn":"6","age":6}},` +
			`{"id":7,"role":"gone","email":"e7","password":"g","profile":{"ssn":"7","age":7}},` +
			`{"id":8,"role":"admin","email":"e8","password":"h","profile":{"ssn":"8","age":8}},` +
			`{"id":9,"role":"user","email":"e9","password":"i","profile":{"ssn":"9","age":9}}]`},
		"/api/users?c=shapes": {body: `[` +
			`{"id":1,"role":"user","email":"e1","password":"a","profile":{"age":1}},` +
			`{"id":2,"role":"user","email":"e2","password":"b","profile":{"age":2}},` +
			`{"id":3,"role":"user","email":"e3","password":"c","profile":[{"ssn":"3","age":3},{"ssn":"x"}]},` +
			`{"password":"p","id":5,"role":"user","email":"e5","profile":{"ssn":"5","age":5}},` +
			`{"password":"q","id":6,"role":"user","email":"e6","profile":{"ssn":"6","age":6}},` +
			`{"id":7,"role":"user","email":"e7" ,"password":"r","profile":{"age":7 , "ssn":"7"}},` +
			`{"id":9,"role":"admin","email":"e9","password":"i","profile":{"ssn":"9","age":9}},` +
			`{"id":10,"role":"admin","email":"e10","password":"j","profile":{"age":10,"ssn":"10"}},` +
			`{"id":11,"role":"admin","email":"e11","password":"k","profile":{"age":11,"ssn":"11"}},` +
			`{"id":13,"role":"user","email":"e13","password":"m","profile": {"age":13,"ssn":"13"}},` +
			`{"id":14,"role":"user","email":"e14" ,"password":"n","profile":{"age":14}},` +
			`{"id":15,"role":"user","email":"e15" ,"password":"o","profile":{"age":15}},` +
			`{"id":17,"role":"user","email":"e17" ,"password":"p","profile":{"age":17}},` +
			`{"password":"q", "id":18,"role":"user","email":"e18","profile":{"age":18}},` +
			`{"password":"r", "id":19,"role":"user","email":"e19","profile":{"age":19}},` +
			`{"password":"s", "id":21,"role":"user","email":"e21","profile":{"age":21}}]`},
	})
	crud(t, `
		resource users /api/users {
			after list {
				hide password profile.ssn
				hide email if `+"`record.role == \"admin\"`"+`
				hide profile if `+"`record.id % 4 == 0`"+`
				drop `+"`record.role == \"gone\"`"+`
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "the same names, other values", path: "/api/users", status: 200, body: `[` +
			`{"id":1,"role":"admin","profile":{"age":1}},` +
			`{"id":2,"role":"user","email":"e2","profile":{"age":2}},` +
			`{"id":3,"role":"user","email":"e3","profile":"none"},` +
			`{"id":4,"role":"admin"},` +
			`{"id":5,"role":"user","email":"e5"},` +
			`{"id":6,"role":"user","email":"e6","profile":{"age":6}},` +
			`{"id":8,"role":"admin"},` +
			`{"id":9,"role":"user","email":"e9","profile":{"age":9}}]`},
		{name: "the same names, members of other kinds and places", path: "/api/users?c=shapes", status: 200, body: `[` +
			`{"id":1,"role":"user","email":"e1","profile":{"age":1}},` +
			`{"id":2,"role":"user","email":"e2","profile":{"age":2}},` +
			`{"id":3,"role":"user","email":"e3","profile":[{"age":3},{}]},` +
			`{"id":5,"role":"user","email":"e5","profile":{"age":5}},` +
			`{"id":6,"role":"user","email":"e6","profile":{"age":6}},` +
			`{"id":7,"role":"user","email":"e7","profile":{"age":7}},` +
			`{"id":9,"role":"admin","profile":{"age":9}},` +
			`{"id":10,"role":"admin","profile":{"age":10}},` +
			`{"id":11,"role":"admin","profile":{"age":11}},` +
			`{"id":13,"role":"user","email":"e13","profile": {"age":13}},` +
			`{"id":14,"role":"user","email":"e14","profile":{"age":14}},` +
			`{"id":15,"role":"user","email":"e15","profile":{"age":15}},` +
			`{"id":17,"role":"user","email":"e17","profile":{"age":17}},` +
			`{"id":18,"role":"user","email":"e18","profile":{"age":18}},` +
			`{"id":19,"role":"user","email":"e19","profile":{"age":19}},` +
			`{"id":21,"role":"user","email":"e21","profile":{"age":21}}]`},
	})
}
