package rules

import (
	"errors"
	"slices"
	"strconv"

	"github.com/tidwall/gjson"
)

// Shape says where records sit in a response body.
type Shape struct {
	// Records is the path of the record(s) in the body; empty: the body.
	Records []string
	// Total is the path of a count field lowered by dropped records.
	Total []string
	// List says the body answers a list: with Records set, the records
	// path must hold an array (or null, no records), else RunAfter returns
	// ErrNoRecords. Otherwise the records path holds one record (an array
	// there is filtered element by element), and where it is absent the
	// body itself is the record.
	List bool
}

// ErrNoRecords is a list response without an array at the records path:
// its records cannot be found, so it cannot be filtered.
var ErrNoRecords = errors.New("no array at the records path of a list response")

// AfterResult is what the after phase did to a response.
type AfterResult struct {
	// Reject replaces the response with a problem.
	Reject *Rejection

	// Body is the filtered body; nil when unchanged.
	Body []byte

	// Headers are response headers to set or remove.
	Headers []Edit

	// Hidden counts the fields hide and only removed; Dropped the records
	// drop removed; Masked and Redacted the values mask and redact replaced.
	Hidden, Dropped, Masked, Redacted int

	// Changed names the statements that changed the body (for report mode).
	Changed []string
}

// RunAfter runs the after program on a JSON response body, writing the
// filtered body into out (a reused buffer, sharing no memory with body,
// which is read as out is written and must not change meanwhile). The body is validated in the
// same pass: ErrMalformed when it is not JSON, whatever the rules did. A
// JSON array at the records path is a list: every element is a record; an
// object is one record.
func (p *Program) RunAfter(in *Input, body []byte, shape Shape, out []byte) (AfterResult, error) {
	src := unsafeString(body)
	i := skipSpace(src, 0)
	if p.Empty() || p.vars&varBody != 0 || i >= len(src) || (src[i] != '{' && src[i] != '[') {
		if !ValidJSON(body) {
			return AfterResult{}, ErrMalformed
		}
		if shape.List && len(shape.Records) > 0 && !p.Empty() && (i >= len(src) || src[i] != '{') {
			return AfterResult{}, ErrNoRecords
		}
		if p.Empty() || (src[i] != '{' && src[i] != '[') {
			return AfterResult{}, nil // nothing to filter: no rules, or no record
		}
	}
	r := afterRuns.Get().(*afterRun)
	st := r.storage
	*r = afterRun{p: p, in: in, env: newEnv(p, in), totalAt: -1, list: shape.List, storage: st,
		members: st.members, nested: st.nested, pending: st.pending, pendingAt: st.pendingAt}
	r.slots.use(p.fieldSlots)
	defer r.release()
	if p.vars&varBody != 0 {
		r.env.Body = valueOf(parse(body))
	}
	out, end, err := r.body(out, src, i, shape)
	switch {
	case err == ErrMalformed:
		return AfterResult{}, err
	case err != nil || r.res.Reject != nil:
		// Stopped early: the rest must still be JSON for the rejection or
		// the error to stand.
		if !ValidJSON(body) {
			return AfterResult{}, ErrMalformed
		}
		return r.res, err
	case skipSpace(src, end) != len(src):
		return AfterResult{}, ErrMalformed
	}
	if r.changed {
		r.res.Body = out
	}
	return r.res, nil
}

// body filters the records of the body whose first byte is s[i]: at the
// records path of shape, or the body itself when that path is absent.
func (r *afterRun) body(out []byte, s string, i int, shape Shape) ([]byte, int, error) {
	if len(shape.Records) > 0 && s[i] == '{' {
		mark := len(out)
		out, found, end, err := r.envelope(out, s, i, shape.Records, shape.Total)
		if err != nil || r.res.Reject != nil {
			return out, end, err
		}
		if found {
			r.lowerTotal(out)
			return out, end, nil
		}
		if r.list {
			return out, end, ErrNoRecords
		}
		// An API may envelope its lists only: where the records path is
		// absent, the body itself is the record, so no rule is skipped.
		out = out[:mark]
		r.res = AfterResult{}
		r.changed, r.totalAt = false, -1
	}
	if r.list && len(shape.Records) > 0 {
		return out, i, ErrNoRecords // not an envelope
	}
	return r.records(out, s, i)
}

