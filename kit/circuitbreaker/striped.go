package circuitbreaker

import (
	"sync/atomic"
	"unsafe"
)

// stripes is the number of cache lines a striped counter spreads over.
const stripes = 8

// striped is a counter written from many goroutines at once. Each add goes
// to one of several cache-line-sized cells, chosen by the address of the
// caller's stack, so concurrent goroutines mostly write different lines
// instead of all fighting for one. The choice only affects speed: the
// total is exact either way.
type striped struct {
	cells [stripes]struct {
		n atomic.Uint64
		_ [56]byte
	}
}

func (c *striped) add() { c.cells[stripe()].n.Add(1) }

func (c *striped) load() (n uint64) {
	for i := range c.cells {
		n += c.cells[i].n.Load()
	}
	return n
}

func (c *striped) reset() {
	for i := range c.cells {
		c.cells[i].n.Store(0)
	}
}

// stripe hashes the current stack address (which differs between
// goroutines and stays put within one) into a cell index. The pointer is
// only hashed, never dereferenced or stored.
func stripe() int {
	var marker byte
	p := uint64(uintptr(unsafe.Pointer(&marker)))
	return int((p >> 10) * 0x9e3779b97f4a7c15 >> (64 - 3))
}
