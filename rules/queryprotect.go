package rules

import (
	"slices"
	"strings"

	"github.com/caddy-crud/caddy-crud/internal/escape"
)

// Backends that merge the query string with the body (Rails params,
// Laravel input(), PHP $_REQUEST, Spring @ModelAttribute) bind
// ?role=admin, ?user[role]=admin and ?role[]=admin as the field role, so
// protect removes such parameters from the query too, or, strict, refuses
// them.

// queryField is a protected path as query parameter names meet it.
type queryField struct {
	text   string   // the path as written
	keys   []string // its keys; star[i] marks a * segment
	folded []string // the keys under foldName
	star   []bool
}

func newQueryField(p Path) queryField {
	f := queryField{text: p.text}
	for _, s := range p.segs {
		f.keys = append(f.keys, s.key)
		f.folded = append(f.folded, foldName(s.key))
		f.star = append(f.star, s.star)
	}
	return f
}

// named reports whether a parameter whose name has these segments (see
// nameSegments) names the field: its keys are a run of adjacent segments
// in one of the two readings. role is named by role, ROLE, user[role] and
// role[]; profile.verified by profile[verified] and profile.verified.
func (f *queryField) named(whole, dotted []string, exact bool) bool {
	return f.run(whole, exact) || f.run(dotted, exact)
}

func (f *queryField) run(segs []string, exact bool) bool {
	n := len(f.keys)
	for i := 0; i+n <= len(segs); i++ {
		ok := true
		for j := 0; j < n && ok; j++ {
			switch {
			case f.star[j]:
			case exact:
				ok = segs[i+j] == f.keys[j]
			default:
				ok = foldName(segs[i+j]) == f.folded[j]
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// queryProtection applies the protect statements that ran (applied) to
// the raw query: it returns the query without the parameters they remove
// (every other byte kept as sent: order, encoding, separators), whether
// that changed it, the statements that removed one, and the fields named
// by parameters a protect strict refuses.
func queryProtection(raw string, applied []*stmt, exact bool) (out string, changed bool, where, refused []string) {
	var b []byte
	first := true // no segment kept yet
	for start := 0; start <= len(raw); {
		end := start + strings.IndexAny(raw[start:], "&;")
		if end < start {
			end = len(raw)
		}
		if drop, w, r := protectedPair(raw[start:end], applied, exact); drop || len(r) > 0 {
			for _, x := range w {
				if !slices.Contains(where, x) {
					where = append(where, x)
				}
			}
			for _, x := range r {
				if !slices.Contains(refused, x) {
					refused = append(refused, x)
				}
			}
			if drop {
				if !changed {
					b = append(make([]byte, 0, len(raw)), raw[:max(start-1, 0)]...)
					changed = true
				}
				start = end + 1
				continue
			}
		}
		if changed {
			if !first {
				b = append(b, raw[start-1])
			}
			b = append(b, raw[start:end]...)
		}
		first = false
		start = end + 1
	}
	if !changed {
		return raw, false, where, refused
	}
	return string(b), true, where, refused
}

// protectedPair reports whether the statements remove the pair, which of
// them do, and the fields of the strict ones it names.
func protectedPair(pair string, applied []*stmt, exact bool) (drop bool, where, refused []string) {
	if pair == "" {
		return false, nil, nil
	}
	name, _, _ := strings.Cut(pair, "=")
	whole, dotted := nameSegments(escape.Percent(name, true))
	for _, s := range applied {
		for i := range s.query {
			f := &s.query[i]
			if !f.named(whole, dotted, exact) {
				continue
			}
			if s.strict {
				refused = append(refused, f.text)
				continue
			}
			drop = true
			where = append(where, s.where)
		}
	}
	return drop, where, refused
}
