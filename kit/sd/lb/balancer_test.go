package lb_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/transport"
)

func TestRoundRobinCycles(t *testing.T) {
	e := fleet(t, 3, newBackends().factory)
	b := lb.NewRoundRobin(e)
	var got []string
	for range 7 {
		en, err := b.Pick()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, en.Instance().Address[len("10.0.0.1:"):])
	}
	if s := fmt.Sprint(got); s != "[8000 8001 8002 8000 8001 8002 8000]" {
		t.Fatalf("picks = %s", s)
	}
}

func TestRandomCoversAll(t *testing.T) {
	e := fleet(t, 4, newBackends().factory)
	for _, b := range []lb.Balancer{lb.NewRandom(e), lb.NewP2C(e)} {
		seen := map[string]int{}
		for range 400 {
			en, err := b.Pick()
			if err != nil {
				t.Fatal(err)
			}
			seen[en.Key()]++
		}
		if len(seen) != 4 {
			t.Fatalf("%T picked %d of 4 instances: %v", b, len(seen), seen)
		}
	}
}

func TestP2CPrefersFewerInFlight(t *testing.T) {
	bk := newBackends()
	e := fleet(t, 2, bk.factory)
	busy, _ := e.Entries()
	release := make(chan struct{})
	bk.set(busy[0].Instance().Address, func(ctx context.Context, _ any) (any, error) {
		<-release
		return nil, nil
	})
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = busy[0].Endpoint(context.Background(), nil) })
	defer wg.Wait()
	defer close(release)
	for deadline := time.Now().Add(5 * time.Second); busy[0].Stats().InFlight != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("call never started")
		}
	}
	b := lb.NewP2C(e)
	for range 100 {
		en, err := b.Pick()
		if err != nil {
			t.Fatal(err)
		}
		if en == busy[0] {
			t.Fatal("P2C picked the busy instance over an idle one")
		}
	}
}

func TestNoEndpoints(t *testing.T) {
	e := sd.NewEndpointer(sd.FixedInstancer(nil), newBackends().factory)
	defer e.Close()
	if err := e.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, b := range []lb.Balancer{lb.NewRoundRobin(e), lb.NewRandom(e), lb.NewP2C(e), lb.NewOutlier(e, lb.NewP2C(e), lb.OutlierConfig{})} {
		if _, err := b.Pick(); !errors.Is(err, sd.ErrNoEndpoints) {
			t.Fatalf("%T: err = %v, want ErrNoEndpoints", b, err)
		}
	}
	for _, b := range []lb.Balancer{lb.NewRoundRobin(nil), lb.NewRandom(nil), lb.NewP2C(nil), lb.NewOutlier(nil, nil, lb.OutlierConfig{})} {
		if _, err := b.Pick(); !errors.Is(err, sd.ErrNoEndpoints) {
			t.Fatalf("nil source %T: err = %v, want ErrNoEndpoints", b, err)
		}
	}
	if _, err := lb.Retry(3, time.Second, nil)(context.Background(), nil); !errors.Is(err, sd.ErrNoEndpoints) {
		t.Fatalf("Retry with nil balancer: err = %v", err)
	}
	_, err := lb.Retry(3, time.Second, lb.NewRandom(e))(context.Background(), nil)
	if !errors.Is(err, sd.ErrNoEndpoints) || transport.StatusOf(err) != http.StatusServiceUnavailable {
		t.Fatalf("Retry: err = %v (status %d)", err, transport.StatusOf(err))
	}
}

// TestConcurrentUse runs 64 goroutines through every balancer (and Retry)
// while the instance set changes under them; run it with -race.
func TestConcurrentUse(t *testing.T) {
	bk := newBackends()
	for i, a := range addrs(20) {
		if i%4 == 0 {
			bk.set(a, func(context.Context, any) (any, error) { return nil, transport.NewError(503, "down") })
		}
	}
	src := &chanInstancer{}
	e := sd.NewEndpointer(src, bk.factory)
	defer e.Close()
	full, _ := sd.StaticInstances("book", addrs(20)...)
	src.send(sd.Event{Instances: full})
	if err := e.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	balancers := map[string]lb.Balancer{
		"rr":      lb.NewRoundRobin(e),
		"random":  lb.NewRandom(e),
		"p2c":     lb.NewP2C(e),
		"outlier": lb.NewOutlier(e, lb.NewP2C(e), lb.OutlierConfig{}),
	}
	for name, b := range balancers {
		t.Run(name, func(t *testing.T) {
			call := lb.Retry(3, time.Second, b, lb.WithBudget(lb.NewBudget(100, 1000)))
			var wg sync.WaitGroup
			stop := make(chan struct{})
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					src.send(sd.Event{Instances: full[i%5 : 15+i%5]})
				}
			})
			var failures sync.Map
			var workers sync.WaitGroup
			for g := range 64 {
				workers.Go(func() {
					for range 100 {
						en, err := b.Pick()
						if err != nil {
							failures.Store(g, err)
							return
						}
						_, _ = en.Endpoint(context.Background(), nil)
						_, _ = call(context.Background(), nil)
					}
				})
			}
			workers.Wait()
			close(stop)
			wg.Wait()
			failures.Range(func(k, v any) bool { t.Errorf("goroutine %v: %v", k, v); return true })
			src.send(sd.Event{Instances: full})
		})
	}
}
