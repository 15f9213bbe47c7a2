package rules

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRemainderAsGo compares the remainder by a constant with Go's %
// (which expr's % is) over the edges of both operands and random pairs
// of every size.
func TestRemainderAsGo(t *testing.T) {
	edges := []int{0, 1, -1, 2, -2, 3, 7, -7, 10, 1000, 65535, 65536, math.MaxUint32 - 1, math.MaxUint32,
		math.MaxUint32 + 1, -math.MaxUint32, -math.MaxUint32 - 1, math.MaxInt32, math.MinInt32,
		math.MaxInt64, math.MinInt64, math.MinInt64 + 1, math.MaxInt64 - 1}
	check := func(i, k int) {
		t.Helper()
		r := newRemainder(k)
		if got, want := r.of(i), i%k; got != want {
			t.Fatalf("%d %% %d: got %d, want %d", i, k, got, want)
		}
	}
	for _, k := range edges {
		if k == 0 {
			continue
		}
		for _, i := range edges {
			check(i, k)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sized := func() int { // a random value of a random width, either sign
		v := int(rng.Uint64() >> rng.IntN(64))
		if rng.IntN(2) == 0 {
			v = -v
		}
		return v
	}
	for range 2_000_000 {
		k := sized()
		if k == 0 {
			continue
		}
		check(sized(), k)
	}
}

// FuzzRemainderAsGo is TestRemainderAsGo's comparison on any pair.
func FuzzRemainderAsGo(f *testing.F) {
	f.Add(int64(10), int64(7))
	f.Add(int64(-10), int64(3))
	f.Add(int64(math.MinInt64), int64(-1))
	f.Fuzz(func(t *testing.T, i, k int64) {
		if k == 0 {
			return
		}
		r := newRemainder(int(k))
		if got, want := r.of(int(i)), int(i)%int(k); got != want {
			t.Fatalf("%d %% %d: got %d, want %d", i, k, got, want)
		}
	})
}

// BenchmarkRemainder is the remainder by 7 of 1 024 record-sized integers,
// by the prepared constant and by the division instruction.
func BenchmarkRemainder(b *testing.B) {
	ns := make([]int, 1024)
	for j := range ns {
		ns[j] = j * 7919 % 100_000
	}
	k := divisors[0] // not a constant the compiler divides by multiplying
	r := newRemainder(k)
	b.Run("prepared", func(b *testing.B) {
		sum := 0
		for b.Loop() {
			for _, n := range ns {
				sum += r.of(n)
			}
		}
		sink = sum
	})
	b.Run("division", func(b *testing.B) {
		sum := 0
		for b.Loop() {
			for _, n := range ns {
				sum += n % k
			}
		}
		sink = sum
	})
	// each step waits for the one before, as a condition's branch does
	b.Run("chained/prepared", func(b *testing.B) {
		x := 12345
		for b.Loop() {
			for range len(ns) {
				x = r.of(x)*7919 + 100003
			}
		}
		sink = x
	})
	b.Run("chained/division", func(b *testing.B) {
		x := 12345
		for b.Loop() {
			for range len(ns) {
				x = x%k*7919 + 100003
			}
		}
		sink = x
	})
}

var (
	sink     int
	divisors = []int{7}
)
