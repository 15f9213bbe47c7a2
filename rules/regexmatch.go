package rules

import (
	"math/bits"
	"regexp"
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// A `matches` with a constant pattern runs on every record or body it
// tests, so most patterns are not run by package regexp (whose one-pass
// and backtracking engines spend a few hundred instructions a character)
// but by a position automaton: each character or class the pattern names
// is one position, and the set of positions a prefix of the text can end
// in is one 64-bit word, stepped once per character. It answers what
// regexp's MatchString answers; patterns it cannot express (line anchors
// and word boundaries, anchors inside the pattern, more than 64 positions)
// keep regexp.

// patternMatcher returns the test `text matches pattern` runs: pattern
// compiled as expr compiles it (regexp.Compile), run by a position
// automaton when the pattern allows.
func patternMatcher(pattern string) (func(string) bool, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	if a, ok := compileAutomaton(pattern); ok {
		return a.match, nil
	}
	return re.MatchString, nil
}

// maxPositions is the most characters and classes a pattern run by an
// automaton may name: one bit each.
const maxPositions = 64

// automaton is a pattern's Glushkov automaton: positions are the
// characters and classes of the pattern; follow[p] are the positions that
// may come right after p.
type automaton struct {
	first, last uint64 // the positions a match may start and end in
	nullable    bool   // the pattern matches the empty text
	begin, end  bool   // anchored at the start (^, \A) and at the end ($, \z)
	follow      []uint64
	ascii       [utf8.RuneSelf]uint64 // the positions each ASCII character may take
	wide        uint64                // positions whose class holds a character above ASCII
	classes     [][]rune              // each position's class: sorted inclusive ranges, as syntax writes them
	table       *stepTable            // the steps over ASCII text, when they are few enough
}

// compileAutomaton builds the automaton of pattern, or reports false when
// the pattern needs regexp.
func compileAutomaton(pattern string) (*automaton, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl) // regexp.Compile's flags
	if err != nil {
		return nil, false
	}
	re = re.Simplify() // x{n,m} written out as copies of x
	a := &automaton{}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	if len(subs) > 0 && subs[0].Op == syntax.OpBeginText {
		a.begin, subs = true, subs[1:]
	}
	if len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText {
		a.end, subs = true, subs[:len(subs)-1]
	}
	if len(subs) == 0 {
		return nil, false // "^", "$", "": nothing to step
	}
	f, ok := a.sequence(len(subs), func(i int) (fragment, bool) { return a.fragment(subs[i]) })
	if !ok {
		return nil, false
	}
	a.first, a.last, a.nullable = f.first, f.last, f.nullable
	for p, class := range a.classes {
		for i := 0; i < len(class); i += 2 {
			lo, hi := class[i], class[i+1]
			for c := lo; c <= hi && c < utf8.RuneSelf; c++ {
				a.ascii[c] |= 1 << p
			}
			if hi >= utf8.RuneSelf {
				a.wide |= 1 << p
			}
		}
	}
	a.table = a.tabulate()
	return a, true
}

// fragment is a piece of the pattern: the positions it may start and end
// in, and whether it matches the empty text.
type fragment struct {
	first, last uint64
	nullable    bool
}

// position adds a position taking the characters of class.
func (a *automaton) position(class []rune) (fragment, bool) {
	if len(a.classes) == maxPositions {
		return fragment{}, false
	}
	bit := uint64(1) << len(a.classes)
	a.classes = append(a.classes, class)
	a.follow = append(a.follow, 0)
	return fragment{first: bit, last: bit}, true
}

// link makes every position of from followed by every position of to.
func (a *automaton) link(from, to uint64) {
	for ; from != 0; from &= from - 1 {
		a.follow[bits.TrailingZeros64(from)] |= to
	}
}

// sequence is the concatenation of n parts, part(i) building the i-th.
func (a *automaton) sequence(n int, part func(i int) (fragment, bool)) (fragment, bool) {
	f := fragment{nullable: true}
	for i := range n {
		next, ok := part(i)
		if !ok {
			return fragment{}, false
		}
		f = a.concat(f, next)
	}
	return f, true
}

func (a *automaton) concat(x, y fragment) fragment {
	a.link(x.last, y.first)
	f := fragment{first: x.first, last: y.last, nullable: x.nullable && y.nullable}
	if x.nullable {
		f.first |= y.first
	}
	if y.nullable {
		f.last |= x.last
	}
	return f
}

