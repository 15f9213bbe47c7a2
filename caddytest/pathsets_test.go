package caddytest

import "testing"

// A set of paths means what each path alone means: a key that a name and
// a `*` both match meets both, and a named segment that meets an array
// applies to each of its elements.

func TestPathSetsHideNameBesideStar(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/users/1": {body: `{"name":{"secret":1,"meta":2,"x":3}}`},
		"/api/users":   {body: `[{"name":{"secret":1,"meta":2}},{"other":{"secret":4,"meta":5}}]`},
		"/api/docs/1":  {body: `{"top":{"k":{"secret":1,"meta":2,"x":3},"j":{"secret":4,"meta":5}}}`},
	})
	crud(t, `
		resource users /api/users {
			after read {
				hide *.secret name.meta
			}
		}
		resource docs /api/docs {
			after get {
				hide top.*.secret top.k.meta
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "top-level star beside a name", path: "/api/users/1", status: 200,
			body: `{"name":{"x":3}}`},
		{name: "each record of a list", path: "/api/users", status: 200,
			body: `[{"name":{}},{"other":{"meta":5}}]`},
		{name: "nested star beside a name", path: "/api/docs/1", status: 200,
			body: `{"top":{"k":{"x":3},"j":{"meta":5}}}`},
	})
}

func TestPathSetsAfterArrays(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/users/1": {body: `{"id":1,"name":"a","profile":[{"name":"p","ssn":"1"},{"ssn":"2","name":"q"}],"x":1}`},
		"/api/users":   {body: `[{"id":1,"profile":[{"name":"p","ssn":"1"}]}]`},
		"/api/docs/1":  {body: `{"id":1,"profile":[{"ssn":"1","bio":"b"},[{"ssn":"2"}],"s"]}`},
	})
	crud(t, `
		resource users /api/users {
			after read {
				only id name profile.name
			}
		}
		resource docs /api/docs {
			after get {
				hide profile.ssn
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "only keeps the named field of each element", path: "/api/users/1", status: 200,
			body: `{"id":1,"name":"a","profile":[{"name":"p"},{"name":"q"}]}`},
		{name: "only in a list", path: "/api/users", status: 200,
			body: `[{"id":1,"profile":[{"name":"p"}]}]`},
		{name: "hide in every element, arrays in arrays too", path: "/api/docs/1", status: 200,
			body: `{"id":1,"profile":[{"bio":"b"},[{}],"s"]}`},
	})
}

func TestPathSetsBeforeArrays(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				only name profile.bio
			}
			before update {
				protect profile.ssn *.isAdmin profile.isAdmin
			}
		}
		resource docs /api/docs {
			before create {
				protect strict profile.isAdmin
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"only in each element", `{"name":"n","profile":[{"bio":"b","isAdmin":true}]}`, 200,
			`{"name":"n","profile":[{"bio":"b"}]}`},
	})
	checkBodies(t, tester, up, "PUT", "/api/users/1", []bodyCase{
		{"protect in each element", `{"profile":[{"ssn":"1","isAdmin":true,"bio":"b"},{"ssn":"2"}],"name":"n"}`, 200,
			`{"profile":[{"bio":"b"},{}],"name":"n"}`},
		{"star beside a name", `{"profile":{"isAdmin":true,"ssn":"1","bio":"b"},"x":{"isAdmin":1}}`, 200,
			`{"profile":{"bio":"b"},"x":{}}`},
	})
	checkBodies(t, tester, up, "POST", "/api/docs", []bodyCase{
		{"strict sees each element", `{"profile":[{"bio":"b"},{"isAdmin":true}]}`, 403,
			problemJSON(403, "the request may not set profile.isAdmin")},
	})
}
