package rules

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm"
	"github.com/expr-lang/expr/vm/runtime"
)

// variable bits: which env variables an expression reads.
type varSet uint16

const (
	varRecord varSet = 1 << iota
	varBody
	varOld
	varUser
	varRequest
	varResponse
	varValue
	varLookup
)

var varBits = map[string]varSet{
	"record": varRecord, "body": varBody, "old": varOld, "user": varUser,
	"request": varRequest, "response": varResponse, "value": varValue, "lookup": varLookup,
}

// fieldSet is what an expression reads of the record: a few paths, or the
// whole record.
type fieldSet struct {
	whole bool
	paths [][]string
}

func (f *fieldSet) add(o fieldSet) {
	if f.whole || o.whole {
		f.whole = true
		f.paths = nil
		return
	}
	f.paths = append(f.paths, o.paths...)
}

// program is one compiled expression.
type program struct {
	src    string
	prog   *vm.Program
	cond   condition // the same expression without the VM, when its shape allows
	slots  int       // the operand slots cond uses
	fast   operand   // the same for a value, when not a condition
	static bool      // the expression is a literal: value, and json, are its value
	value  any
	json   []byte
	vars   varSet
	record fieldSet
}

// compileExpr compiles src once; asBool makes it a condition.
func compileExpr(src string, asBool bool) (*program, error) {
	if src == "" {
		return nil, fmt.Errorf("empty expression")
	}
	opts := []expr.Option{expr.Env(Env{})}
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	// expr checks types again after a patch, but a call its first pass
	// typed (a method's, a function's) keeps that type and goes unchecked:
	// an unknown name in its arguments would load. So the source is
	// checked as written first.
	if _, err := checker.ParseCheck(src, exprConfig(opts)); err != nil {
		return nil, err
	}
	tree, err := expr.Compile(src, append(opts, expr.Patch(nilSafe{}))...)
	if err != nil {
		return nil, err
	}
	p := &program{src: src, prog: tree}
	p.cond, p.slots, _ = fastCondition(tree.Node())
	if !asBool {
		p.fast, _ = compileFast(tree.Node())
	}
	if v, ok := literal(tree.Node()); ok {
		if enc, err := appendJSON(nil, v); err == nil {
			p.static, p.value, p.json = true, v, enc
		}
	}
	p.vars, p.record = analyze(tree.Node())
	return p, nil
}

// exprConfig is the configuration expr.Compile makes of opts.
func exprConfig(opts []expr.Option) *conf.Config {
	c := conf.CreateNew()
	for _, o := range opts {
		o(c)
	}
	c.Check()
	return c
}

// run evaluates p against env.
func (p *program) run(env *Env) (any, error) {
	if p.static {
		return p.value, nil
	}
	if p.fast != nil {
		if v, ok := p.compiledValue(env); ok {
			return v.decoded(), nil
		}
	}
	return p.runVM(env)
}

// compiledValue is p's value computed without the VM (p.fast is set),
// its memory counted from nothing as each VM run counts it; false where
// the VM is to run it.
func (p *program) compiledValue(env *Env) (*val, bool) {
	env.memory = 0
	return p.fast(env)
}

// runVM runs the expression in expr's VM.
func (p *program) runVM(env *Env) (any, error) {
	if p.vars&varRecord != 0 && env.decoder != nil && !env.decoded {
		env.Record, env.decoded = env.decoder.decodeRecord(), true
	}
	env.value() // decoded for the VM, which reads the field
	if env.machine != nil {
		env.machine.MemoryBudget = uint(memoryBudget)
		return env.machine.Run(p.prog, env)
	}
	v := vmPool.Get().(*vm.VM)
	v.MemoryBudget = uint(memoryBudget)
	out, err := v.Run(p.prog, env)
	vmPool.Put(v)
	return out, err
}

// maxPooledJSON is the largest value buffer an Env keeps in its pool.
const maxPooledJSON = 64 << 10

// maxPooledRegs is the most operand slots an Env keeps in its pool.
const maxPooledRegs = 256