type afterRun struct {
	p         *Program
	in        *Input
	env       *Env
	res       AfterResult
	changed   bool
	list      bool        // see Shape.List
	pending   []*pathTree // storage for pendingTrees
	pendingAt []int32     // the indexes of the hide statements pending on the record
	view      map[string]any
	fields    recordFields
	slots     memberSlots  // fields' members by the field naming them
	rewritten recordFields // a record rewritten by an earlier statement
	nested    nested       // nested objects scanned with the record (see Program.descend)
	storage   *afterStorage

	noted          uint64   // the statements (by index, the first 64) already in res.Changed
	notedMore      []*stmt  // those beyond the first 64
	dropped        string   // the drop that removed the last dropped record
	members        []member // the current record's members, while cur is as scanned
	membersValid   bool
	lastMet        bool   // every member of the last record scanned met its guess
	cur            []byte // the current record as the statements so far left it
	stale          bool   // cur is not what the expressions see yet
	hidden         int    // values the record's hides left out so far
	rewriteBuffers        // what mask and redact write a record into, in turn

	totalAt, totalWidth int // where the total's digits sit in the output
	totalValue          int64
}

// afterStorage is what a run's scans fill and reuse from record to
// record, kept with the run across responses in a pool.
type afterStorage struct {
	members   []member
	nested    nested
	pending   []*pathTree
	pendingAt []int32
	bits      memberBits
	plans     hidePlans
}

// release gives the run back with its storage, holding no reference to
// the body.
func (r *afterRun) release() {
	r.env.release()
	clear(r.members[:cap(r.members)])
	clear(r.nested.kids[:cap(r.nested.kids)])
	for i := range r.nested.levels {
		clear(r.nested.levels[i][:cap(r.nested.levels[i])])
	}
	r.nested.keepKeys() // the next body this storage scans is expected to repeat them
	clear(r.pending[:cap(r.pending)])
	if cap(r.members)+cap(r.nested.kids) > maxPooledMembers {
		return // let unusually large ones go
	}
	r.nested.kids, r.nested.unmet = r.nested.kids[:0], 0 // the rest, the kept names with it, goes back as it is
	*r.storage = afterStorage{members: r.members[:0], nested: r.nested, pending: r.pending[:0], pendingAt: r.pendingAt[:0], bits: r.storage.bits, plans: r.storage.plans}
	*r = afterRun{storage: r.storage} // holds nothing of the response
	afterRuns.Put(r)
}

// envelope copies the object at s[i], filtering the records at path and
// noting where the total at total sits (either may be empty). It reports
// whether it found records at path, and returns the index past the object.
func (r *afterRun) envelope(out []byte, s string, i int, path, total []string) ([]byte, bool, int, error) {
	found := false
	out = append(out, '{')
	if i = skipSpace(s, i+1); i >= len(s) {
		return out, found, i, ErrMalformed
	}
	if s[i] == '}' {
		return append(out, '}'), found, i + 1, nil
	}
	for first := true; ; first = false {
		key, keyRaw, v := scanKey(s, i)
		if v < 0 {
			return out, found, i, ErrMalformed
		}
		i = v
		if !first {
			out = append(out, ',')
		}
		out = append(out, keyRaw...)
		out = append(out, ':')
		onPath := len(path) > 0 && key == path[0]
		onTotal := len(total) > 0 && key == total[0]
		var err error
		switch {
		case onPath && len(path) == 1 && (s[i] == '[' || s[i] == '{' && !r.list):
			out, i, err = r.records(out, s, i)
			found = true
		case onPath && r.list && len(path) == 1 && s[i] == 'n':
			end := skipValue(s, i) // null: a list without records
			if end < 0 || s[i:end] != "null" {
				return out, found, i, ErrMalformed
			}
			out = append(out, "null"...)
			i, found = end, true
		case onPath && r.list && (len(path) == 1 || s[i] != '{'):
			// every member on the path must lead to the records, or a
			// client reading the last of duplicate keys reads it unfiltered
			return out, found, i, ErrNoRecords
		case (onPath || onTotal) && s[i] == '{':
			var subPath, subTotal []string
			if onPath {
				subPath = path[1:]
			}
			if onTotal {
				subTotal = total[1:]
			}
			var f bool
			out, f, i, err = r.envelope(out, s, i, subPath, subTotal)
			found = found || f
		default:
			end := skipValue(s, i)
			if end < 0 {
				return out, found, i, ErrMalformed
			}
			if onTotal && len(total) == 1 && r.totalAt < 0 {
				if n, perr := strconv.ParseInt(s[i:end], 10, 64); perr == nil && n >= 0 {
					r.totalAt, r.totalWidth, r.totalValue = len(out), end-i, n
				}
			}
			out = append(out, s[i:end]...)
			i = end
		}
		if err != nil || r.res.Reject != nil {
			return out, found, i, err
		}
		if i = skipSpace(s, i); i >= len(s) {
			return out, found, i, ErrMalformed
		}
		switch s[i] {
		case '}':
			return append(out, '}'), found, i + 1, nil
		case ',':
			if i = skipSpace(s, i+1); i >= len(s) {
				return out, found, i, ErrMalformed
			}
		default:
			return out, found, i, ErrMalformed
		}
	}
}

