package rules

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// patternGen draws regular expressions over a small alphabet with every
// construct RE2 has: classes, Perl and Unicode classes, case folding,
// groups, alternation, every quantifier, anchors in every place, line
// anchors and word boundaries.
type patternGen struct{ picker }

func (g patternGen) atom(depth int) string {
	switch n := g.r.Intn(14); {
	case n < 4:
		return g.pick(`a`, `b`, `k`, `é`, `@`, ` `, `\.`, `\n`, `0`, `\x{212A}`, `\\`, `-`)
	case n < 7:
		return g.pick(`[ab]`, `[^a]`, `[a-c]`, `[^@ ]`, `[é-ê]`, `[^\n]`, `[\x{0}-\x{7f}]`, `[^\x{80}-\x{10FFFF}]`, `[[:alpha:]]`)
	case n < 9:
		return g.pick(`.`, `\d`, `\w`, `\s`, `\D`, `\pL`, `\p{Greek}`, `(?i)k`, `(?i)é`, `(?i:ab)`, `(?s).`)
	case n < 12 && depth > 0:
		return g.pick(`(`, `(?:`) + g.alternation(depth-1) + `)`
	case n == 12:
		return g.pick(`^`, `$`, `\A`, `\z`, `\b`, `\B`, `(?m)^`, `(?m)$`, `(?:)`)
	}
	return g.pick(`a`, `b`)
}

func (g patternGen) piece(depth int) string {
	a := g.atom(depth)
	switch g.r.Intn(10) {
	case 0:
		return a + g.pick(`*`, `*?`)
	case 1:
		return a + g.pick(`+`, `+?`)
	case 2:
		return a + g.pick(`?`, `??`)
	case 3:
		return a + g.pick(`{2}`, `{0,2}`, `{1,3}`, `{2,}`, `{0}`, `{3,5}?`)
	}
	return a
}

func (g patternGen) alternation(depth int) string {
	var b strings.Builder
	for n := 1 + g.r.Intn(2); n > 0; n-- {
		for k := g.r.Intn(4); k >= 0; k-- {
			b.WriteString(g.piece(depth))
		}
		if n > 1 {
			b.WriteByte('|')
		}
	}
	return b.String()
}

func (g patternGen) pattern() string {
	p := g.alternation(2)
	if g.r.Intn(2) == 0 {
		p = g.pick(`^`, `\A`, `^(?:`) + p
		if strings.HasSuffix(p, `(?:`) || strings.HasPrefix(p, `^(?:`) {
			p += ")"
		}
	}
	if g.r.Intn(2) == 0 {
		p += g.pick(`$`, `\z`)
	}
	return p
}

// text draws a text over the pattern's alphabet, with the characters that
// fold into one another (k, K and the Kelvin sign), a newline and an
// invalid byte.
func (g patternGen) text() string {
	var b strings.Builder
	for n := g.r.Intn(9); n > 0; n-- {
		b.WriteString(g.pick("a", "b", "c", "k", "K", "\u212a", "é", "ê", "α", "@", " ", "\n", "0", ".", "\\", "-", "\xff"))
	}
	return b.String()
}

// TestPatternMatcherAgreesWithRegexp checks the position automaton against
// regexp on random patterns and texts: every pattern it takes answers what
// MatchString answers on every text.
func TestPatternMatcherAgreesWithRegexp(t *testing.T) {
	g := patternGen{picker{rand.New(rand.NewSource(7))}}
	taken, tabulated := 0, 0
	for range 4000 {
		pattern := g.pattern()
		re, err := regexp.Compile(pattern)
		if err != nil {
			continue
		}
		a, ok := compileAutomaton(pattern)
		if !ok {
			continue
		}
		taken++
		if a.table != nil {
			tabulated++
		}
		for range 40 {
			text := g.text()
			want := re.MatchString(text)
			if got := a.match(text); got != want {
				t.Fatalf("%q matches %q: automaton %v, regexp %v", text, pattern, got, want)
			}
			table := a.table
			a.table = nil // the steps alone, as for a pattern with no table
			got := a.match(text)
			a.table = table
			if got != want {
				t.Fatalf("%q matches %q: the automaton's steps %v, regexp %v", text, pattern, got, want)
			}
		}
	}
	if taken < 1500 || tabulated < taken*9/10 {
		t.Fatalf("the automaton took %d of 4000 patterns (under 1500), %d of them with a table: the generator no longer exercises it", taken, tabulated)
	}
}

// TestPatternMatcherKeepsRegexpWhereItMust names the patterns an automaton
// cannot run: they stay with regexp.
func TestPatternMatcherKeepsRegexpWhereItMust(t *testing.T) {
	for _, pattern := range []string{
		`(?m)^a`, `a(?m)$`, `\ba`, `a\B`, `a^b`, `a$b`, `(^a|b)`, `^`, `$`, `^$`,
		strings.Repeat(`a`, maxPositions+1), `[a-z]{65}`,
	} {
		if _, ok := compileAutomaton(pattern); ok {
			t.Errorf("%q: taken by the automaton", pattern)
		}
		m, err := patternMatcher(pattern)
		if err != nil {
			t.Fatalf("%q: %v", pattern, err)
		}
		re := regexp.MustCompile(pattern)
		for _, text := range []string{"", "a", "ab", "a\nb", strings.Repeat("a", 70)} {
			if m(text) != re.MatchString(text) {
				t.Errorf("%q matches %q: %v", text, pattern, m(text))
			}
		}
	}
	if _, err := patternMatcher(`a(`); err == nil {
		t.Error("a pattern regexp refuses compiled")
	}
}

func FuzzPatternMatcher(f *testing.F) {
	for _, c := range [][2]string{
		{`^[^@ ]+@[^@ ]+$`, "a@b"}, {`(?i)k+`, "\u212a"}, {`a|b*$`, "ca"}, {`^(a|ab)(c|bcd)$`, "abcd"},
		{`.\n`, "\xff\n"}, {`^a{2,3}$`, "aaaa"}, {`^(?:)a?$`, ""},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, pattern, text string) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		a, ok := compileAutomaton(pattern)
		if !ok {
			return
		}
		want := re.MatchString(text)
		if got := a.match(text); got != want {
			t.Fatalf("%q matches %q: automaton %v, regexp %v", text, pattern, got, want)
		}
		a.table = nil
		if got := a.match(text); got != want {
			t.Fatalf("%q matches %q: the automaton's steps %v, regexp %v", text, pattern, got, want)
		}
	})
}
