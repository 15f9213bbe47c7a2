package intercept

import (
	"net/http"
	"net/url"
	"slices"
)

// match is what routing found for a request.
type match struct {
	route  *route
	res    *resource // the resource whose path matched, even when no method did
	method string    // the method that picked the action
	allow  []string  // methods mapped on the path, when none matched
}

// match finds the route of r. A zero match means no resource path matched;
// a non-nil problem means the request must be refused before routing.
func (e *Engine) match(r *http.Request) (match, *problem) {
	p := trimSlash(r.URL.Path)
	if detail := trick(r.URL); detail != "" {
		if e.reachesBase(r.URL.Path) {
			return match{}, &problem{status: http.StatusBadRequest, detail: detail}
		}
		return match{}, nil
	}
	var (
		m       match
		query   url.Values
		buf     [8]*route
		matched = buf[:0] // on the stack unless a path matches many routes
	)
	for _, rt := range e.routes {
		if !matchPath(rt.segs, p, !rt.res.cfg.CaseSensitive) {
			continue
		}
		if len(rt.query) > 0 {
			if query == nil {
				query = r.URL.Query()
			}
			if !matchQuery(rt.query, query) {
				continue
			}
		}
		matched = append(matched, rt)
	}
	if len(matched) == 0 {
		if e.suffixed(p) {
			return m, &problem{status: http.StatusBadRequest, detail: detailSuffix}
		}
		return m, nil
	}
	m.res = matched[0].res
	m.method = r.Method
	override, prob := e.override(r, m.res.cfg.MethodOverrideAllow)
	if prob != nil {
		return m, prob
	}
	if override != "" {
		m.method = override
	}
	for _, rt := range matched {
		if rt.res != m.res {
			continue
		}
		if rt.method == m.method {
			m.route = rt
			return m, nil
		}
		if !slices.Contains(m.allow, rt.method) {
			m.allow = append(m.allow, rt.method)
		}
	}
	slices.Sort(m.allow)
	return m, nil
}

// suffixed reports whether the path p, which matched no route, would match
// the path of one once the format suffix of its last segment is dropped
// (Rails and Django REST framework read /api/users.json as /api/users).
// A suffix on a parameter segment needs no check: /api/users/1.json
// matched as the id 1.json, so the rules of get ran.
func (e *Engine) suffixed(p string) bool {
	p, ok := cutSuffix(p)
	if !ok {
		return false
	}
	for _, rt := range e.routes {
		if matchPath(rt.segs, p, true) {
			return true
		}
	}
	return false
}
