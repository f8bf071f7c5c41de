package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"golang.org/x/time/rate"
)

// Traffic shape: a steady rate with a burst now and then, above what the
// gateway's limiter lets through, so the limits view has something to show.
const (
	DefaultRate  = 15  // requests per second
	GatewayRate  = 40  // the gateway's limit, requests per second
	GatewayBurst = 20  //
	burstSize    = 120 // requests fired at once in a burst
)

// traffic calls the gateway until stopped: requests at base (HTTP), and
// streams at grpcAddr (see streams).
type traffic struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	streams *streams
}

func startTraffic(base, grpcAddr string, rps float64, seed int64) (*traffic, error) {
	client, err := bookstore.NewHTTPClient(base)
	if err != nil {
		return nil, err
	}
	st, err := startStreams(grpcAddr, seed)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &traffic{cancel: cancel, streams: st}
	r := rand.New(rand.NewPCG(uint64(seed), 0x74726166))
	lim := rate.NewLimiter(rate.Limit(rps), 1)
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		nextBurst := time.Now().Add(time.Duration(15+r.IntN(10)) * time.Second)
		for n := 0; ; n++ {
			if err := lim.Wait(ctx); err != nil {
				return
			}
			if time.Now().After(nextBurst) {
				t.burst(ctx, client, n)
				nextBurst = time.Now().Add(time.Duration(20+r.IntN(15)) * time.Second)
			}
			one(ctx, client, n, r.IntN(100))
		}
	}()
	return t, nil
}

// Kinds of request the generator sends.
const (
	reqList = iota
	reqGet
	reqCreate
	reqMiss
)

// kindOf maps a roll of a 100-sided die to a request kind: mostly reads,
// some writes, now and then a miss (a 404).
func kindOf(dice int) int {
	switch {
	case dice < 55:
		return reqList
	case dice < 85:
		return reqGet
	case dice < 95:
		return reqCreate
	}
	return reqMiss
}

// one sends a request of the kind dice picks.
func one(ctx context.Context, c bookstore.Endpoints, n, dice int) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	switch kindOf(dice) {
	case reqList:
		_, _ = c.ListBooks(ctx, bookstore.ListBooksRequest{PageSize: 10})
	case reqGet:
		_, _ = c.GetBook(ctx, bookstore.GetBookRequest{ID: fmt.Sprintf("%016d", 1+n%5)})
	case reqCreate:
		_, _ = c.CreateBook(ctx, bookstore.CreateBookRequest{Title: fmt.Sprintf("Demo book %d", n), Author: "kitbench demo"})
	default:
		_, _ = c.GetBook(ctx, bookstore.GetBookRequest{ID: "no-such-book"})
	}
}

// burst fires burstSize reads at once from a few goroutines, bounded by
// the context and a deadline.
func (t *traffic) burst(ctx context.Context, c bookstore.Endpoints, n int) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < burstSize; i += 8 {
				if ctx.Err() != nil {
					return
				}
				one(ctx, c, n+i, 0)
			}
		}()
	}
	wg.Wait()
}

func (t *traffic) stop() {
	t.cancel()
	t.wg.Wait()
	t.streams.stop()
}
