package intercept

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// indexWords are route and path segments: case variants, spellings that
// fold alike (the Kelvin sign and k, the long s and s), and a segment no
// route names.
var indexWords = []string{"users", "Users", "USERS", "\u212aeys", "keys", "Keys", "po\u017fts", "posts", "api", "API", "x", "other"}

// TestRouteIndexFindsWhatTheScanFinds is the class: for random route sets
// (literal and parameter segments, case-sensitive or not) and random
// paths (empty segments too), the index candidates, those of
// case-sensitive resources checked for case as match checks them, are the
// routes matching the path among all routes, in the same order.
func TestRouteIndexFindsWhatTheScanFinds(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	seg := func() patSeg {
		if r.Intn(4) == 0 {
			return patSeg{param: "id"}
		}
		return patSeg{lit: indexWords[r.Intn(len(indexWords))]}
	}
	for range 2000 {
		sensitive := &resource{}
		sensitive.cfg.CaseSensitive = true
		resources := []*resource{{}, sensitive}
		var routes []*route
		for i, n := 0, 1+r.Intn(8); i < n; i++ {
			rt := &route{res: resources[r.Intn(2)], order: i + 1}
			for k := r.Intn(4); k > 0; k-- {
				rt.segs = append(rt.segs, seg())
			}
			routes = append(routes, rt)
		}
		sortRoutes(routes)
		ix := indexRoutes(routes)
		for range 30 {
			var b strings.Builder
			for k := r.Intn(4); k >= 0; k-- {
				if r.Intn(10) == 0 {
					b.WriteString("/") // an empty segment
					continue
				}
				b.WriteString("/" + indexWords[r.Intn(len(indexWords))])
			}
			p := b.String()
			if r.Intn(8) == 0 {
				p = "/"
			}
			want := slices.DeleteFunc(slices.Clone(routes), func(rt *route) bool {
				return !matchPath(rt.segs, p, !rt.res.cfg.CaseSensitive)
			})
			got := slices.DeleteFunc(slices.Clone(ix.candidates(nil, p)), func(rt *route) bool {
				return rt.res.cfg.CaseSensitive && !matchPath(rt.segs, p, false) // as match checks them
			})
			if !slices.Equal(got, want) {
				t.Fatalf("path %q: index finds %v, the scan %v", p, orders(got), orders(want))
			}
		}
	}
}

func orders(routes []*route) []int {
	var out []int
	for _, rt := range routes {
		out = append(out, rt.order)
	}
	return out
}

// TestRouteIndexDoesNotAllocate: a path in any case, folded characters
// too, is looked up without allocating.
func TestRouteIndexDoesNotAllocate(t *testing.T) {
	routes := []*route{{res: &resource{}, segs: []patSeg{{lit: "api"}, {lit: "keys"}, {param: "id"}}}}
	ix := indexRoutes(routes)
	var buf [8]*route
	if got := ix.candidates(buf[:0], "/API/\u212aEY\u017f/1"); len(got) != 1 {
		t.Fatalf("candidates: %d routes, want 1", len(got))
	}
	if n := testing.AllocsPerRun(100, func() { ix.candidates(buf[:0], "/API/\u212aEY\u017f/1") }); n != 0 {
		t.Errorf("%v allocations a lookup", n)
	}
}
