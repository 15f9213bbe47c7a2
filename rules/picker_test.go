package rules

import "math/rand"

// picker is the random source the property tests' generators share, with
// the one draw they all make: one of a few strings.
type picker struct{ r *rand.Rand }

func (p picker) pick(xs ...string) string { return xs[p.r.Intn(len(xs))] }
