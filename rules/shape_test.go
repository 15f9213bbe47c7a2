package rules

import "testing"

// shapeCase is a body of another shape, the statements that meet it, and
// the body they leave ("" unchanged) or the status and detail of a refusal.
type shapeCase struct {
	name   string
	stmts  []*Statement
	patch  bool // sent as application/json-patch+json
	action string
	old    any
	body   string
	want   string
	status int
	detail string
}

func runShapeCases(t *testing.T, cases []shapeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustProgram(t, Before, c.stmts...)
			action := c.action
			if action == "" {
				action = "update"
			}
			res, err := p.RunBefore(&Input{Action: action, JSONPatch: c.patch, Old: c.old}, []byte(c.body), nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.status != 0 {
				if res.Reject == nil || res.Reject.Status != c.status || res.Reject.Detail != c.detail {
					t.Fatalf("got %+v, want %d %q", res.Reject, c.status, c.detail)
				}
				return
			}
			if res.Reject != nil {
				t.Fatalf("rejected: %+v", res.Reject)
			}
			if string(res.Body) != c.want {
				t.Fatalf("body %s\nwant %s", res.Body, c.want)
			}
		})
	}
}

func TestPatchShape(t *testing.T) {
	protect := []*Statement{{Op: "protect", Paths: []string{"role", "profile.verified"}}}
	runShapeCases(t, []shapeCase{
		{name: "replace of a protected field goes", stmts: protect,
			body: `[{"op":"replace","path":"/role","value":"admin"},{"op":"replace","path":"/name","value":"a"}]`,
			want: `[{"op":"replace","path":"/name","value":"a"}]`},
		{name: "object above goes", stmts: protect,
			body: `[{"op":"replace","path":"/profile","value":{"bio":"x"}}]`, want: `[]`},
		{name: "field beside stays", stmts: protect,
			body: `[{"op":"add","path":"/profile/bio","value":"x"}]`},
		{name: "under goes, escapes read", stmts: []*Statement{{Op: "protect", Paths: []string{"a/b.c~d"}}},
			body: `[{"op":"add","path":"/a~1b/c~0d/x","value":1},{"op":"remove","path":"/a~1b"},{"op":"remove","path":"/ab"}]`,
			want: `[{"op":"remove","path":"/ab"}]`},
		{name: "move counts from and path", stmts: protect,
			body: `[{"op":"move","from":"/role","path":"/x"},{"op":"copy","from":"/y","path":"/role"},{"op":"test","path":"/role","value":"a"}]`,
			want: `[{"op":"test","path":"/role","value":"a"}]`},
		{name: "root replace goes", stmts: protect, body: `[{"op":"replace","path":"","value":{}}]`, want: `[]`},
		{name: "array index reaches a named path", stmts: []*Statement{{Op: "protect", Paths: []string{"items.price"}}},
			body: `[{"op":"add","path":"/items/-","value":{"sku":"a"}},{"op":"replace","path":"/items/0/price","value":1},{"op":"add","path":"/items/0/sku","value":"b"}]`,
			want: `[{"op":"add","path":"/items/0/sku","value":"b"}]`},
		{name: "only keeps what is inside", stmts: []*Statement{{Op: "only", Paths: []string{"name", "profile.bio"}}},
			body: `[{"op":"replace","path":"/name","value":"a"},{"op":"replace","path":"/profile","value":{"bio":"x"}},{"op":"add","path":"/profile/bio","value":"y"},{"op":"move","from":"/role","path":"/name"}]`,
			want: `[{"op":"replace","path":"/name","value":"a"},{"op":"add","path":"/profile/bio","value":"y"}]`},
		{name: "strict refuses", stmts: []*Statement{{Op: "protect", Strict: true, Paths: []string{"role", "name"}}},
			body: `[{"op":"replace","path":"/role","value":"admin"}]`, status: 403, detail: "the request may not set role"},
		{name: "strict allows the stored value", old: map[string]any{"role": "admin", "profile": map[string]any{"verified": true}},
			stmts: []*Statement{{Op: "protect", Strict: true, Paths: []string{"role", "profile.verified"}}},
			body:  `[{"op":"replace","path":"/role","value":"admin"},{"op":"replace","path":"/profile","value":{"verified":true,"bio":"b"}}]`},
		{name: "strict refuses a changed value above", old: map[string]any{"profile": map[string]any{"verified": true}},
			stmts: []*Statement{{Op: "protect", Strict: true, Paths: []string{"profile.verified"}}},
			body:  `[{"op":"replace","path":"/profile","value":{"bio":"b"}}]`, status: 403, detail: "the request may not set profile.verified"},
		{name: "deny sees the value", stmts: []*Statement{{Op: "deny", Expr: `record.role == "admin"`}},
			body: `[{"op":"replace","path":"/role","value":"admin"}]`, status: 403},
		{name: "check sees nested values", stmts: []*Statement{{Op: "check", Path: "age", Expr: `record.profile.age >= 18`, Message: "adult"}},
			body: `[{"op":"add","path":"/profile/age","value":16}]`, status: 422, detail: "the request is not valid"},
		{name: "transform changes the value", stmts: []*Statement{{Op: "transform", Path: "email", Expr: `lower(value)`}},
			body: `[{"op":"replace","path":"/email","value":"A@X.IO"}]`, want: `[{"op":"replace","path":"/email","value":"a@x.io"}]`},
		{name: "set adds an operation", stmts: []*Statement{{Op: "set", Path: "meta.by", Expr: `"u1"`}},
			body: `[{"op":"replace","path":"/meta","value":{"a":1}},{"op":"remove","path":"/x"}]`,
			want: `[{"op":"replace","path":"/meta","value":{"a":1,"by":"u1"}},{"op":"remove","path":"/x"}]`},
		{name: "set after remove appends", stmts: []*Statement{{Op: "default", Path: "role", Expr: `"member"`}},
			body: `[{"op":"remove","path":"/role"}]`, want: `[{"op":"remove","path":"/role"},{"op":"add","path":"/role","value":"member"}]`},
		{name: "unknown op", stmts: protect, body: `[{"op":"merge","path":"/a","value":1}]`, patch: true,
			status: 400, detail: `invalid JSON Patch: operation 0: unknown op "merge"`},
		{name: "bad pointer", stmts: protect, body: `[{"op":"add","path":"/a","value":1},{"op":"add","path":"role","value":1}]`,
			status: 400, detail: `invalid JSON Patch: operation 1: "role" is not a JSON Pointer`},
		{name: "bad escape", stmts: protect, body: `[{"op":"remove","path":"/a~2"}]`,
			status: 400, detail: `invalid JSON Patch: operation 0: "/a~2" is not a JSON Pointer`},
		{name: "missing value", stmts: protect, body: `[{"op":"add","path":"/a"}]`,
			status: 400, detail: `invalid JSON Patch: operation 0: value is missing`},
		{name: "not an array", stmts: protect, patch: true, body: `{"op":"add"}`,
			status: 400, detail: `invalid JSON Patch: the body must be an array of operations`},
		{name: "member names fold", stmts: protect, body: `[{"OP":"REPLACE","Path":"/role","VALUE":"admin"}]`, want: `[]`},
		{name: "a bulk create is not a patch", action: "create", stmts: protect,
			body: `[{"op":"replace","path":"/role","role":"x"}]`, want: `[{"op":"replace","path":"/role"}]`},
		{name: "move without the stored record cannot be read", stmts: []*Statement{{Op: "deny", Expr: `record.role == "admin"`}},
			body: `[{"op":"copy","from":"/x","path":"/role"}]`, status: 400,
			detail: "the request writes role with a value the rules cannot read"},
		{name: "move reads the stored value", old: map[string]any{"x": "admin"}, stmts: []*Statement{{Op: "deny", Expr: `record.role == "admin"`}},
			body: `[{"op":"copy","from":"/x","path":"/role"}]`, status: 403},
	})
}

