package rules

// nodeBits is what one hide does at one node of a program's descend tree:
// bits of the node's named children (pathTree.at) where a path ends, so
// the member goes, and where one goes on into the member.
type nodeBits struct {
	id            int32
	remove, enter uint64
}

// memberBits joins the bits of the hides pending on a record, by node id,
// so that the rewrite copies the members none of them names without
// matching their keys again. ok is false once a hide without bits joined:
// the rewrite then matches every member against the trees.
type memberBits struct {
	of  []nodeMask // by node id; zero but at the ids in set
	set []int32    // the ids add touched since the last reset
	ok  bool
}

// nodeMask is the joined bits at one node.
type nodeMask struct{ remove, enter uint64 }

// reset empties b for a program of n descend nodes, zeroing only what the
// hides joined last set.
func (b *memberBits) reset(n int) {
	for _, id := range b.set {
		b.of[id] = nodeMask{}
	}
	b.set = b.set[:0]
	if len(b.of) < n {
		b.of = append(b.of, make([]nodeMask, n-len(b.of))...)
	}
	b.ok = true
}

// add joins one hide's bits (nil: it has none).
func (b *memberBits) add(bits []nodeBits) {
	if bits == nil {
		b.ok = false
		return
	}
	for _, nb := range bits {
		m := &b.of[nb.id]
		m.remove |= nb.remove
		m.enter |= nb.enter
		b.set = append(b.set, nb.id)
	}
}

// at returns the bits of the members scanned against d, and false when
// they cannot tell which members the trees name.
func (b *memberBits) at(d *pathTree) (remove, enter uint64, ok bool) {
	if b == nil || !b.ok || d == nil || !d.hasBits() {
		return 0, 0, false
	}
	m := b.of[d.id]
	return m.remove, m.enter, true
}