// lowerTotal rewrites the total's digits in place, padded with spaces
// (valid JSON), so the body is still written in one pass.
func (r *afterRun) lowerTotal(out []byte) {
	if r.totalAt < 0 || r.res.Dropped == 0 {
		return
	}
	var digits [20]byte
	n := strconv.AppendInt(digits[:0], max(r.totalValue-int64(r.res.Dropped), 0), 10)
	copy(out[r.totalAt:], n)
	for i := r.totalAt + len(n); i < r.totalAt+r.totalWidth; i++ {
		out[i] = ' '
	}
}

// records filters the list (array) or the single record (object) at s[i];
// it returns the index past it.
func (r *afterRun) records(out []byte, s string, i int) ([]byte, int, error) {
	if s[i] == '{' {
		keep, end, err := r.element(&out, s, i, -1)
		if err == nil && !keep && r.res.Reject == nil {
			r.res.Reject = &Rejection{Status: 404, Detail: "not found", Where: r.dropped}
		}
		return out, end, err
	}
	out = append(out, '[')
	if i = skipSpace(s, i+1); i >= len(s) {
		return out, i, ErrMalformed
	}
	if s[i] == ']' {
		return append(out, ']'), i + 1, nil
	}
	kept := 0
	for index := 0; ; index++ {
		mark := len(out)
		if kept > 0 {
			out = append(out, ',')
		}
		keep, end, err := r.element(&out, s, i, index)
		if err != nil || r.res.Reject != nil {
			return out, end, err
		}
		if keep {
			kept++
		} else {
			out = out[:mark]
			r.res.Dropped++
			r.changed = true
		}
		if i = skipSpace(s, end); i >= len(s) {
			return out, i, ErrMalformed
		}
		switch s[i] {
		case ']':
			return append(out, ']'), i + 1, nil
		case ',':
			if i = skipSpace(s, i+1); i >= len(s) {
				return out, i, ErrMalformed
			}
		default:
			return out, i, ErrMalformed
		}
	}
}

// element runs the statements on the record at s[i], scanning an object's
// members once for both the view and the rewrite.
func (r *afterRun) element(out *[]byte, s string, i, index int) (bool, int, error) {
	var end int
	met := false // every member met its guess
	if s[i] == '{' {
		r.nested.kids = r.nested.kids[:0]
		unmet := r.nested.unmet
		r.members, end = scanMembers(s, i, r.members[:0], r.p.descend, &r.nested, 0, !r.p.record.whole)
		r.membersValid, met = true, r.nested.unmet == unmet
	} else {
		end = skipValue(s, i)
		r.membersValid = false
	}
	// Members that met the guesses the last record's met too have its
	// names in its order: the slots and the hides' plans of the last
	// record are theirs.
	if !met || !r.lastMet {
		r.slots.ready = false
		r.storage.plans.reset()
	}
	r.lastMet = met
	if end < 0 {
		return false, i, ErrMalformed
	}
	keep, err := r.record(out, s[i:end], index)
	return keep, end, err
}

