package caddytest

import "testing"

// TestMapLiteralsInRules writes a map literal into a create, reads a table
// of ranks in a before rule and in a list's drop, through Caddy: the first
// of two pairs of one key wins, a missing key reads nil, and a computed key
// that is not a string fails closed.
func TestMapLiteralsInRules(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				deny ´({"admin": 3, "editor": 2, "admin": 1}[record.role] ?? 0) > 2´ 403 "rank too high"
				set audit ´{"role": record.role, "rank": {"admin": 3, "editor": 2}[record.role], (record.team ?? "none"): true}´
			}
		}`, up)
	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"a map written", `{"role":"editor","team":"ops"}`, 200,
			`{"role":"editor","team":"ops","audit":{"ops":true,"rank":2,"role":"editor"}}`},
		{"a missing key", `{"role":"guest"}`, 200, `{"role":"guest","audit":{"none":true,"rank":null,"role":"guest"}}`},
		{"the first pair of a key", `{"role":"admin"}`, 403, problemJSON(403, "rank too high")},
		{"a key that is not a string", `{"role":"editor","team":7}`, 500, problemJSON(500, "a rule could not be evaluated")},
	})

	lists := afterUpstream(t, map[string]afterReply{
		"/api/users": {body: `[{"k":1,"role":"admin"},{"k":2,"role":"viewer"},{"k":3,"role":"editor"},{"k":4}]`},
	})
	crud(t, `
		resource users /api/users {
			after list {
				drop ´({"admin": 3, "editor": 2, "viewer": 1}[record.role] ?? 0) < 2´
			}
		}`, lists)
	checkAfter(t, lists, []afterCase{
		{name: "ranks of at least 2", path: "/api/users", status: 200, body: `[{"k":1,"role":"admin"},{"k":3,"role":"editor"}]`},
	})
}
