package rules

import (
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFoldHashIsTheHashOfTheFoldedName checks that foldHash hashes what
// foldName writes, on names of ASCII, letters with other folds (the Kelvin
// sign, the long s, Greek sigma), invalid bytes, and names past 64 bytes.
func TestFoldHashIsTheHashOfTheFoldedName(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "K", "k", "\u212a", "s", "S", "\u017f", "\u03a3", "\u03c3", "\u03c2", "_", "9", "\xff", "é", "É", strings.Repeat("Ab", 40)}
	for range 100_000 {
		var b strings.Builder
		for n := r.IntN(10); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		name := b.String()
		h := fnv.New64a()
		h.Write([]byte(foldName(name)))
		if got, want := foldHash(name), h.Sum64(); got != want {
			t.Fatalf("foldHash(%q) is not the hash of %q", name, foldName(name))
		}
	}
}
