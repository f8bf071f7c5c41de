package lb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/sd/lb"
)

// BenchmarkPick measures one selection over a healthy fleet of 3, 100 and
// 10 000 instances, serially and under RunParallel.
func BenchmarkPick(b *testing.B) {
	for _, n := range []int{3, 100, 10000} {
		e := fleet(b, n, newBackends().factory)
		balancers := []struct {
			name string
			b    lb.Balancer
		}{
			{"rr", lb.NewRoundRobin(e)},
			{"random", lb.NewRandom(e)},
			{"p2c", lb.NewP2C(e)},
			{"outlier", lb.NewOutlier(e, lb.NewP2C(e), lb.OutlierConfig{})},
			{"outlier-ratio", lb.NewOutlier(e, lb.NewP2C(e), lb.OutlierConfig{FailureRatio: 0.2})},
		}
		for _, bal := range balancers {
			b.Run(fmt.Sprintf("balancer=%s/n=%d/mode=serial", bal.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := bal.b.Pick(); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("balancer=%s/n=%d/mode=parallel", bal.name, n), func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := bal.b.Pick(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

// BenchmarkRetry measures a successful call through Retry (one attempt,
// with a per-attempt deadline) over 100 instances.
func BenchmarkRetry(b *testing.B) {
	e := fleet(b, 100, newBackends().factory)
	call := lb.Retry(3, time.Second, lb.NewP2C(e))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := call(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}