// record runs the statements on one record and appends what is kept to
// *out. It reports whether the record is kept (drop removes it). The
// loop takes hides and drops itself, the statements of nearly every
// list; the others are edit's.
func (r *afterRun) record(out *[]byte, raw string, index int) (bool, error) {
	p := r.p
	r.env.Index = index
	r.cur, r.stale, r.hidden = unsafeBytes(raw), true, 0 // cur is only read: rewrites go to new buffers
	r.pendingAt = r.pendingAt[:0]
	tr := tracer{fn: r.in.Trace, index: index}
	start := 0
	if p.leadingHide && tr.fn == nil { // taken without a statement's turn
		r.hide(0, p.stmts[0])
		start = 1
	}
	flushes := p.flush[:len(p.stmts)]
	for i := start; i < len(p.stmts); i++ {
		s := p.stmts[i]
		tr.next(s)
		if flushes[i] {
			r.flush()
		}
		if r.stale && p.vars&varRecord != 0 {
			r.present()
		}
		switch s.op {
		case opHide:
			ok, err := tr.applies(s, r.env)
			if err != nil {
				return false, &RuntimeError{Where: s.where, Err: err}
			}
			if ok {
				tr.hide(s, r.cur)
				r.hide(i, s)
			}
		case opDrop:
			ok, err := s.test(r.env)
			if err != nil {
				return false, &RuntimeError{Where: s.where, Err: err}
			}
			if ok {
				tr.step(Step{Decision: Dropped})
				r.note(i, s)
				r.dropped = s.where
				return false, nil
			}
		default:
			if keep, err := r.edit(i, s, &tr); err != nil || !keep {
				if err != nil {
					return false, &RuntimeError{Where: s.where, Err: err}
				}
				return false, nil
			}
		}
	}
	tr.next(nil)
	hidden := r.hidden
	if len(r.pendingAt) > 0 {
		var n int
		if r.membersValid {
			if steps, cuts, bits, ok := r.planHides(); ok {
				if cuts != nil {
					*out, n, ok = appendCuts(*out, raw, cuts, r.members, r.nested.kids)
				}
				if cuts == nil || !ok {
					var at int
					*out, at, n = appendHiding(*out, raw, 0, r.members, steps, r.pendingTrees(), &r.nested, p.descend, bits, len(raw))
					*out = append(*out, raw[at:]...)
				}
			} else {
				*out, n = appendMembersEditing(*out, raw, r.members, r.pendingTrees(), &r.nested, nil, p.descend, bits)
			}
		} else {
			*out, n = appendDeleting(*out, parse(r.cur), r.pendingTrees()...)
		}
		hidden += n
	} else {
		*out = append(*out, r.cur...)
	}
	if hidden > 0 {
		r.res.Hidden += hidden
		r.changed = true
	}
	return true, nil
}

// flush applies the hides pending on the record before a statement that
// reads what they remove.
func (r *afterRun) flush() {
	if len(r.pendingAt) == 0 {
		return
	}
	next, n := appendDeleting(make([]byte, 0, len(r.cur)), parse(r.cur), r.pendingTrees()...)
	r.pendingAt = r.pendingAt[:0]
	if n > 0 {
		r.cur, r.stale = next, true
		r.hidden += n
		r.membersValid = false
	}
}

// present shows the record as it is now to the expressions: from its
// scanned members while no statement has rewritten it.
func (r *afterRun) present() {
	if r.membersValid {
		r.fields.raw, r.fields.members, r.fields.state, r.fields.fold, r.fields.kids = unsafeString(r.cur), r.members, scanned, false, &r.nested
		if r.p.fieldSlots != nil {
			r.fields.slots = &r.slots
		}
		r.env.setRecord(&r.fields, r)
	} else {
		r.rewritten.reset(unsafeString(r.cur))
		r.env.setRecord(&r.rewritten, r)
	}
	r.stale = false
}

