package caddytest

import (
	"testing"
)

// afterCase is one request and what the client must get.
type afterCase struct {
	name    string
	method  string // GET when empty
	path    string
	headers []string
	status  int
	body    string // the exact body; for a problem, its detail
	kind    afterKind
}

type afterKind int

const (
	kindChanged afterKind = iota // the rules rewrote the body
	kindPassed                   // the upstream's body, byte for byte
	kindProblem                  // a problem document with detail body
)

// checkAfter sends each case to the gateway and asserts the answer, and
// that the upstream was asked for an unencoded response.
func checkAfter(t *testing.T, up *upstream, cases []afterCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			method := c.method
			if method == "" {
				method = "GET"
			}
			body := ""
			if method == "POST" || method == "PUT" || method == "PATCH" {
				body = `{"name":"x"}`
			}
			res := sendWire(t, method, c.path, body, c.headers...)
			switch c.kind {
			case kindChanged:
				afterChanged(t, res, c.status, c.body)
			case kindPassed:
				afterPassed(t, res, c.status, c.body)
			case kindProblem:
				afterProblem(t, res, c.status, c.body)
			}
			up.only(t).header(t, "Accept-Encoding", "identity")
		})
	}
}

func TestAfterHide(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/users":   {body: `[{"id":1,"password":"p"},{"id":2},{"id":3,"password":"q","profile":{"name":"c","ssn":"s"}}]`},
		"/api/users/1": {body: `{"id":1,"password":"p","profile":{"name":"n","ssn":"1"},"name":"caf\u00e9"}`},
		"/api/users/2": {body: `{"id":2,"password":"a","name":"b","password":"c","profile":{"ssn":"1","ssn":"2"}}`},
		"/api/users/3": {body: `{"id":3,"p\u0061ssword":"x","profile":{"s\u0073n":"1","age":3}}`},
		"/api/users/4": {body: `{"id":4,"a.b":1,"a":{"b":2}}`},
		"/api/users/5": {body: `{"id":12345678901234567890,"price":1.50,"password":null,"big":1e400}`},
		"/api/users/6": {body: ` { "id" : 6 ,  "profile" : [ {"ssn":1} ], "pass" : "word"}` + "\n"},
		"/api/users/7": {body: `{"id":7,"profile":"none","items":5}`},
		"/api/orders/1": {body: `{"id":1,"items":[{"sku":"a","cost":3},{"sku":"b"},{"sku":"c","cost":{"x":1}},7],` +
			`"prices":{"eu":{"amount":1,"internal":0.5},"us":{"amount":2,"internal":0.7},"note":"n"}}`},
		"/api/orders/2": {body: `{"id":2,"items":{"a":{"sku":"a","cost":1}},"prices":[{"amount":1,"internal":2}]}`},
	})
	crud(t, `
		resource users /api/users {
			after read {
				hide password profile.ssn
				hide a\.b
			}
		}
		resource orders /api/orders {
			after get {
				hide items.*.cost prices.*.internal
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "each record of a list", path: "/api/users", status: 200,
			body: `[{"id":1},{"id":2},{"id":3,"profile":{"name":"c"}}]`},
		{name: "nested field, escaped value kept", path: "/api/users/1", status: 200,
			body: `{"id":1,"profile":{"name":"n"},"name":"caf\u00e9"}`},
		{name: "every duplicate key", path: "/api/users/2", status: 200,
			body: `{"id":2,"name":"b","profile":{}}`},
		{name: "escaped keys", path: "/api/users/3", status: 200,
			body: `{"id":3,"profile":{"age":3}}`},
		{name: "escaped dot", path: "/api/users/4", status: 200,
			body: `{"id":4,"a":{"b":2}}`},
		{name: "numbers keep their text", path: "/api/users/5", status: 200,
			body: `{"id":12345678901234567890,"price":1.50,"big":1e400}`},
		{name: "a name that meets an array applies to each element", path: "/api/users/6", status: 200,
			body: `{ "id" : 6 ,  "profile" : [{}], "pass" : "word"}`},
		{name: "paths through scalars", path: "/api/users/7", status: 200, kind: kindPassed,
			body: `{"id":7,"profile":"none","items":5}`},
		{name: "star over arrays and objects", path: "/api/orders/1", status: 200,
			body: `{"id":1,"items":[{"sku":"a"},{"sku":"b"},{"sku":"c"},7],"prices":{"eu":{"amount":1},"us":{"amount":2},"note":"n"}}`},
		{name: "star over the other kind", path: "/api/orders/2", status: 200,
			body: `{"id":2,"items":{"a":{"sku":"a"}},"prices":[{"amount":1}]}`},
	})
}

func TestAfterHideIf(t *testing.T) {
	const list = `[{"id":1,"owner":"ann","secret":"s1"},{"id":2,"owner":"bob","secret":"s2","token":"t"}]`
	up := afterUpstream(t, map[string]afterReply{
		"/api/docs":   {body: list},
		"/api/docs/1": {body: `{"id":1,"owner":"ann","secret":"s1"}`},
	})
	crud(t, `
		resource docs /api/docs {
			after read {
				hide secret if ´record.owner != request.headers["x-user"]´
				hide token if ´user == nil´
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "per record", path: "/api/docs", headers: []string{"X-User: ann"}, status: 200,
			body: `[{"id":1,"owner":"ann","secret":"s1"},{"id":2,"owner":"bob"}]`},
		{name: "anonymous caller", path: "/api/docs", status: 200,
			body: `[{"id":1,"owner":"ann"},{"id":2,"owner":"bob"}]`},
		{name: "condition false", path: "/api/docs/1", headers: []string{"X-User: ann"}, status: 200, kind: kindPassed,
			body: `{"id":1,"owner":"ann","secret":"s1"}`},
		{name: "condition true", path: "/api/docs/1", headers: []string{"X-User: bob"}, status: 200,
			body: `{"id":1,"owner":"ann"}`},
	})
}

