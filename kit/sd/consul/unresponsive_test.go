package consul

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/kit/sd"
)

func TestQueryTimeout(t *testing.T) {
	// Consul adds up to wait/16 of jitter; the bound allows that and 5 s.
	if got, want := QueryTimeout(time.Minute), time.Minute+3750*time.Millisecond+5*time.Second; got != want {
		t.Fatalf("QueryTimeout(1m) = %v, want %v", got, want)
	}
}

// A silent agent (a query that never answers) was the instancer's blind
// spot: with no bound on the query, no event, no stale mark and no backoff
// came, ever. Now the query ends at its bound and the agent counts as down.
func TestInstancerSilentAgentMarksStale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeClient{answer: func(ctx context.Context, n int, c call) ([]*api.ServiceEntry, uint64, error) {
			switch n {
			case 0:
				return entries("a", "b"), 10, nil
			case 1, 2:
				return block(ctx) // the agent went silent
			case 3:
				return entries("a", "c"), 20, nil // and answers again
			}
			return block(ctx)
		}}
		s := NewInstancer(f, "svc", InstancerOptions{})
		defer s.Stop()
		ch := make(chan sd.Event, 1)
		s.Register(ch)
		if ev := <-ch; ev.Err != nil || !slices.Equal(ids(ev), []string{"a", "b"}) {
			t.Fatalf("first event %+v", ev)
		}
		var ev sd.Event
		select {
		case ev = <-ch:
		case <-time.After(time.Hour):
			t.Fatal("no event in an hour with a silent agent")
		}
		stale := time.Now()
		if !ev.Stale || !errors.Is(ev.Err, ErrUnresponsive) || !errors.Is(ev.Err, context.DeadlineExceeded) {
			t.Fatalf("event with a silent agent %+v, want stale with ErrUnresponsive", ev)
		}
		if !slices.Equal(ids(ev), []string{"a", "b"}) {
			t.Fatalf("stale event lost the last instances: %v", ids(ev))
		}
		calls := f.snapshot()
		if took, want := stale.Sub(calls[1].at), QueryTimeout(time.Minute); took != want {
			t.Fatalf("the silent query was given up after %v, want the bound %v", took, want)
		}
		// It backs off, tries again (silent again: stale again), then
		// recovers when the agent answers.
		for {
			ev = <-ch
			if ev.Err == nil {
				break
			}
			if !ev.Stale || !slices.Equal(ids(ev), []string{"a", "b"}) {
				t.Fatalf("error event %+v", ev)
			}
		}
		if ev.Stale || !slices.Equal(ids(ev), []string{"a", "c"}) {
			t.Fatalf("recovery event %+v", ev)
		}
		calls = f.snapshot()
		if gap := calls[2].at.Sub(stale); gap < 500*time.Millisecond {
			t.Fatalf("retried %v after the timeout, want a backoff of at least 500ms", gap)
		}
	})
}

func TestInstancerTimeoutOption(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, tc := range []struct{ wait, timeout, want time.Duration }{
			{time.Second, 3 * time.Second, 3 * time.Second},
			{16 * time.Second, time.Second, 17 * time.Second}, // raised to wait + wait/16
		} {
			f := &fakeClient{answer: func(ctx context.Context, n int, c call) ([]*api.ServiceEntry, uint64, error) {
				return block(ctx)
			}}
			s := NewInstancer(f, "svc", InstancerOptions{Wait: tc.wait, Timeout: tc.timeout})
			ch := make(chan sd.Event, 1)
			s.Register(ch)
			start := time.Now()
			ev := <-ch
			s.Stop()
			if took := time.Since(start); took != tc.want || !errors.Is(ev.Err, ErrUnresponsive) {
				t.Errorf("wait %v, timeout %v: %v after %v, want ErrUnresponsive after %v", tc.wait, tc.timeout, ev.Err, took, tc.want)
			}
		}
	})
}

// records keeps log records.
type records struct {
	mu  sync.Mutex
	all []slog.Record
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, rec.Clone())
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

// errs returns the "err" attribute of every record.
func (r *records) errs() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []error
	for _, rec := range r.all {
		rec.Attrs(func(a slog.Attr) bool {
			if err, ok := a.Value.Any().(error); ok && a.Key == "err" {
				out = append(out, err)
			}
			return true
		})
	}
	return out
}

func TestRegistrarSilentAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeClient{silent: true}
		logs := &records{}
		r, err := NewRegistrar(f, book, RegistrarOptions{TTL: 30 * time.Second, Timeout: 4 * time.Second, Logger: slog.New(logs)})
		if err != nil {
			t.Fatal(err)
		}
		// A context without a deadline: the Registrar's own bound applies.
		start := time.Now()
		err = r.Register(context.Background())
		if took := time.Since(start); !errors.Is(err, ErrUnresponsive) || took != 4*time.Second {
			t.Fatalf("Register to a silent agent = %v after %v, want ErrUnresponsive after 4s", err, took)
		}

		f.setSilent(false)
		if err := r.Register(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.setSilent(true)
		// Heartbeats every 10s; each gives up after 4s and is logged.
		time.Sleep(10*time.Second + 4*time.Second)
		synctest.Wait()
		errs := logs.errs()
		if len(errs) != 1 || !errors.Is(errs[0], ErrUnresponsive) {
			t.Fatalf("heartbeat errors logged after one silent beat: %v, want one ErrUnresponsive", errs)
		}
		// A heartbeat is bounded by its period too.
		r2, err := NewRegistrar(&fakeClient{}, book, RegistrarOptions{TTL: 3 * time.Second, Timeout: time.Minute, Logger: slog.New(logs)})
		if err != nil {
			t.Fatal(err)
		}
		if err := r2.Register(context.Background()); err != nil {
			t.Fatal(err)
		}
		r2.client.(*fakeClient).setSilent(true)
		time.Sleep(time.Second + time.Second) // beat at 1s, bound 1s
		synctest.Wait()
		if errs := logs.errs(); len(errs) != 2 || !errors.Is(errs[1], ErrUnresponsive) {
			t.Fatalf("heartbeat errors %v, want a second ErrUnresponsive 1s after the beat", errs)
		}

		start = time.Now()
		err = r.Deregister(context.Background())
		if took := time.Since(start); !errors.Is(err, ErrUnresponsive) || took > 4*time.Second {
			t.Fatalf("Deregister from a silent agent = %v after %v, want ErrUnresponsive within 4s", err, took)
		}
		_ = r2.Deregister(context.Background())
	})
}
