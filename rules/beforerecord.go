package rules

import (
	"slices"
	"strconv"
	"strings"
)

// recordRun is the state of the statements running on one record.
type recordRun struct {
	raw     []byte // the record as the statements left it so far
	index   int    // its index in a bulk body, -1 for a single record
	changed bool   // a statement changed it
	stale   bool   // raw changed since r.fields were set
	tr      tracer
}

// record runs every statement on one record. It returns the record, whether
// it changed, and a runtime error. A rejection is left in r.res.
func (r *beforeRun) record(raw []byte, index int) ([]byte, bool, error) {
	r.edits = r.edits[:0]
	raw, changed, err := r.statements(raw, index)
	if r.fields.edited && sameText(r.fields.raw, unsafeString(raw)) {
		raw = r.written(raw, false) // the record is done
	}
	return raw, changed, err
}

// written returns raw, the text of r.fields, with the edits they hold
// written into it once (see recordFields.write); with fields, the members
// of r.fields are pointed at what it returns, else found again if read.
func (r *beforeRun) written(raw []byte, fields bool) []byte {
	if !r.fields.edited {
		return raw
	}
	spots := &r.spots
	if !fields {
		spots = nil
	}
	out := r.fields.write(r.spare(raw), spots)
	r.keep(out)
	return out
}

// membersOnly reports whether s reads and edits the record only through
// its scanned members, so that the edits before it need not be written
// first (Program.text tells the others).
func (s *stmt) membersOnly() bool {
	switch s.op {
	case opDeny, opRequire, opCheck, opHeader, opQuery, opLog, opParameters:
		return true
	case opSet, opDefault, opTransform:
		return len(s.path.keys()) == 1
	case opProtect:
		return !s.strict && s.tree.namesOnly()
	}
	return false
}

// notObjects is the detail of a 400 for a body whose records are not objects.
const notObjects = "the request body must be a JSON object or an array of objects"

// statements runs the record statements on raw; edits of its top-level
// members may be left in r.fields, unwritten.
func (r *beforeRun) statements(raw []byte, index int) ([]byte, bool, error) {
	r.env.Index = index
	if r.p.needs && len(raw) > 0 && !parse(raw).IsObject() && r.p.mutatesOrGuards() {
		r.res.Reject = &Rejection{Status: 400, Detail: notObjects}
		return raw, false, nil
	}
	c := recordRun{raw: raw, index: index, stale: !sameText(r.fields.raw, unsafeString(raw)),
		tr: tracer{fn: r.in.Trace, index: index}}
	if !c.stale {
		r.env.setRecord(&r.fields, r)
	}
	for i, s := range r.p.stmts {
		if r.fields.edited && (r.p.text[i] || r.shape != nil || c.tr.fn != nil) {
			c.raw = r.written(c.raw, true) // the record's text is read, or each step shown
		}
		if s.op != opParameters {
			c.tr.next(s)
		}
		if r.p.olds[i] && r.in.LoadOld != nil {
			if err := r.loadOld(); err != nil {
				return c.raw, c.changed, err
			}
		}
		if r.p.reads[i] {
			r.sync(&c)
		}
		stop, err := r.statement(s, &c)
		if err != nil {
			return c.raw, c.changed, &RuntimeError{Where: s.where, Err: err}
		}
		if stop {
			return c.raw, c.changed, nil
		}
	}
	c.tr.next(nil)
	return c.raw, c.changed, nil
}

// statement runs s on the record; stop means it refused the request.
func (r *beforeRun) statement(s *stmt, c *recordRun) (stop bool, err error) {
	switch s.op {
	case opDeny, opRequire:
		return r.deny(s, c)
	case opCheck:
		return false, r.check(s, c)
	case opSchema:
		return false, r.checkSchema(s, c)
	case opSet, opDefault, opTransform:
		return r.assign(s, c)
	case opProtect, opOnly:
		return r.remove(s, c)
	case opHeader, opQuery:
		return false, r.editRequest(s)
	case opLog:
		return false, s.log(r.env, r.in)
	}
	return false, nil
}

