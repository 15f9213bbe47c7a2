package rules

import "github.com/expr-lang/expr/ast"

// A map literal ({"by": user.id, "at": now()}) is built as expr's VM
// builds it: every key and value computed in the order written, the
// memory counted, the first of two pairs of one key kept (the VM fills its
// map from the last pair), a key that is not a string its error. A member
// of one ({"admin": 3, "editor": 2}[record.role], a table read per record)
// is found among the pairs without building the map.

// mapPairs compiles a map literal's keys and values.
func (c *fastCompiler) mapPairs(n *ast.MapNode) (keys, values []operand, ok bool) {
	for _, p := range n.Pairs {
		pair, isPair := p.(*ast.PairNode)
		if !isPair {
			return nil, nil, false
		}
		k, v, ok := c.both(pair.Key, pair.Value)
		if !ok {
			return nil, nil, false
		}
		keys, values = append(keys, k), append(values, v)
	}
	return keys, values, true
}

// literalPairs are a map literal's computed keys and values, in storage on the
// stack for a literal of at most maxTablePairs pairs.
type literalPairs struct {
	names [maxTablePairs]string
	vals  [maxTablePairs]*val
}

// compute computes the pairs in order, each key's text and each value;
// false where one fails or a key is not a string (the VM's error), or the
// map would pass the memory budget.
func (p *literalPairs) compute(env *Env, keys, values []operand) (names []string, vals []*val, ok bool) {
	names, vals = p.names[:], p.vals[:]
	if len(keys) > maxTablePairs {
		names, vals = make([]string, len(keys)), make([]*val, len(keys))
	}
	names, vals = names[:len(keys)], vals[:len(keys)]
	for i := range keys {
		k, v, ok := computeBoth(env, keys[i], values[i])
		if !ok {
			return nil, nil, false
		}
		if names[i], ok = k.text(); !ok {
			return nil, nil, false
		}
		vals[i] = v
	}
	return names, vals, env.grow(len(keys))
}

// mapLiteral compiles a map literal as a map[string]any of the decoded
// values.
func (c *fastCompiler) mapLiteral(n *ast.MapNode) (operand, bool) {
	keys, values, ok := c.mapPairs(n)
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		out := &env.regs[at]
		var room literalPairs
		names, vals, ok := room.compute(env, keys, values)
		if !ok {
			return out, false
		}
		m := make(map[string]any, len(keys))
		for i, name := range names {
			if _, first := m[name]; !first {
				m[name] = vals[i].decoded()
			}
		}
		out.setAny(m)
		return out, true
	}, true
}

// maxTablePairs is the most pairs a map literal holds whose keys and
// values stay on the stack while it is built or read (mapMember: a
// larger one is read by expr).
const maxTablePairs = 16

// mapMember compiles {k: v, ...}[key] (and .name): the pairs computed as
// the VM builds the map, then the value of the first pair named key; nil
// when there is none, and the value of the key "" for a nil key, as expr's
// read of a map[string]any answers; a key of another type is its error.
func (c *fastCompiler) mapMember(n *ast.MemberNode) (operand, bool) {
	lit, ok := n.Node.(*ast.MapNode)
	if !ok || n.Method || len(lit.Pairs) > maxTablePairs { // ?. reads it alike: a map literal is never nil
		return nil, false
	}
	keys, values, ok := c.mapPairs(lit)
	if !ok {
		return nil, false
	}
	property, ok := c.operand(n.Property)
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		out := &env.regs[at]
		var room literalPairs
		names, vals, ok := room.compute(env, keys, values)
		if !ok {
			return out, false
		}
		p, ok := property(env)
		if !ok {
			return p, false
		}
		name := ""
		if !p.isNil() {
			if name, ok = p.text(); !ok {
				return out, false
			}
		}
		for i, n := range names {
			if n == name {
				return vals[i], true
			}
		}
		out.setAny(nil)
		return out, true
	}, true
}
