package rules

import (
	"encoding/binary"
	"math/bits"
)

// foldHash hashes key as foldName folds it, without allocating: the
// folded bytes eight at a time, as little-endian words (the last one
// padded with zeros), each mixed in by a multiplication, then their count.
// A name of ASCII, the usual one, is folded a word at a time. Its values
// need not be hard to guess: the table it serves holds at most
// maxPlainMembers names, so colliding names cost at most that many
// comparisons each.
func foldHash(key string) uint64 {
	h := uint64(foldHashSeed)
	i := 0
	for ; i+8 <= len(key); i += 8 {
		w := wordAt(key, i)
		if w&highs != 0 {
			return foldHashRunes(key)
		}
		h = (h ^ lowerWord(w)) * foldHashPrime
	}
	if i < len(key) {
		w := tailWord(key, i)
		if w&highs != 0 {
			return foldHashRunes(key)
		}
		h = (h ^ lowerWord(w)) * foldHashPrime
	}
	return foldHashEnd(h, len(key))
}

// tailWord is s[i:], one to seven bytes, as a little-endian word padded
// with zeros, read in at most two loads that may overlap.
func tailWord(s string, i int) uint64 {
	n := len(s) - i
	switch {
	case len(s) >= 8: // the last eight bytes, less those before i
		return wordAt(s, len(s)-8) >> (8 * (8 - n))
	case n >= 4:
		lo, hi := unsafeBytes(s[i:i+4]), unsafeBytes(s[len(s)-4:])
		return uint64(binary.LittleEndian.Uint32(lo)) | uint64(binary.LittleEndian.Uint32(hi))<<(8*(n-4))
	case n >= 2:
		lo, hi := unsafeBytes(s[i:i+2]), unsafeBytes(s[len(s)-2:])
		return uint64(binary.LittleEndian.Uint16(lo)) | uint64(binary.LittleEndian.Uint16(hi))<<(8*(n-2))
	}
	return uint64(s[i])
}

const (
	foldHashSeed  = 0x9E3779B97F4A7C15
	foldHashPrime = 0xBF58476D1CE4E5B9 // odd, its bits spread over the word (splitmix64's first multiplier)
)

// lowerWord is w, eight ASCII bytes, with its capitals in lower case.
func lowerWord(w uint64) uint64 {
	// a byte's high bit is set by +0x3f from 'A' up and by +0x25 from '['
	// up; no byte carries into the next, all being below 0x80
	upper := (w + ones*0x3f) &^ (w + ones*0x25) & highs
	return w | upper>>2
}

// foldHashEnd mixes the count of folded bytes into h and spreads its high
// bits down, where the table reads it.
func foldHashEnd(h uint64, n int) uint64 {
	h ^= uint64(n)
	h ^= h >> 32
	hi, lo := bits.Mul64(h, foldHashPrime)
	return hi ^ lo
}

// foldHashRunes is foldHash for a name with a byte above ASCII: the bytes
// foldName writes, hashed as words.
func foldHashRunes(key string) uint64 {
	var buf [64]byte // most names fold within it: no allocation
	folded := AppendFoldName(buf[:0], key)
	h := uint64(foldHashSeed)
	i := 0
	for ; i+8 <= len(folded); i += 8 {
		h = (h ^ binary.LittleEndian.Uint64(folded[i:])) * foldHashPrime
	}
	if i < len(folded) {
		var last [8]byte // padded with zeros
		copy(last[:], folded[i:])
		h = (h ^ binary.LittleEndian.Uint64(last[:])) * foldHashPrime
	}
	return foldHashEnd(h, len(folded))
}
