package caddytest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// exprRecord is the record every expression of exprCases reads.
const exprRecord = `{"name":"Ada Lovelace","s":"str","n":3,"price":2.5,"tags":["a","b","c"],"nums":[3,1,2,3],` +
	`"m":{"x":1,"y":2},"nothing":null,"items":[{"a":1,"ok":true,"g":"x"},{"a":3,"ok":false,"g":"y"},` +
	`{"a":5,"ok":true,"g":"x"}],"due_date":"2024-03-01","ts":"2024-01-02T03:04:05Z","city":"Zürich"}`

// exprCases are expr-lang's documented operators and built-ins, each with
// the exact JSON of its value for exprRecord. now() differs per run: its
// cases assert shapes.
var exprCases = []struct{ src, json string }{
	// methods of time.Time and time.Duration
	{`now().Unix() > 1700000000`, `true`},
	{`now().Year() >= 2024`, `true`},
	{`int((date(record.due_date) - now()).Hours() / 24) < 0`, `true`},
	{`int((date(record.due_date) - date("2024-01-02")).Hours() / 24)`, `59`},
	{`duration("90m").Minutes()`, `90`},
	{`duration("1h30m").Hours()`, `1.5`},
	{`duration("90m") > duration("1h")`, `true`},
	{`date(record.ts).Year()`, `2024`},
	{`date(record.ts).Unix()`, `1704164645`},
	{`date(record.ts).Format("2006-01-02")`, `"2024-01-02"`},
	{`date("2024-01-02").Add(duration("48h")).Day()`, `4`},
	{`date(record.ts).In(timezone("UTC")).Hour()`, `3`},
	{`date("2024-01-02 10:00", "2006-01-02 15:04").Hour()`, `10`},
	// strings
	{`upper(record.s) + lower("AB")`, `"STRab"`},
	{`trim("  x  ") + trimPrefix(record.name, "Ada ")`, `"xLovelace"`},
	{`split(record.name, " ")[1]`, `"Lovelace"`},
	{`replace(record.s, "t", "T")`, `"sTr"`},
	{`repeat(record.s, 2)`, `"strstr"`},
	{`indexOf(record.name, "L")`, `4`},
	{`hasSuffix(record.name, "lace")`, `true`},
	{`record.name contains "Love"`, `true`},
	{`record.name startsWith "Ada"`, `true`},
	{`record.name endsWith "x"`, `false`},
	{`record.name matches "^A[a-z]+ L"`, `true`},
	{`record.name matches "^(Ada|Bob) (Love|Hate)lace$"`, `true`},
	{`record.name matches "(?i)^ADA L.{3}l"`, `true`},
	{`record.name matches "^Ada$"`, `false`},
	{`record.name matches "(?m)^Love"`, `false`},
	{`record.name matches "(?m)Lovelace$"`, `true`},
	{`record.city matches "^Z.rich$"`, `true`}, // a character above ASCII inside the text
	{`record.city matches "^Z[a-z]rich$"`, `false`},
	{`record.city matches "rich$"`, `true`},
	{`record.name | lower() | split(" ")`, `["ada","lovelace"]`},
	// numbers
	{`record.n * record.price`, `7.5`},
	{`record.n ** 2`, `9`},
	{`7 % record.n`, `1`},
	{`max(record.n, 7)`, `7`},
	{`abs(-record.price)`, `2.5`},
	{`round(record.price) + floor(record.price) + ceil(2.1)`, `8`},
	{`bitand(12, 10)`, `8`},
	// arrays, predicates, closures
	{`filter(record.items, .ok && .a > 1)`, `[{"a":5,"g":"x","ok":true}]`},
	{`map(record.items, .a * 2)`, `[2,6,10]`},
	{`map(record.tags, # + string(#index))`, `["a0","b1","c2"]`},
	{`all(record.items, .a > 0) && any(record.items, #.a > 4) && none(record.items, .a > 9)`, `true`},
	{`count(record.items, .ok)`, `2`},
	{`find(record.items, .a > 1).a`, `3`},
	{`sum(record.items, .a)`, `9`},
	{`reduce(record.nums, #acc + #, 0)`, `9`},
	{`groupBy(record.items, .g).y[0].a`, `3`},
	{`sort(record.nums)`, `[1,2,3,3]`},
	{`uniq(record.nums)`, `[3,1,2]`},
	{`join(reverse(record.tags), "-")`, `"c-b-a"`},
	{`first(record.tags) + last(record.tags)`, `"ac"`},
	{`take(record.tags, 2)`, `["a","b"]`},
	{`concat(record.tags, [1])`, `["a","b","c",1]`},
	{`flatten([[1], [2, [3]]])`, `[1,2,3]`},
	{`len(record.items)`, `3`},
	{`get(record.tags, 9)`, `null`},
	// maps
	{`sort(keys(record.m))`, `["x","y"]`},
	{`sort(values(record.m))`, `[1,2]`},
	{`{"k": record.n, "l": [record.s]}`, `{"k":3,"l":["str"]}`},
	// conversions
	{`type(record.items)`, `"array"`},
	{`int("42") + 1`, `43`},
	{`string(record.n)`, `"3"`},
	{`float(record.n) / 2`, `1.5`},
	{`toJSON(record.m)`, `"{\n  \"x\": 1,\n  \"y\": 2\n}"`},
	{`fromJSON('{"k":[1,2]}').k[1]`, `2`},
	{`toBase64(record.s)`, `"c3Ry"`},
	// operators
	{`record.missing ?? "dflt"`, `"dflt"`},
	{`record.nothing?.deep.er ?? "d"`, `"d"`},
	{`record.m?.x`, `1`},
	{`1..3`, `[1,2,3]`},
	{`map(1..3, # * record.n)`, `[3,6,9]`},
	{`record.tags[1:]`, `["b","c"]`},
	{`record.name[:3]`, `"Ada"`},
	{`record.tags[-1]`, `"c"`},
	{`"b" in record.tags && "x" in record.m && "n" in record`, `true`},
	{`record.n > 2 ? "many" : "one"`, `"many"`},
	{`if record.n > 5 { "big" } else { "small" }`, `"small"`},
	{`let x = record.n; let y = 2; x * y`, `6`},
	{`$env.record.name + " " + $env["resource"]`, `"Ada Lovelace things"`},
	// the shapes compiled without the VM: the same values as expr's
	{`record.n * 2 + 1`, `7`},
	{`record.n / 2`, `1.5`},
	{`record.price * 2`, `5`},
	{`record.n ** 2`, `9`},
	{`-record.n % 2`, `-1`},
	{`len("é" + record.s)`, `4`},
	{`record.s in ["str", "x"] && !(record.n in [1, 2])`, `true`},
	{`record.m.x + record.items[1].a`, `4`},
	{`record.items[-1].g endsWith "x" && record.name contains "Love"`, `true`},
	{`lower(record.name) + upper(trim(record.s))`, `"ada lovelaceSTR"`},
	{`record.nothing ?? record.m.y`, `2`},
	{`record.price > record.n || record.s < "z"`, `true`},
	{`record.n == 3.0 && record.nums[0] == record.n`, `true`},
	{`record.items[0].ok ? record.items[2].a : -1`, `5`},
	{`(record.n - 3) / (record.n - 3) > 0`, `false`}, // NaN: every comparison is false
	{`record.price > 0 / (record.n - 3) || record.price >= 0 / (record.n - 3)`, `false`},
}

