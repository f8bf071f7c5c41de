package capture

// RingHeldBytes is how many bytes g's slots hold, for the external tests.
func RingHeldBytes(g *Ring) int {
	held := 0
	for _, part := range []*ringPart{&g.ok, &g.fail} {
		for i := range part.slots {
			part.slots[i].mu.Lock()
			held += cap(part.slots[i].buf)
			part.slots[i].mu.Unlock()
		}
	}
	return held
}
