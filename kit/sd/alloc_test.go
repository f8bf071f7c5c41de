//go:build !race

package sd_test

import (
	"context"
	"io"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/transport"
)

// Counting a call is part of every client call's hot path: the entry's
// counters are atomics, and neither a success, a client error nor a
// failure allocates.
func TestAllocEntryEndpointCountsWithoutAllocating(t *testing.T) {
	var next error
	e := sd.NewEndpointer(sd.FixedInstancer(insts("a:1")), func(sd.Instance) (endpoint.Endpoint, io.Closer, error) {
		return func(context.Context, any) (any, error) { return nil, next }, nil, nil
	})
	defer e.Close()
	if err := e.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	en := entryFor(t, e, "a:1")
	ctx := context.Background()
	for _, err := range []error{nil, transport.NewError(404, "no such book"), transport.NewError(503, "down")} {
		next = err
		if n := testing.AllocsPerRun(100, func() { _, _ = en.Endpoint(ctx, nil) }); n != 0 {
			t.Errorf("a call ending in %v allocated %v times, want 0", err, n)
		}
	}
	if st := en.Stats(); st.Successes == 0 || st.TotalFailures == 0 {
		t.Fatalf("stats %+v: the calls were not counted", st)
	}
}
