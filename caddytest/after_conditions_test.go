package caddytest

import (
	"fmt"
	"strings"
	"testing"
)

// TestAfterConditionsOnFieldArithmetic: conditions doing integer arithmetic
// on a field, or comparing one with a constant, answer as expr does on every
// spelling of the field (negative, -0, beyond 18 digits, a float, beyond
// int64, duplicated, under an escaped name, a string that looks like the
// constant, absent), and a value they cannot compute on fails the request
// closed.
func TestAfterConditionsOnFieldArithmetic(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/counts": {body: `[{"k":1,"n":14,"secret":"s"},{"k":2,"n":-7,"secret":"s"},{"k":3,"n":-0,"secret":"s"},` +
			`{"k":4,"n":5,"secret":"s"},{"k":5,"n":4,"flag":false,"secret":"s"},{"k":6,"n":4,"flag":"false","secret":"s"},` +
			`{"k":7,"n":14,"n":4,"secret":"s"},{"k":8,"n":9223372036854775807,"secret":"s"},{"k":9,"\u006e":28,"secret":"s"},` +
			`{"k":10,"n":100,"flag":"f\u0061lse","secret":"s"}]`},
		"/api/counts?float=1":  {body: `[{"k":1,"n":14,"secret":"s"},{"k":2,"n":7.0,"secret":"s"}]`},
		"/api/counts?absent=1": {body: `[{"k":1,"secret":"s"}]`},
		"/api/prices": {body: `[{"k":1,"price":10.5,"cost":1,"name":"ab"},{"k":2,"price":10.75,"cost":1,"name":"abc"},` +
			`{"k":3,"price":1e1,"cost":1,"name":"abcdef"},{"k":4,"price":-0.0,"cost":1,"name":"x"},` +
			`{"k":5,"price":99999999999999999999,"cost":1,"name":""}]`},
	})
	crud(t, `
		resource counts /api/counts {
			after list {
				hide secret if ´record.n * 3 % 7 == 0´
				drop ´record.n % 2 == 1 || record.flag == false´
				hide flag if ´!(record.n - 50 >= 0) && record.k != 6´
			}
		}
		resource prices /api/prices {
			after list {
				hide cost if ´record.price * 2 - 1 > 20´
				drop ´len(record.name) > 5´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "every spelling", path: "/api/counts", status: 200,
			body: `[{"k":1,"n":14},{"k":2,"n":-7},{"k":3,"n":-0},{"k":6,"n":4,"flag":"false","secret":"s"},` +
				`{"k":7,"n":14,"n":4,"secret":"s"},{"k":9,"\u006e":28},{"k":10,"n":100,"flag":"f\u0061lse","secret":"s"}]`},
		{name: "a float in integer arithmetic", path: "/api/counts?float=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
		{name: "an absent field in arithmetic", path: "/api/counts?absent=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
		{name: "floats and integers beyond int64", path: "/api/prices", status: 200,
			body: `[{"k":1,"price":10.5,"cost":1,"name":"ab"},{"k":2,"price":10.75,"name":"abc"},` +
				`{"k":4,"price":-0.0,"cost":1,"name":"x"},{"k":5,"price":99999999999999999999,"name":""}]`},
	})
}

// TestAfterConditionsOnFieldEquality: a field compared with a request's
// value answers as expr does on every spelling of the field (escaped,
// null, absent, an array, duplicated) and for an absent value (nil).
func TestAfterConditionsOnFieldEquality(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/owners": {body: `[{"k":1,"owner":"ann","secret":"s"},{"k":2,"owner":"\u0061nn","secret":"s"},{"k":3,"owner":"bo","secret":"s"},` +
			`{"k":4,"owner":null,"secret":"s"},{"k":5,"secret":"s"},{"k":6,"owner":["ann"],"secret":"s"},{"k":7,"owner":"ann","owner":"bo","secret":"s"}]`},
	})
	crud(t, `
		resource owners /api/owners {
			after list {
				hide secret if ´record.owner != request.query.who´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "a value", path: "/api/owners?who=ann", status: 200,
			body: `[{"k":1,"owner":"ann","secret":"s"},{"k":2,"owner":"\u0061nn","secret":"s"},{"k":3,"owner":"bo"},` +
				`{"k":4,"owner":null},{"k":5},{"k":6,"owner":["ann"]},{"k":7,"owner":"ann","owner":"bo"}]`},
		{name: "no value", path: "/api/owners", status: 200,
			body: `[{"k":1,"owner":"ann"},{"k":2,"owner":"\u0061nn"},{"k":3,"owner":"bo"},` +
				`{"k":4,"owner":null,"secret":"s"},{"k":5,"secret":"s"},{"k":6,"owner":["ann"]},{"k":7,"owner":"ann","owner":"bo"}]`},
	})
}