func TestAfterOnly(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/users": {body: `{"data":[{"id":1,"name":"a","email":"e","profile":{"name":"n","ssn":"s"},"tags":["x"]},` +
			`{"id":2,"password":"p"}],"total":2,"page":1}`},
		"/api/users/1":  {body: `{"data":{"\u0069d":1,"email":"e","email":"f"},"links":{"self":"/api/users/1"}}`},
		"/api/users/2":  {body: `{"data":{"id":2,"name":"a"}}`},
		"/api/orders/1": {body: `{"id":1,"total":3,"items":[{"sku":"a","cost":1},{"sku":"b","cost":2}]}`},
	})
	crud(t, `
		resource users /api/users {
			records data
			after read {
				only id name profile.name tags
			}
		}
		resource orders /api/orders {
			after get {
				only id items.*.sku
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "each record, not the envelope", path: "/api/users", status: 200,
			body: `{"data":[{"id":1,"name":"a","profile":{"name":"n"},"tags":["x"]},{"id":2}],"total":2,"page":1}`},
		{name: "escaped and duplicate keys", path: "/api/users/1", status: 200,
			body: `{"data":{"\u0069d":1},"links":{"self":"/api/users/1"}}`},
		{name: "nothing to remove", path: "/api/users/2", status: 200, kind: kindPassed,
			body: `{"data":{"id":2,"name":"a"}}`},
		{name: "star", path: "/api/orders/1", status: 200,
			body: `{"id":1,"items":[{"sku":"a"},{"sku":"b"}]}`},
	})
}

func TestAfterDrop(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/users":        {body: `[{"id":1},{"id":2,"deleted":true},{"id":3,"deleted":false}]`},
		"/api/users?all=1":  {body: `[{"id":1,"deleted":true},{"id":2,"deleted":true}]`},
		"/api/users?dup=1":  {body: `[{"id":1,"deleted":true,"deleted":false},{"id":2,"deleted":false,"d\u0065leted":true}]`},
		"/api/users/1":      {body: `{"id":1,"deleted":false}`},
		"/api/users/2":      {body: `{"id":2,"deleted":true}`},
		"/api/posts":        {body: `{"data":[{"id":1},{"id":2,"deleted":true}],"total":2}`},
		"/api/posts?p=2":    {body: `{"total":10,"data":[{"id":10,"deleted":true}],"next":null}`},
		"/api/posts?p=3":    {body: `{"data":[{"id":1,"deleted":true},{"id":2}],"total":"many"}`},
		"/api/posts?p=4":    {body: `{"data":[{"id":1,"deleted":true},{"id":2}]}`},
		"/api/posts?p=5":    {body: `{"data":[{"id":1,"deleted":true},{"id":2,"deleted":true},{"id":3}],"total":1000}`},
		"/api/posts?p=6":    {body: `{"data":[{"id":1},{"id":2}],"total":7}`},
		"/api/posts/7":      {body: `{"data":{"id":7,"deleted":true}}`},
		"/api/posts/8":      {body: `{"data":{"id":8}}`},
		"/api/items":        {body: `{"result":{"items":[{"id":1,"hidden":true},{"id":2}],"count":2},"ok":true}`},
		"/api/logs":         {body: `{"data":[{"id":1,"deleted":true},{"id":2}],"meta":{"total":12,"page":1}}`},
		"/api/logs?index=1": {body: `{"data":[{"id":1},{"id":2},{"id":3}],"meta":{"total":3}}`},
	})
	crud(t, `
		resource users /api/users {
			after read {
				drop ´record.deleted == true´
			}
		}
		resource posts /api/posts {
			records data
			total total
			after read {
				drop ´record.deleted == true´
			}
		}
		resource items /api/items {
			records result.items
			total result.count
			after list {
				drop ´record.hidden == true´
			}
		}
		resource logs /api/logs {
			records data
			total meta.total
			after list {
				drop ´record.deleted == true || string(index) == request.query.index´
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "list", path: "/api/users", status: 200, body: `[{"id":1},{"id":3,"deleted":false}]`},
		{name: "every record", path: "/api/users?all=1", status: 200, body: `[]`},
		{name: "duplicate keys: the last is read", path: "/api/users?dup=1", status: 200,
			body: `[{"id":1,"deleted":true,"deleted":false}]`},
		{name: "get kept", path: "/api/users/1", status: 200, kind: kindPassed, body: `{"id":1,"deleted":false}`},
		{name: "get dropped", path: "/api/users/2", status: 404, kind: kindProblem, body: "not found"},
		{name: "total lowered", path: "/api/posts", status: 200, body: `{"data":[{"id":1}],"total":1}`},
		{name: "total shrinks a digit", path: "/api/posts?p=2", status: 200, body: `{"total":9 ,"data":[],"next":null}`},
		{name: "total not a number", path: "/api/posts?p=3", status: 200, body: `{"data":[{"id":2}],"total":"many"}`},
		{name: "total absent", path: "/api/posts?p=4", status: 200, body: `{"data":[{"id":2}]}`},
		{name: "total by two", path: "/api/posts?p=5", status: 200, body: `{"data":[{"id":3}],"total":998 }`},
		{name: "nothing dropped", path: "/api/posts?p=6", status: 200, kind: kindPassed, body: `{"data":[{"id":1},{"id":2}],"total":7}`},
		{name: "get in an envelope dropped", path: "/api/posts/7", status: 404, kind: kindProblem, body: "not found"},
		{name: "get in an envelope kept", path: "/api/posts/8", status: 200, kind: kindPassed, body: `{"data":{"id":8}}`},
		{name: "nested records and total", path: "/api/items", status: 200,
			body: `{"result":{"items":[{"id":2}],"count":1},"ok":true}`},
		{name: "total outside the records' object", path: "/api/logs", status: 200,
			body: `{"data":[{"id":2}],"meta":{"total":11,"page":1}}`},
		{name: "by index", path: "/api/logs?index=1", status: 200,
			body: `{"data":[{"id":1},{"id":3}],"meta":{"total":2}}`},
	})
}