// release gives env back to its pool, holding nothing of the run but its
// VM and the storage of its value buffer. Nothing may use env after: the
// values valueJSON wrote are copied by the statements that asked for them.
func (env *Env) release() {
	if cap(env.json) > maxPooledJSON || cap(env.lists) > maxPooledJSON || len(env.regs) > maxPooledRegs {
		return
	}
	clear(env.regs[:env.used]) // no values of the request stay
	clear(env.runValues)
	*env = Env{machine: env.machine, json: env.json[:0], built: env.built, times: env.times, lists: env.lists[:0], regs: env.regs, runValues: env.runValues[:0]}
	envs.Put(env)
}

// nilSafe makes member access total: every read of a field or an element
// of a value whose type is only known at run time (the variables, JSON
// values, predicate elements) becomes __get(a, k), which reads as nil for a
// missing key, an index out of range, or a value that has no members (nil,
// a number, a string read by name). So user.id is nil for an anonymous
// caller and record.a.b is nil when a is "str": a client's body can never
// turn a member read into an error.
//
// get(v, k) of such a value is the same read (expr's get is nil-safe
// too): so a name a request record spells in another case is found by
// get as by v.k.
//
// Everything else keeps expr's meaning: method calls (now().Unix()), $env,
// and members of values whose type expr knows when it compiles (a
// time.Time, split()'s []string, a map literal), which expr checks at load
// time and reads itself.
type nilSafe struct{}

func (nilSafe) Visit(node *ast.Node) {
	var base, key ast.Node
	switch n := (*node).(type) {
	case *ast.MemberNode:
		if !dynamicRead(n) {
			return
		}
		base, key = n.Node, n.Property
	case *ast.BuiltinNode:
		if n.Name != "get" || len(n.Arguments) != 2 || n.Arguments[0].Type().Kind() != reflect.Interface {
			return
		}
		base, key = n.Arguments[0], n.Arguments[1]
	default:
		return
	}
	ast.Patch(node, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: getFunc},
		Arguments: []ast.Node{base, key},
	})
}

// dynamicRead reports whether m reads a field or an element of a value of
// a type known only at run time.
func dynamicRead(m *ast.MemberNode) bool {
	if m.Method {
		return false
	}
	switch b := m.Node.(type) {
	case *ast.IdentifierNode:
		if b.Value == envVar {
			return false
		}
	case *ast.NilNode:
		return false // expr refuses it when it compiles
	}
	return m.Node.Type().Kind() == reflect.Interface
}

const (
	getFunc = "__get"
	envVar  = "$env" // expr's name for the whole environment
)

// get reads key out of v as expr reads v[key], but nil where expr fails:
// a missing key, an index out of range, a value without members.
func get(v, key any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case map[string]any:
		k, ok := key.(string)
		if !ok {
			return nil
		}
		return v[k]
	case []any:
		i, ok := toIndex(key, len(v))
		if !ok {
			return nil
		}
		return v[i]
	case string:
		i, ok := toIndex(key, len(v))
		if !ok {
			return nil
		}
		return v[i] // a byte, as expr indexes a string
	}
	return fetch(v, key)
}

// fetch is expr's own member read of a value of any other type, nil where
// it fails.
func fetch(v, key any) (out any) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	return runtime.Fetch(v, key)
}

// getFolded is get where a map has no member named key exactly: then the
// member whose name folds like key (simple case folding) is read, the
// smallest such name when there are several. Request records are read so:
// a backend binds {"PLAN":…} to plan.
func getFolded(v, key any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return get(v, key)
	}
	k, ok := key.(string)
	if !ok {
		return nil
	}
	if x, ok := m[k]; ok {
		return x
	}
	found, name := false, ""
	var x any
	for n, e := range m {
		if strings.EqualFold(n, k) && (!found || n < name) {
			found, name, x = true, n, e
		}
	}
	return x
}

