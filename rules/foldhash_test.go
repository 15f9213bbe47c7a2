package rules

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFoldHashIsTheHashOfTheFoldedName checks that foldHash hashes what
// foldName writes, on names of ASCII (capitals, the bytes around A-Z and
// a-z, every length up to 40), letters with other folds (the Kelvin sign,
// the long s, Greek sigma), invalid bytes, and names past 64 bytes.
func TestFoldHashIsTheHashOfTheFoldedName(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "K", "k", "\u212a", "s", "S", "\u017f", "\u03a3", "\u03c3", "\u03c2", "_", "9", "\xff", "é", "É", strings.Repeat("Ab", 40),
		"@", "[", "`", "{", "Z", "z", "\x00", "\x7f", "ROLE"}
	for range 200_000 {
		var b strings.Builder
		for n := r.IntN(12); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		checkFoldHash(t, b.String())
	}
	for n := range 41 { // every ASCII byte at every place of every length
		for range 200 {
			name := make([]byte, n)
			for i := range name {
				name[i] = byte(r.IntN(0x80))
			}
			checkFoldHash(t, string(name))
		}
	}
}

func checkFoldHash(t *testing.T, name string) {
	t.Helper()
	if got, want := foldHash(name), wordsHash([]byte(foldName(name))); got != want {
		t.Fatalf("foldHash(%q) is not the hash of %q", name, foldName(name))
	}
}

// wordsHash is foldHash's hash, plainly: b in little-endian words padded
// with zeros, each mixed in, then its length (foldHashEnd).
func wordsHash(b []byte) uint64 {
	padded := append(append([]byte(nil), b...), make([]byte, (8-len(b)%8)%8)...)
	h := uint64(foldHashSeed)
	for i := 0; i < len(padded); i += 8 {
		h = (h ^ binary.LittleEndian.Uint64(padded[i:])) * foldHashPrime
	}
	return foldHashEnd(h, len(b))
}
