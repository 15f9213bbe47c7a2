package rules

import (
	"slices"
	"unsafe"
)

// Edits of a request record's top-level members, spliced: the members
// scanned from the record say where each one sits, so setting or removing
// one copies the text around it once, and the members are pointed at the
// copy, with no second scan. The text between members stays as the client
// wrote it.

// setMember writes into dst the record f holds with the value of its first
// member named key (under f's folding) replaced by value, or with the
// member added last when there is none, and makes f the fields of what it
// wrote. f's members must describe its text (state scanned).
func (f *recordFields) setMember(dst []byte, key string, value []byte) []byte {
	raw, start := f.raw, len(dst)
	for i := range f.members {
		m := &f.members[i]
		if !sameKey(m.key, key, f.fold) {
			continue
		}
		at := offsetIn(raw, m.val)
		end := at + len(m.val)
		dst = append(dst, raw[:at]...)
		dst = append(dst, value...)
		dst = append(dst, raw[end:]...)
		repoint(f.members[:i], raw, dst, start)
		repoint(f.members[i+1:], raw, dst, start+len(value)-len(m.val))
		m.keyRaw = moved(m.keyRaw, raw, unsafeString(dst), start)
		m.key = moved(m.key, raw, unsafeString(dst), start)
		m.val = unsafeString(dst)[start+at : start+at+len(value)]
		f.raw = unsafeString(dst[start:])
		return dst
	}
	end := skipSpace(raw, 0) + 1 // just past the '{'
	if n := len(f.members); n > 0 {
		last := f.members[n-1].val
		end = offsetIn(raw, last) + len(last)
	}
	dst = append(dst, raw[:end]...)
	if len(f.members) > 0 {
		dst = append(dst, ',')
	}
	k0 := len(dst)
	dst = appendString(dst, key)
	k1 := len(dst)
	dst = append(dst, ':')
	v0 := len(dst)
	dst = append(dst, value...)
	v1 := len(dst)
	dst = append(dst, raw[end:]...)
	repoint(f.members, raw, dst, start)
	now := unsafeString(dst)
	f.members = append(f.members, member{key: key, keyRaw: now[k0:k1], val: now[v0:v1]})
	f.raw = now[start:]
	return dst
}

// removeMembers writes into dst the record f holds without the members the
// top-level names of t select (t.namesOnly), and makes f the fields of what
// it wrote. It returns what it wrote and how many members went; when none
// did, dst is returned as it came and f is unchanged.
func (f *recordFields) removeMembers(dst []byte, t *pathTree) ([]byte, int) {
	raw, members, start := f.raw, f.members, len(dst)
	var storage [8]int
	gone := storage[:0] // the indexes of the members that go, in order
	for i := range members {
		if t.named(members[i].key) != nil {
			gone = append(gone, i)
		}
	}
	if len(gone) == 0 {
		return dst, 0
	}
	last := members[len(members)-1].val
	tail := raw[offsetIn(raw, last)+len(last):] // what follows the last member: the closing brace
	dst = slices.Grow(dst, len(raw))            // what is written is shorter: the members stay where they are put
	// the opening brace and what follows it up to the first member
	dst = append(dst, raw[:offsetIn(raw, members[0].keyRaw)]...)
	kept, from := 0, 0 // kept: members written; from: the first member after the last that went
	for _, to := range append(gone, len(members)) {
		if from < to {
			if kept > 0 {
				dst = append(dst, ',')
			}
			at, end := offsetIn(raw, members[from].keyRaw), offsetIn(raw, members[to-1].val)+len(members[to-1].val)
			delta := len(dst) - at
			dst = append(dst, raw[at:end]...)
			copy(members[kept:], members[from:to]) // moves left only
			repoint(members[kept:kept+to-from], raw, dst, delta)
			kept += to - from
		}
		from = to + 1
	}
	dst = append(dst, tail...)
	f.members = members[:kept]
	f.raw = unsafeString(dst[start:])
	return dst, len(gone)
}

// repoint makes the strings of ms that lie in old the same text delta
// bytes further on in dst (a copy of old with edits); the others, keys
// unescaped into their own memory, stay.
func repoint(ms []member, old string, dst []byte, delta int) {
	now := unsafeString(dst)
	for i := range ms {
		m := &ms[i]
		m.key = moved(m.key, old, now, delta)
		m.keyRaw = moved(m.keyRaw, old, now, delta)
		m.val = moved(m.val, old, now, delta)
	}
}

func moved(s, old, now string, delta int) string {
	off := uintptr(unsafe.Pointer(unsafe.StringData(s))) - uintptr(unsafe.Pointer(unsafe.StringData(old)))
	if len(s) == 0 || off >= uintptr(len(old)) || uintptr(len(s)) > uintptr(len(old))-off {
		return s
	}
	at := int(off) + delta
	return now[at : at+len(s)]
}