// TestAfterConditionsOnTypedEquality: where expr's checker types both sides
// of == as int (a conditional typed by its constant branch), expr compares
// them as ints and fails on a value of another type; the gateway fails
// the request closed there too, and answers as expr on ints.
func TestAfterConditionsOnTypedEquality(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/tiers":          {body: `[{"k":1,"vip":true},{"k":2,"vip":false,"level":2},{"k":3,"vip":false,"level":1}]`},
		"/api/tiers?float=1":  {body: `[{"k":1,"vip":false,"level":1.0}]`},
		"/api/tiers?absent=1": {body: `[{"k":1,"vip":false}]`},
	})
	crud(t, `
		resource tiers /api/tiers {
			after list {
				drop ´(record.vip ? 1 : record.level) == 1´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "ints", path: "/api/tiers", status: 200, body: `[{"k":2,"vip":false,"level":2}]`},
		{name: "a float", path: "/api/tiers?float=1", status: 500, kind: kindProblem, body: "a rule could not be evaluated"},
		{name: "absent", path: "/api/tiers?absent=1", status: 500, kind: kindProblem, body: "a rule could not be evaluated"},
	})
}

// TestAfterConditionsOnPredicates: the predicate built-ins over a record's
// array answer as expr does on every spelling of the array (escaped
// elements, a duplicated name, absent, empty, a string, objects read by
// member), and a value expr cannot loop over fails the request closed;
// abs and max answer as expr does on negative numbers, -0.0 and exponents.
func TestAfterConditionsOnPredicates(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/posts": {body: `[{"k":1,"tags":["news","spam"]},{"k":2,"tags":["news","sp\u0061m"]},{"k":3,"tags":["news"]},` +
			`{"k":4,"tags":[]},{"k":5},{"k":6,"tags":"spam"},{"k":7,"tags":["a"],"tags":["spam"]}]`},
		"/api/posts?bad=1": {body: `[{"k":1,"tags":5}]`},
		"/api/orders": {body: `[{"k":1,"items":[{"sku":"x","qty":1},{"sku":"y","qty":2}],"total":3},` +
			`{"k":2,"items":[{"sku":"x","qty":1},{"s\u006bu":"x","qty":20}],"total":21},` +
			`{"k":3,"items":[{"sku":"z","qty":50}],"total":50},{"k":4,"items":[],"total":0}]`},
		"/api/temps": {body: `[{"k":1,"t":-30},{"k":2,"t":5},{"k":3,"t":-0.0},{"k":4,"t":12.5},{"k":5,"t":-2e1}]`},
	})
	crud(t, `
		resource posts /api/posts {
			after list {
				drop ´any(record.tags ?? [], # == "spam")´
			}
		}
		resource orders /api/orders {
			after list {
				hide total if ´all(record.items, #.qty < 10)´
				drop ´count(record.items, .sku == "x") >= 2´
				drop ´sum(record.items, #.qty) > 40 && find(record.items, .sku == "z") != nil´
			}
		}
		resource temps /api/temps {
			after list {
				drop ´abs(record.t) > 19´
				hide t if ´max(record.t, 0) == 0´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "every spelling", path: "/api/posts", status: 200,
			body: `[{"k":3,"tags":["news"]},{"k":4,"tags":[]},{"k":5},{"k":6,"tags":"spam"}]`},
		{name: "no list to loop over", path: "/api/posts?bad=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
		{name: "members of the elements", path: "/api/orders", status: 200,
			body: `[{"k":1,"items":[{"sku":"x","qty":1},{"sku":"y","qty":2}]},{"k":4,"items":[]}]`},
		{name: "abs and max of numbers", path: "/api/temps", status: 200,
			body: `[{"k":2,"t":5},{"k":3},{"k":4,"t":12.5}]`},
	})
}

// TestAfterConditionsOnLibraryCalls: expr's library functions in
// conditions (conversions, type, string tests, in on an object) answer as
// expr does on every spelling of their operands, and a call expr refuses
// at run time fails the request closed.
func TestAfterConditionsOnLibraryCalls(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/items": {body: `[{"k":1,"code":"SKU-12","qty":"7","meta":{"draft":true}},{"k":2,"code":"sk\u0075-3","qty":2.9,"meta":{}},` +
			`{"k":3,"code":"SKU-9","qty":12,"meta":{"dr\u0061ft":null}},{"k":4,"code":"X","qty":[1],"meta":{"Draft":1}}]`},
		"/api/items?bad=1": {body: `[{"k":1,"code":"SKU-1","qty":"seven","meta":{}}]`},
	})
	crud(t, `
		resource items /api/items {
			after list {
				drop ´"draft" in record.meta´
				hide qty if ´type(record.qty) == "array" || int(record.qty) < 3´
				hide code if ´!hasPrefix(lower(record.code), "sku-") || indexOf(record.code, "-") != 3´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "every spelling", path: "/api/items", status: 200,
			body: `[{"k":2,"code":"sk\u0075-3","meta":{}},{"k":4,"meta":{"Draft":1}}]`},
		{name: "a conversion expr refuses", path: "/api/items?bad=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
	})
}

// TestAfterConditionsOnLetsAndSlices filters a list with conditions that
// keep a nested object in a variable (let) and read its members, and that
// slice strings (from the end, past the end, of escaped text), through
// Caddy, for the exact body the client gets.
func TestAfterConditionsOnLetsAndSlices(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/cards": {body: `[{"k":1,"card":"4111111111111111","owner":{"tier":"gold","region":"EU"}},` +
			`{"k":2,"card":"5500\u0030000000000004","owner":{"tier":"basic","REGION":"US"}},` +
			`{"k":3,"card":"34","owner":{"tier":"gold","region":"US"}},{"k":4,"card":null,"owner":null}]`},
	})
	crud(t, `
		resource cards /api/cards {
			after list {
				drop ´let o = record.owner; o?.tier == "basic" && o?.region == nil´
				hide card if ´(record.card ?? "")[-4:] == "1111" || (record.card ?? "")[0:2] == "34"´
				hide owner if ´let o = record.owner; let r = o?.region ?? "none"; r[:1] == "E"´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "lets and slices", path: "/api/cards", status: 200,
			body: `[{"k":1},{"k":3,"owner":{"tier":"gold","region":"US"}},{"k":4,"card":null,"owner":null}]`},
	})
}

