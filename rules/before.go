package rules

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// BeforeResult is what the before phase decided for a request.
type BeforeResult struct {
	// Reject is set when the request must be refused.
	Reject *Rejection

	// Body is the rewritten body; nil when no statement changed it.
	Body []byte

	// Headers and Query are the edits to the request sent upstream.
	Headers []Edit
	Query   []Edit

	// RawQuery is the query string without the parameters protect
	// removed, when QueryRewritten.
	RawQuery       string
	QueryRewritten bool

	// Changed names the statements that changed the body (for report mode).
	Changed []string

	// Excluded lists why the elements a bulk partial body left out failed,
	// by their index in the body the client sent (`[3].email`, or `[3]` for
	// a deny or require); Body holds the elements kept.
	Excluded []FieldError
}

// Edit sets or removes a header or query parameter.
type Edit struct {
	Name   string
	Value  string
	Remove bool
}

// RunBefore runs the before program on a request whose JSON body (already
// validated; nil when there is none) is body. A JSON array is a bulk body:
// every element is a record and meets every statement. A rewritten body
// is written into out (a reused buffer; appended to out[:0], grown when
// too small).
func (p *Program) RunBefore(in *Input, body, out []byte) (BeforeResult, error) {
	if p.Empty() {
		return BeforeResult{}, nil
	}
	r := beforeRuns.Get().(*beforeRun)
	*r = beforeRun{p: p, in: in, env: newEnv(p, in), scratch: r.scratch}
	res := &r.res
	r.fields.members, r.spans = r.scratch.members, r.scratch.spans
	r.fields.fold = p.fold
	defer r.release()
	for _, s := range p.stmts {
		if s.op != opParameters {
			continue
		}
		request, _ := r.env.Request.(map[string]any)
		rej, err := s.params.check(request)
		if err != nil {
			return *res, &RuntimeError{Where: s.where, Err: err}
		}
		tr := tracer{fn: in.Trace, index: -1, cur: s}
		if rej != nil {
			tr.reject(rej)
		}
		tr.next(nil)
		if rej != nil {
			rej.Where = s.where
			res.Reject = rej
			return *res, nil
		}
	}
	if p.vars&varBody != 0 && len(body) > 0 {
		r.env.Body = valueOf(parse(body))
	}
	root := parse(body)
	if patch := isPatch(in, body, root); !root.IsArray() || patch {
		rec, changed, err := r.shaped(body, -1, patch)
		if err != nil || res.Reject != nil {
			return *res, err
		}
		if changed {
			res.Body = append(out[:0], rec...)
		}
		if r.protectQuery(); res.Reject != nil {
			return *res, nil
		}
		return r.finish(), nil
	}
	var (
		changed bool
		i       = -1
		kept    int
		err     error
	)
	out = append(out[:0], '[')
	root.ForEach(func(_, v gjson.Result) bool {
		i++
		failed := len(r.errors)
		rec, c, e := r.shaped(unsafeBytes(v.Raw), i, false)
		if e != nil {
			err = e
			return false
		}
		if in.BulkPartial && r.leaveOut(i, failed) {
			changed = true
			return true
		}
		if res.Reject != nil {
			return false
		}
		if kept > 0 {
			out = append(out, ',')
		}
		kept++
		changed = changed || c
		out = append(out, rec...)
		return true
	})
	if err != nil || res.Reject != nil {
		return *res, err
	}
	if kept == 0 && len(res.Excluded) > 0 {
		// every element failed: refused whole, every reason listed
		r.errors, res.Excluded = res.Excluded, nil
	}
	if changed {
		res.Body = append(out, ']')
	}
	if i < 0 {
		r.applied = p.protects // no record ran them: every protect holds
	}
	if r.protectQuery(); res.Reject != nil {
		return *res, nil
	}
	return r.finish(), nil
}

// leaveOut decides, in a bulk partial body, whether element i failed (a
// deny or require refused it, or checks after the first failed ones
// failed) and, if so, moves its reasons to res.Excluded.
func (r *beforeRun) leaveOut(i, failed int) bool {
	switch rej := r.res.Reject; {
	case rej != nil && rej.byRule:
		msg := rej.Detail
		if msg == "" {
			msg = "refused with status " + strconv.Itoa(rej.Status)
		}
		r.res.Excluded = append(r.res.Excluded, FieldError{Field: "[" + strconv.Itoa(i) + "]", Message: msg})
		r.res.Reject = nil
		return true
	case rej == nil && len(r.errors) > failed:
		r.res.Excluded = append(r.res.Excluded, r.errors[failed:]...)
		r.errors = r.errors[:failed]
		return true
	}
	return false
}