func TestAfterSet(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/cards": {body: `[{"id":12345678901234567890,"card":"4111111111111111","holder":{"first":"Ann","last":"Lee"},"spent":1500},` +
			`{"id":2,"card":"5500000000000004","holder":{"first":"Bo","last":"Ng"},"spent":10}]`},
		"/api/cards/9": {body: `{"id":9,"card":"9876543210","spent":1000.5}`},
	})
	crud(t, `
		resource cards /api/cards {
			after read {
				set masked ´"****" + record.card[-4:]´
				set card ´nil´
				set holder.display ´record.holder.first + " " + record.holder.last´ if ´record.holder != nil´
				set vip ´true´ if ´record.spent > 1000´
				set at ´index´
				set meta.via ´resource + "/" + action´
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "list", path: "/api/cards", status: 200,
			body: `[{"id":12345678901234567890,"card":null,"holder":{"first":"Ann","last":"Lee","display":"Ann Lee"},"spent":1500,` +
				`"masked":"****1111","vip":true,"at":0,"meta":{"via":"cards/list"}},` +
				`{"id":2,"card":null,"holder":{"first":"Bo","last":"Ng","display":"Bo Ng"},"spent":10,` +
				`"masked":"****0004","at":1,"meta":{"via":"cards/list"}}]`},
		{name: "get", path: "/api/cards/9", status: 200,
			body: `{"id":9,"card":null,"spent":1000.5,"masked":"****3210","vip":true,"at":-1,"meta":{"via":"cards/get"}}`},
	})
}

func TestAfterVariables(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"GET /api/users":  {body: `{"data":[{"id":1},{"id":2}],"total":2}`},
		"POST /api/users": {status: 201, header: []string{"Content-Type: application/vnd.api+json"}, body: `{"data":{"id":3}}`},
	})
	crud(t, `
		resource users /api/users {
			records data
			after list create {
				set req ´request.method + " " + request.path´
				set q ´request.query.q´
				set ctype ´response.headers["content-type"]´
				set status ´response.status´
				set of ´len(body.data)´
				set anon ´user == nil´
				set where ´resource + "." + action + "." + string(index)´
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "list", path: "/api/users?q=x", status: 200,
			body: `{"data":[` +
				`{"id":1,"req":"GET /api/users","q":"x","ctype":"application/json","status":200,"of":2,"anon":true,"where":"users.list.0"},` +
				`{"id":2,"req":"GET /api/users","q":"x","ctype":"application/json","status":200,"of":2,"anon":true,"where":"users.list.1"}` +
				`],"total":2}`},
		{name: "create", method: "POST", path: "/api/users", status: 201,
			body: `{"data":{"id":3,"req":"POST /api/users","q":null,"ctype":"application/vnd.api+json","status":201,"of":1,"anon":true,"where":"users.create.-1"}}`},
	})
}

