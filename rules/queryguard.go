package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/caddy-crud/caddy-crud/internal/escape"
)

// A hidden field must not be searchable either: json-server answers
// ?password=x, ?password_like=^a and ?_sort=password, Django filters answer
// ?password__icontains=x, others ?filter[password]=x or ?order_by=ssn, and
// each confirms or extracts the value the after rules hide. So on an
// action whose after rules hide a field, a query parameter that names it
// is refused.
//
// The token rule: a name (or value) is split into tokens, its runs of
// Unicode letters and digits, each folded (password__icontains is
// password icontains; filter[password] is filter password; _sort is
// sort). A field's term is its last named key so split and joined
// (credit_card and creditCard are creditcard). A parameter mentions the
// field when some run of adjacent tokens of its name joins to the term;
// when its name holds a listing word (listWords: sort, order, fields,
// select, filter...), when a run of its value's tokens does too
// (_sort=-password, order_by=ssn, fields[users]=name,ssn).

// listWords are the name tokens of parameters whose value lists fields:
// sort and order keys, sparse fieldsets, selects and filter expressions.
var listWords = []string{
	"sort", "sortby", "order", "orderby", "ordering", "fields", "field", "select",
	"filter", "filters", "where", "include", "exclude", "only", "omit", "projection",
	"columns", "group", "groupby", "attributes",
}

// QueryGuard checks the query string of one action's requests before any
// rule runs: the names `params` accepts, and parameters that search,
// filter or sort on a field the action's after rules hide.
type QueryGuard struct {
	params map[string]bool // nil: any name (no params list)
	where  string          // where the params list is written
	hidden []hiddenGroup
}

// hiddenGroup is the fields one hide statement hides.
type hiddenGroup struct {
	terms []string
	cond  *program // nil: hidden from every caller; else when it holds
	where string
}

// NewQueryGuard builds the guard of an action: after is its after program
// (whose hides name the hidden fields), params the names it accepts (nil:
// any name), where the place params is written, for logs. It returns nil
// when there is nothing to check.
func NewQueryGuard(after *Program, params []string, where string) *QueryGuard {
	g := &QueryGuard{where: where}
	if params != nil {
		g.params = make(map[string]bool, len(params))
		for _, n := range params {
			g.params[n] = true
		}
	}
	if after != nil {
		for _, s := range after.stmts {
			if s.op != opHide {
				continue
			}
			h := hiddenGroup{where: s.where}
			if c := s.ifCond; c != nil && c.vars&(varRecord|varBody|varResponse|varOld|varValue) == 0 &&
				!c.record.whole && len(c.record.paths) == 0 {
				h.cond = c // decided per request; one that reads the record counts as hidden
			}
			for _, p := range s.paths {
				if t := pathTerm(p); t != "" && !slices.Contains(h.terms, t) {
					h.terms = append(h.terms, t)
				}
			}
			if len(h.terms) > 0 {
				g.hidden = append(g.hidden, h)
			}
		}
	}
	if g.params == nil && len(g.hidden) == 0 {
		return nil
	}
	return g
}

// pathTerm is the term of a path's last named key.
func pathTerm(p Path) string {
	for i := len(p.segs) - 1; i >= 0; i-- {
		if !p.segs[i].star {
			return fieldTerm(p.segs[i].key)
		}
	}
	return ""
}

// Check refuses (400) the first query parameter that params does not
// accept or that mentions a field hidden from this caller. in gives the
// conditions of conditional hides what they read; an error is a condition
// that failed to run.
func (g *QueryGuard) Check(in *Input, raw string) (*Rejection, error) {
	if g == nil || raw == "" {
		return nil, nil
	}
	var (
		rej   *Rejection
		err   error
		holds []int8 // per hidden group: 0 not yet run, 1 hidden, -1 not hidden
		buf   [16]string
	)
	hiddenHere := func(tokens []string) (string, bool) {
		for i := range g.hidden {
			h := &g.hidden[i]
			if !slices.ContainsFunc(h.terms, func(t string) bool { return mentions(tokens, t) }) {
				continue
			}
			if h.cond == nil {
				return h.where, true
			}
			if holds == nil {
				holds = make([]int8, len(g.hidden))
			}
			if holds[i] == 0 {
				var ok bool
				if ok, err = runAlone(h.cond, in); err != nil {
					err = &RuntimeError{Where: h.where, Err: err}
					return "", false
				}
				holds[i] = -1
				if ok {
					holds[i] = 1
				}
			}
			if holds[i] == 1 {
				return h.where, true
			}
		}
		return "", false
	}
	eachQueryPair(raw, func(q queryPair) bool {
		if q.name == "" {
			return true
		}
		if g.params != nil && !g.accepts(q.name) {
			rej = &Rejection{Status: 400, Where: g.where,
				Detail: fmt.Sprintf("the query parameter %q is not accepted here", q.name)}
			return false
		}
		if len(g.hidden) == 0 {
			return true
		}
		tokens := nameTokens(buf[:0], q.name)
		where, hit := hiddenHere(tokens)
		if !hit && err == nil && slices.ContainsFunc(tokens, isListWord) {
			where, hit = hiddenHere(nameTokens(tokens[:0], escape.Percent(q.rawValue, true)))
		}
		if hit {
			rej = &Rejection{Status: 400, Where: where,
				Detail: fmt.Sprintf("the query parameter %q refers to a field that is hidden here", q.name)}
		}
		return !hit && err == nil
	})
	return rej, err
}

func isListWord(t string) bool { return slices.Contains(listWords, t) }

// accepts reports whether params lists name: the whole name, or its head
// before a bracket or a dot (params filter accepts filter[name] and
// filter.name).
func (g *QueryGuard) accepts(name string) bool {
	if g.params[name] {
		return true
	}
	if i := strings.IndexAny(name, "[."); i > 0 {
		return g.params[name[:i]]
	}
	return false
}

// runAlone evaluates a condition that reads no record, for one request.
func runAlone(c *program, in *Input) (bool, error) {
	env := newEnv(&Program{vars: c.vars}, in)
	defer env.release()
	return testProgram(c, env)
}
