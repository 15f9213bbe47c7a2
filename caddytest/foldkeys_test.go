package caddytest

import "testing"

// Field names of request bodies are read the way permissive backends bind
// them (Go's encoding/json binds {"ROLE":…} to role and {"iſAdmin":…} to
// isAdmin): under Unicode simple case folding, unless case_sensitive.

func TestFoldKeysProtectOnlySet(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				protect role isAdmin kind profile.ssn
			}
			before update {
				set plan ´"free"´
				default tier ´"basic"´
				transform email ´lower(value)´
				only name profile.bio plan tier email
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"upper case", `{"ROLE":"admin","name":"n"}`, 200, `{"name":"n"}`},
		{"long s", `{"iſAdmin":true,"name":"n"}`, 200, `{"name":"n"}`},
		{"Kelvin sign", `{"` + "\u212a" + `IND":"x","name":"n"}`, 200, `{"name":"n"}`},
		{"escaped and mixed case", `{"r\u006fLE":"admin","Profile":[{"SSN":"1","city":"c"}]}`, 200, `{"Profile":[{"city":"c"}]}`},
		{"two spellings of one field", `{"role":"user","ROLE":"admin"}`, 400, problemJSON(400, `duplicate key "ROLE"`)},
		{"nested spellings", `{"profile":{"ssn":"1","SSN":"2"}}`, 400, problemJSON(400, `duplicate key "SSN"`)},
		{"a spelling with the Kelvin sign", `{"kind":"x","` + "\u212a" + `IND":"y"}`, 400, problemJSON(400, `duplicate key "`+"\u212a"+`IND"`)},
		// eight members or more: the duplicates are found through a table of hashes
		{"a spelling with the long s among nine", `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"` + "\u017f" + `tate":"x","State":"y"}`, 400,
			problemJSON(400, `duplicate key "State"`)},
		{"nine spelled apart", `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"` + "\u017f" + `tate":"x","States":"y"}`, 200,
			`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"` + "\u017f" + `tate":"x","States":"y"}`},
	})
	checkBodies(t, tester, up, "PUT", "/api/users/1", []bodyCase{
		{"only, set, default and transform", `{"NAME":"n","PROFILE":{"BIO":"b","isAdmin":true},"PLAN":"gold","TIER":null,"Email":"A@X","x":1}`, 200,
			`{"NAME":"n","PROFILE":{"BIO":"b"},"PLAN":"free","TIER":"basic","Email":"a@x"}`},
	})
}

func TestFoldKeysTransform(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				transform email ´lower(value)´
				default tier ´"basic"´
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"present under another case", `{"EMAIL":"A@X.IO","Tier":"gold"}`, 200, `{"EMAIL":"a@x.io","Tier":"gold"}`},
	})
}

func TestFoldKeysConditions(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				deny ´record.plan == "gold"´ 403 "no gold"
				deny ´record.profile.tier == "vip"´ 403 "no vip"
				deny ´let r = record; r.owner == "root"´ 403 "no root"
				deny ´any(record.items ?? [], #.qty == 0)´ 403 "no empty line"
				deny ´get(record, "owner") == "admin"´ 403 "no admin"
				deny ´get(record.profile, "nick") == "boss"´ 403 "no boss"
				deny ´get(record.flags ?? {}, record.flag ?? "") == true´ 403 "flag set"
			}
		}
		resource docs /api/docs {
			before create {
				protect strict tenant.id
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"a field", `{"PLAN":"gold"}`, 403, problemJSON(403, "no gold")},
		{"a nested field", `{"Profile":{"TIER":"vip"}}`, 403, problemJSON(403, "no vip")},
		{"the whole record", `{"OWNER":"root"}`, 403, problemJSON(403, "no root")},
		{"a member of an element", `{"items":[{"qty":1},{"QTY":0}]}`, 403, problemJSON(403, "no empty line")},
		{"a member of an element, escaped", `{"ITEMS":[{"q\u0074Y":0}]}`, 403, problemJSON(403, "no empty line")},
		{"a field read by get", `{"Owner":"admin"}`, 403, problemJSON(403, "no admin")},
		{"a nested field read by get", `{"PROFILE":{"Nick":"boss"}}`, 403, problemJSON(403, "no boss")},
		{"a field named by a value, read by get", `{"flag":"beta","Flags":{"BETA":true}}`, 403, problemJSON(403, "flag set")},
		{"other values pass", `{"PLAN":"free","Profile":{"TIER":"x"},"OWNER":"ann"}`, 200,
			`{"PLAN":"free","Profile":{"TIER":"x"},"OWNER":"ann"}`},
	})
	checkBodies(t, tester, up, "POST", "/api/docs", []bodyCase{
		{"protect strict", `{"TENANT":{"ID":1}}`, 403, problemJSON(403, "the request may not set tenant.id")},
	})
}

func TestFoldKeysCaseSensitive(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			case_sensitive
			before create {
				protect role
				deny ´record.plan == "gold"´ 403 "no gold"
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"exact name", `{"role":"admin","name":"n"}`, 200, `{"name":"n"}`},
		{"other case passes", `{"ROLE":"admin","PLAN":"gold"}`, 200, `{"ROLE":"admin","PLAN":"gold"}`},
		{"spellings are distinct keys", `{"role":"user","ROLE":"admin"}`, 200, `{"ROLE":"admin"}`},
	})
}

// Response field names come from the backend, so hide matches them as
// written.
func TestFoldKeysResponsesExact(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/users/1": {body: `{"id":1,"password":"p","Password":"q"}`},
	})
	crud(t, `
		resource users /api/users {
			after get {
				hide password
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "exact names", path: "/api/users/1", status: 200, body: `{"id":1,"Password":"q"}`},
	})
}

// JSON Patches, update operators and dotted keys name fields too: they
// are folded alike.
func TestFoldKeysShapes(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, shapeRules, up)
	name := `{"op":"replace","path":"/name","value":"Ann"}`
	checkShapes(t, tester, up, "PATCH", "/api/users/1", []shapeCase{
		{"patch path in another case", jsonPatch, `[{"op":"replace","path":"/ROLE","value":"admin"},` + name + `]`, 200, `[` + name + `]`},
		{"nested patch paths", jsonPatch, `[{"op":"add","path":"/Profile/verified","value":true},{"op":"add","path":"/profile/VERIFIED","value":true}]`, 200, `[]`},
		{"deny reads the value", jsonPatch, `[{"op":"replace","path":"/PLAN","value":"gold"}]`, 403, problemJSON(403, "gold is sold, not set")},
		{"$set", "", `{"$set":{"Role":"admin","name":"Ann"}}`, 200, `{"$set":{"name":"Ann"}}`},
		{"dotted key", "", `{"PROFILE.verified":true,"name":"Ann"}`, 200, `{"name":"Ann"}`},
	})
	checkShapes(t, tester, up, "PATCH", "/api/notes/1", []shapeCase{
		{"set changes the written value", jsonPatch, `[{"op":"replace","path":"/EditedBy","value":"me"}]`, 200,
			`[{"op":"replace","path":"/EditedBy","value":"gateway"}]`},
	})
}