// scratch is what a before run keeps across requests in a pool: its
// rewrite buffers and the storage of a record's members.
type scratch struct {
	rewriteBuffers
	members []member // storage for the record's scanned members
	spans   spans    // storage for where a rewrite put them
	edits   []byte   // the values and names of members set and not yet written
	spots   []int    // where a write put each member's name and value
}

type beforeRun struct {
	p       *Program
	in      *Input
	env     *Env
	res     BeforeResult
	errors  []FieldError
	where   string         // the first failed check
	view    map[string]any // reused for every record
	shape   *shape         // the record is the view of a patch or operator body
	fields  recordFields   // the record statements read
	spans   spans          // where a rewrite put the record's members
	oldRaw  []byte         // the old record as JSON, once protect strict needs it
	applied []*stmt        // the protect statements that applied to a record
	*scratch
}

// changedBy notes that the statement at where changed the request; the
// list is made once, with room for every statement.
func (r *beforeRun) changedBy(where string) {
	if r.res.Changed == nil {
		r.res.Changed = make([]string, 0, len(r.p.stmts))
	}
	r.res.Changed = append(r.res.Changed, where)
}

// decodeRecord is the current record as the VM reads it.
func (r *beforeRun) decodeRecord() any { return decodeFields(&r.fields, r.p, &r.view) }

// adopt makes raw, just written by a rewrite that recorded r.spans, the
// record statements read, with its members known without a scan.
func (r *beforeRun) adopt(raw []byte) {
	r.fields.adopt(unsafeString(raw), r.spans)
	r.env.setRecord(&r.fields, r)
}

// hold returns enc, the value a statement computed, as memory that stays
// until the record is written: a constant's own, else a copy.
func (r *beforeRun) hold(s *stmt, enc []byte) string {
	if s.expr.static {
		return unsafeString(enc) // the program's, read only
	}
	at := len(r.edits)
	r.edits = append(r.edits, enc...)
	return unsafeString(r.edits[at:])
}

func (r *beforeRun) release() {
	r.env.release()
	r.scratch.members, r.scratch.spans = r.fields.members[:0], r.spans[:0]
	clear(r.scratch.members[:cap(r.scratch.members)]) // drop references to the body
	if cap(r.bufs[0]) <= maxPooledRewrite && cap(r.bufs[1]) <= maxPooledRewrite && cap(r.edits) <= maxPooledRewrite &&
		cap(r.scratch.members) <= maxPooledMembers {
		*r = beforeRun{scratch: r.scratch} // holds nothing of the request
		beforeRuns.Put(r)
	}
}