func TestOperatorShape(t *testing.T) {
	protect := []*Statement{{Op: "protect", Paths: []string{"role", "profile.verified"}}}
	runShapeCases(t, []shapeCase{
		{name: "$set", stmts: protect, body: `{"$set":{"role":"admin","name":"a"}}`, want: `{"$set":{"name":"a"}}`},
		{name: "dotted key", stmts: protect, body: `{"profile.verified":true,"name":"a"}`, want: `{"name":"a"}`},
		{name: "dotted in $set, empty operator goes", stmts: protect,
			body: `{"$set":{"profile.verified":true},"$inc":{"n":1}}`, want: `{"$inc":{"n":1}}`},
		{name: "object above", stmts: protect, body: `{"$set":{"profile":{"bio":"x"}}}`, want: `{}`},
		{name: "every operator", stmts: protect,
			body: `{"$unset":{"role":""},"$inc":{"role":1},"$push":{"role":1},"$addToSet":{"role":1},"$setOnInsert":{"role":1},` +
				`"$min":{"role":1},"$max":{"role":1},"$mul":{"role":2},"$pull":{"role":1},"$pop":{"role":1},"$currentDate":{"role":true},"$pullAll":{"role":[1]},"$set":{"n":1}}`,
			want: `{"$set":{"n":1}}`},
		{name: "$rename writes both", stmts: protect, body: `{"$rename":{"name":"role","a":"b"}}`, want: `{"$rename":{"a":"b"}}`},
		{name: "$rename from", stmts: protect, body: `{"$rename":{"role":"x"}}`, want: `{}`},
		{name: "positional", stmts: []*Statement{{Op: "protect", Paths: []string{"items.price"}}},
			body: `{"$set":{"items.$.price":1,"items.$[].price":1,"items.0.sku":"a"}}`, want: `{"$set":{"items.0.sku":"a"}}`},
		{name: "only", stmts: []*Statement{{Op: "only", Paths: []string{"name"}}},
			body: `{"$set":{"name":"a","role":"x"},"$inc":{"n":1}}`, want: `{"$set":{"name":"a"}}`},
		{name: "strict", stmts: []*Statement{{Op: "protect", Strict: true, Paths: []string{"role"}}},
			body: `{"$inc":{"role":1}}`, status: 403, detail: "the request may not set role"},
		{name: "check sees $set", stmts: []*Statement{{Op: "deny", Expr: `record.profile.verified == true`}},
			body: `{"$set":{"profile.verified":true}}`, status: 403},
		{name: "set goes into $set", stmts: []*Statement{{Op: "set", Path: "meta.by", Expr: `"u1"`}},
			body: `{"$set":{"a":1},"$inc":{"n":1}}`, want: `{"$set":{"a":1,"meta.by":"u1"},"$inc":{"n":1}}`},
		{name: "set makes a $set", stmts: []*Statement{{Op: "set", Path: "by", Expr: `"u1"`}},
			body: `{"$inc":{"n":1}}`, want: `{"$inc":{"n":1},"$set":{"by":"u1"}}`},
		{name: "set beside dotted keys", stmts: []*Statement{{Op: "set", Path: "by", Expr: `"u1"`}},
			body: `{"a.b":1}`, want: `{"a.b":1,"by":"u1"}`},
		{name: "set overrides a conflicting operator", stmts: []*Statement{{Op: "set", Path: "n", Expr: `0`}},
			body: `{"$inc":{"n":1},"$set":{"x":1}}`, want: `{"$set":{"x":1,"n":0}}`},
		{name: "transform in place", stmts: []*Statement{{Op: "transform", Path: "email", Expr: `lower(value)`}},
			body: `{"$set":{"email":"A@X"}}`, want: `{"$set":{"email":"a@x"}}`},
		{name: "unknown operator", stmts: protect, body: `{"$where":"1"}`, status: 400, detail: `unknown update operator "$where"`},
		{name: "operand not an object", stmts: protect, body: `{"$set":1}`, status: 400, detail: `the value of $set must be an object`},
		{name: "bad path", stmts: protect, body: `{"a..b":1}`, status: 400, detail: `"a..b" is not a field path`},
		{name: "$ field", stmts: protect, body: `{"$set":{"$x":1}}`, status: 400, detail: `the field "$x" of $set is not a field path`},
		{name: "increment read", stmts: []*Statement{{Op: "deny", Expr: `record.balance > 100`}},
			body: `{"$inc":{"balance":1000}}`, status: 400, detail: "the request writes balance with a value the rules cannot read"},
		{name: "operator value refused", stmts: []*Statement{{Op: "check", Path: "plan", Expr: `record.plan != "free"`, Message: "m"}},
			body: `{"plan":{"$ne":"free"}}`, action: "create", status: 400, detail: "the value of plan is an operator object"},
		{name: "operator value in $set", stmts: protect,
			body: `{"$set":{"profile":{"verified":{"$ne":1}}}}`, status: 400, detail: "the value of profile.verified is an operator object"},
		{name: "operator value unread passes", stmts: protect, body: `{"plan":{"$ne":"free"}}`},
		{name: "bulk elements each", action: "create", stmts: protect,
			body: `[{"$set":{"role":"a"}},{"role":"b","n":1},{"profile.verified":true,"n":2}]`,
			want: `[{},{"n":1},{"n":2}]`},
	})
}