// fragment builds the positions of re.
func (a *automaton) fragment(re *syntax.Regexp) (fragment, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return fragment{nullable: true}, true
	case syntax.OpLiteral:
		return a.sequence(len(re.Rune), func(i int) (fragment, bool) {
			r := re.Rune[i]
			if re.Flags&syntax.FoldCase != 0 {
				return a.position(foldClass(r))
			}
			return a.position([]rune{r, r})
		})
	case syntax.OpCharClass:
		return a.position(re.Rune)
	case syntax.OpAnyCharNotNL:
		return a.position([]rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune})
	case syntax.OpAnyChar:
		return a.position([]rune{0, unicode.MaxRune})
	case syntax.OpCapture:
		return a.fragment(re.Sub[0])
	case syntax.OpConcat:
		return a.sequence(len(re.Sub), func(i int) (fragment, bool) { return a.fragment(re.Sub[i]) })
	case syntax.OpAlternate:
		var f fragment
		for _, sub := range re.Sub {
			next, ok := a.fragment(sub)
			if !ok {
				return fragment{}, false
			}
			f.first |= next.first
			f.last |= next.last
			f.nullable = f.nullable || next.nullable
		}
		return f, true
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		f, ok := a.fragment(re.Sub[0])
		if !ok {
			return fragment{}, false
		}
		if re.Op != syntax.OpQuest {
			a.link(f.last, f.first) // repeat
		}
		if re.Op != syntax.OpPlus {
			f.nullable = true
		}
		return f, true
	}
	return fragment{}, false // anchors inside, line anchors, word boundaries, no match
}

// foldClass is the class of the characters r folds to (simple case
// folding, as regexp matches a case-insensitive literal).
func foldClass(r rune) []rune {
	folds := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		folds = append(folds, f)
	}
	class := make([]rune, 0, 2*len(folds))
	for len(folds) > 0 { // ranges of one character each, ascending
		min := 0
		for i := range folds {
			if folds[i] < folds[min] {
				min = i
			}
		}
		class = append(class, folds[min], folds[min])
		folds = append(folds[:min], folds[min+1:]...)
	}
	return class
}

// positions returns the positions character c may take.
func (a *automaton) positions(c rune) uint64 {
	if c < utf8.RuneSelf {
		return a.ascii[c]
	}
	var in uint64
	for w := a.wide; w != 0; w &= w - 1 {
		p := bits.TrailingZeros64(w)
		class := a.classes[p]
		for i := 0; i < len(class); i += 2 {
			if class[i] <= c && c <= class[i+1] {
				in |= 1 << p
				break
			}
		}
	}
	return in
}

// match reports whether text holds a match, as regexp's MatchString does:
// text is read as UTF-8, each invalid byte as U+FFFD.
func (a *automaton) match(text string) bool {
	if a.nullable && (!a.begin || !a.end || text == "") {
		return true // the empty match
	}
	if a.table != nil {
		return a.table.run(a, text)
	}
	return a.step(text, 0, 0)
}

// step is match from the byte text[from], the text before it having left
// the automaton in the positions at, stepping a character at a time.
func (a *automaton) step(text string, from int, at uint64) bool {
	var last, follows uint64 // the last positions whose follows were joined, and those
	for j, c := range text[from:] {
		if at != last { // a repeated class keeps the same positions from byte to byte
			last, follows = at, a.follows(at)
		}
		next := follows
		if !a.begin || from+j == 0 {
			next |= a.first // a match may start here
		}
		at = next & a.positions(c)
		if done, matched := a.settled(at); done {
			return matched
		}
	}
	return a.accepts(at)
}

// settled reports whether the positions at, reached inside the text,
// decide the test: a match ended and the pattern may end anywhere
// (matched), or no position is left and the pattern is anchored at the
// start, so no match can start later.
func (a *automaton) settled(at uint64) (done, matched bool) {
	switch {
	case at&a.last != 0 && !a.end:
		return true, true
	case at == 0 && a.begin:
		return true, false
	}
	return false, false
}

// accepts reports whether the positions at, where the text ends, end a
// match.
func (a *automaton) accepts(at uint64) bool { return at&a.last != 0 && a.end }