// sync points r.fields at the record when it changed since they were set.
func (r *beforeRun) sync(c *recordRun) {
	if c.stale {
		r.fields.reset(unsafeString(c.raw))
		r.env.setRecord(&r.fields, r)
		c.stale = false
	}
}

// deny runs a deny or require: it refuses the request when its condition
// says so.
func (r *beforeRun) deny(s *stmt, c *recordRun) (bool, error) {
	rej, err := s.rejection(r.env)
	if err != nil || rej == nil {
		return false, err
	}
	c.tr.reject(rej)
	r.res.Reject = rej
	return true, nil
}

// check runs a check: a failed one adds its field's error, and the
// statements go on so that every failed check is listed.
func (r *beforeRun) check(s *stmt, c *recordRun) error {
	ok, err := s.test(r.env)
	if err != nil || ok {
		return err
	}
	msg, err := s.msg.render(r.env)
	if err != nil {
		return err
	}
	field := s.name
	if c.index >= 0 {
		field = "[" + strconv.Itoa(c.index) + "]." + field
	}
	if r.where == "" {
		r.where = s.where
	}
	c.tr.step(Step{Decision: Failed, Field: field, Detail: msg, Count: 1})
	r.errors = append(r.errors, FieldError{Field: field, Message: msg})
	return nil
}

// checkSchema runs a schema statement: each field the record breaks the
// schema at adds its error.
func (r *beforeRun) checkSchema(s *stmt, c *recordRun) error {
	prefix, ptr := "", ""
	if c.index >= 0 {
		prefix, ptr = "["+strconv.Itoa(c.index)+"].", "/"+strconv.Itoa(c.index)
	}
	errs, err := s.schema.errors(c.raw, prefix, ptr, r.p.fold)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		if r.where == "" {
			r.where = s.where
		}
		c.tr.step(Step{Decision: Failed, Field: errs[0].Field, Detail: errs[0].Message, Count: len(errs)})
	}
	r.errors = append(r.errors, errs...)
	return nil
}

// assign runs a set, default or transform on the record. A value for a
// top-level member is left in r.fields to be written later; a deeper one
// is written at once.
func (r *beforeRun) assign(s *stmt, c *recordRun) (bool, error) {
	env := r.env
	if ok, err := c.tr.applies(s, env); err != nil || !ok {
		return false, err
	}
	r.sync(c)
	keys := s.path.keys()
	var cur string // the value's text, read where the statement or a trace needs it
	present := false
	if s.op != opSet || c.tr.fn != nil {
		cur, present = r.fields.rawAt(keys)
	} else {
		r.fields.scan() // as a read would: the members are set below
	}
	switch {
	case s.op == opDefault && present && cur != "null":
		return false, nil
	case s.op == opTransform && !present:
		return false, nil
	}
	if s.op == opTransform {
		env.setValueText(cur)
	}
	var was string
	if c.tr.fn != nil {
		was = strings.Clone(cur)
	}
	enc, err := s.valueJSON(env)
	env.setValueText("")
	if err != nil {
		return false, err
	}
	if s.op == opTransform && cur == string(enc) {
		return false, nil // the same text: nothing to write (lower of a name already lower)
	}
	out := c.raw
	if len(keys) == 1 && r.fields.state == scanned {
		r.fields.setMember(keys[0], r.hold(s, enc), &r.edits) // written later
		env.setRecord(&r.fields, r)
	} else {
		r.spans = r.spans[:0]
		out, err = appendSetting(r.spare(c.raw), unsafeString(c.raw), keys, enc, &r.spans, r.p.fold)
		r.keep(out)
		if err != nil {
			r.res.Reject = &Rejection{Status: 400, Detail: notObjects}
			return true, nil
		}
		r.adopt(out)
	}
	if c.tr.fn != nil && was != string(enc) {
		c.tr.step(Step{Decision: Changed, Field: s.path.String(), Before: was, After: string(enc), Count: 1})
	}
	c.raw, c.changed, c.stale = out, true, false
	r.changedBy(s.where)
	if r.shape != nil {
		r.shape.set(keys, enc)
	}
	return false, nil
}