func TestAfterDenyRequire(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/docs":       {body: `[{"id":1},{"id":2,"classified":true},{"id":3,"classified":true}]`},
		"/api/docs?ok=1":  {body: `[{"id":1},{"id":4}]`},
		"GET /api/docs/1": {body: `{"id":1,"owner":"ann"}`},
		"GET /api/docs/2": {body: `{"id":2,"owner":"ann","public":true}`},
		"PUT /api/docs/3": {body: `{"id":3,"locked":true}`},
		"PUT /api/docs/4": {body: `{"id":4}`},
	})
	crud(t, `
		resource docs /api/docs {
			after get {
				require ´record.owner == request.headers["x-user"] || record.public == true´ 404 "not found"
			}
			after list {
				deny ´record.classified == true´ 451 "record ${record.id} is classified"
			}
			after update {
				deny ´record.locked == true´
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "require holds", path: "/api/docs/1", headers: []string{"X-User: ann"}, status: 200, kind: kindPassed,
			body: `{"id":1,"owner":"ann"}`},
		{name: "require fails", path: "/api/docs/1", headers: []string{"X-User: bob"}, status: 404, kind: kindProblem,
			body: "not found"},
		{name: "require holds otherwise", path: "/api/docs/2", headers: []string{"X-User: bob"}, status: 200, kind: kindPassed,
			body: `{"id":2,"owner":"ann","public":true}`},
		{name: "deny in a list, first match", path: "/api/docs", status: 451, kind: kindProblem,
			body: "record 2 is classified"},
		{name: "deny in a list, no match", path: "/api/docs?ok=1", status: 200, kind: kindPassed,
			body: `[{"id":1},{"id":4}]`},
		{name: "deny without status or message", method: "PUT", path: "/api/docs/3", status: 403, kind: kindProblem},
		{name: "deny on update, no match", method: "PUT", path: "/api/docs/4", status: 200, kind: kindPassed,
			body: `{"id":4}`},
	})
}

func TestAfterHeader(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/docs":   {body: `{"data":[{"id":1,"secret":"s"},{"id":2}],"total":2}`},
		"/api/docs/1": {body: `{"data":{"id":1,"owner":"ann"}}`},
	})
	crud(t, `
		resource docs /api/docs {
			records data
			after get {
				header X-Owner ´record.owner´
				header X-Version ´response.headers["etag"]´
				log ´"served " + string(record.id)´ info
			}
			after list {
				header X-Total ´body.total´
				header X-Count ´len(body.data)´
				hide secret
			}
		}`, up)

	t.Run("body untouched", func(t *testing.T) {
		res := sendWire(t, "GET", "/api/docs/1", "")
		afterPassed(t, res, 200, `{"data":{"id":1,"owner":"ann"}}`)
		afterHas(t, res, "X-Owner: ann", `X-Version: "v1"`)
	})
	t.Run("body changed", func(t *testing.T) {
		res := sendWire(t, "GET", "/api/docs", "")
		afterChanged(t, res, 200, `{"data":[{"id":1},{"id":2}],"total":2}`)
		afterHas(t, res, "X-Total: 2", "X-Count: 2")
	})
}

func TestAfterUntouchedBytes(t *testing.T) {
	const odd = "[ {\"id\" : 12345678901234567890 ,\n\t\"name\":\"caf\\u00e9\", \"n\": 1.50e0 } ,{\"id\":2,\"name\":\"b\",\"n\":-0.0}\n]\n"
	const envelope = "{ \"data\" : [ {\"id\":1} ] ,\"total\" : 1 }"
	up := afterUpstream(t, map[string]afterReply{
		"/api/users":   {body: odd},
		"/api/users/1": {body: "{\"id\":1,\r\n\"name\" :\"x\" , \"tags\":[ ]}"},
		"/api/posts":   {body: envelope},
	})
	crud(t, `
		resource users /api/users {
			after read {
				hide password missing.deep.path items.*.cost
				drop ´record.deleted == true´
				log ´"user " + string(record.id)´ debug
			}
		}
		resource posts /api/posts {
			records data
			total total
			after list {
				hide secret
				drop ´record.id == 2´
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "list", path: "/api/users", status: 200, kind: kindPassed, body: odd},
		{name: "get", path: "/api/users/1", status: 200, kind: kindPassed, body: "{\"id\":1,\r\n\"name\" :\"x\" , \"tags\":[ ]}"},
		{name: "envelope", path: "/api/posts", status: 200, kind: kindPassed, body: envelope},
	})
}

