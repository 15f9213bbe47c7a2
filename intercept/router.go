package intercept

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/caddy-crud/caddy-crud/rules"
)

// route maps one method and path pattern (and optional query pattern) to
// an action of a resource.
type route struct {
	res    *resource
	act    *action // of res
	method string
	segs   []patSeg
	query  []queryPat
	order  int
	place  int // its index in the engine's routes, in matching order (see indexRoutes)

	actionValue any // action, boxed once for the placeholder
}

type patSeg struct {
	lit   string
	param string // set for {name}
}

type queryPat struct {
	name  string
	lit   string
	param string
}

// parsePattern splits /a/{b}/c into segments.
func parsePattern(p string) ([]patSeg, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("path %q must start with /", p)
	}
	p = strings.TrimSuffix(p, "/")
	var segs []patSeg
	if p == "" {
		return segs, nil
	}
	for _, s := range strings.Split(p[1:], "/") {
		switch {
		case s == "" || s == "." || s == "..":
			return nil, fmt.Errorf("path %q has an empty or dot segment", p)
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && len(s) > 2:
			name := s[1 : len(s)-1]
			if err := CheckParam(name); err != nil {
				return nil, fmt.Errorf("path %q: %w", p, err)
			}
			segs = append(segs, patSeg{param: name})
		case strings.ContainsAny(s, "{}"):
			return nil, fmt.Errorf("path %q: a parameter must be a whole segment", p)
		default:
			segs = append(segs, patSeg{lit: s})
		}
	}
	return segs, nil
}

// parseQueryPattern reads `op=add&id={id}`.
func parseQueryPattern(q string) ([]queryPat, error) {
	if q == "" {
		return nil, nil
	}
	var out []queryPat
	for _, pair := range strings.Split(q, "&") {
		name, value, ok := strings.Cut(pair, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("query pattern %q: want name=value pairs", q)
		}
		if strings.HasPrefix(value, "{") && strings.HasSuffix(value, "}") && len(value) > 2 {
			param := value[1 : len(value)-1]
			if err := CheckParam(param); err != nil {
				return nil, fmt.Errorf("query pattern %q: %w", q, err)
			}
			out = append(out, queryPat{name: name, param: param})
		} else {
			out = append(out, queryPat{name: name, lit: value})
		}
	}
	return out, nil
}

// CheckParam checks the name of a {param} of a path or query pattern: it
// may not hold a dot (the Caddyfile adapter rewrites shorthands such as
// {path} or {host} into {http.request...}), a brace or a slash.
func CheckParam(name string) error {
	if strings.ContainsAny(name, ".{}/") {
		return fmt.Errorf("parameter {%s}: the name may not hold a dot (the Caddyfile turns shorthands such as {path}, {host}, {query} into Caddy placeholders; pick another name, e.g. {id} or {slug})", name)
	}
	return nil
}

// trimSlash removes one trailing slash: /api/users/ is /api/users.
func trimSlash(p string) string {
	if len(p) > 1 && p[len(p)-1] == '/' {
		return p[:len(p)-1]
	}
	return p
}

// routeIndex finds the routes a path may match by walking a tree of the
// routes' segments, so that a request costs what the routes along its
// own path cost, however many resources there are and whatever prefix
// they share.
type routeIndex struct {
	root   *routeNode
	routes []*route // all routes, in matching order
}

// routeNode is one segment of the routes' patterns.
type routeNode struct {
	lits  map[string]*routeNode // by the literal segment, folded (a case-sensitive literal too: it matches fewer spellings)
	param *routeNode            // a {param} segment: any non-empty one
	ends  []int                 // the routes whose pattern ends here, by their place in routes
}

func indexRoutes(routes []*route) routeIndex {
	ix := routeIndex{root: &routeNode{}, routes: routes}
	for i, rt := range routes {
		rt.place = i
		n := ix.root
		for _, s := range rt.segs {
			n = n.child(s)
		}
		n.ends = append(n.ends, i)
	}
	return ix
}

func (n *routeNode) child(s patSeg) *routeNode {
	if s.param != "" {
		if n.param == nil {
			n.param = &routeNode{}
		}
		return n.param
	}
	key := rules.FoldName(s.lit)
	if n.lits == nil {
		n.lits = map[string]*routeNode{}
	}
	c := n.lits[key]
	if c == nil {
		c = &routeNode{}
		n.lits[key] = c
	}
	return c
}

