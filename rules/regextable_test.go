package rules

import (
	"regexp"
	"testing"
)

// BenchmarkPatternMatcher is an email check on 64 addresses: by the
// automaton's table, by its steps alone, and by regexp.
func BenchmarkPatternMatcher(b *testing.B) {
	const pattern = `^[^@ ]+@[^@ ]+\.org$`
	texts := make([]string, 64)
	for i := range texts {
		texts[i] = "user" + string(rune('a'+i%26)) + ".benchmark@example.com"
	}
	a, ok := compileAutomaton(pattern)
	if !ok || a.table == nil {
		b.Fatal("the pattern has no table")
	}
	steps := *a
	steps.table = nil
	re := regexp.MustCompile(pattern)
	for _, m := range []struct {
		name  string
		match func(string) bool
	}{{"table", a.match}, {"steps", steps.match}, {"regexp", re.MatchString}} {
		b.Run(m.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				for _, t := range texts {
					if m.match(t) {
						n++
					}
				}
			}
			if n != 0 {
				b.Fatal("an address matched")
			}
		})
	}
}
