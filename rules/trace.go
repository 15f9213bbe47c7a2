package rules

import (
	"strings"

	"github.com/tidwall/gjson"
)

// Decision is what one statement did to one record.
type Decision uint8

const (
	// Passed: the statement ran and let the record through as it was.
	Passed Decision = iota
	// Skipped: its if condition was false.
	Skipped
	// Rejected: deny, require, parameters or protect strict refused the
	// request or response; Step.Status and Step.Detail say how.
	Rejected
	// Failed: a check or schema found Step.Field invalid (Step.Detail the
	// message, Step.Count the errors).
	Failed
	// Changed: set, default, transform, protect, mask or redact changed
	// Step.Field from Step.Before to Step.After ("": absent); Step.Count
	// values were changed. A protect's Detail is "removed", its Field the
	// fields removed.
	Changed
	// Hidden: hide or only removed Step.Count fields.
	Hidden
	// Dropped: drop removed the record.
	Dropped
)

var decisionNames = [...]string{"passed", "skipped", "rejected", "failed", "changed", "hidden", "dropped"}

func (d Decision) String() string { return decisionNames[d] }

// Step is the decision of one statement on one record, as Input.Trace
// receives it.
type Step struct {
	// Where names the statement as errors and logs do.
	Where string
	// Index is the record's index in a list or bulk body; -1 for a single
	// record.
	Index    int
	Decision Decision
	// Field is the field the statement wrote or checked, as written.
	Field string
	// Before and After are Field's JSON values around a change; "": absent.
	Before, After string
	// Count is how many fields were hidden or values changed, or errors found.
	Count int
	// Status and Detail are a rejection's; Detail is a check's message.
	Status int
	Detail string
}

// tracer hands the decisions of one record's statements to Input.Trace;
// without one (fn nil) its methods do nothing, and callers test fn only to
// skip computing what a step would describe. A statement that decides
// nothing else has passed.
type tracer struct {
	fn    func(Step)
	index int
	cur   *stmt
	done  bool
}

// next closes the current statement (passed, unless it said otherwise) and
// opens s (nil: the last one has run).
func (t *tracer) next(s *stmt) {
	if t.fn != nil { // small enough to inline where nothing is traced
		t.open(s)
	}
}

// open is next while tracing.
func (t *tracer) open(s *stmt) {
	if t.cur != nil && !t.done {
		t.fn(Step{Where: t.cur.where, Index: t.index, Decision: Passed})
	}
	t.cur, t.done = s, false
}

// applies is s.applies, reporting a statement whose condition is false
// as skipped.
func (t *tracer) applies(s *stmt, env *Env) (bool, error) {
	ok, err := s.applies(env)
	if t.fn != nil && err == nil && !ok {
		t.step(Step{Decision: Skipped})
	}
	return ok, err
}

// step reports the current statement's decision.
func (t *tracer) step(st Step) {
	if t.fn == nil {
		return
	}
	st.Where, st.Index = t.cur.where, t.index
	t.done = true
	t.fn(st)
}

// hide reports what the current statement, a hide, removes from the
// record cur: each hide mergeHides joined into it as itself, so every
// statement written has its own decision.
func (t *tracer) hide(s *stmt, cur []byte) {
	if t.fn != nil { // small enough to inline where nothing is traced
		t.hides(s, cur)
	}
}

// hides is hide while tracing.
func (t *tracer) hides(s *stmt, cur []byte) {
	for _, part := range parts(s) {
		st := Step{Where: part.where, Index: t.index, Decision: Passed}
		if _, n := appendDeleting(nil, parse(cur), part.tree); n > 0 {
			st.Decision, st.Field, st.Count = Hidden, fieldOf(part), n
		}
		t.fn(st)
	}
	t.done = true
}

// reject reports a rejection by the current statement.
func (t *tracer) reject(rej *Rejection) {
	t.step(Step{Decision: Rejected, Status: rej.Status, Detail: rej.Detail})
}

// fieldOf names the field(s) a statement writes or reads.
func fieldOf(s *stmt) string {
	if len(s.paths) > 0 {
		names := make([]string, len(s.paths))
		for i, p := range s.paths {
			names[i] = p.String()
		}
		return strings.Join(names, ", ")
	}
	if s.path.String() != "" {
		return s.path.String()
	}
	return s.name
}

// rawAt is the JSON at the statement's first path in raw; "" when absent.
func rawAt(raw []byte, s *stmt) string {
	p := s.path
	if len(s.paths) > 0 {
		p = s.paths[0]
	}
	if len(p.keys()) == 0 {
		return ""
	}
	return gjson.GetBytes(raw, joinPath(p.keys())).Raw
}

// removal describes what protect or only removed from a record: the
// fields it named that were there and are gone (Before: the value, when
// one field), or else how many members are gone.
func removal(s *stmt, before, after []byte) Step {
	st := Step{Decision: Changed}
	var names []string
	for _, p := range s.paths {
		at := joinPath(p.keys())
		if v := gjson.GetBytes(before, at); v.Exists() && !gjson.GetBytes(after, at).Exists() {
			names = append(names, p.String())
			st.Before = v.Raw
		}
	}
	if len(names) == 0 { // only: the fields it does not name
		return Step{Decision: Hidden, Field: fieldOf(s), Count: removedFields(before, after)}
	}
	if len(names) > 1 {
		st.Before = ""
	}
	st.Field, st.Count, st.Detail = strings.Join(names, ", "), len(names), "removed"
	return st
}

// removedFields counts the members of before that after lacks, nested
// objects member by member.
func removedFields(before, after []byte) int {
	return removedMembers(gjson.ParseBytes(before), gjson.ParseBytes(after))
}

func removedMembers(before, after gjson.Result) int {
	if !before.IsObject() {
		return 0
	}
	n := 0
	before.ForEach(func(k, v gjson.Result) bool {
		w := after.Get(gjson.Escape(k.String()))
		switch {
		case !w.Exists():
			n++
		case v.IsObject():
			n += removedMembers(v, w)
		}
		return true
	})
	return n
}