// edit runs statement i, s, of a kind other than hide and drop on the
// record. It reports whether the record is kept (a deny or require
// rejects the response); an error is the statement's.
func (r *afterRun) edit(i int, s *stmt, tr *tracer) (bool, error) {
	env, cur := r.env, r.cur
	switch s.op {
	case opOnly:
		next, c := appendKeeping(make([]byte, 0, len(cur)), parse(cur), s.tree)
		if c && tr.fn != nil {
			tr.step(Step{Decision: Hidden, Field: fieldOf(s), Count: removedFields(cur, next)})
		}
		if c {
			r.cur, r.stale = next, true
			r.membersValid = false
			r.hidden++
			r.note(i, s)
		}
	case opMask, opRedact:
		if ok, err := tr.applies(s, env); err != nil || !ok {
			return true, err
		}
		with := []byte("null")
		if s.expr != nil {
			enc, err := s.valueJSON(env)
			if err != nil {
				return false, err
			}
			with = enc
		}
		replace := func(dst []byte, value string) []byte {
			if s.op == opMask {
				return maskValue(dst, value, s.keep)
			}
			return append(dst, with...)
		}
		trees := [1]*pathTree{s.tree}
		buf := r.spare(cur)
		var next []byte
		var n int
		if r.membersValid {
			next, n = appendMembersEditing(buf, unsafeString(cur), r.members, trees[:], &r.nested, replace, nil, nil)
		} else {
			next, _, n = appendValueEditing(buf, unsafeString(cur), skipSpace(unsafeString(cur), 0), trees[:], replace, nil)
		}
		r.keep(next)
		if n > 0 && tr.fn != nil {
			tr.step(Step{Decision: Changed, Field: fieldOf(s), Before: rawAt(cur, s), After: rawAt(next, s), Count: n})
		}
		if n > 0 {
			r.cur, r.stale = next, true
			r.membersValid = false
			r.changed = true
			if s.op == opMask {
				r.res.Masked += n
			} else {
				r.res.Redacted += n
			}
			r.note(i, s)
		}
	case opSet:
		if ok, err := tr.applies(s, env); err != nil || !ok {
			return true, err
		}
		enc, err := s.valueJSON(env)
		if err != nil {
			return false, err
		}
		next, err := appendSetting(make([]byte, 0, len(cur)+len(enc)+16), unsafeString(cur), s.path.keys(), enc, nil, false)
		if err != nil {
			return true, nil // not an object: nothing to set
		}
		if tr.fn != nil {
			tr.step(Step{Decision: Changed, Field: s.path.String(), Before: rawAt(cur, s), After: string(enc), Count: 1})
		}
		r.cur, r.stale = next, true
		r.membersValid = false
		r.changed = true
		r.note(i, s)
	case opDeny, opRequire:
		rej, err := s.rejection(env)
		if err != nil {
			return false, err
		}
		if rej != nil {
			tr.reject(rej)
			r.res.Reject = rej
			return false, nil
		}
	case opHeader:
		e, err := s.edit(env)
		if err != nil {
			return false, err
		}
		r.res.Headers = append(r.res.Headers, e)
	case opLog:
		if err := s.log(env, r.in); err != nil {
			return false, err
		}
	}
	return true, nil
}

// decodeRecord is the current record as the VM reads it.
func (r *afterRun) decodeRecord() any { return decodeFields(r.env.fields, r.p, &r.view) }

// hide makes statement i, s, a hide, pending on the record. Its bits join
// when the record's hides are planned (planHides).
func (r *afterRun) hide(i int, s *stmt) {
	r.pendingAt = append(r.pendingAt, int32(i))
	r.note(i, s)
}

// pendingTrees returns the trees of the hides pending on the record, in
// storage kept for them: the statements' at pendingAt.
func (r *afterRun) pendingTrees() []*pathTree {
	r.pending = r.pending[:0]
	for _, i := range r.pendingAt {
		r.pending = append(r.pending, r.p.stmts[i].tree)
	}
	return r.pending
}

// planHides returns the steps of the hides pending on the record, from
// the plan of an earlier record with the same hides whose members sat in
// the same places, or planned from the hides' bits, joined here and
// returned too (nil with a kept plan); false when the bits cannot tell
// which members the hides name. It is only called with members to plan on.
func (r *afterRun) planHides() ([]hideStep, []hideCut, *memberBits, bool) {
	plans := &r.storage.plans
	if steps, cuts, ok := plans.find(r.pendingAt); ok {
		return steps, cuts, nil, true
	}
	bits := &r.storage.bits
	bits.reset(r.p.nodes)
	for _, i := range r.pendingAt {
		bits.add(r.p.hideBits[i])
	}
	steps, ok := planHiding(plans.room(), r.members, &r.nested, r.p.descend, bits)
	cuts := plans.done(r.pendingAt, steps, ok)
	return steps, cuts, bits, ok
}

// note records that statement i, s, acted, once, for report mode.
func (r *afterRun) note(i int, s *stmt) {
	if i < 64 {
		if r.noted&(1<<i) != 0 {
			return
		}
		r.noted |= 1 << i
	} else if slices.Contains(r.notedMore, s) {
		return
	} else {
		r.notedMore = append(r.notedMore, s)
	}
	r.res.Changed = append(changedList(r.res.Changed, len(r.p.stmts)), s.where)
}

func joinPath(keys []string) string {
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += "."
		}
		s += gjson.Escape(k)
	}
	return s
}
