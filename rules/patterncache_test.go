package rules

import (
	"fmt"
	"testing"
)

// TestComputedPatternsAnswerAsExpr: `matches` of a pattern computed at run
// time answers as expr's VM does: nil on either side matches nothing, a
// pattern that does not compile and anything but strings are its errors,
// and a pattern met again (the operand's last, or one in the cache) gives
// the same answers.
func TestComputedPatternsAnswerAsExpr(t *testing.T) {
	records := pairs("s", []string{`"a"`, `"abc"`, `"ABC"`, `"a\nb"`, `null`, `1`, `"é"`},
		"p", []string{`"^a"`, `"(?i)^a"`, `"c$"`, `"^a.b$"`, `"(?s)^a.b$"`, `"\\d"`, `"("`, `null`, `2`, `"é"`, `""`})
	checkCompiledValues(t, []string{
		`record.s matches record.p`, `record.s matches ("^" + record.p)`, `not (record.s matches record.p)`,
		`record.p matches record.s`, `record.s matches record.p || record.s == "x"`,
	}, append(records, records...))
}

// TestComputedPatternsKeptBounded: the cache keeps at most
// maxCachedPatterns patterns of at most maxCachedPatternLen bytes, each a
// copy of the text it was given (which may be a view of a reused buffer).
func TestComputedPatternsKeptBounded(t *testing.T) {
	patternCache.Purge()
	for i := range 3 * maxCachedPatterns {
		patternOf(fmt.Sprintf("^a%d", i))
	}
	if n := patternCache.Len(); n != maxCachedPatterns {
		t.Errorf("%d patterns kept, want %d", n, maxCachedPatterns)
	}
	long := make([]byte, maxCachedPatternLen+1)
	for i := range long {
		long[i] = 'a'
	}
	if p := patternOf(string(long)); p.err != nil || !p.matches(string(long)) {
		t.Errorf("a long pattern: %v", p.err)
	}
	if patternCache.Contains(string(long)) {
		t.Error("a pattern longer than maxCachedPatternLen kept")
	}
	buf := []byte("^kept$")
	patternOf(unsafeString(buf))
	copy(buf, "^gone$")
	if !patternCache.Contains("^kept$") || patternCache.Contains("^gone$") {
		t.Error("the cache keeps a view of the caller's buffer")
	}
	var last lastPattern
	if a, b := last.of("^x"), last.of("^x"); a != b || a.err != nil {
		t.Error("an operand compiled its last pattern again")
	}
}
