package bench

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	gokitendpoint "github.com/go-kit/kit/endpoint"
	gokitsd "github.com/go-kit/kit/sd"
	gokitlb "github.com/go-kit/kit/sd/lb"
	"github.com/go-kit/log"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/lb"
)

// The balancer comparison: one round-robin selection over a healthy fleet
// of 3, 100 and 10 000 instances, serially (BenchmarkPick) and from every
// P under RunParallel (BenchmarkPickParallel). impl=kit is lb.NewRoundRobin
// over an sd.Endpointer fed by sd.FixedInstancer; impl=gokit is go-kit
// v0.13.0's lb.NewRoundRobin over its sd.NewEndpointer (the endpoint cache)
// fed by its FixedInstancer. Neither calls the chosen endpoint.

var pickSizes = []int{3, 100, 10000}

func BenchmarkPick(b *testing.B) { benchPick(b, false) }

func BenchmarkPickParallel(b *testing.B) { benchPick(b, true) }

func benchPick(b *testing.B, parallel bool) {
	for _, impl := range []string{"kit", "gokit"} {
		for _, n := range pickSizes {
			b.Run(fmt.Sprintf("impl=%s/n=%d", impl, n), func(b *testing.B) {
				var pick func() error
				if impl == "kit" {
					e := kitFleet(b, n)
					rr := lb.NewRoundRobin(e)
					pick = func() error { _, err := rr.Pick(); return err }
				} else {
					rr := gokitlb.NewRoundRobin(gokitFleet(b, n))
					pick = func() error { _, err := rr.Endpoint(); return err }
				}
				b.ReportAllocs()
				b.ResetTimer()
				if !parallel {
					for b.Loop() {
						if err := pick(); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := pick(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

func nopEndpoint(context.Context, any) (any, error) { return nil, nil }

// lbInstances returns n instances whose IDs sort in the order given.
func lbInstances(n int) []sd.Instance {
	out := make([]sd.Instance, n)
	for i := range out {
		addr := fmt.Sprintf("host-%05d:8080", i)
		out[i] = sd.Instance{ID: fmt.Sprintf("book-%05d", i), Service: "book", Address: addr, Health: sd.HealthPassing}
	}
	return out
}

func kitFactory(sd.Instance) (endpoint.Endpoint, io.Closer, error) { return nopEndpoint, nil, nil }

func gokitFactory(string) (gokitendpoint.Endpoint, io.Closer, error) { return nopEndpoint, nil, nil }

// kitFleet is a kit Endpointer over n static instances, closed by the
// benchmark's cleanup.
func kitFleet(b *testing.B, n int) *sd.Endpointer {
	e := sd.NewEndpointer(sd.FixedInstancer(lbInstances(n)), kitFactory)
	b.Cleanup(func() { _ = e.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Wait(ctx); err != nil {
		b.Fatal(err)
	}
	if es, err := e.Entries(); err != nil || len(es) != n {
		b.Fatalf("%d entries, %v", len(es), err)
	}
	return e
}

// gokitFleet is go-kit's Endpointer over n static instances, closed by the
// benchmark's cleanup.
func gokitFleet(b *testing.B, n int) *gokitsd.DefaultEndpointer {
	addrs := make([]string, n)
	for i, inst := range lbInstances(n) {
		addrs[i] = inst.Address
	}
	e := gokitsd.NewEndpointer(gokitsd.FixedInstancer(addrs), gokitFactory, log.NewNopLogger())
	b.Cleanup(e.Close)
	gokitWait(b, e, n)
	return e
}

// gokitWait polls, boundedly, until e serves n endpoints.
func gokitWait(b *testing.B, e *gokitsd.DefaultEndpointer, n int) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		if eps, _ := e.Endpoints(); len(eps) == n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("go-kit endpointer never reached %d endpoints", n)
		}
		time.Sleep(time.Millisecond)
	}
}
