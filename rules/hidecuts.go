package rules

// A plan whose steps each leave out a member of the record, or of an
// object the record holds, or go into such an object, is kept as cuts
// too: the members it leaves out in the order of the record's text. A
// record with that plan is written as the text between its cuts, each cut
// from the comma before the member to the end of its value (from the
// member to the comma after it, for the first of an object), without a
// walk over the steps. Where the record's text does not allow it (white
// space around the comma, a member gone into that is no object this
// time), the steps write it (appendHiding).

// hideCut is one member a plan leaves out.
type hideCut struct {
	parent int32 // -1: the member is the record's; else the index of the record's member whose object holds it
	at     int32 // the member's index among its object's members; -1 with a parent: no member, the parent must be an object
}

// planCuts appends to dst the cuts of steps, planned on members (a
// record's), and reports whether the steps have that form.
func planCuts(dst []hideCut, steps []hideStep) ([]hideCut, bool) {
	for k := 0; k < len(steps); k++ {
		st := steps[k]
		if !st.into {
			dst = append(dst, hideCut{parent: -1, at: st.member})
			continue
		}
		if st.inside < 0 {
			return dst, false // edited from its text
		}
		if st.inside == 0 { // nothing in it to leave out, if it is an object this time
			dst = append(dst, hideCut{parent: st.member, at: -1})
		}
		for _, in := range steps[k+1 : k+1+int(st.inside)] {
			if in.into {
				return dst, false
			}
			dst = append(dst, hideCut{parent: st.member, at: in.member})
		}
		k += int(st.inside)
	}
	return dst, true
}

// appendCuts appends raw, a record scanned into members (the nested ones
// in kids), without the members cuts name, and reports how many it left
// out; false, with dst as it was, where white space is next to a comma
// it would cut, or a cut's object is not one this time.
func appendCuts(dst []byte, raw string, cuts []hideCut, members, kids []member) ([]byte, int, bool) {
	n, at := len(dst), 0
	for _, c := range cuts {
		var m *member
		if c.parent < 0 {
			m = &members[c.at]
		} else if p := &members[c.parent]; !p.deep || c.at >= p.nkids {
			return dst[:n], 0, false // not an object this time, or not as wide
		} else if c.at < 0 {
			continue
		} else {
			m = &kids[p.kids+c.at]
		}
		start, end := offsetIn(raw, m.keyRaw), offsetIn(raw, m.val)+len(m.val)
		before, comma := commaBefore(raw, start)
		switch {
		case comma && before >= at: // the usual case: the comma before goes
			dst = append(dst, raw[at:before]...)
			at = end
		case (before+1 == at || before >= at && raw[before] == '{') && (raw[end] == '}' || raw[end] == ',' && raw[end+1] > ' '):
			// the first member of its object (or the first left after
			// the cuts before it): the comma after it goes
			dst = append(dst, raw[at:before+1]...)
			if at = end; raw[end] == ',' {
				at++
			}
		default:
			return dst[:n], 0, false
		}
	}
	return append(dst, raw[at:]...), len(cuts), true
}
