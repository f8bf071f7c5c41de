package circuitbreaker

import (
	"sync"
	"testing"
)

// TestStripeSpreadsGoroutines checks that concurrent goroutines land on
// several cells: a hash that sent them all to one would make striped as
// slow as a plain counter under contention.
func TestStripeSpreadsGoroutines(t *testing.T) {
	const n = 64
	var wg sync.WaitGroup
	got := make([]int, n)
	release := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			got[i] = stripe()
			<-release // keep every goroutine (and its stack) alive at once
		})
	}
	close(release)
	wg.Wait()
	used := map[int]bool{}
	for _, s := range got {
		used[s] = true
	}
	if len(used) < stripes/2 {
		t.Fatalf("%d goroutines used only %d of %d cells: %v", n, len(used), stripes, got)
	}
	t.Log(got)
}
