package rules

import (
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
}

// AfterResult is what the after phase did to a response.
type AfterResult struct {
	// Reject replaces the response with a problem.
	Reject *Rejection

	// Body is the filtered body; nil when unchanged.
	Body []byte

	// Headers are response headers to set or remove.
	Headers []Edit

	// Hidden counts the fields hide and only removed; Dropped the records
	// drop removed.
	Hidden, Dropped int

	// Changed names the statements that changed the body (for report mode).
	Changed []string
}

// RunAfter runs the after program on a JSON response body (validated),
// writing the filtered body into out (a reused buffer). A JSON array at the
// records path is a list: every element is a record; an object is one record.
func (p *Program) RunAfter(in *Input, body []byte, shape Shape, out []byte) (AfterResult, error) {
	var res AfterResult
	if p.Empty() {
		return res, nil
	}
	r := &afterRun{p: p, in: in, env: newEnv(p, in), res: &res, totalAt: -1}
	if p.vars&varBody != 0 {
		r.env.Body = valueOf(parse(body))
	}
	root := parse(body)
	if len(shape.Records) > 0 {
		// An API may envelope its lists only: where the records path is
		// absent, the body itself is the record, so no rule is skipped.
		if t := root.Get(joinPath(shape.Records)); !t.IsArray() && !t.IsObject() {
			shape.Records = nil
		}
	}
	if !root.IsArray() && !root.IsObject() {
		return res, nil
	}
	var err error
	if len(shape.Records) == 0 {
		target := root
		out, err = r.records(out, target)
	} else {
		out, err = r.envelope(out, root, shape.Records, shape.Total)
		r.lowerTotal(out)
	}
	if err != nil || res.Reject != nil {
		return res, err
	}
	if r.changed {
		res.Body = out
	}
	return res, nil
}

type afterRun struct {
	p       *Program
	in      *Input
	env     *Env
	res     *AfterResult
	changed bool
	pending []*pathTree
	view    map[string]any

	totalAt, totalWidth int // where the total's digits sit in the output
	totalValue          int64
}

// envelope copies the object obj, filtering the records at path and
// noting where the total at total sits. Either path may be empty.
func (r *afterRun) envelope(out []byte, obj gjson.Result, path, total []string) ([]byte, error) {
	var err error
	out = append(out, '{')
	first := true
	obj.ForEach(func(k, v gjson.Result) bool {
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, k.Raw...)
		out = append(out, ':')
		onPath := len(path) > 0 && k.Str == path[0]
		onTotal := len(total) > 0 && k.Str == total[0]
		switch {
		case onPath && len(path) == 1:
			out, err = r.records(out, v)
		case onTotal && len(total) == 1 && v.Type == gjson.Number:
			if n, perr := strconv.ParseInt(v.Raw, 10, 64); perr == nil && n >= 0 && r.totalAt < 0 {
				r.totalAt, r.totalWidth, r.totalValue = len(out), len(v.Raw), n
			}
			out = append(out, v.Raw...)
		case (onPath || onTotal) && v.IsObject():
			var subPath, subTotal []string
			if onPath {
				subPath = path[1:]
			}
			if onTotal {
				subTotal = total[1:]
			}
			out, err = r.envelope(out, v, subPath, subTotal)
		default:
			out = append(out, v.Raw...)
		}
		return err == nil && r.res.Reject == nil
	})
	return append(out, '}'), err
}

// lowerTotal rewrites the total's digits in place, padded with spaces
// (valid JSON), so the body is still written in one pass.
func (r *afterRun) lowerTotal(out []byte) {
	if r.totalAt < 0 || r.res.Dropped == 0 {
		return
	}
	n := strconv.AppendInt(nil, max(r.totalValue-int64(r.res.Dropped), 0), 10)
	copy(out[r.totalAt:], n)
	for i := r.totalAt + len(n); i < r.totalAt+r.totalWidth; i++ {
		out[i] = ' '
	}
}

