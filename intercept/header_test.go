package intercept

import (
	"strconv"
	"testing"
)

// The Content-Length text crud writes is strconv's, on both sides of the
// table's end.
func TestLengthTextIsItoa(t *testing.T) {
	for n := -1; n <= 20000; n++ {
		if got, want := lengthText(n), strconv.Itoa(n); got != want {
			t.Fatalf("lengthText(%d) = %q, want %q", n, got, want)
		}
	}
}