// TestAfterConditionsOnBuiltLists filters a list with conditions that
// build lists from each record's arrays (map, filter, and map of a
// filter) and names (keys) and read them (max, join, in, len, reduce),
// through Caddy, for the exact body the client gets.
func TestAfterConditionsOnBuiltLists(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/orders": {body: `[{"k":1,"items":[{"sku":"a","qty":2},{"sku":"b","qty":12}],"tags":["x","y"]},` +
			`{"k":2,"items":[{"sku":"c","qty":1.5},{"sku":"\u0064","qty":3}],"tags":["gift"]},` +
			`{"k":3,"items":[],"tags":[]},{"k":4,"items":[{"sku":"e","qty":4}],"tags":["X"]},` +
			`{"k":6,"items":[],"tags":[],"co\u0075pon":null},{"k":7,"items":[],"tags":["ab","c"]}]`},
		"/api/orders?bad=1": {body: `[{"k":5,"items":[{"sku":"f","qty":"many"}],"tags":[]}]`},
	})
	crud(t, `
		resource orders /api/orders {
			after list {
				drop ´(max(map(record.items, #.qty)) ?? 0) > 10 || "coupon" in keys(record)´
				hide tags if ´join(map(record.tags, upper(#)), ",") == "X" || "gift" in map(record.tags, lower(#)) || reduce(record.tags, #acc + len(#), 0) > 4´
				hide items if ´join(map(filter(record.items, #.qty < 2), #.sku), "") != "" || max(map(record.items, #.qty)) == nil´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "lists built per record", path: "/api/orders", status: 200,
			body: `[{"k":2},{"k":3,"tags":[]},{"k":4,"items":[{"sku":"e","qty":4}]},{"k":7,"tags":["ab","c"]}]`},
		{name: "max of a string", path: "/api/orders?bad=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"}, // expr's error
	})
}

// TestAfterConditionsOnRanges filters a list with x in a..b (ends
// constant and read from the record), through Caddy: a whole float is in
// the range, a string or a fraction is not, and a range past expr's
// memory budget fails closed as expr fails it.
func TestAfterConditionsOnRanges(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/people": {body: `[{"k":1,"age":0,"max":3},{"k":2,"age":18.0,"max":1},{"k":3,"age":"30","max":3},` +
			`{"k":4,"age":65,"max":70},{"k":5,"age":64.5,"max":3},{"k":6,"age":null,"max":3},{"k":7,"age":2,"max":1.9}]`},
		"/api/people?wide=1": {body: `[{"k":8,"age":1,"max":1000000}]`},
	})
	crud(t, `
		resource people /api/people {
			after list {
				drop ´record.age not in 1..65´
				hide age if ´record.k in 1..record.max´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "ranges", path: "/api/people", status: 200,
			body: `[{"k":2,"age":18.0,"max":1},{"k":4,"max":70},{"k":7,"age":2,"max":1.9}]`},
		{name: "a range past the memory budget", path: "/api/people?wide=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
	})
}