// records filters a list (array) or a single record (object).
func (r *afterRun) records(out []byte, v gjson.Result) ([]byte, error) {
	if !v.IsArray() {
		keep, err := r.record(&out, v.Raw, -1)
		if err == nil && !keep && r.res.Reject == nil {
			r.res.Reject = &Rejection{Status: 404, Detail: "not found"}
		}
		return out, err
	}
	var err error
	out = append(out, '[')
	n, i := 0, -1
	v.ForEach(func(_, e gjson.Result) bool {
		i++
		mark := len(out)
		if n > 0 {
			out = append(out, ',')
		}
		var keep bool
		keep, err = r.record(&out, e.Raw, i)
		if err != nil || r.res.Reject != nil {
			return false
		}
		if !keep {
			out = out[:mark]
			r.res.Dropped++
			r.changed = true
			return true
		}
		n++
		return true
	})
	return append(out, ']'), err
}

// record runs the statements on one record and appends what is kept to
// *out. It reports whether the record is kept (drop removes it).
func (r *afterRun) record(out *[]byte, raw string, index int) (bool, error) {
	env := r.env
	env.Index = index
	cur := unsafeBytes(raw) // only read: rewrites go to new buffers
	r.pending = r.pending[:0]
	stale, hidden := true, 0
	flush := func() {
		if len(r.pending) == 0 {
			return
		}
		next, n := appendDeleting(make([]byte, 0, len(cur)), parse(cur), r.pending...)
		r.pending = r.pending[:0]
		if n > 0 {
			cur, stale = next, true
			hidden += n
		}
	}
	for i, s := range r.p.stmts {
		if r.p.flush[i] {
			flush()
		}
		if stale && r.p.vars&varRecord != 0 {
			if r.view == nil {
				r.view = make(map[string]any, len(r.p.top))
			}
			env.Record = view(cur, r.p, r.view)
			stale = false
		}
		fail := func(err error) (bool, error) { return false, &RuntimeError{Where: s.where, Err: err} }
		switch s.op {
		case opHide:
			if ok, err := s.applies(env); err != nil || !ok {
				if err != nil {
					return fail(err)
				}
				continue
			}
			r.pending = append(r.pending, s.tree)
			r.note(s)
		case opOnly:
			next, c := appendKeeping(make([]byte, 0, len(cur)), parse(cur), s.tree)
			if c {
				cur, stale = next, true
				hidden++
				r.note(s)
			}
		case opDrop:
			ok, err := s.test(env)
			if err != nil {
				return fail(err)
			}
			if ok {
				r.note(s)
				return false, nil
			}
		case opSet:
			if ok, err := s.applies(env); err != nil || !ok {
				if err != nil {
					return fail(err)
				}
				continue
			}
			enc, err := s.valueJSON(env)
			if err != nil {
				return fail(err)
			}
			next, err := appendSetting(make([]byte, 0, len(cur)+len(enc)+16), parse(cur), s.path.keys(), enc)
			if err != nil {
				continue // not an object: nothing to set
			}
			cur, stale = next, true
			r.changed = true
			r.note(s)
		case opDeny, opRequire:
			rej, err := s.rejection(env)
			if err != nil {
				return fail(err)
			}
			if rej != nil {
				r.res.Reject = rej
				return false, nil
			}
		case opHeader:
			e, err := s.edit(env)
			if err != nil {
				return fail(err)
			}
			r.res.Headers = append(r.res.Headers, e)
		case opLog:
			if err := s.log(env, r.in); err != nil {
				return fail(err)
			}
		}
	}
	if len(r.pending) > 0 {
		var n int
		*out, n = appendDeleting(*out, parse(cur), r.pending...)
		r.pending = r.pending[:0]
		hidden += n
	} else {
		*out = append(*out, cur...)
	}
	if hidden > 0 {
		r.res.Hidden += hidden
		r.changed = true
	}
	return true, nil
}

// note records that a statement acted, once, for report mode.
func (r *afterRun) note(s *stmt) {
	if !slices.Contains(r.res.Changed, s.where) {
		r.res.Changed = append(r.res.Changed, s.where)
	}
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
