package caddytest

import (
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// shapeRules guards users, whose updates may come as JSON Patches or as
// update operators; posts take only a few fields, notes get a field set.
const shapeRules = `
		resource users /api/users {
			before create update {
				protect role profile.verified
				deny ´record.plan == "gold"´ 403 "gold is sold, not set"
				check email ´record.email == nil || record.email matches "^[^@ ]+@[^@ ]+$"´ "must be a valid email"
				transform email ´lower(value)´
			}
		}
		resource posts /api/posts {
			before update {
				only title body.text
			}
		}
		resource notes /api/notes {
			before update {
				set editedBy ´"gateway"´
			}
		}`

// shapeCase is a body sent as contentType and what the upstream must get
// (status 200) or the exact problem.
type shapeCase struct {
	name, contentType, sent string
	status                  int
	want                    string
}

func checkShapes(t *testing.T, tester *caddytest.Tester, up *upstream, method, path string, cases []shapeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Helper()
			up.reset()
			ct := c.contentType
			if ct == "" {
				ct = "application/json"
			}
			res := send(t, tester, method, path, c.sent, "Content-Type: "+ct)
			if c.status != 200 {
				res.expectProblem(t, c.status, c.want)
				up.none(t)
				return
			}
			res.expect(t, 200, `{}`)
			up.got(t, method, path, c.want).header(t, "Content-Type", ct)
		})
	}
}

const jsonPatch = "application/json-patch+json"

func TestShapesJSONPatchProtect(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, shapeRules, up)
	name := `{"op":"replace","path":"/name","value":"Ann"}`
	checkShapes(t, tester, up, "PATCH", "/api/users/1", []shapeCase{
		{"replace", jsonPatch, `[{"op":"replace","path":"/role","value":"admin"},` + name + `]`, 200, `[` + name + `]`},
		{"replace as plain JSON", "", `[{"op":"replace","path":"/role","value":"admin"},` + name + `]`, 200, `[` + name + `]`},
		{"add", jsonPatch, `[{"op":"add","path":"/role","value":"admin"}]`, 200, `[]`},
		{"remove", jsonPatch, `[{"op":"remove","path":"/role"},` + name + `]`, 200, `[` + name + `]`},
		{"move from", jsonPatch, `[{"op":"move","from":"/role","path":"/title"}]`, 200, `[]`},
		{"move to", jsonPatch, `[{"op":"move","from":"/title","path":"/role"}]`, 200, `[]`},
		{"copy to", jsonPatch, `[{"op":"copy","from":"/title","path":"/role"}]`, 200, `[]`},
		{"copy from", jsonPatch, `[{"op":"copy","from":"/profile/verified","path":"/title"}]`, 200, `[]`},
		{"test writes nothing", jsonPatch, `[{"op":"test","path":"/role","value":"member"},` + name + `]`, 200,
			`[{"op":"test","path":"/role","value":"member"},` + name + `]`},
		{"under the field", jsonPatch, `[{"op":"add","path":"/role/0","value":"admin"}]`, 200, `[]`},
		{"object above", jsonPatch, `[{"op":"replace","path":"/profile","value":{"bio":"b"}},` + name + `]`, 200, `[` + name + `]`},
		{"whole document", jsonPatch, `[{"op":"replace","path":"","value":{"name":"Ann"}}]`, 200, `[]`},
		{"beside the field stays, bytes kept", jsonPatch, `[ {"op":"add", "path":"/profile/bio","value":"b"} ]`, 200,
			`[ {"op":"add", "path":"/profile/bio","value":"b"} ]`},
		{"escaped pointer", jsonPatch, `[{"op":"add","path":"/r\u006fle","value":"admin"},{"op":"add","path":"/a~1b~0c","value":1}]`, 200,
			`[{"op":"add","path":"/a~1b~0c","value":1}]`},
		{"member names in any case", jsonPatch, `[{"OP":"Replace","PATH":"/role","Value":"admin"}]`, 200, `[]`},
	})
}

