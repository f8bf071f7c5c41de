package capture

// HeldBytes returns the bytes a Ring's slots hold, and the size every
// slot's buffer must have: the byte bound's tests read them.
func HeldBytes(g *Ring) (held int, caps []int, slotN int) {
	for _, part := range []*ringPart{&g.ok, &g.fail} {
		for i := range part.slots {
			s := &part.slots[i]
			s.mu.Lock()
			if c := cap(s.buf); c > 0 {
				held += c
				caps = append(caps, c)
			}
			s.mu.Unlock()
		}
	}
	return held, caps, g.slotN
}