// toIndex turns a number key into an index as runtime.ToInt reads it (1.9
// is 1), counting from the end when negative.
func toIndex(key any, n int) (int, bool) {
	var i int
	switch k := key.(type) {
	case int:
		i = k
	case int64:
		i = int(k)
	case float64:
		i = int(k) // as runtime.ToInt reads it: 1.9 is 1
	default:
		switch reflect.ValueOf(key).Kind() {
		case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8,
			reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32:
			i = runtime.ToInt(key)
		default:
			return 0, false
		}
	}
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

// analyze lists the variables an expression reads and the record fields it
// reads: only a record read through constant member names (record.a.b)
// allows partial decoding; any other use needs the whole record.
func analyze(root ast.Node) (varSet, fieldSet) {
	c := &collector{bases: map[ast.Node]bool{}, inner: map[ast.Node]bool{}, lets: letPaths(root)}
	ast.Walk(&root, c)
	var fs fieldSet
	for _, m := range c.members {
		if c.inner[m.node] || m.root != "record" {
			continue
		}
		fs.paths = append(fs.paths, m.path)
	}
	for _, id := range c.idents {
		if (id.Value == "record" || id.Value == envVar) && !c.bases[id] {
			fs.whole = true
		}
	}
	if fs.whole {
		fs.paths = nil
	}
	return c.vars, fs
}

type staticMember struct {
	node ast.Node
	root string
	path []string
}

type collector struct {
	vars    varSet
	idents  []*ast.IdentifierNode
	members []staticMember
	bases   map[ast.Node]bool // identifiers that start a static member chain
	inner   map[ast.Node]bool // member nodes inside a longer static chain
	lets    map[*ast.IdentifierNode][]string
}

// visitFunc is a function as an ast.Visitor.
type visitFunc func(*ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(n) }

// letPaths maps each read of a let's variable whose value is a field of
// the record (let p = record.profile) to that field's path, so that p.bio
// is read as record.profile.bio is.
func letPaths(root ast.Node) map[*ast.IdentifierNode][]string {
	var lets []*ast.VariableDeclaratorNode
	ast.Walk(&root, visitFunc(func(n *ast.Node) {
		if l, ok := (*n).(*ast.VariableDeclaratorNode); ok {
			lets = append(lets, l)
		}
	}))
	if len(lets) == 0 {
		return nil
	}
	paths := map[*ast.IdentifierNode][]string{}
	for i := len(lets) - 1; i >= 0; i-- { // the walk visits inner lets first: the outer ones' paths come first
		l := lets[i]
		path, ok := recordPath(l.Value, paths)
		if !ok {
			continue
		}
		ast.Walk(&l.Expr, visitFunc(func(n *ast.Node) {
			if id, ok := (*n).(*ast.IdentifierNode); ok && id.Value == l.Name {
				paths[id] = path
			}
		}))
	}
	return paths
}

// recordPath is the path of record.a.b (names only), or of p.a where
// paths holds p's.
func recordPath(n ast.Node, paths map[*ast.IdentifierNode][]string) ([]string, bool) {
	root, keys, ok := memberChain(n)
	if !ok {
		return nil, false
	}
	path, found := paths[root]
	if root.Value != "record" && !found {
		return nil, false
	}
	path = slices.Clip(path)
	for _, k := range keys {
		name, isName := k.(string)
		if !isName {
			return nil, false
		}
		path = append(path, name)
	}
	return path, true
}

func (c *collector) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value == envVar {
			c.vars = ^varSet(0) // $env.record, $env[k]: any variable
		}
		c.vars |= varBits[n.Value]
		c.idents = append(c.idents, n)
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			return
		}
		c.vars |= varBits[id.Value]
		if id.Value != getFunc || len(n.Arguments) != 2 {
			return
		}
		prop, ok := n.Arguments[1].(*ast.StringNode)
		if !ok {
			return
		}
		switch b := unchain(n.Arguments[0]).(type) {
		case *ast.IdentifierNode:
			c.bases[b] = true
			root, path := b.Value, []string{prop.Value}
			if p, ok := c.lets[b]; ok { // p.bio, after let p = record.profile
				root, path = "record", append(slices.Clip(p), prop.Value)
			}
			c.members = append(c.members, staticMember{node: n, root: root, path: path})
		case *ast.CallNode:
			for _, m := range c.members {
				if m.node == b {
					c.inner[b] = true
					path := append(append([]string{}, m.path...), prop.Value)
					c.members = append(c.members, staticMember{node: n, root: m.root, path: path})
					break
				}
			}
		}
	}
}

func unchain(n ast.Node) ast.Node {
	if c, ok := n.(*ast.ChainNode); ok {
		return c.Node
	}
	return n
}
