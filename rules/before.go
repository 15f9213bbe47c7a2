package rules

import (
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
	r.fields.members, r.spans = r.scratch.members, r.scratch.spans
	r.fields.fold = p.fold
	defer r.release()
	if err := r.parameters(); err != nil || r.res.Reject != nil {
		return r.res, err
	}
	if p.vars&varBody != 0 && len(body) > 0 {
		r.env.Body = valueOf(parse(body))
	}
	root := parse(body)
	var err error
	if patch := isPatch(in, body, root); !root.IsArray() || patch {
		err = r.single(body, patch, out)
	} else {
		err = r.bulk(root, out)
	}
	return r.res, err
}

// parameters runs the parameters statements, which read the request
// alone; a refusal is left in r.res.
func (r *beforeRun) parameters() error {
	for _, s := range r.p.stmts {
		if s.op != opParameters {
			continue
		}
		request, _ := r.env.Request.(map[string]any)
		rej, err := s.params.check(request)
		if err != nil {
			return &RuntimeError{Where: s.where, Err: err}
		}
		tr := tracer{fn: r.in.Trace, index: -1, cur: s}
		if rej != nil {
			tr.reject(rej)
		}
		tr.next(nil)
		if rej != nil {
			rej.Where = s.where
			r.res.Reject = rej
			return nil
		}
	}
	return nil
}

// single runs the statements on a body that is one record (or a patch of
// one); a changed body is written into out.
func (r *beforeRun) single(body []byte, patch bool, out []byte) error {
	rec, changed, err := r.shaped(body, -1, patch)
	if err != nil || r.res.Reject != nil {
		return err
	}
	if changed {
		r.res.Body = append(out[:0], rec...)
	}
	r.finish()
	return nil
}

// bulk runs the statements on each element of a bulk body; the elements
// kept are written into out when any changed or was left out.
func (r *beforeRun) bulk(root gjson.Result, out []byte) error {
	res := &r.res
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
		if r.in.BulkPartial && r.leaveOut(i, failed) {
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
		return err
	}
	if kept == 0 && len(res.Excluded) > 0 {
		// every element failed: refused whole, every reason listed
		r.errors, res.Excluded = res.Excluded, nil
	}
	if changed {
		res.Body = append(out, ']')
	}
	if i < 0 {
		r.applied = r.p.protects // no record ran them: every protect holds
	}
	r.finish()
	return nil
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

// changedBy notes that the statement at where changed the request.
func (r *beforeRun) changedBy(where string) {
	r.res.Changed = append(changedList(r.res.Changed, len(r.p.stmts)), where)
}

// changedList is the list of the statements that changed a body, made on
// the first with room for as many as a body is usually changed by (all of
// a program's statements, up to eight), so that it grows seldom and a
// large program does not make it large.
func changedList(list []string, stmts int) []string {
	if list == nil {
		return make([]string, 0, min(stmts, 8))
	}
	return list
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

// finish ends a run whose records all ran: the protect statements that
// ran apply to the query string, then a failed check refuses the request
// (422, every failed check listed).
func (r *beforeRun) finish() {
	if r.protectQuery(); r.res.Reject != nil {
		return
	}
	if len(r.errors) > 0 {
		r.res.Reject = &Rejection{Status: 422, Detail: "the request is not valid", Errors: r.errors, Where: r.where}
		r.res.Body = nil
	}
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
