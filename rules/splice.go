package rules

import (
	"slices"
	"strings"
	"unsafe"
)

// Edits of a request record's top-level members, written once: setting or
// removing a member changes only the scanned members (a value set lives in
// memory of its own), and write copies the record's text with every edit
// made so far, in one pass. The text between members stays as the client
// wrote it, and the output is the same as writing after each edit.

// beginEdits notes, before the first edit since f's text was written, where
// its members begin and end in that text.
func (f *recordFields) beginEdits() {
	if f.edited {
		return
	}
	f.edited, f.spaceLast = true, false
	if n := len(f.members); n > 0 {
		last := f.members[n-1].val
		f.first, f.tail = offsetIn(f.raw, f.members[0].keyRaw), offsetIn(f.raw, last)+len(last)
		return
	}
	f.first = skipSpace(f.raw, 0) + 1 // just past the '{'
	f.tail = f.first
}

// setMember makes value the value of f's first member named key (under
// f's folding), or adds the member last when there is none, its name
// written as JSON into names. value and names must not change until
// write. f's members must describe its text (state scanned).
func (f *recordFields) setMember(key, value string, names *[]byte) {
	f.beginEdits()
	for i := range f.members {
		if m := &f.members[i]; sameKey(m.key, key, f.fold) {
			m.val, m.deep = value, false
			return
		}
	}
	if len(f.members) == 0 {
		f.spaceLast = true // added as the '{' is followed: the space after it moves on
	}
	k := len(*names)
	*names = appendString(*names, key) // storage that moves leaves what it held as it was
	f.members = append(f.members, member{key: key, keyRaw: unsafeString((*names)[k:]), val: value})
}

// removeMembers removes the members the top-level names of t select
// (t.namesOnly) and returns how many went.
func (f *recordFields) removeMembers(t *pathTree) int {
	i := 0
	for i < len(f.members) && t.named(f.members[i].key) == nil {
		i++
	}
	if i == len(f.members) {
		return 0
	}
	f.beginEdits() // before the members move: it reads where they are
	kept := i
	for _, m := range f.members[i+1:] {
		if t.named(m.key) == nil {
			f.members[kept] = m
			kept++
		}
	}
	n := len(f.members) - kept
	clear(f.members[kept:]) // no references to the body stay
	f.members = f.members[:kept]
	return n
}

// write appends to dst the record with its edits, copying the text of
// members that stay unchanged next to one another at once, and makes f the
// fields of what it wrote: with spots (storage for where each member
// goes), its members are pointed into dst once it is written; without (the
// record is done), they are found again if read.
func (f *recordFields) write(dst []byte, spots *[]int) []byte {
	if !f.edited {
		return append(dst, f.raw...)
	}
	old, start := f.raw, len(dst)
	grow := len(old)
	for _, m := range f.members {
		grow += len(m.val) + len(m.keyRaw) + 2
	}
	dst = slices.Grow(dst, grow) // the spots stay where they are written
	if spots != nil {
		*spots = (*spots)[:0]
	}

	// old[:lead]: the '{', and the space after it unless it goes last
	lead := f.first
	if f.spaceLast {
		lead = skipSpace(old, 0) + 1
	}
	dst = append(dst, old[:lead]...)
	from, end := lead, lead // old[from:end] is written next; end: past the value met last
	inOld := true           // the members met so far are in old: added ones come last
	for i := range f.members {
		m := &f.members[i]
		if inOld = inOld && inside(old, m.keyRaw); !inOld {
			dst = append(dst, old[from:end]...)
			from = end
			if i > 0 {
				dst = append(dst, ',')
			}
			k := len(dst)
			dst = append(dst, m.keyRaw...)
			dst = append(dst, ':')
			v := len(dst)
			dst = append(dst, m.val...)
			if spots != nil {
				*spots = append(*spots, k, v)
			}
			continue
		}
		at := offsetIn(old, m.keyRaw)
		switch {
		case i == 0:
			from = at // right after the lead, as the first member left
		case strings.IndexByte(old[end:at], '"') >= 0:
			dst = append(dst, old[from:end]...) // a member between went
			dst = append(dst, ',')
			from = at
		}
		v0, v1 := valueSpan(old, at+len(m.keyRaw), m.val)
		k, v := len(dst)+at-from, len(dst)+v0-from // once old[from:] is written
		if !inside(old, m.val) {
			// set: the text up to the value, then the value
			dst = append(dst, old[from:v0]...)
			dst = append(dst, m.val...)
			from = v1
		}
		end = v1
		if spots != nil {
			*spots = append(*spots, k, v) // where the run will be once written
		}
	}
	dst = append(dst, old[from:end]...)
	dst = append(dst, old[lead:f.first]...)
	dst = append(dst, old[f.tail:]...)
	if spots == nil {
		f.reset(unsafeString(dst[start:])) // scanned again if read
		return dst
	}
	now := unsafeString(dst)
	for i := range f.members {
		f.members[i].repoint(now, (*spots)[2*i], (*spots)[2*i+1])
	}
	f.raw, f.edited = now[start:], false
	return dst
}

// repoint makes m the member whose name starts at k and value at v in now,
// where they were written as they are.
func (m *member) repoint(now string, k, v int) {
	keyRaw := now[k : k+len(m.keyRaw)]
	if inside(m.keyRaw, m.key) { // an unescaped name is the text inside the quotes
		m.key = keyRaw[1 : len(keyRaw)-1]
	}
	m.keyRaw, m.val = keyRaw, now[v:v+len(m.val)]
}

// valueSpan returns where the value of the member whose name ends at i
// begins and ends in s: where val lies when it is part of s, else where
// the value it replaced lies.
func valueSpan(s string, i int, val string) (int, int) {
	if inside(s, val) {
		v := offsetIn(s, val)
		return v, v + len(val)
	}
	v := skipSpace(s, skipSpace(s, i)+1) // past the colon
	return v, trustedValue(s, v)
}

// inside reports whether sub is part of s's memory.
func inside(s, sub string) bool {
	off := uintptr(unsafe.Pointer(unsafe.StringData(sub))) - uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return sub != "" && off < uintptr(len(s)) && uintptr(len(sub)) <= uintptr(len(s))-off
}
