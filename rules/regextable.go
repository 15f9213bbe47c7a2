package rules

import (
	"math/bits"
	"unicode/utf8"
)

// A position automaton steps a word of positions per character, joining
// the follows of each position it is in (a loop over the word's bits) and
// testing the character's class. Over ASCII text those steps are
// tabulated at load: the sets of positions met from the start are
// numbered, and each set's next set for each class of ASCII bytes (bytes
// the pattern tells apart) is one entry of a table, so that a character
// costs one table read. A character above ASCII goes back to the steps,
// from the set the table reached.

// maxTableStates bounds the sets of positions a table holds, and
// maxTableEntries its size (64 KiB); a pattern that needs more is stepped
// without one.
const (
	maxTableStates  = 255
	maxTableEntries = 1 << 14
)

// Flags of a table entry above its offset: the set it leads to ends the
// test.
const (
	tableMatched = 1 << 16 // a match ends there and the pattern is not anchored at the end
	tableNoMatch = 2 << 16 // no position is left and the pattern is anchored at the start
)

// stepTable is an automaton's steps over ASCII bytes.
type stepTable struct {
	class  [utf8.RuneSelf]uint8 // each byte's class: bytes that take the same positions
	width  int                  // the number of classes
	next   []uint32             // next[offset+class]: the offset of the next set (a set's number times width), with the flags
	at     []uint64             // the positions of each set
	accept []bool               // each set, where the text ends: a match ends there
}

// tabulate numbers the sets of positions a's steps meet over ASCII text,
// the start being set 0; nil when they are more than maxTableStates or
// their table more than maxTableEntries (so an offset stays below the flags).
func (a *automaton) tabulate() *stepTable {
	t := &stepTable{}
	var byClass []uint64 // the positions of each class
	for c := range utf8.RuneSelf {
		k := 0
		for k < len(byClass) && byClass[k] != a.ascii[c] {
			k++
		}
		if k == len(byClass) {
			byClass = append(byClass, a.ascii[c])
		}
		t.class[c] = uint8(k)
	}
	t.width = len(byClass)
	// set 0 is the start, where an anchored pattern may begin; every
	// other set is numbered by its positions alone
	numbers := map[uint64]int{}
	t.at = []uint64{0}
	for s := 0; s < len(t.at); s++ {
		from := a.follows(t.at[s]) // where set s may go, whatever the byte
		if !a.begin || s == 0 {
			from |= a.first
		}
		for k := range t.width {
			at := from & byClass[k]
			n, ok := numbers[at]
			if !ok {
				if len(t.at) == maxTableStates || (len(t.at)+1)*t.width > maxTableEntries {
					return nil
				}
				n = len(t.at)
				numbers[at] = n
				t.at = append(t.at, at)
			}
			e := uint32(n * t.width)
			switch done, matched := a.settled(at); {
			case done && matched:
				e |= tableMatched
			case done:
				e |= tableNoMatch
			}
			t.next = append(t.next, e)
		}
	}
	t.accept = make([]bool, len(t.at))
	for s, at := range t.at {
		t.accept[s] = a.accepts(at)
	}
	return t
}

// follows is the positions that may come right after those of at.
func (a *automaton) follows(at uint64) uint64 {
	var f uint64
	for ; at != 0; at &= at - 1 {
		f |= a.follow[bits.TrailingZeros64(at)]
	}
	return f
}

// run is the automaton's match of text by the table while the text is
// ASCII, by the steps from its first byte above.
func (t *stepTable) run(a *automaton, text string) bool {
	off := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= utf8.RuneSelf {
			return a.step(text, i, t.at[off/t.width])
		}
		e := t.next[off+int(t.class[c])]
		if e >= tableMatched {
			return e&tableMatched != 0
		}
		off = int(e)
	}
	return t.accept[off/t.width]
}