// candidates appends to dst, in matching order, the routes whose pattern
// the path p matches as matchPath does with folding (for valid UTF-8;
// a byte that is not stays itself): every segment non-empty, any spelling
// that folds to a literal following it (a case-sensitive route's caller
// checks the case).
func (ix *routeIndex) candidates(dst []*route, p string) []*route {
	if p == "" || p[0] != '/' {
		return dst
	}
	var (
		cur, next [8]*routeNode // the nodes the segments so far reach
		folded    [64]byte      // a segment folded: map lookups of string(bytes) do not allocate
	)
	frontier := append(cur[:0], ix.root)
	for rest, more := p[1:], p != "/"; more && len(frontier) > 0; { // "/" is no segment; "/a/" is a and an empty one
		seg := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			more = false
		}
		reached, key := next[:0], rules.AppendFoldName(folded[:0], seg)
		for _, n := range frontier {
			if c := n.lits[string(key)]; c != nil {
				reached = append(reached, c)
			}
			if n.param != nil && seg != "" {
				reached = append(reached, n.param)
			}
		}
		frontier = append(cur[:0], reached...)
	}
	mark := len(dst)
	for _, n := range frontier {
		for _, i := range n.ends {
			dst = append(dst, ix.routes[i])
		}
	}
	if len(frontier) > 1 { // several nodes reached: back in matching order
		found := dst[mark:]
		slices.SortFunc(found, func(a, b *route) int { return a.place - b.place })
	}
	return dst
}

// matchPath reports whether path matches segs, without allocating.
func matchPath(segs []patSeg, path string, fold bool) bool {
	if path == "" || path[0] != '/' {
		return false
	}
	rest := path[1:]
	if rest == "" {
		return len(segs) == 0
	}
	for _, s := range segs {
		if rest == "" {
			return false
		}
		seg := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
			if rest == "" {
				return false // an empty last segment (//)
			}
		} else {
			rest = ""
		}
		if seg == "" {
			return false
		}
		if s.param != "" {
			continue
		}
		if seg != s.lit && !(fold && strings.EqualFold(seg, s.lit)) {
			return false
		}
	}
	return rest == ""
}

// matchQuery reports whether the query satisfies the pattern.
func matchQuery(pats []queryPat, q url.Values) bool {
	for _, p := range pats {
		v, ok := q[p.name]
		if !ok || len(v) == 0 {
			return false
		}
		if p.param != "" {
			if v[0] == "" {
				return false
			}
			continue
		}
		if v[0] != p.lit {
			return false
		}
	}
	return true
}

// actionName is the action of rt, or "unmapped" where no route took the
// method, as the logs and metrics name it.
func actionName(rt *route) string {
	if rt == nil {
		return "unmapped"
	}
	return rt.act.name
}

// params extracts the path and query parameters of a matched route.
func (rt *route) params(path string, q url.Values) map[string]string {
	out := make(map[string]string, 2)
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range rt.segs {
		if s.param != "" && i < len(parts) {
			out[s.param] = parts[i]
		}
	}
	for _, p := range rt.query {
		if p.param != "" {
			out[p.param] = q.Get(p.name)
		}
	}
	return out
}

// moreSpecific orders routes: literal segments beat parameters, left to
// right; then more query constraints; then declaration order.
func moreSpecific(a, b *route) bool {
	for i := 0; i < len(a.segs) && i < len(b.segs); i++ {
		al, bl := a.segs[i].param == "", b.segs[i].param == ""
		if al != bl {
			return al
		}
	}
	if len(a.query) != len(b.query) {
		return len(a.query) > len(b.query)
	}
	return a.order < b.order
}

// sortRoutes puts the most specific routes first.
func sortRoutes(routes []*route) {
	slices.SortStableFunc(routes, func(a, b *route) int {
		switch {
		case moreSpecific(a, b):
			return -1
		case moreSpecific(b, a):
			return 1
		}
		return 0
	})
}

// expand fills {param} in a fetch_old target with the route's parameters,
// escaped for their place (path or query).
func expand(target string, params map[string]string) string {
	path, query, hasQuery := strings.Cut(target, "?")
	for name, v := range params {
		path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(v))
		query = strings.ReplaceAll(query, "{"+name+"}", url.QueryEscape(v))
	}
	if hasQuery {
		return path + "?" + query
	}
	return path
}

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
	var candidates [8]*route // on the stack unless a path may match many routes
	for _, rt := range e.index.candidates(candidates[:0], p) {
		if rt.res.cfg.CaseSensitive && !matchPath(rt.segs, p, false) {
			continue // the index matched its literals folded
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
		if rt.res == m.res && rt.method == m.method {
			m.route = rt
			return m, nil
		}
	}
	for _, rt := range matched { // no route for the method: the ones there are
		if rt.res == m.res && !slices.Contains(m.allow, rt.method) {
			m.allow = append(m.allow, rt.method)
		}
	}
	slices.Sort(m.allow)
	return m, nil
}

// suffixed reports whether the path p, which matched no route, would match
// the path of one once the format suffix of its last segment is dropped
// (Rails and Django REST framework read /api/users.json as /api/users).
// The route tree hands over no route for a path whose first segment no
// route starts with (/static/app.js), so such paths cost one lookup.
// A suffix on a parameter segment needs no check: /api/users/1.json
// matched as the id 1.json, so the rules of get ran.
func (e *Engine) suffixed(p string) bool {
	p, ok := cutSuffix(p)
	if !ok {
		return false
	}
	var candidates [8]*route
	return len(e.index.candidates(candidates[:0], p)) > 0 // matched folded: as a backend reading any case would
}
