package rules

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// exprRecord is the record the expression corpus reads; no read of the
// corpus misses, so expr alone evaluates every expression without error.
const exprRecord = `{"name":"Ada Lovelace","s":"str","n":3,"neg":-2,"price":2.5,"big":12345678901234567890,
"tags":["a","b","c"],"nums":[3,1,2,3],"m":{"x":1,"y":2},"flag":true,"nothing":null,
"items":[{"a":1,"ok":true,"g":"x"},{"a":3,"ok":false,"g":"y"},{"a":5,"ok":true,"g":"x"}],
"due_date":"2024-03-01","ts":"2024-01-02T03:04:05Z","csv":"a,b,c","json":"{\"k\":[1,2]}","b64":"aGk="}`

// exprCorpus is expr-lang's documented language: each expression with the
// number of member reads the nil-safe patch turns into __get (the reads of
// fields and elements of values typed only at run time).
var exprCorpus = []struct {
	src  string
	gets int
}{
	// literals and operators
	{`1 + 2 * 3 - 4 / 2`, 0},
	{`7 % 3`, 0},
	{`2 ^ 10`, 0},
	{`2 ** 3`, 0},
	{`record.n + 1`, 1},
	{`record.n * record.price`, 2},
	{`record.n / 2`, 1},
	{`-record.n`, 1},
	{`record.n > 2 && record.price <= 2.5`, 2},
	{`record.n == 3 || false`, 1},
	{`not record.flag`, 1},
	{`!(record.n < 1) and record.flag`, 2},
	{`record.n > 1 ? "many" : "one"`, 1},
	{`if record.n > 1 { "many" } else { "one" }`, 1},
	{`record.nothing ?? "dflt"`, 1},
	{`record.name ?? "dflt"`, 1},
	{`record?.name`, 1},
	{`record?.m?.x`, 2},
	{`record.name + "!"`, 1},
	{`record.name contains "Love"`, 1},
	{`record.name startsWith "Ada"`, 1},
	{`record.name endsWith "lace"`, 1},
	{`record.name matches "^A[a-z]+ L"`, 1},
	{`"b" in record.tags`, 1},
	{`"x" in record.m`, 1},
	{`"name" in record`, 0},
	{`3 not in record.nums`, 1},
	{`1..4`, 0},
	{`map(1..3, # * record.n)`, 1},
	{`record.tags[1:]`, 1},
	{`record.tags[:2]`, 1},
	{`record.tags[1:-1]`, 1},
	{`record.name[:3]`, 1},
	{`record.tags[0]`, 2},
	{`record.tags[-1]`, 2},
	{`record["m"]["y"]`, 2},
	{`record.items[1].a`, 3},
	{`record.name | lower() | split(" ")`, 1},
	{`let x = record.n; let y = 2; x * y`, 1},
	{`let t = record.tags; t[0] + t[1]`, 3},
	{`$env.record.name`, 1},
	{`$env["action"]`, 0},
	{`{"a": record.n, "b": [1, record.s]}`, 2},
	{`{"a": 1}.a`, 0},
	{`[10, 20][1]`, 0},
	{`b"abc"`, 0},
	{"`raw\\n`", 0},
	// strings
	{`trim("  x  ")`, 0},
	{`trim("__x__", "_")`, 0},
	{`trimPrefix(record.name, "Ada ")`, 1},
	{`trimSuffix(record.name, "lace")`, 1},
	{`upper(record.s)`, 1},
	{`lower(record.name)`, 1},
	{`split(record.csv, ",")`, 1},
	{`split(record.csv, ",", 2)`, 1},
	{`split(record.csv, ",")[1]`, 1},
	{`splitAfter(record.csv, ",")`, 1},
	{`replace(record.csv, ",", ";")`, 1},
	{`repeat(record.s, 2)`, 1},
	{`indexOf(record.name, "L")`, 1},
	{`lastIndexOf(record.csv, ",")`, 1},
	{`hasPrefix(record.name, "Ada")`, 1},
	{`hasSuffix(record.name, "x")`, 1},
	{`record.s[0]`, 2},
	// dates and durations
	{`date(record.ts).Year()`, 1},
	{`date(record.ts).Month()`, 1},
	{`date(record.ts).Day()`, 1},
	{`date(record.ts).Unix()`, 1},
	{`date(record.ts).Format("2006-01-02")`, 1},
	{`date(record.due_date) - date("2024-01-01")`, 1},
	{`int((date(record.due_date) - date("2024-01-02")).Hours() / 24)`, 1},
	{`duration("90m").Minutes()`, 0},
	{`duration("1h30m").Hours()`, 0},
	{`duration("90m") > duration("1h")`, 0},
	{`date("2024-01-02") + duration("24h") == date("2024-01-03")`, 0},
	{`date("2024-01-02").Add(duration("48h")).Day()`, 0},
	{`date("2024-01-02").Before(date(record.due_date))`, 1},
	{`date("2024-01-02", "2006-01-02").YearDay()`, 0},
	{`date("2024-01-02 10:00", "2006-01-02 15:04", "UTC").Hour()`, 0},
	{`date(record.ts).In(timezone("UTC")).Hour()`, 1},
	{`now().Unix() > 1700000000`, 0},
	{`now().Year() >= 2024`, 0},
	{`now() > date("2024-01-01")`, 0},
	{`(now() - date("2024-01-01")).Hours() > 0`, 0},
	// numbers
	{`max(record.n, 7)`, 1},
	{`min(record.n, 7, 1)`, 1},
	{`abs(record.neg)`, 1},
	{`ceil(record.price)`, 1},
	{`floor(record.price)`, 1},
	{`round(record.price)`, 1},
	// arrays and predicates
	{`all(record.items, .a > 0)`, 2},
	{`any(record.items, .a > 4)`, 2},
	{`one(record.items, .a == 3)`, 2},
	{`none(record.items, .a > 9)`, 2},
	{`map(record.items, .a)`, 2},
	{`map(record.items, #.a * 2)`, 2},
	{`map(record.tags, #index)`, 1},
	{`filter(record.items, .ok)`, 2},
	{`filter(record.items, .ok && .a > 1)[0].a`, 4},
	{`find(record.items, .a > 1)`, 2},
	{`findIndex(record.items, .a > 1)`, 2},
	{`findLast(record.items, .ok)`, 2},
	{`findLastIndex(record.items, .ok)`, 2},
	{`groupBy(record.items, .g)`, 2},
	{`count(record.items, .ok)`, 2},
	{`count([true, false, true])`, 0},
	{`concat(record.tags, [1, 2])`, 1},
	{`flatten([record.tags, [1, [2]]])`, 1},
	{`uniq(record.nums)`, 1},
	{`join(record.tags)`, 1},
	{`join(record.tags, "-")`, 1},
	{`reduce(record.nums, #acc + #, 0)`, 1},
	{`reduce(record.items, #acc + .a, 0)`, 2},
	{`sum(record.nums)`, 1},
	{`sum(record.items, .a)`, 2},
	{`mean(record.nums)`, 1},
	{`median(record.nums)`, 1},
	{`first(record.tags)`, 1},
	{`last(record.tags)`, 1},
	{`take(record.tags, 2)`, 1},
	{`reverse(record.tags)`, 1},
	{`sort(record.nums)`, 1},
	{`sort(record.nums, "desc")`, 1},
	{`sortBy(record.items, .a, "desc")`, 2},
	{`len(record.items)`, 1},
	{`get(record.tags, 9)`, 2},
	{`get(record.tags, 1.9)`, 2},
	{`record.tags[1.9]`, 2},
	{`get(record.m, "x")`, 2},
	// maps
	{`sort(keys(record.m))`, 1},
	{`sort(values(record.m))`, 1},
	{`toPairs({"a": 1})`, 0},
	{`fromPairs([["a", record.n]])`, 1},
	// conversions
	{`type(record.n)`, 1},
	{`type(record.name)`, 1},
	{`type(record.items)`, 1},
	{`int(record.price)`, 1},
	{`int("42")`, 0},
	{`float(record.n)`, 1},
	{`string(record.n)`, 1},
	{`string(record.big)`, 1},
	{`toJSON(record.m)`, 1},
	{`fromJSON(record.json).k[1]`, 3},
	{`toBase64(record.s)`, 1},
	{`fromBase64(record.b64)`, 1},
	// bitwise
	{`bitand(12, record.n)`, 1},
	{`bitor(4, 1)`, 0},
	{`bitxor(6, 3)`, 0},
	{`bitnand(6, 3)`, 0},
	{`bitnot(record.n)`, 1},
	{`bitshl(1, 4)`, 0},
	{`bitshr(16, 2)`, 0},
	{`bitushr(16, 2)`, 0},
	// the product's variables
	{`action + "/" + resource`, 0},
	{`index + 1`, 0},
	{`user.id`, 1},
	{`user?.role ?? "none"`, 1},
	{`request.method + " " + request.path`, 2},
	{`request.query.q`, 2},
}

