//go:build !race

package lb_test

import (
	"context"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/sd/lb"
)

// A Pick judged by both rules allocates nothing: FailureRatio reads the
// window's snapshots without a lock or a copy. (A snapshot, taken once a
// quarter window, allocates; the clock here stands still.)
func TestAllocOutlierPickWithFailureRatio(t *testing.T) {
	bk := newBackends()
	a := addrs(3)
	bk.set(a[0], cycle(0, 503, 0, 0)) // judged on every pick, never ejected
	e := fleet(t, 3, bk.factory)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o := lb.NewOutlier(e, lb.NewP2C(e), lb.OutlierConfig{FailureRatio: 0.5, Now: func() time.Time { return now }})
	ctx := context.Background()
	call := func() {
		en, err := o.Pick()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = en.Endpoint(ctx, nil)
	}
	for range 300 { // a[0] past the failures FailureRatio needs to look
		call()
	}
	if n := testing.AllocsPerRun(1000, call); n != 0 {
		t.Fatalf("a pick and call allocated %v times, want 0", n)
	}
	if got := o.Ejected(); len(got) != 0 {
		t.Fatalf("ejected %+v below the ratio", got)
	}
}
