package rules

import (
	"fmt"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
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
	vars   varSet
	record fieldSet
}

// compileExpr compiles src once; asBool makes it a condition.
func compileExpr(src string, asBool bool) (*program, error) {
	if src == "" {
		return nil, fmt.Errorf("empty expression")
	}
	opts := []expr.Option{expr.Env(Env{}), expr.Patch(nilSafe{})}
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	tree, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, err
	}
	p := &program{src: src, prog: tree}
	p.vars, p.record = analyze(tree.Node())
	return p, nil
}

var vmPool = sync.Pool{New: func() any { return new(vm.VM) }}

// run evaluates p against env.
func (p *program) run(env *Env) (any, error) {
	v := vmPool.Get().(*vm.VM)
	out, err := v.Run(p.prog, env)
	vmPool.Put(v)
	return out, err
}

// nilSafe makes member access nil-safe: every a.b is evaluated as a?.b, so
// user.id is nil for an anonymous caller instead of an error.
type nilSafe struct{}

func (nilSafe) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	m.Optional = true
	if c, ok := m.Node.(*ast.ChainNode); ok {
		m.Node = c.Node // one chain for the whole a.b.c
	}
	ast.Patch(node, &ast.ChainNode{Node: m})
}

// analyze lists the variables an expression reads and the record fields it
// reads: only a record read through constant member names (record.a.b)
// allows partial decoding; any other use needs the whole record.
func analyze(root ast.Node) (varSet, fieldSet) {
	c := &collector{bases: map[ast.Node]bool{}, inner: map[ast.Node]bool{}}
	ast.Walk(&root, c)
	var fs fieldSet
	for _, m := range c.members {
		if c.inner[m.node] || m.root != "record" {
			continue
		}
		fs.paths = append(fs.paths, m.path)
	}
	for _, id := range c.idents {
		if id.Value == "record" && !c.bases[id] {
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
}

func (c *collector) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		c.vars |= varBits[n.Value]
		c.idents = append(c.idents, n)
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok {
			c.vars |= varBits[id.Value]
		}
	case *ast.MemberNode:
		prop, ok := n.Property.(*ast.StringNode)
		if !ok {
			return
		}
		base := unchain(n.Node)
		switch b := base.(type) {
		case *ast.IdentifierNode:
			c.bases[b] = true
			c.members = append(c.members, staticMember{node: n, root: b.Value, path: []string{prop.Value}})
		case *ast.MemberNode:
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
