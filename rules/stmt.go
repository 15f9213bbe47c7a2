package rules

import "fmt"

// The evaluations below are shared by the phases.

// applies evaluates the statement's optional `if` condition.
func (s *stmt) applies(env *Env) (bool, error) {
	if s.ifCond == nil {
		return true, nil
	}
	return testProgram(s.ifCond, env)
}

// test evaluates the statement's condition.
func (s *stmt) test(env *Env) (bool, error) { return testProgram(s.expr, env) }

// testProgram evaluates a condition: compiled without the VM where its
// shape allows, else (and where that declines) by the VM. The compiled
// condition is called from here, room made for its slots in line, so that
// a condition on every record of a list costs one call besides its own.
func testProgram(p *program, env *Env) (bool, error) {
	if p.cond != nil {
		env.makeRoom(p.slots)
		env.memory = 0 // counted from nothing, as each VM run counts it
		if v, ok := p.cond(env); ok {
			return v, nil
		}
	}
	return testVM(p, env)
}

// testVM is testProgram by the VM.
func testVM(p *program, env *Env) (bool, error) {
	v, err := p.run(env)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok && v != nil {
		return false, fmt.Errorf("condition is %T, not bool", v)
	}
	return b, nil
}

// rejection evaluates deny or require: a rejection when it fires, else nil.
func (s *stmt) rejection(env *Env) (*Rejection, error) {
	ok, err := s.test(env)
	if err != nil || ok != (s.op == opDeny) {
		return nil, err
	}
	detail, err := s.msg.render(env)
	if err != nil {
		return nil, err
	}
	return &Rejection{Status: s.status, Detail: detail, Where: s.where, byRule: true}, nil
}

// edit evaluates header or query.
func (s *stmt) edit(env *Env) (Edit, error) {
	e := Edit{Name: s.name, Remove: s.remove}
	if s.remove {
		return e, nil
	}
	v, err := s.expr.run(env)
	if err != nil {
		return e, err
	}
	e.Value = string(render(nil, v))
	return e, nil
}

// valueJSON evaluates the statement's value expression as JSON. The bytes
// are valid until the next call with env: callers copy them into the body.
func (s *stmt) valueJSON(env *Env) ([]byte, error) {
	if s.expr.static {
		return s.expr.json, nil // read only: callers copy it into the body
	}
	if s.expr.fast != nil {
		if v, ok := s.expr.compiledValue(env); ok {
			if enc, ok := v.appendScalarJSON(env.json[:0]); ok {
				env.json = enc // reused by the next statement: callers copy it
				return enc, nil
			}
			return appendJSON(nil, v.decoded())
		}
	}
	v, err := s.expr.runVM(env) // static and compiled answered above
	if err != nil {
		return nil, err
	}
	return appendJSON(nil, v)
}