// remove runs a protect or only on the record.
func (r *beforeRun) remove(s *stmt, c *recordRun) (bool, error) {
	if ok, err := c.tr.applies(s, r.env); err != nil || !ok {
		return false, err
	}
	if s.op == opProtect && r.in.RawQuery != "" && !slices.Contains(r.applied, s) {
		r.applied = append(r.applied, s)
	}
	switch {
	case r.shape != nil:
		return r.guardShape(s, c), nil
	case s.strict:
		return r.refuseProtected(s, c), nil
	case s.op == opProtect && s.tree.namesOnly():
		r.sync(c)
		if r.fields.scan(); r.fields.state == scanned {
			r.removeMembers(s, c)
			return false, nil
		}
	}
	r.rewriteRemoving(s, c)
	return false, nil
}

// guardShape runs a protect or only on a patch or operator body, through
// its view; true when it refused the request.
func (r *beforeRun) guardShape(s *stmt, c *recordRun) bool {
	rej, changed := r.shape.guard(s)
	if rej != nil {
		c.tr.reject(rej)
		r.res.Reject = rej
		return true
	}
	if changed {
		if c.tr.fn != nil {
			c.tr.step(removal(s, c.raw, r.shape.view()))
		}
		c.raw, c.changed, c.stale = r.shape.view(), true, true
		r.changedBy(s.where)
	}
	return false
}

// refuseProtected runs a protect strict: the request is refused (403, the
// fields named) when the record sets a protected field; true when it was.
func (r *beforeRun) refuseProtected(s *stmt, c *recordRun) bool {
	fields := r.strictViolations(s, c.raw)
	if len(fields) == 0 {
		return false
	}
	r.res.Reject = &Rejection{Status: 403, Where: s.where,
		Detail: "the request may not set " + strings.Join(fields, ", ")}
	c.tr.reject(r.res.Reject)
	return true
}

// removeMembers runs a protect that names top-level members only on the
// scanned members; the removal is written later.
func (r *beforeRun) removeMembers(s *stmt, c *recordRun) {
	if r.fields.removeMembers(s.tree) == 0 {
		return
	}
	if c.tr.fn != nil {
		out := r.written(c.raw, true)
		c.tr.step(removal(s, c.raw, out))
		c.raw = out
	}
	c.changed = true
	r.env.setRecord(&r.fields, r)
	r.changedBy(s.where)
}

// rewriteRemoving runs a protect or only by writing the record again
// without what it removes.
func (r *beforeRun) rewriteRemoving(s *stmt, c *recordRun) {
	r.spans = r.spans[:0]
	var out []byte
	var removed bool
	if s.op == opOnly {
		out, removed = appendKeeping(r.spare(c.raw), parse(c.raw), s.tree)
	} else {
		var n int
		out, n = appendDeletingSpans(r.spare(c.raw), unsafeString(c.raw), []*pathTree{s.tree}, &r.spans)
		removed = n > 0
	}
	r.keep(out)
	if !removed {
		return
	}
	if c.tr.fn != nil {
		c.tr.step(removal(s, c.raw, out))
	}
	c.raw, c.changed, c.stale = out, true, true
	if s.op == opProtect && len(out) > 0 && out[0] == '{' {
		r.adopt(c.raw)
		c.stale = false
	}
	r.changedBy(s.where)
}

// editRequest runs a header or query statement: the edit goes with the
// request upstream.
func (r *beforeRun) editRequest(s *stmt) error {
	e, err := s.edit(r.env)
	if err != nil {
		return err
	}
	if s.op == opHeader {
		r.res.Headers = append(r.res.Headers, e)
	} else {
		r.res.Query = append(r.res.Query, e)
	}
	return nil
}
