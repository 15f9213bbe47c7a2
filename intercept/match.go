package intercept

import (
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
)

// overrideHeaders are the headers that ask a server to treat a request as
// another method.
var overrideHeaders = []string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}

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
	if suspicious(r.URL) {
		if e.underBase(r.URL.Path) || e.underBase(path.Clean("/"+r.URL.Path)) {
			return match{}, &problem{status: http.StatusBadRequest,
				detail: "the path holds dot segments, empty segments or encoded slashes"}
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
		return m, nil
	}
	m.res = matched[0].res
	m.method = r.Method
	if override := overrideOf(r); override != "" {
		if !m.res.cfg.MethodOverrideAllow {
			return m, &problem{status: http.StatusBadRequest,
				detail: "method override headers are not accepted here"}
		}
		m.method = strings.ToUpper(override)
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

// overrideOf returns the first method override header the request carries.
func overrideOf(r *http.Request) string {
	for _, h := range overrideHeaders {
		if v := r.Header.Get(h); v != "" {
			return v
		}
	}
	return ""
}

// underBase reports whether p is at or under some resource's base or
// action path, compared without case.
func (e *Engine) underBase(p string) bool {
	for _, rt := range e.routes {
		if hasPrefix(rt.res.base, p) || hasPrefix(rt.segs, p) {
			return true
		}
	}
	return false
}