func (r *beforeRun) finish() BeforeResult {
	if len(r.errors) > 0 {
		r.res.Reject = &Rejection{Status: 422, Detail: "the request is not valid", Errors: r.errors, Where: r.where}
		r.res.Body = nil
	}
	return r.res
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

// statements runs the record statements on raw; edits of its top-level
// members may be left in r.fields, unwritten.
func (r *beforeRun) statements(raw []byte, index int) ([]byte, bool, error) {
	env := r.env
	env.Index = index
	needs := r.p.needs
	if needs && len(raw) > 0 && !parse(raw).IsObject() && r.p.mutatesOrGuards() {
		r.res.Reject = &Rejection{Status: 400, Detail: "the request body must be a JSON object or an array of objects"}
		return raw, false, nil
	}
	stale := !sameText(r.fields.raw, unsafeString(raw)) // raw changed since r.fields were set
	if !stale {
		env.setRecord(&r.fields, r)
	}
	sync := func() {
		if stale {
			r.fields.reset(unsafeString(raw))
			env.setRecord(&r.fields, r)
			stale = false
		}
	}
	changed := false
	tr := tracer{fn: r.in.Trace, index: index}
	for i, s := range r.p.stmts {
		if r.fields.edited && (r.p.text[i] || r.shape != nil || tr.fn != nil) {
			raw = r.written(raw, true) // the record's text is read, or each step shown
		}
		if s.op != opParameters {
			tr.next(s)
		}
		if r.p.olds[i] && r.in.LoadOld != nil {
			if err := r.loadOld(); err != nil {
				return raw, changed, err
			}
		}
		if r.p.reads[i] {
			sync()
		}
		fail := func(err error) ([]byte, bool, error) {
			return raw, changed, &RuntimeError{Where: s.where, Err: err}
		}
		switch s.op {
		case opDeny, opRequire:
			rej, err := s.rejection(env)
			if err != nil {
				return fail(err)
			}
			if rej != nil {
				tr.reject(rej)
				r.res.Reject = rej
				return raw, changed, nil
			}
		case opCheck:
			ok, err := s.test(env)
			if err != nil {
				return fail(err)
			}
			if !ok {
				msg, err := s.msg.render(env)
				if err != nil {
					return fail(err)
				}
				field := s.name
				if index >= 0 {
					field = "[" + strconv.Itoa(index) + "]." + field
				}
				if r.where == "" {
					r.where = s.where
				}
				tr.step(Step{Decision: Failed, Field: field, Detail: msg, Count: 1})
				r.errors = append(r.errors, FieldError{Field: field, Message: msg})
			}
		case opSchema:
			prefix, ptr := "", ""
			if index >= 0 {
				prefix, ptr = "["+strconv.Itoa(index)+"].", "/"+strconv.Itoa(index)
			}
			errs, err := s.schema.errors(raw, prefix, ptr, r.p.fold)
			if err != nil {
				return fail(err)
			}
			if len(errs) > 0 && r.where == "" {
				r.where = s.where
			}
			if len(errs) > 0 {
				tr.step(Step{Decision: Failed, Field: errs[0].Field, Detail: errs[0].Message, Count: len(errs)})
			}
			r.errors = append(r.errors, errs...)
		case opSet, opDefault, opTransform:
			if ok, err := tr.applies(s, env); err != nil || !ok {
				if err != nil {
					return fail(err)
				}
				continue
			}
			sync()
			cur := r.fields.at(s.path.keys())
			switch {
			case s.op == opDefault && cur.Exists() && cur.Type != gjson.Null:
				continue
			case s.op == opTransform && !cur.Exists():
				continue
			}
			if s.op == opTransform {
				env.Value = valueOf(cur)
			}
			var was string
			if tr.fn != nil {
				was = strings.Clone(cur.Raw)
			}
			enc, err := s.valueJSON(env)
			env.Value = nil
			if err != nil {
				return fail(err)
			}
			out := raw
			if keys := s.path.keys(); len(keys) == 1 && r.fields.state == scanned {
				r.fields.setMember(keys[0], r.hold(s, enc), &r.edits) // written later
				env.setRecord(&r.fields, r)
			} else {
				r.spans = r.spans[:0]
				out, err = appendSetting(r.spare(raw), unsafeString(raw), keys, enc, &r.spans, r.p.fold)
				r.keep(out)
				if err != nil {
					r.res.Reject = &Rejection{Status: 400, Detail: "the request body must be a JSON object or an array of objects"}
					return raw, changed, nil
				}
				r.adopt(out)
			}
			if tr.fn != nil && was != string(enc) {
				tr.step(Step{Decision: Changed, Field: s.path.String(), Before: was, After: string(enc), Count: 1})
			}
			raw, changed = out, true
			stale = false
			r.changedBy(s.where)
			if r.shape != nil {
				r.shape.set(s.path.keys(), enc)
			}
		case opProtect, opOnly:
			if ok, err := tr.applies(s, env); err != nil || !ok {
				if err != nil {
					return fail(err)
				}
				continue
			}
			if s.op == opProtect && r.in.RawQuery != "" && !slices.Contains(r.applied, s) {
				r.applied = append(r.applied, s)
			}
			if r.shape != nil {
				rej, c := r.shape.guard(s)
				if rej != nil {
					tr.reject(rej)
					r.res.Reject = rej
					return raw, changed, nil
				}
				if c && tr.fn != nil {
					tr.step(removal(s, raw, r.shape.view()))
				}
				if c {
					raw, changed, stale = r.shape.view(), true, true
					r.changedBy(s.where)
				}
				continue
			}
			if s.strict {
				if fields := r.strictViolations(s, raw); len(fields) > 0 {
					r.res.Reject = &Rejection{Status: 403, Where: s.where,
						Detail: "the request may not set " + strings.Join(fields, ", ")}
					tr.reject(r.res.Reject)
					return raw, changed, nil
				}
				continue
			}
			var out []byte
			var c bool
			r.spans = r.spans[:0]
			if s.op == opProtect && s.tree.namesOnly() {
				sync()
				if r.fields.scan(); r.fields.state == scanned {
					if r.fields.removeMembers(s.tree) > 0 { // written later
						if tr.fn != nil {
							out := r.written(raw, true)
							tr.step(removal(s, raw, out))
							raw = out
						}
						changed = true
						env.setRecord(&r.fields, r)
						r.changedBy(s.where)
					}
					continue
				}
			}
			if s.op == opOnly {
				out, c = appendKeeping(r.spare(raw), parse(raw), s.tree)
			} else {
				var n int
				out, n = appendDeletingSpans(r.spare(raw), unsafeString(raw), []*pathTree{s.tree}, &r.spans)
				c = n > 0
			}
			r.keep(out)
			if c && tr.fn != nil {
				tr.step(removal(s, raw, out))
			}
			if c {
				raw, changed, stale = out, true, true
				if s.op == opProtect && len(out) > 0 && out[0] == '{' {
					r.adopt(raw)
					stale = false
				}
				r.changedBy(s.where)
			}
		case opHeader, opQuery:
			e, err := s.edit(env)
			if err != nil {
				return fail(err)
			}
			if s.op == opHeader {
				r.res.Headers = append(r.res.Headers, e)
			} else {
				r.res.Query = append(r.res.Query, e)
			}
		case opLog:
			if err := s.log(env, r.in); err != nil {
				return fail(err)
			}
		}
	}
	tr.next(nil)
	return raw, changed, nil
}

// protectQuery applies the protect statements that ran to the query
// string: a strict one naming a parameter refuses the request (403, the
// fields named), the others remove the parameters they name.
func (r *beforeRun) protectQuery() {
	if r.in.RawQuery == "" || len(r.applied) == 0 {
		return
	}
	out, changed, where, refused := queryProtection(r.in.RawQuery, r.applied, !r.p.fold)
	if len(refused) > 0 {
		r.res.Reject = &Rejection{Status: 403, Where: r.applied[0].where,
			Detail: "the request may not set " + strings.Join(refused, ", ")}
		for _, s := range r.applied {
			if s.strict {
				r.res.Reject.Where = s.where
				break
			}
		}
		return
	}
	if changed {
		r.res.RawQuery, r.res.QueryRewritten = out, true
		r.res.Changed = append(r.res.Changed, where...)
	}
}

// strictViolations lists the protected fields the record carries; with an
// old record, a field whose value is unchanged is allowed (numbers by their
// exact decimal value).
func (r *beforeRun) strictViolations(s *stmt, raw []byte) []string {
	var fields []string
	old := r.oldJSON()
	for i, p := range s.paths {
		if !present(parse(raw), s.trees[i]) {
			continue
		}
		// A value the path reaches through objects alone may equal the
		// old one; one inside an array always counts as written.
		if v := r.valueAt(raw, p); old != nil && !p.hasStar() && v.Exists() {
			if ov := getRaw(old, p); ov.Exists() && jsonEqual(ov, v) {
				continue
			}
		}
		fields = append(fields, p.text)
	}
	return fields
}

// valueAt reads the value at p (no wildcards) through objects, the last of
// duplicate keys winning, names matched as the program matches them.
func (r *beforeRun) valueAt(raw []byte, p Path) gjson.Result {
	if !r.p.fold {
		return getRaw(raw, p)
	}
	v := parse(raw)
	for _, k := range p.keys() {
		if v = lastMember(v, k, true); !v.Exists() {
			break
		}
	}
	return v
}

// loadOld fetches the old record for the statements that read it.
func (r *beforeRun) loadOld() error {
	load := r.in.LoadOld
	r.in.LoadOld = nil
	old, raw, err := load()
	if err != nil {
		return err
	}
	r.in.Old, r.in.OldJSON, r.env.Old = old, raw, old
	return nil
}

// oldJSON is the old record as JSON: its text when the caller kept it,
// else the decoded record encoded; nil when there is no old object.
func (r *beforeRun) oldJSON() []byte {
	if r.oldRaw != nil || r.in.Old == nil {
		return r.oldRaw
	}
	if _, ok := r.in.Old.(map[string]any); !ok {
		return nil
	}
	if r.in.OldJSON != nil && parse(r.in.OldJSON).IsObject() {
		r.oldRaw = r.in.OldJSON
	} else if enc, err := appendJSON(nil, r.in.Old); err == nil {
		r.oldRaw = enc
	}
	return r.oldRaw
}

// mutatesOrGuards reports whether some statement must see an object.
func (p *Program) mutatesOrGuards() bool {
	for _, s := range p.stmts {
		if s.touchesRecord() {
			return true
		}
	}
	return false
}