func TestAfterRecordsEnvelope(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"GET /api/users/1":   {body: `{"data":{"id":1,"password":"p"},"meta":{"password":"envelope"}}`},
		"POST /api/users":    {status: 201, body: `{"data":{"id":2,"password":"p"}}`},
		"PATCH /api/users/3": {body: `{"data":{"id":3,"password":"p"}}`},
		"GET /api/users/4":   {body: `{"message":"no data here","password":"p"}`},
		"GET /api/users/5":   {body: `{"data":"text","password":"p"}`},
		"GET /api/users/6":   {body: `[{"id":6,"password":"p"}]`},
		"GET /api/things":    {body: `{"result":{"items":[{"id":1,"password":"p"}],"count":1},"password":"p"}`},
	})
	crud(t, `
		resource users /api/users {
			records data
			after get create update {
				hide password
			}
		}
		resource things /api/things {
			records result.items
			after list {
				hide password
			}
		}`, up)

	checkAfter(t, up, []afterCase{
		{name: "get", path: "/api/users/1", status: 200, body: `{"data":{"id":1},"meta":{"password":"envelope"}}`},
		{name: "create", method: "POST", path: "/api/users", status: 201, body: `{"data":{"id":2}}`},
		{name: "update", method: "PATCH", path: "/api/users/3", status: 200, body: `{"data":{"id":3}}`},
		// where the records path is absent, the body itself is the record:
		// an API that envelopes only its lists must not leak on get
		{name: "no records in the body", path: "/api/users/4", status: 200,
			body: `{"message":"no data here"}`},
		{name: "records not an object", path: "/api/users/5", status: 200,
			body: `{"data":"text"}`},
		{name: "body not an envelope", path: "/api/users/6", status: 200,
			body: `[{"id":6}]`},
		{name: "nested records path", path: "/api/things", status: 200,
			body: `{"result":{"items":[{"id":1}],"count":1},"password":"p"}`},
	})
}

