//go:build !race

package thrift_test

import "testing"

// The allocation budget is part of the package's contract: a kit Server
// adds at most two allocations per call to a hand-written handler (the
// endpoint's request and response boxed in interfaces).
//
// The generated processor starts a goroutine with a ticker per call (its
// connectivity check), whose allocations vary a little with scheduling;
// that noise only adds, so the test compares the least of a few rounds.
func TestServerAddsAtMostTwoAllocations(t *testing.T) {
	var allocs [2]float64
	for i, impl := range benchHandlers() {
		po := newProcessOnce(t, impl.h)
		allocs[i] = 1e9
		for range 5 {
			allocs[i] = min(allocs[i], testing.AllocsPerRun(100, func() { po.run(t) }))
		}
	}
	if extra := allocs[0] - allocs[1]; extra > 2 {
		t.Fatalf("kit server: %v allocations per call, raw handler %v: %v extra, want at most 2", allocs[0], allocs[1], extra)
	}
}
