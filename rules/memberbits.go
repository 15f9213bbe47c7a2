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
	remove, enter []uint64
	ok            bool
}

// reset empties b for a program of n descend nodes.
func (b *memberBits) reset(n int) {
	if cap(b.remove) < n {
		b.remove, b.enter = make([]uint64, n), make([]uint64, n)
	}
	b.remove, b.enter = b.remove[:n], b.enter[:n]
	if n == 1 { // the usual tree of names without nested paths: no call
		b.remove[0], b.enter[0] = 0, 0
	} else {
		clear(b.remove)
		clear(b.enter)
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
		b.remove[nb.id] |= nb.remove
		b.enter[nb.id] |= nb.enter
	}
}

// at returns the bits of the members scanned against d, and false when
// they cannot tell which members the trees name.
func (b *memberBits) at(d *pathTree) (remove, enter uint64, ok bool) {
	if b == nil || !b.ok || d == nil || !d.hasBits() {
		return 0, 0, false
	}
	return b.remove[d.id], b.enter[d.id], true
}