// TestAfterConditionsOnComputedPatterns filters a list with patterns read
// from its records through Caddy: each record's own pattern decides, nil
// on either side matches nothing, and a pattern that does not compile or
// is not a string fails closed.
func TestAfterConditionsOnComputedPatterns(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/codes": {body: `[{"k":1,"code":"12345","format":"^[0-9]{5}$"},{"k":2,"code":"AB1","format":"^[0-9]{5}$"},` +
			`{"k":3,"code":"ab","format":"(?i)^AB$"},{"k":4,"code":null,"format":"x"},{"k":5,"code":"x","format":null},` +
			`{"k":6,"code":"31","format":"\\d"}]`},
		"/api/codes?bad=1":    {body: `[{"k":7,"code":"a","format":"("}]`},
		"/api/codes?number=1": {body: `[{"k":8,"code":"a","format":7}]`},
	})
	crud(t, `
		resource codes /api/codes {
			after list {
				drop ´not (record.code matches record.format)´
				hide code if ´record.code matches ("^" + string(record.k))´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "each record's pattern", path: "/api/codes", status: 200,
			body: `[{"k":1,"format":"^[0-9]{5}$"},{"k":3,"code":"ab","format":"(?i)^AB$"},{"k":6,"code":"31","format":"\\d"}]`},
		{name: "a pattern that does not compile", path: "/api/codes?bad=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
		{name: "a pattern that is not a string", path: "/api/codes?number=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
	})
}

// TestAfterConditionsOnPlaceholders filters a list by Caddy placeholders
// read in each record's conditions: a request header's value, "" for one
// not sent, and the escapes of a record's value (the record and the action
// read through $env too).
func TestAfterConditionsOnPlaceholders(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/docs": {body: `[{"k":1,"tenant":"t1","secret":"s1","slug":"a b"},{"k":2,"tenant":"t2","secret":"s2","slug":"c"},` +
			`{"k":3,"tenant":"t1","secret":"s3","slug":"d/e"}]`},
	})
	crud(t, `
		resource docs /api/docs {
			after list {
				drop ´$env.record.tenant != placeholder("{http.request.header.X-Tenant}")´
				hide secret if ´placeholder("{http.request.header.X-Role}") != "admin" && $env.action == "list"´
				hide slug if ´pathescape(record.slug) == record.slug && queryescape(record.slug) == record.slug´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "a header", path: "/api/docs", headers: []string{"X-Tenant: t1"}, status: 200,
			body: `[{"k":1,"tenant":"t1","slug":"a b"},{"k":3,"tenant":"t1","slug":"d/e"}]`},
		{name: "two headers", path: "/api/docs", headers: []string{"X-Tenant: t2", "X-Role: admin"}, status: 200,
			body: `[{"k":2,"tenant":"t2","secret":"s2"}]`},
		{name: "no header", path: "/api/docs", status: 200, body: `[]`},
	})
}

