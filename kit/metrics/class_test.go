package metrics

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kitbench/kitbench/kit/transport"
)

// The code label agrees with transport.Classify: the caller's cancellation
// and the caller's own deadline are 499 (neither a failure nor a client
// error), while a timeout from further down, or one a middleware imposed,
// is the service's 504.
func TestCallerOutcomesAre499(t *testing.T) {
	// waits returns when the call's context ends, with its error, as a
	// handler does whose caller stopped waiting.
	waits := func(ctx context.Context, _ any) (any, error) { <-ctx.Done(); return nil, ctx.Err() }
	// downstream504 fails with a deadline error while its context lives.
	downstream504 := func(context.Context, any) (any, error) { return nil, context.DeadlineExceeded }

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	callerDeadline, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	imposed, cancel := transport.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	withDeadline, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()

	for _, c := range []struct {
		name string
		ctx  context.Context
		call func(context.Context, any) (any, error)
		want string
	}{
		{"caller cancelled", cancelled, waits, "499"},
		{"caller's deadline", callerDeadline, waits, "499"},
		{"imposed timeout", imposed, waits, "504"},
		{"downstream timeout, caller waiting", withDeadline, downstream504, "504"},
		{"failer, caller's deadline", callerDeadline, func(ctx context.Context, _ any) (any, error) {
			<-ctx.Done()
			return failed{ctx.Err()}, nil
		}, "499"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, _ := newMetrics(t)
			e := m.Middleware("GetBook", "grpc")(c.call)
			_, _ = e(c.ctx, nil)
			if got := testutil.ToFloat64(m.requests.WithLabelValues("GetBook", "grpc", c.want)); got != 1 {
				t.Errorf("code %s counted %v times, want 1", c.want, got)
			}
		})
	}
}
