package rules

import (
	"sort"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// sortBy and groupBy compiled: the walk and the key of each element are
// the compiled loop's, the list or the map they answer is built of the
// decoded elements as the VM builds it (sortBy sorts it with the VM's own
// runtime.SortBy, so that elements of equal keys end where the VM puts
// them), sortBy's elements counted against the memory budget. sortBy(list,
// #) of strings is sort's usual case (sortStrings): nothing decoded.

// keyedLoops are the predicate built-ins compiled here.
var keyedLoops = map[string]bool{"sortBy": true, "groupBy": true}

// keyedLoop compiles sortBy(list, key[, order]) and groupBy(list, key).
func (c *fastCompiler) keyedLoop(n *ast.BuiltinNode) (operand, bool) {
	if len(n.Arguments) != 2 && (n.Name != "sortBy" || len(n.Arguments) != 3) {
		return nil, false
	}
	body, ok := n.Arguments[1].(*ast.PredicateNode)
	if !ok {
		return nil, false
	}
	var order operand
	if len(n.Arguments) == 3 {
		if order, ok = c.operand(n.Arguments[2]); !ok {
			return nil, false
		}
	}
	list, scope, ok := c.openLoop(n.Arguments[0])
	if !ok {
		return nil, false
	}
	key, ok := c.operand(body.Node)
	c.closeLoop()
	if !ok {
		return nil, false
	}
	at, sorts := c.slot(), n.Name == "sortBy"
	pointer, isPointer := body.Node.(*ast.PointerNode)
	byElement := sorts && isPointer && pointer.Name == "" // sortBy(list, #): sort(list)
	return func(env *Env) (*val, bool) {
		var each elements
		l, ok := beginLoop(env, list, &each, scope)
		if !ok {
			return l, false
		}
		desc := false
		if order != nil {
			o, ok := order(env)
			if !ok {
				return o, false
			}
			text, _ := o.text()
			if text != "asc" && text != "desc" {
				return o, false // the VM's error
			}
			desc = text == "desc"
		}
		item, out := &env.regs[scope.item], &env.regs[at]
		if byElement && env.sortStrings(out, l, desc) {
			return out, true
		}
		var sorted runtime.SortBy
		var groups map[any][]any
		if !sorts {
			groups = map[any][]any{}
		}
		for each.next(item) {
			if item.kind == anyKind && item.v == unreadable {
				return item, false // a map's member: the VM fails to read it
			}
			element := item.decoded()
			k, ok := key(env)
			if !ok {
				return k, false
			}
			if sorts {
				sorted.Array, sorted.Values = append(sorted.Array, element), append(sorted.Values, k.decoded())
			} else if !addToGroup(groups, k.decoded(), element) {
				return k, false
			}
		}
		if !sorts {
			out.setAny(groups)
			return out, true
		}
		if sorted.Array == nil {
			sorted.Array = []any{}
		}
		sorted.Desc = desc
		if !sortAsTheVM(&sorted) {
			return out, false
		}
		out.setAny(sorted.Array)
		return out, env.grow(len(sorted.Array))
	}, true
}

// addToGroup appends element to the group of key; false where the key
// cannot be a map's key (a list, a map), which fails the VM.
func addToGroup(groups map[any][]any, key, element any) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	groups[key] = append(groups[key], element)
	return true
}

// sortAsTheVM sorts s as the VM's OpSort does; false where comparing two
// keys fails (keys of types runtime.Less does not order).
func sortAsTheVM(s *runtime.SortBy) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	sort.Sort(s)
	return true
}
