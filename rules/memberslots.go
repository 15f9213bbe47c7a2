package rules

import "sync"

// A condition that reads record.name finds the member without comparing
// names: the after phase scans each record against the program's descend
// tree, which marks every member with the index of the child naming it
// (member.at). The program maps each field an expression reads to that
// index once; the record's slots map each index to its last member, filled
// in one pass over the members on the first read of the record, and kept
// for the next record when the members of both met the scan's guesses
// (the same names in the same order: see nested.unmet).

// fieldIDs numbers the top-level field names expressions read, the same
// number for a name in every program, so that a compiled read, shared by
// the programs that join its statement, holds a number and each program a
// table from it. It grows only by names no configuration loaded before
// has read.
var fieldIDs struct {
	sync.Mutex
	of map[string]int32
}

// fieldID is name's number, given at compile time.
func fieldID(name string) int32 {
	fieldIDs.Lock()
	defer fieldIDs.Unlock()
	id, ok := fieldIDs.of[name]
	if !ok {
		if fieldIDs.of == nil {
			fieldIDs.of = map[string]int32{}
		}
		id = int32(len(fieldIDs.of))
		fieldIDs.of[name] = id
	}
	return id
}

// fieldSlots maps the numbers of the top-level fields a program's
// expressions read to their child of the tree records are scanned
// against, as index+1 (0: none).
type fieldSlots struct {
	of    []uint8
	width int // the highest index+1 in of: how many children a record's table holds
}

// fieldSlotsOf is the fieldSlots of top against d; nil when the scan cannot
// tell the members apart by child: a wildcard beside the names or more
// names than member.at holds.
func fieldSlotsOf(d *pathTree, top []topField) *fieldSlots {
	if d == nil || d.star != nil || len(d.children) >= 255 {
		return nil
	}
	fs := &fieldSlots{}
	for _, t := range top {
		c := d.named(t.key)
		if c == nil {
			continue
		}
		id := fieldID(t.key)
		for int(id) >= len(fs.of) {
			fs.of = append(fs.of, 0)
		}
		fs.of[id] = c.at + 1
		fs.width = max(fs.width, int(c.at)+1)
	}
	return fs
}

// memberSlots indexes the top-level members of a record scanned against
// a program's descend tree by the child naming them.
type memberSlots struct {
	of    []uint8 // fieldSlots.of
	last  []int32 // by child index: 1 + the last member it names, 0 none
	ready bool    // last describes the current members
	small [16]int32
}

// use makes the slots those of a program's fieldSlots (nil: none).
func (s *memberSlots) use(fs *fieldSlots) {
	s.of, s.last, s.ready = nil, s.small[:0], false
	if fs == nil {
		return
	}
	s.of = fs.of
	if fs.width > len(s.small) {
		s.last = make([]int32, 0, fs.width)
	}
	s.last = s.last[:fs.width]
}

// knows reports whether s (nil: none) finds the field numbered id.
func (s *memberSlots) knows(id int32) bool {
	return s != nil && int(id) < len(s.of) && s.of[id] != 0
}

// filled is member where the slots are filled already and know the field
// (ok false otherwise): the usual read, small enough to inline.
func (s *memberSlots) filled(members []member, id int32) (m *member, ok bool) {
	if s == nil || !s.ready || int(id) >= len(s.of) || s.of[id] == 0 {
		return nil, false
	}
	if j := s.last[s.of[id]-1]; j > 0 {
		return &members[j-1], true
	}
	return nil, true
}

// member is the last of members named by the field numbered id, which
// the slots know, or nil.
func (s *memberSlots) member(members []member, id int32) *member {
	if !s.ready {
		s.fill(members)
	}
	m, _ := s.filled(members, id)
	return m
}

// fill indexes members: of duplicate names the last wins.
func (s *memberSlots) fill(members []member) {
	clear(s.last)
	for j := range members {
		if m := &members[j]; !m.miss && int(m.at) < len(s.last) {
			s.last[m.at] = int32(j) + 1
		}
	}
	s.ready = true
}