// TestAfterConditionsOnRangesAsLists filters a list with ranges read as
// lists and count without a predicate through Caddy: each index of a
// record's array walked, the true flags counted, and a range past the
// memory budget failing closed.
func TestAfterConditionsOnRangesAsLists(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/orders": {body: `[{"k":1,"items":[{"qty":1},{"qty":0}],"flags":[true,true,false]},` +
			`{"k":2,"items":[{"qty":2}],"flags":[false,true]},{"k":3,"items":[],"flags":[]}]`},
		"/api/orders?wide=1": {body: `[{"k":4,"items":[],"flags":[],"n":1000000}]`},
	})
	crud(t, `
		resource orders /api/orders {
			after list {
				drop ´count(record.flags) >= 2´
				hide items if ´len(1..(record.n ?? 0)) == (record.n ?? 0) && all(0..len(record.items) - 1, record.items[#].qty > 0)´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "ranges and counts", path: "/api/orders", status: 200, body: `[{"k":2,"flags":[false,true]},{"k":3,"flags":[]}]`},
		{name: "a range past the memory budget", path: "/api/orders?wide=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
	})
}

// TestAfterConditionsOnFindLast filters a list with findLast and
// findLastIndex through Caddy: the last match decides, an element expr
// never tests (before the last match) fails nothing, and one it tests
// fails closed as expr fails it.
func TestAfterConditionsOnFindLast(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/orders": {body: `[{"k":1,"items":[{"sku":"a","qty":2},{"sku":"b","qty":12},{"sku":"c","qty":0}]},` +
			`{"k":2,"items":[{"sku":"d","qty":"many"},{"sku":"e","qty":20}]},{"k":3,"items":[{"sku":"f","qty":1}]}]`},
		"/api/orders?bad=1": {body: `[{"k":4,"items":[{"sku":"g","qty":20},{"sku":"h","qty":"many"}]}]`},
	})
	crud(t, `
		resource orders /api/orders {
			after list {
				drop ´(findLastIndex(record.items, .qty > 10) ?? -1) == 1 && findLast(record.items, .qty > 10)?.sku == "b"´
				hide items if ´findLast(record.items, .qty > 10)?.sku == "e"´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "the last match", path: "/api/orders", status: 200,
			body: `[{"k":2},{"k":3,"items":[{"sku":"f","qty":1}]}]`},
		{name: "an element expr tests", path: "/api/orders?bad=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
	})
}

// TestAfterConditionsOnListIndexes filters a list on an element of a list
// a rule builds (map(...)[0], a list literal's, uniq's), through Caddy: the
// element expr reads, and an index out of range failing closed as expr
// fails it (expr reads such a list itself, not nil-safe).
func TestAfterConditionsOnListIndexes(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/orders": {body: `[{"k":1,"items":[{"sku":"a"},{"sku":"b"}],"tags":["x","x","y"]},` +
			`{"k":2,"items":[{"sku":"c"}],"tags":["y"]},{"k":3,"items":[{"sku":"d"},{"sku":"a"}],"tags":["z","z"]}]`},
		"/api/orders?bad=1":  {body: `[{"k":4,"items":[],"tags":["z"]}]`},
		"/api/orders?more=1": {body: `[{"k":5,"items":[{"sku":"e"}],"tags":["z","w"]}]`},
	})
	crud(t, `
		resource orders /api/orders {
			after list {
				drop ´map(record.items, .sku)[0] == "a"´
				hide tags if ´uniq(record.tags)[-1] == "y" || [record.k, "x"][-2] == 5´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "elements of built lists", path: "/api/orders", status: 200,
			body: `[{"k":2,"items":[{"sku":"c"}]},{"k":3,"items":[{"sku":"d"},{"sku":"a"}],"tags":["z","z"]}]`},
		{name: "an element from the end", path: "/api/orders?more=1", status: 200, body: `[{"k":5,"items":[{"sku":"e"}]}]`},
		{name: "an index out of range", path: "/api/orders?bad=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
	})
}

// TestAfterConditionsOnTheMemoryBudget: a list a rule builds from a
// record's array counts against expr's memory budget as expr counts it,
// through Caddy: a million elements fail the rule closed, one fewer
// passes.
func TestAfterConditionsOnTheMemoryBudget(t *testing.T) {
	record := func(k, n int) string {
		return fmt.Sprintf(`[{"k":%d,"t":[%s1]}]`, k, strings.Repeat("1,", n-1))
	}
	up := afterUpstream(t, map[string]afterReply{
		"/api/series?n=999999":  {body: record(1, 999_999)},
		"/api/series?n=1000000": {body: record(2, 1_000_000)},
	})
	crud(t, `
		resource series /api/series {
			after list {
				hide t if ´len(map(record.t, # * 2)) > 0´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "one element short of the budget", path: "/api/series?n=999999", status: 200, body: `[{"k":1}]`},
		{name: "the budget reached", path: "/api/series?n=1000000", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
	})
}

// TestAfterConditionsOnSortedAndGrouped filters a list on sortBy and
// groupBy of each record's array, through Caddy: the first element by a
// key, the size of a group, and keys that cannot be compared failing
// closed as expr fails them.
func TestAfterConditionsOnSortedAndGrouped(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/orders": {body: `[{"k":1,"items":[{"sku":"a","qty":5},{"sku":"b","qty":2},{"sku":"c","qty":9}]},` +
			`{"k":2,"items":[{"sku":"d","qty":1},{"sku":"d","qty":3}],"tags":["b","a!","a"]},{"k":3,"items":[{"sku":"e","qty":4}],"tags":["y","z","x"]}]`},
		"/api/orders?bad=1": {body: `[{"k":4,"items":[{"sku":"f","qty":1},{"sku":"g","qty":"two"}]}]`},
	})
	crud(t, `
		resource orders /api/orders {
			after list {
				drop ´sortBy(record.items, .qty, "desc")[0].sku == "c"´
				hide items if ´len(groupBy(record.items, .sku)["d"] ?? []) > 1´
				hide tags if ´sortBy(record.tags ?? [], #)[0] == "a" || sortBy(record.tags ?? [], #, "desc")[0] == "z"´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "sorted and grouped", path: "/api/orders", status: 200,
			body: `[{"k":2},{"k":3,"items":[{"sku":"e","qty":4}]}]`},
		{name: "keys expr cannot compare", path: "/api/orders?bad=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
	})
}

// TestAfterConditionsOnListLiterals filters a list with x in a list
// literal of fields, through Caddy: each element compared as expr
// compares it (a whole float equals its int, nil equals a missing field),
// the list never built.
func TestAfterConditionsOnListLiterals(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/tasks": {body: `[{"k":1,"owner":"ann","reviewer":"bob","by":"bob"},{"k":2,"owner":"ann","by":"cy"},` +
			`{"k":3,"owner":7,"by":7.0},{"k":4,"owner":"ann","reviewer":null,"by":null},{"k":5,"owner":"ann","by":"ann"}]`},
	})
	crud(t, `
		resource tasks /api/tasks {
			after list {
				drop ´record.by not in [record.owner, record.reviewer, "admin"]´
				hide owner if ´record.by in [record.owner, nil]´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "in a list of fields", path: "/api/tasks", status: 200,
			body: `[{"k":1,"owner":"ann","reviewer":"bob","by":"bob"},{"k":3,"by":7.0},{"k":4,"reviewer":null,"by":null},{"k":5,"by":"ann"}]`},
	})
}

