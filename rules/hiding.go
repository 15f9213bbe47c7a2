package rules

// appendHiding leaves out of the object ending at raw[end-1], whose members
// were scanned against d (a node of the program's descend tree), what the
// hides pending on its record name: trees, the hides' trees at the record,
// whose bits joined in bits. It writes raw from at on only as far as it
// must, up to the last member it left out or went into, and returns that
// place as the new at: the text after it is the caller's to write, so that
// the text between two members left out is one copy however deep they sit.
// Where the bits tell which members the hides remove or go into, a member
// neither names costs a bit test; elsewhere it is appendMembersEditing. It
// returns dst, the new at and how many values it left out.
func appendHiding(dst []byte, raw string, at int, members []member, trees []*pathTree, n *nested, d *pathTree, bits *memberBits, end int) ([]byte, int, int) {
	remove, enter, ok := bits.at(d)
	if !ok {
		dst, k := appendMembersEditing(dst, raw[at:end], members, treesAtNode(trees, d), n, nil, d, bits)
		return dst, end, k
	}
	named := remove | enter
	edited := 0
	leading := false // every member before at went: the next one kept loses its comma
	for i := range members {
		m := &members[i]
		bit := uint64(1) << m.at
		if m.miss || named&bit == 0 {
			continue
		}
		v := offsetIn(raw, m.val)
		if remove&bit != 0 {
			edited++
			dst, at = leaveOut(dst, raw, at, offsetIn(raw, m.keyRaw), v+len(m.val), &leading)
			continue
		}
		if leading {
			dst, at = appendKept(dst, raw, at, v, &leading), v
		}
		into := d.children[m.at].node
		var k int
		if _, _, ok := bits.at(into); ok && m.deep {
			dst, at, k = appendHiding(dst, raw, at, n.of(m), trees, n, into, bits, v+len(m.val))
		} else {
			dst = append(dst, raw[at:v]...)
			if m.deep {
				dst, k = appendMembersEditing(dst, m.val, n.of(m), treesAtNode(trees, into), n, nil, into, bits)
			} else {
				dst, _, k = appendValueEditing(dst, m.val, 0, treesAtNode(trees, into), nil, nil)
			}
			at = v + len(m.val)
		}
		edited += k
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
