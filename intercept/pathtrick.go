package intercept

import (
	"net/url"
	"strings"

	"github.com/caddy-crud/caddy-crud/internal/escape"
)

// The details of the 400 answers to path spellings that a backend may read
// as another path.
const (
	detailSlashes = "the path holds dot segments, empty segments or encoded slashes"
	detailParams  = "the path holds segment parameters (;)"
	detailEncoded = "the path holds double-encoded characters"
	detailSuffix  = "the path holds a format suffix on a resource path"
)

// trick names what in u's path some backend reads differently from its
// plain spelling, or returns "": dot segments, empty segments, a raw or
// encoded \ or an encoded /, ;segment parameters (Tomcat, Jetty, Spring
// strip them and read ..; as ..), and escapes left after decoding once
// (a backend that decodes twice reads %252F as /).
func trick(u *url.URL) string {
	p := u.Path
	if u.RawPath == "" && plainPath(p) {
		return "" // none of the bytes every trick below needs
	}
	if strings.Contains(p, "//") || strings.IndexByte(p, '\\') >= 0 ||
		strings.Contains(p, "/./") || strings.Contains(p, "/../") ||
		strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") {
		return detailSlashes
	}
	if raw := u.RawPath; raw != "" && (containsFold(raw, "%2f") || containsFold(raw, "%5c")) {
		return detailSlashes
	}
	if strings.IndexByte(p, ';') >= 0 {
		return detailParams
	}
	if hasEscape(p) {
		return detailEncoded
	}
	return ""
}

// plainPath reports whether p holds no byte a trick needs: no \, ;, %
// or ., and no / after a /.
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\', ';', '%', '.':
			return false
		case '/':
			if i+1 < len(p) && p[i+1] == '/' {
				return false
			}
		}
	}
	return true
}

// reachesBase reports whether some reading of the path p could be at or
// under a resource base or an action path. It reads p the most permissive
// way: decoded until no escape is left, \ as /, each segment with and
// without its ;parameters and its .ext suffix, compared without case; and
// since dot segments may remove segments and an undecoded separator may
// join them, it asks only whether the literal segments of a base appear
// in p in order (a parameter standing for any number of segments).
func (e *Engine) reachesBase(p string) bool {
	segs := looseSegments(p)
	for _, rt := range e.routes {
		if inOrder(rt.res.base, segs) || inOrder(rt.segs, segs) {
			return true
		}
	}
	return false
}

// looseSegments splits p, decoded until no escape is left and with \ as /,
// into its non-empty segments other than . and ..
func looseSegments(p string) []string {
	for hasEscape(p) {
		p = escape.Percent(p, false)
	}
	p = strings.ReplaceAll(p, "\\", "/")
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." && s != ".." {
			segs = append(segs, s)
		}
	}
	return segs
}

// inOrder reports whether the literal segments of pat appear in segs in
// order, each as itself or as one of the spellings of segMatches.
func inOrder(pat []patSeg, segs []string) bool {
	j := 0
	for _, s := range pat {
		if s.param != "" {
			continue
		}
		for j < len(segs) && !segMatches(segs[j], s.lit) {
			j++
		}
		if j == len(segs) {
			return false
		}
		j++
	}
	return true
}

// segMatches reports whether seg reads as lit, without case, once its
// ;parameters or its .ext suffix (or both) are dropped.
func segMatches(seg, lit string) bool {
	if strings.EqualFold(seg, lit) {
		return true
	}
	if i := strings.IndexByte(seg, ';'); i >= 0 {
		seg = seg[:i]
		if strings.EqualFold(seg, lit) {
			return true
		}
	}
	if i := strings.LastIndexByte(seg, '.'); i > 0 {
		return strings.EqualFold(seg[:i], lit)
	}
	return false
}

// cutSuffix drops a format suffix (.json, .xml) from the last segment of
// the path p, reporting whether there was one.
func cutSuffix(p string) (string, bool) {
	i := strings.LastIndexByte(p, '.')
	if i < 0 || i < strings.LastIndexByte(p, '/')+2 {
		return p, false // no dot in the last segment, or a leading one (.env)
	}
	return p[:i], true
}

// hasEscape reports whether s holds a %XX escape.
func hasEscape(s string) bool {
	for i := strings.IndexByte(s, '%'); i >= 0 && i+2 < len(s); {
		if escape.IsHex(s[i+1]) && escape.IsHex(s[i+2]) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// containsFold reports whether s holds the lower-case ASCII sub, ignoring
// ASCII case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if equalFoldASCII(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