// exprEnv is the Env the corpus runs against.
func exprEnv() *Env {
	return &Env{
		Record:   Decode([]byte(exprRecord)),
		User:     map[string]any{"id": "u1", "role": "admin"},
		Request:  map[string]any{"method": "GET", "path": "/api/x", "query": map[string]any{"q": "1"}},
		Action:   "get",
		Resource: "things",
		Index:    -1,
		Get:      get,
	}
}

// TestExprMeansWhatExprSays evaluates each expression of expr's language
// through the product and through expr alone, with the same environment,
// and requires the same result; and requires the nil-safe patch to have
// rewritten exactly the expected member reads and nothing else.
func TestExprMeansWhatExprSays(t *testing.T) {
	for _, c := range exprCorpus {
		t.Run(c.src, func(t *testing.T) {
			p, err := compileExpr(c.src, false)
			if err != nil {
				t.Fatalf("product: %v", err)
			}
			plain, err := expr.Compile(c.src, expr.Env(Env{}))
			if err != nil {
				t.Fatalf("expr: %v", err)
			}
			got, err := p.run(exprEnv())
			if err != nil {
				t.Fatalf("product: %v", err)
			}
			want, err := expr.Run(plain, exprEnv())
			if err != nil {
				t.Fatalf("expr: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("product %#v (%T), expr %#v (%T)", got, got, want, want)
			}
			if n := strings.Count(dumpNode(p.prog.Node(), true), getFunc); n != c.gets {
				t.Errorf("%d member reads made nil-safe, want %d: %s", n, c.gets, dumpNode(p.prog.Node(), true))
			}
			assertOnlyReadsPatched(t, c.src)
		})
	}
}

// assertOnlyReadsPatched compiles src with and without the nil-safe patch
// and requires the two trees to be the same but for member reads turned
// into __get calls of the same base and property.
func assertOnlyReadsPatched(t testing.TB, src string) {
	t.Helper()
	patched, err := expr.Compile(src, expr.Env(Env{}), expr.Patch(nilSafe{}), expr.Optimize(false))
	if err != nil {
		return
	}
	plain, err := expr.Compile(src, expr.Env(Env{}), expr.Optimize(false))
	if err != nil {
		return
	}
	p, q := dumpNode(patched.Node(), false), dumpNode(plain.Node(), false)
	if p != q {
		t.Errorf("the nil-safe patch changed more than member reads:\npatched %s\nexpr    %s", p, q)
	}
	for _, n := range getCalls(patched.Node()) {
		if m, ok := n.Arguments[0].(*ast.IdentifierNode); ok && m.Value == "$env" {
			t.Errorf("$env read through __get: %s", dumpNode(patched.Node(), true))
		}
	}
}

// getCalls lists the __get calls of a tree.
func getCalls(root ast.Node) []*ast.CallNode {
	var out []*ast.CallNode
	ast.Walk(&root, visitFunc(func(n *ast.Node) {
		if c, ok := (*n).(*ast.CallNode); ok {
			if id, ok := c.Callee.(*ast.IdentifierNode); ok && id.Value == getFunc {
				out = append(out, c)
			}
		}
	}))
	return out
}

// dumpNode writes a tree with every node kind and its attributes. A
// __get(base, key) call is written as the member read it replaced unless
// showGets, and so is get(base, key), which the patch makes one.
func dumpNode(n ast.Node, showGets bool) string {
	d := func(n ast.Node) string { return dumpNode(n, showGets) }
	list := func(ns []ast.Node) string {
		s := make([]string, len(ns))
		for i, n := range ns {
			s[i] = d(n)
		}
		return strings.Join(s, ", ")
	}
	switch n := n.(type) {
	case nil:
		return "_"
	case *ast.NilNode:
		return "nil"
	case *ast.IdentifierNode:
		return "id:" + n.Value
	case *ast.IntegerNode:
		return fmt.Sprintf("int:%d", n.Value)
	case *ast.FloatNode:
		return fmt.Sprintf("float:%v", n.Value)
	case *ast.BoolNode:
		return fmt.Sprintf("bool:%v", n.Value)
	case *ast.StringNode:
		return fmt.Sprintf("str:%q", n.Value)
	case *ast.BytesNode:
		return fmt.Sprintf("bytes:%q", n.Value)
	case *ast.ConstantNode:
		return fmt.Sprintf("const:%#v", n.Value)
	case *ast.UnaryNode:
		return fmt.Sprintf("unary%s(%s)", n.Operator, d(n.Node))
	case *ast.BinaryNode:
		return fmt.Sprintf("binary%s(%s, %s)", n.Operator, d(n.Left), d(n.Right))
	case *ast.ChainNode:
		return fmt.Sprintf("chain(%s)", d(n.Node))
	case *ast.MemberNode:
		if n.Method {
			return fmt.Sprintf("method(%s, %s)", d(n.Node), d(n.Property))
		}
		return fmt.Sprintf("member(%s, %s)", d(n.Node), d(n.Property))
	case *ast.SliceNode:
		return fmt.Sprintf("slice(%s, %s, %s)", d(n.Node), d(n.From), d(n.To))
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && id.Value == getFunc && !showGets && len(n.Arguments) == 2 {
			return fmt.Sprintf("member(%s, %s)", d(n.Arguments[0]), d(n.Arguments[1]))
		}
		return fmt.Sprintf("call(%s; %s)", d(n.Callee), list(n.Arguments))
	case *ast.BuiltinNode:
		if n.Name == "get" && !showGets && len(n.Arguments) == 2 {
			return fmt.Sprintf("member(%s, %s)", d(n.Arguments[0]), d(n.Arguments[1]))
		}
		return fmt.Sprintf("builtin:%s(%s; map %s)", n.Name, list(n.Arguments), d(n.Map))
	case *ast.PredicateNode:
		return fmt.Sprintf("predicate(%s)", d(n.Node))
	case *ast.PointerNode:
		return "pointer:" + n.Name
	case *ast.ConditionalNode:
		return fmt.Sprintf("cond%v(%s, %s, %s)", n.Ternary, d(n.Cond), d(n.Exp1), d(n.Exp2))
	case *ast.VariableDeclaratorNode:
		return fmt.Sprintf("let:%s(%s; %s)", n.Name, d(n.Value), d(n.Expr))
	case *ast.SequenceNode:
		return fmt.Sprintf("seq(%s)", list(n.Nodes))
	case *ast.ArrayNode:
		return fmt.Sprintf("array(%s)", list(n.Nodes))
	case *ast.MapNode:
		return fmt.Sprintf("map(%s)", list(n.Pairs))
	case *ast.PairNode:
		return fmt.Sprintf("pair(%s: %s)", d(n.Key), d(n.Value))
	}
	return fmt.Sprintf("unknown:%T", n)
}

// FuzzNilSafeRewritesOnlyReads: for any expression both compile, the
// nil-safe patch changes nothing but member reads.
func FuzzNilSafeRewritesOnlyReads(f *testing.F) {
	for _, c := range exprCorpus {
		f.Add(c.src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		assertOnlyReadsPatched(t, src)
	})
}
