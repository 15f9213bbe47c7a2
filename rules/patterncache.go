package rules

import (
	"strings"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"
)

// A `matches` whose pattern is computed at run time (record.email matches
// record.pattern, a pattern built from user's claims) compiles each
// pattern it meets once for the process, as a constant pattern is
// compiled at load, where expr's VM compiles it on every evaluation: the
// compiled patterns are kept in a bounded cache (least recently used out),
// and each operand remembers the last one it ran, which a list of records
// tested against one pattern meets every time without a lock.

// maxCachedPatterns bounds the patterns kept (a pattern's position
// automaton holds a table of at most 64 KiB); maxCachedPatternLen is the
// longest kept: a longer one is compiled on each evaluation, as the VM
// does.
const (
	maxCachedPatterns   = 128
	maxCachedPatternLen = 1 << 10
)

// compiledPattern is a pattern with its test, or the error compiling it
// gave (the VM's error for that evaluation).
type compiledPattern struct {
	pattern string
	matches func(string) bool
	err     error
}

var patternCache, _ = lru.New[string, *compiledPattern](maxCachedPatterns)

// patternOf is pattern compiled, from the cache when it is there.
func patternOf(pattern string) *compiledPattern {
	if p, ok := patternCache.Get(pattern); ok {
		return p
	}
	p := &compiledPattern{pattern: strings.Clone(pattern)} // pattern may be a view of a pooled buffer
	p.matches, p.err = patternMatcher(p.pattern)
	if len(pattern) <= maxCachedPatternLen {
		patternCache.Add(p.pattern, p)
	}
	return p
}

// lastPattern is one operand's last compiled pattern.
type lastPattern struct {
	p atomic.Pointer[compiledPattern]
}

// of is pattern compiled: the last one when it is the same.
func (l *lastPattern) of(pattern string) *compiledPattern {
	if p := l.p.Load(); p != nil && p.pattern == pattern {
		return p
	}
	p := patternOf(pattern)
	l.p.Store(p)
	return p
}