func TestShapesJSONPatchValues(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, shapeRules, up)
	checkShapes(t, tester, up, "PATCH", "/api/users/1", []shapeCase{
		{"deny sees the value", jsonPatch, `[{"op":"replace","path":"/plan","value":"gold"}]`, 403, problemJSON(403, "gold is sold, not set")},
		{"check sees the value", jsonPatch, `[{"op":"add","path":"/email","value":"nope"}]`, 422,
			invalid(fieldError{"email", "must be a valid email"})},
		{"transform changes the value", jsonPatch, `[{"op":"replace","path":"/email","value":"ANN@X.IO"}]`, 200,
			`[{"op":"replace","path":"/email","value":"ann@x.io"}]`},
		{"unknown op", jsonPatch, `[{"op":"merge","path":"/name","value":1}]`, 400,
			problemJSON(400, `invalid JSON Patch: operation 0: unknown op "merge"`)},
		{"not a pointer", jsonPatch, `[{"op":"remove","path":"/name"},{"op":"replace","path":"role","value":"admin"}]`, 400,
			problemJSON(400, `invalid JSON Patch: operation 1: "role" is not a JSON Pointer`)},
		{"bad escape", "", `[{"op":"remove","path":"/ro~le"}]`, 400,
			problemJSON(400, `invalid JSON Patch: operation 0: "/ro~le" is not a JSON Pointer`)},
		{"missing value", jsonPatch, `[{"op":"replace","path":"/name"}]`, 400,
			problemJSON(400, `invalid JSON Patch: operation 0: value is missing`)},
		{"missing from", jsonPatch, `[{"op":"move","path":"/name"}]`, 400,
			problemJSON(400, `invalid JSON Patch: operation 0: from must be a string`)},
		{"not an array", jsonPatch, `{"role":"admin"}`, 400,
			problemJSON(400, `invalid JSON Patch: the body must be an array of operations`)},
		{"copied value cannot be read", jsonPatch, `[{"op":"copy","from":"/x","path":"/plan"}]`, 400,
			problemJSON(400, `the request writes plan with a value the rules cannot read`)},
	})
	t.Run("a bulk create is not a patch", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users", `[{"op":"replace","path":"/role","role":"admin"}]`).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", `[{"op":"replace","path":"/role"}]`)
	})
}

func TestShapesJSONPatchOnlyAndSet(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, shapeRules, up)
	checkShapes(t, tester, up, "PATCH", "/api/posts/1", []shapeCase{
		{"only", jsonPatch, `[{"op":"replace","path":"/title","value":"t"},{"op":"replace","path":"/body","value":{"text":"x"}},` +
			`{"op":"add","path":"/body/text","value":"y"},{"op":"move","from":"/author","path":"/title"},{"op":"remove","path":"/author"}]`, 200,
			`[{"op":"replace","path":"/title","value":"t"},{"op":"add","path":"/body/text","value":"y"}]`},
	})
	checkShapes(t, tester, up, "PATCH", "/api/notes/1", []shapeCase{
		{"set adds an operation", jsonPatch, `[{"op":"remove","path":"/draft"}]`, 200,
			`[{"op":"remove","path":"/draft"},{"op":"add","path":"/editedBy","value":"gateway"}]`},
		{"set changes the written value", jsonPatch, `[{"op":"replace","path":"/editedBy","value":"me"}]`, 200,
			`[{"op":"replace","path":"/editedBy","value":"gateway"}]`},
	})
}

func TestShapesOperatorsProtect(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, shapeRules, up)
	checkShapes(t, tester, up, "PATCH", "/api/users/1", []shapeCase{
		{"$set", "", `{"$set":{"role":"admin","name":"Ann"}}`, 200, `{"$set":{"name":"Ann"}}`},
		{"dotted key", "", `{"profile.verified":true,"name":"Ann"}`, 200, `{"name":"Ann"}`},
		{"dotted key in $set", "", `{"$set":{"profile.verified":true}}`, 200, `{}`},
		{"object above", "", `{"$set":{"profile":{"bio":"b"}},"$inc":{"logins":1}}`, 200, `{"$inc":{"logins":1}}`},
		{"$unset", "", `{"$unset":{"role":""}}`, 200, `{}`},
		{"$inc", "", `{"$inc":{"role":1}}`, 200, `{}`},
		{"$push", "", `{"$push":{"role":"admin"}}`, 200, `{}`},
		{"$addToSet", "", `{"$addToSet":{"role":"admin"}}`, 200, `{}`},
		{"$rename to", "", `{"$rename":{"name":"role"}}`, 200, `{}`},
		{"$rename from", "", `{"$rename":{"role":"name"}}`, 200, `{}`},
		{"$setOnInsert", "", `{"$setOnInsert":{"role":"admin"}}`, 200, `{}`},
		{"$min $max $mul", "", `{"$min":{"role":1},"$max":{"role":1},"$mul":{"role":1}}`, 200, `{}`},
		{"$pull $pop", "", `{"$pull":{"role":1},"$pop":{"role":1}}`, 200, `{}`},
		{"$currentDate", "", `{"$currentDate":{"profile.verified":true}}`, 200, `{}`},
		{"positional", "", `{"$set":{"profile.0.verified":true,"name":"Ann"}}`, 200, `{"$set":{"name":"Ann"}}`},
		{"unguarded operators keep their bytes", "", `{ "$inc": {"logins": 1}, "name.first": "Ann" }`, 200,
			`{ "$inc": {"logins": 1}, "name.first": "Ann" }`},
		{"on create too", "", `{"$set":{"role":"admin"}}`, 200, `{}`},
	})
	t.Run("bulk create", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users", `[{"$set":{"role":"admin"},"$inc":{"n":1}},{"profile.verified":true,"name":"Bo"}]`).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", `[{"$inc":{"n":1}},{"name":"Bo"}]`)
	})
}