// TestAfterConditionsOnObjectsZonesAndLibraryLists filters a list on the
// size of an object (its names once each, as expr decodes it), on lists
// expr's library builds (concat, sort) and on a date's clock in a named
// zone, through Caddy, with a library built-in failing closed as expr
// fails it.
func TestAfterConditionsOnObjectsZonesAndLibraryLists(t *testing.T) {
	up := afterUpstream(t, map[string]afterReply{
		"/api/notes": {body: `[{"k":1,"meta":{"a":1,"a":2,"b":3},"tags":["b","c"],"extra":["x"],"at":"2024-01-01T23:00:00Z"},` +
			`{"k":2,"meta":{"a":1,"b":2,"c":3},"tags":[],"extra":[],"at":"2024-01-01T00:00:00Z"},` +
			`{"k":3,"meta":{},"tags":["c","a"],"extra":[],"at":"2024-01-01T01:00:00Z"},` +
			`{"k":4,"meta":{"a":1},"tags":["d"],"extra":null,"at":"2024-01-01T12:00:00+09:00"}]`},
		"/api/notes?bad=1": {body: `[{"k":5,"meta":{},"tags":["a"],"extra":"y","at":"2024-01-01T00:00:00Z"}]`},
	})
	crud(t, `
		resource notes /api/notes {
			after list {
				drop ´len(record.meta) > 2 || len(keys(record.meta)) > 2´
				hide tags if ´"x" in concat(record.tags, record.extra ?? []) || sort(record.tags)[0] == "a"´
				hide at if ´date(record.at).In(timezone("Asia/Tokyo")).Hour() < 9´
			}
		}`, up)
	checkAfter(t, up, []afterCase{
		{name: "objects, zones and library lists", path: "/api/notes", status: 200,
			body: `[{"k":1,"meta":{"a":1,"a":2,"b":3},"extra":["x"]},{"k":3,"meta":{},"extra":[],"at":"2024-01-01T01:00:00Z"},` +
				`{"k":4,"meta":{"a":1},"tags":["d"],"extra":null,"at":"2024-01-01T12:00:00+09:00"}]`},
		{name: "concat of a string", path: "/api/notes?bad=1", status: 500, kind: kindProblem,
			body: "a rule could not be evaluated"},
	})
}
