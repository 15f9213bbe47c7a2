package rules

import "sync"

// A condition that reads record.name finds the member without comparing
// names: the after phase scans each record against the program's descend
// tree, which marks every member with the index of the child naming it
// (member.at). The program maps each field an expression reads to that
// index once; the record's slots map each index to its last member, filled
// in one pass over the members on the first read of the record.

// fieldIDs numbers the top-level field names expressions read, the same
// number for a name in every program, so that a compiled read, shared by
// the programs that join its statement, holds a number and each program a
// table from it.
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

// fieldSlotsOf maps the numbers of the top-level fields of top to their
// child of d, the tree records are scanned against, as index+1 (0: none);
// nil when the scan cannot tell the members apart by child: a wildcard
// beside the names or more names than member.at holds.
func fieldSlotsOf(d *pathTree, top []topField) []uint8 {
	if d == nil || d.star != nil || len(d.children) >= 255 {
		return nil
	}
	var of []uint8
	for _, t := range top {
		c := d.named(t.key)
		if c == nil {
			continue
		}
		id := fieldID(t.key)
		for int(id) >= len(of) {
			of = append(of, 0)
		}
		of[id] = c.at + 1
	}
	return of
}

// memberSlots indexes the top-level members of a record scanned against
// a program's descend tree by the child naming them.
type memberSlots struct {
	of    []uint8 // Program.fieldSlots
	width int     // the highest index+1 in of
	last  []int32 // by child index below width: the last member it names, -1 none
	ready bool    // last describes the current members
	small [16]int32
}

// use makes the slots those of a program's fieldSlots.
func (s *memberSlots) use(of []uint8) {
	s.of, s.width, s.ready = of, 0, false
	for _, at := range of {
		s.width = max(s.width, int(at))
	}
}

// member returns the index in members of the last member named by the
// field numbered id, -1 when there is none, and false when the slots do
// not know the field.
func (s *memberSlots) member(members []member, id int32) (int32, bool) {
	if int(id) >= len(s.of) || s.of[id] == 0 {
		return 0, false
	}
	if !s.ready {
		s.fill(members)
	}
	return s.last[s.of[id]-1], true
}

// fill indexes members: of duplicate names the last wins.
func (s *memberSlots) fill(members []member) {
	n := s.width
	if cap(s.last) < n {
		s.last = s.small[:0]
		if n > len(s.small) {
			s.last = make([]int32, n)
		}
	}
	s.last = s.last[:n]
	for i := range s.last {
		s.last[i] = -1
	}
	for j := range members {
		if m := &members[j]; !m.miss && int(m.at) < n {
			s.last[m.at] = int32(j)
		}
	}
	s.ready = true
}
