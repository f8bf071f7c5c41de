package sd_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/transport"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestEntryStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var next error
		src := sd.FixedInstancer(insts("a:1"))
		e := sd.NewEndpointer(src, func(sd.Instance) (endpoint.Endpoint, io.Closer, error) {
			return func(context.Context, any) (any, error) { return nil, next }, nil, nil
		})
		defer e.Close()
		if err := e.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		en := entryFor(t, e, "a:1")
		call := func(ctx context.Context, err error) sd.Stats {
			next = err
			_, _ = en.Endpoint(ctx, nil)
			return en.Stats()
		}
		live := context.Background()
		// The caller's own deadline, already past.
		callerDeadline, cancel := context.WithDeadline(live, time.Unix(0, 0))
		defer cancel()
		// A per-attempt timeout a balancer imposed, already past.
		imposed, cancel2 := transport.WithTimeout(live, -1)
		defer cancel2()
		steps := []struct {
			ctx  context.Context
			err  error
			want sd.Stats
		}{
			{live, transport.NewError(503, "down"), sd.Stats{Failures: 1, TotalFailures: 1}},
			{live, context.DeadlineExceeded, sd.Stats{Failures: 2, TotalFailures: 2}},
			{live, context.Canceled, sd.Stats{Failures: 2, TotalFailures: 2}},
			{callerDeadline, status.Error(codes.DeadlineExceeded, "too slow for the caller"), sd.Stats{Failures: 2, TotalFailures: 2}},
			{imposed, status.Error(codes.DeadlineExceeded, "attempt timed out"), sd.Stats{Failures: 3, TotalFailures: 3}},
			{live, transport.NewError(404, "no such book"), sd.Stats{Successes: 1, TotalFailures: 3}},
			{live, errors.New("eof"), sd.Stats{Failures: 1, Successes: 1, TotalFailures: 4}},
			{live, status.Error(codes.NotFound, "raw gRPC not found"), sd.Stats{Successes: 2, TotalFailures: 4}},
			{live, status.Error(codes.Internal, "raw gRPC internal"), sd.Stats{Failures: 1, Successes: 2, TotalFailures: 5}},
			{live, nil, sd.Stats{Successes: 3, TotalFailures: 5}},
		}
		for i, s := range steps {
			if got := call(s.ctx, s.err); got != s.want {
				t.Fatalf("step %d (%v): stats = %+v, want %+v", i, s.err, got, s.want)
			}
		}
	})
}

func TestStaticInstances(t *testing.T) {
	got, err := sd.StaticInstances("book", "127.0.0.1:8080", "[::1]:9090", "localhost:1")
	if err != nil || len(got) != 3 || got[1].Address != "[::1]:9090" || got[0].ID != "127.0.0.1:8080" || got[2].Health != sd.HealthPassing {
		t.Fatalf("got %+v, %v", got, err)
	}
	// go-kit's forms: a URL with the http scheme, and a port alone.
	got, err = sd.StaticInstances("book", "http://localhost:8001", "http://[::1]:8002/", ":8003")
	if err != nil || len(got) != 3 || got[0].Address != "localhost:8001" || got[1].Address != "[::1]:8002" ||
		got[2].Address != "127.0.0.1:8003" || got[2].ID != "127.0.0.1:8003" {
		t.Fatalf("go-kit forms: got %+v, %v", got, err)
	}
	for _, bad := range []string{"", "nohost", "h:0", "h:65536", "h:http", "h:1 h:1", ":80 127.0.0.1:80",
		"https://h:1", "http://h:1/path", "http://:80", "grpc://h:1"} {
		args := []string{bad}
		if a, b, ok := strings.Cut(bad, " "); ok {
			args = []string{a, b}
		}
		if _, err := sd.StaticInstances("book", args...); !errors.Is(err, sd.ErrBadAddress) {
			t.Errorf("%q: err = %v, want ErrBadAddress", bad, err)
		}
	}
}

func TestEndpointerBadInput(t *testing.T) {
	for _, e := range []*sd.Endpointer{
		sd.NewEndpointer(nil, newFactory().make),
		sd.NewEndpointer(sd.FixedInstancer(insts("a:1")), nil),
	} {
		if _, err := e.Entries(); !errors.Is(err, sd.ErrBadEndpointer) || !errors.Is(err, sd.ErrNoEndpoints) {
			t.Fatalf("Entries: %v", err)
		}
		if err := e.Wait(context.Background()); !errors.Is(err, sd.ErrBadEndpointer) {
			t.Fatalf("Wait: %v", err)
		}
		if err := e.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}