// TestAfterListEnvelope: a list answer whose records path is missing or
// holds no array cannot be filtered: read as one record, its records'
// fields would all go out. 502.
func TestAfterListEnvelope(t *testing.T) {
	const bad = "the upstream response could not be filtered"
	replies := map[string]afterReply{
		"/api/users?c=ok":            {body: `{"data":{"items":[{"id":1,"password":"p"},{"id":2,"password":"q"}],"total":2}}`},
		"/api/users?c=null":          {body: `{"data":{"items":null,"total":0}}`},
		"/api/users?c=empty":         {body: `{"data":{"items":[],"total":0}}`},
		"/api/users?c=short":         {body: `{"data":[{"id":1,"password":"p","profile":{"password":"q"}}]}`},
		"/api/users?c=missing":       {body: `{"items":[{"id":1,"password":"p"}]}`},
		"/api/users?c=object":        {body: `{"data":{"items":{"id":1,"password":"p"}}}`},
		"/api/users?c=string":        {body: `{"data":{"items":"[{\"password\":\"p\"}]"}}`},
		"/api/users?c=bare":          {body: `[{"id":1,"password":"p"}]`},
		"/api/users?c=scalar":        {body: `"[{\"password\":\"p\"}]"`},
		"/api/users?c=dup-last":      {body: `{"data":{"items":[{"id":1,"password":"p"}]},"data":[{"password":"p"}]}`},
		"/api/users?c=dup-items":     {body: `{"data":{"items":[{"id":1,"password":"p"}],"items":{"password":"p"}}}`},
		"/api/users?c=html":          {header: []string{"Content-Type: text/html"}, body: `{"data":[{"id":1,"password":"p"}]}`},
		"/api/users/1":               {body: `{"data":{"items":{"id":1,"password":"p"}}}`},
		"/api/users/2":               {body: `{"id":2,"password":"p"}`},
		"/api/accounts":              {body: `{"id":1,"password":"p"}`},
		"/api/accounts?c=array":      {body: `[{"id":1,"password":"p"}]`},
		"/api/accounts?c=envelope":   {body: `{"data":[{"id":1,"password":"p"}]}`},
		"/api/accounts?c=not-a-list": {body: `{"data":{"id":1,"password":"p"}}`},
	}
	up := afterUpstream(t, replies)
	crud(t, `
		resource users /api/users {
			records data.items
			total data.total
			after read {
				hide password
			}
		}
		resource accounts /api/accounts {
			records data
			after list {
				hide password
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "records", path: "/api/users?c=ok", status: 200, body: `{"data":{"items":[{"id":1},{"id":2}],"total":2}}`},
		{name: "null: no records", path: "/api/users?c=null", status: 200, kind: kindPassed, body: replies["/api/users?c=null"].body},
		{name: "empty", path: "/api/users?c=empty", status: 200, kind: kindPassed, body: replies["/api/users?c=empty"].body},
		{name: "path cut short", path: "/api/users?c=short", status: 502, kind: kindProblem, body: bad},
		{name: "path missing", path: "/api/users?c=missing", status: 502, kind: kindProblem, body: bad},
		{name: "an object at the path", path: "/api/users?c=object", status: 502, kind: kindProblem, body: bad},
		{name: "a string at the path", path: "/api/users?c=string", status: 502, kind: kindProblem, body: bad},
		{name: "a bare array", path: "/api/users?c=bare", status: 502, kind: kindProblem, body: bad},
		{name: "a scalar", path: "/api/users?c=scalar", status: 502, kind: kindProblem, body: bad},
		// clients read the last of duplicate keys
		{name: "a second envelope", path: "/api/users?c=dup-last", status: 502, kind: kindProblem, body: bad},
		{name: "a second records member", path: "/api/users?c=dup-items", status: 502, kind: kindProblem, body: bad},
		{name: "mislabelled", path: "/api/users?c=html", status: 502, kind: kindProblem, body: bad},
		// get: the records path holds the record; where it is absent, the
		// body is the record
		{name: "get", path: "/api/users/1", status: 200, body: `{"data":{"items":{"id":1}}}`},
		{name: "get without envelope", path: "/api/users/2", status: 200, body: `{"id":2}`},
		{name: "one level", path: "/api/accounts?c=envelope", status: 200, body: `{"data":[{"id":1}]}`},
		{name: "one level, no envelope", path: "/api/accounts", status: 502, kind: kindProblem, body: bad},
		{name: "one level, bare array", path: "/api/accounts?c=array", status: 502, kind: kindProblem, body: bad},
		{name: "one level, an object", path: "/api/accounts?c=not-a-list", status: 502, kind: kindProblem, body: bad},
	})
}