// exprField names the field case i sets.
func exprField(i int) string { return fmt.Sprintf("e%02d", i) }

// exprSets is one `set` statement per case.
func exprSets() string {
	var b strings.Builder
	for i, c := range exprCases {
		fmt.Fprintf(&b, "\t\t\t\tset %s ´%s´\n", exprField(i), c.src)
	}
	return b.String()
}

// exprWithFields is exprRecord with every case's field appended in order.
func exprWithFields() string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(exprRecord, "}"))
	for i, c := range exprCases {
		fmt.Fprintf(&b, ",%q:%s", exprField(i), c.json)
	}
	return b.String() + "}"
}

// exprDiff names the cases whose field differs between got and want, for
// a readable failure.
func exprDiff(t *testing.T, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	for i, c := range exprCases {
		field := fmt.Sprintf("%q:%s", exprField(i), c.json)
		if !strings.Contains(got, field) {
			t.Errorf("%s: want %s in %s", c.src, c.json, got)
		}
	}
	t.Fatalf("got  %s\nwant %s", got, want)
}

func TestExprBefore(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource things /api/things {
			before create {
`+exprSets()+`
			}
		}`, up)

	send(t, tester, "POST", "/api/things", exprRecord).expect(t, 200, `{}`)
	r := up.only(t)
	if r.Method != "POST" || r.URI != "/api/things" {
		t.Fatalf("upstream got %s %s", r.Method, r.URI)
	}
	exprDiff(t, r.Body, exprWithFields())
}

func TestExprAfter(t *testing.T) {
	up := newUpstream(t, oldReply(map[string]string{"GET /api/things/1": "200 " + exprRecord}))
	tester := crud(t, `
		resource things /api/things {
			after get {
`+exprSets()+`
			}
		}`, up)

	res := send(t, tester, "GET", "/api/things/1", "")
	up.got(t, "GET", "/api/things/1", "")
	if res.Status != 200 {
		t.Fatalf("status %d %s", res.Status, res.Body)
	}
	exprDiff(t, res.Body, exprWithFields())
}

func TestExprAsync(t *testing.T) {
	hook := newHookReceiver(t)
	up := asyncEcho(t, nil)
	var body, want []string
	for i, c := range exprCases {
		body = append(body, fmt.Sprintf("%q: %s", exprField(i), c.src))
		want = append(want, fmt.Sprintf("%q:%s", exprField(i), c.json))
	}
	sort.Strings(want)
	tester := crud(t, `
		webhooks {
			grace 1s
		}
		resource things /api/things {
			async create {
				webhook `+hook.URL+`/expr {
					body ´{`+strings.Join(body, ", ")+`}´
				}
			}
		}`, up)

	send(t, tester, "POST", "/api/things", exprRecord).expect(t, 200, exprRecord)
	c := hook.next(t)
	if c.Path != "/expr" {
		t.Fatalf("webhook to %s", c.Path)
	}
	exprDiff(t, c.Body, "{"+strings.Join(want, ",")+"}")
	hook.quiet(t)
}
