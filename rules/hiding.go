package rules

// hideStep is one member of a record, or of an object in it, that the
// hides pending on the record leave out or go into: what planHiding finds
// from their bits, and appendHiding does. Records whose members met the
// same guesses (see nested.unmet) have their members at the same places,
// so the steps of one serve the next when the same hides apply (hidePlans).
type hideStep struct {
	member int32 // the member's index among its object's members
	into   bool  // the hides go into the member; otherwise it goes
	inside int32 // into: how many of the steps that follow are inside it (-1: none were planned, the member's value is edited from its text)
}

// planHiding appends to steps what the hides whose bits joined in bits
// do to members, scanned against d (a node of the program's descend tree):
// one step for each member they remove or go into, in order, the step of a
// deep member they go into followed by the steps inside it when its node
// has bits. It reports false when the bits cannot tell which members the
// hides name.
func planHiding(steps []hideStep, members []member, n *nested, d *pathTree, bits *memberBits) ([]hideStep, bool) {
	remove, enter, ok := bits.at(d)
	if !ok {
		return steps, false
	}
	named := remove | enter
	for i := range members {
		m := &members[i]
		bit := uint64(1) << m.at
		if m.miss || named&bit == 0 {
			continue
		}
		if remove&bit != 0 {
			steps = append(steps, hideStep{member: int32(i)})
			continue
		}
		at := len(steps)
		steps = append(steps, hideStep{member: int32(i), into: true, inside: -1})
		if into := d.children[m.at].node; m.deep && into.hasBits() {
			steps, _ = planHiding(steps, n.of(m), n, into, bits)
			steps[at].inside = int32(len(steps) - at - 1)
		}
	}
	return steps, true
}

// appendHiding takes steps, from planHiding, on the object ending at
// raw[end-1] whose members were scanned against d (a node of the program's
// descend tree): trees are the pending hides' trees at the record, bits
// their bits when they were joined (nil: a member whose value is edited
// from its text is matched by its keys). It writes raw from at on only as
// far as it must, up to the last member it left out or went into, and
// returns that place as the new at: the text after it is the caller's to
// write, so that the text between two members left out is one copy however
// deep they sit. It returns dst, the new at and how many values it left
// out.
func appendHiding(dst []byte, raw string, at int, members []member, steps []hideStep, trees []*pathTree, n *nested, d *pathTree, bits *memberBits, end int) ([]byte, int, int) {
	edited := 0
	leading := false // every member before at went: the next one kept loses its comma
	for k := 0; k < len(steps); k++ {
		st := steps[k]
		m := &members[st.member]
		v := offsetIn(raw, m.val)
		if !st.into {
			edited++
			dst, at = leaveOut(dst, raw, at, offsetIn(raw, m.keyRaw), v+len(m.val), &leading)
			continue
		}
		if leading {
			dst, at = appendKept(dst, raw, at, v, &leading), v
		}
		into := d.children[m.at].node
		var e int
		if st.inside >= 0 && m.deep {
			inner := steps[k+1 : k+1+int(st.inside)]
			dst, at, e = appendHiding(dst, raw, at, n.of(m), inner, trees, n, into, bits, v+len(m.val))
		} else {
			dst = append(dst, raw[at:v]...)
			if m.deep {
				dst, e = appendMembersEditing(dst, m.val, n.of(m), treesAtNode(trees, into), n, nil, into, bits)
			} else {
				dst, _, e = appendValueEditing(dst, m.val, 0, treesAtNode(trees, into), nil, nil)
			}
			at = v + len(m.val)
		}
		k += max(int(st.inside), 0)
		edited += e
	}
	if leading { // a member kept after the last that went loses its comma
		dst, at = appendKept(dst, raw, at, end, &leading), end
	}
	return dst, at, edited
}

// treesAtNode returns the subtrees of trees, paths from a record, at d, a
// node of the program's descend tree below the record: what of them applies
// to the members scanned against d.
func treesAtNode(trees []*pathTree, d *pathTree) []*pathTree {
	if d.up == nil {
		return trees
	}
	next, _ := matchKey(d.name, treesAtNode(trees, d.up), nil)
	return next
}