func TestShapesOperatorsValues(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, shapeRules, up)
	checkShapes(t, tester, up, "PATCH", "/api/users/1", []shapeCase{
		{"deny sees $set", "", `{"$set":{"plan":"gold"}}`, 403, problemJSON(403, "gold is sold, not set")},
		{"deny sees a dotted key", "", `{"$set":{"x":1},"plan":"gold"}`, 403, problemJSON(403, "gold is sold, not set")},
		{"check sees $set", "", `{"$set":{"email":"nope"}}`, 422, invalid(fieldError{"email", "must be a valid email"})},
		{"transform in $set", "", `{"$set":{"email":"ANN@X.IO"}}`, 200, `{"$set":{"email":"ann@x.io"}}`},
		{"unknown operator", "", `{"$where":"this.role == 'admin'"}`, 400, problemJSON(400, `unknown update operator "$where"`)},
		{"operand not an object", "", `{"$set":"x"}`, 400, problemJSON(400, `the value of $set must be an object`)},
		{"computed value a rule reads", "", `{"$rename":{"x":"plan"}}`, 400,
			problemJSON(400, `the request writes plan with a value the rules cannot read`)},
		{"operator object as a value", "", `{"plan":{"$ne":"free"}}`, 400, problemJSON(400, `the value of plan is an operator object`)},
		{"operator object in $set", "", `{"$set":{"email":{"$gt":""}}}`, 400, problemJSON(400, `the value of email is an operator object`)},
		{"operator object spelled with an escape", "", `{"plan":{"\u0024ne":"free"}}`, 400, problemJSON(400, `the value of plan is an operator object`)},
		{"operator spelled with an escape", "", `{"\u0024set":{"plan":"gold"}}`, 403, problemJSON(403, "gold is sold, not set")},
		{"operator object nobody reads", "", `{"tags":{"$each":["a"]}}`, 200, `{"tags":{"$each":["a"]}}`},
	})
	checkShapes(t, tester, up, "PATCH", "/api/posts/1", []shapeCase{
		{"only", "", `{"$set":{"title":"t","author":"x","body.text":"y"},"$inc":{"views":1}}`, 200, `{"$set":{"title":"t","body.text":"y"}}`},
	})
	checkShapes(t, tester, up, "PATCH", "/api/notes/1", []shapeCase{
		{"set into $set", "", `{"$set":{"a":1}}`, 200, `{"$set":{"a":1,"editedBy":"gateway"}}`},
		{"set makes a $set", "", `{"$inc":{"n":1}}`, 200, `{"$inc":{"n":1},"$set":{"editedBy":"gateway"}}`},
		{"set wins over an operator", "", `{"$unset":{"editedBy":""},"$set":{"a":1}}`, 200, `{"$set":{"a":1,"editedBy":"gateway"}}`},
	})
}

func TestShapesStrictWithOld(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{
		"GET /api/users/1": `200 {"id":1,"role":"member","profile":{"verified":false}}`,
	}))
	tester := crud(t, `
		resource users /api/users {
			fetch_old
			before update {
				protect strict role profile.verified
			}
		}`, up)
	for _, c := range []struct {
		name, contentType, sent string
		status                  int
		want                    string
	}{
		{"patch: another value", jsonPatch, `[{"op":"replace","path":"/role","value":"admin"}]`, 403, problemJSON(403, "the request may not set role")},
		{"patch: the stored value", jsonPatch, `[{"op":"replace","path":"/role","value":"member"}]`, 200, ""},
		{"patch: object above, changed", jsonPatch, `[{"op":"replace","path":"/profile","value":{"verified":true}}]`, 403,
			problemJSON(403, "the request may not set profile.verified")},
		{"patch: object above, same", jsonPatch, `[{"op":"replace","path":"/profile","value":{"verified":false,"bio":"b"}}]`, 200, ""},
		{"patch: remove", jsonPatch, `[{"op":"remove","path":"/role"}]`, 403, problemJSON(403, "the request may not set role")},
		{"patch: move", jsonPatch, `[{"op":"move","from":"/x","path":"/role"}]`, 403, problemJSON(403, "the request may not set role")},
		{"$set another value", "application/json", `{"$set":{"role":"admin"}}`, 403, problemJSON(403, "the request may not set role")},
		{"$set the stored value", "application/json", `{"$set":{"role":"member","name":"Ann"}}`, 200, ""},
		{"dotted key", "application/json", `{"profile.verified":true}`, 403, problemJSON(403, "the request may not set profile.verified")},
		{"$inc", "application/json", `{"$inc":{"role":1}}`, 403, problemJSON(403, "the request may not set role")},
		{"$unset", "application/json", `{"$unset":{"profile.verified":1}}`, 403, problemJSON(403, "the request may not set profile.verified")},
		{"$rename", "application/json", `{"$rename":{"role":"r"}}`, 403, problemJSON(403, "the request may not set role")},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			res := send(t, tester, "PATCH", "/api/users/1", c.sent, "Content-Type: "+c.contentType)
			if c.status != 200 {
				res.expectProblem(t, c.status, c.want)
				oldSaw(t, up, "GET /api/users/1")
				return
			}
			res.expect(t, 200, `{"ok":true}`)
			reqs := oldSaw(t, up, "GET /api/users/1", "PATCH /api/users/1")
			if reqs[1].Body != c.sent {
				t.Fatalf("upstream PATCH body %q, want %q", reqs[1].Body, c.sent)
			}
		})
	}
}
