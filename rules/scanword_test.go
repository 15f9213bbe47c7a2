package rules

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// firstSpecial is specialIn's reference: the index of the first byte of
// w that ends a run of plain string bytes, 8 when there is none.
func firstSpecial(w [8]byte) int {
	for i, c := range w {
		if specialByte[c] {
			return i
		}
	}
	return 8
}

// TestSpecialInFindsTheFirstSpecialByte checks the word test against the
// byte table on every byte value at every position among plain and
// special neighbours, and on random words.
func TestSpecialInFindsTheFirstSpecialByte(t *testing.T) {
	check := func(w [8]byte) {
		got := 8
		if m := specialIn(binary.LittleEndian.Uint64(w[:])); m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if want := firstSpecial(w); got != want {
			t.Fatalf("specialIn(%q) finds byte %d, want %d", w[:], got, want)
		}
	}
	fills := []byte{'a', ' ', '!', '#', '[', ']', 0x7f, 0x80, 0xc3, 0xff, 0x00, '"', '\\', 0x1f, 0x21, 0x23, 0x5b, 0x5d}
	for _, fill := range fills {
		for at := range 8 {
			for c := range 256 {
				var w [8]byte
				for i := range w {
					w[i] = fill
				}
				w[at] = byte(c)
				check(w)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], r.Uint64())
		check(w)
	}
}
