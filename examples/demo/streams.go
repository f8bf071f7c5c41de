package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
)

// The streams of the demo's traffic, all through the gateway's gRPC face:
// a few long-lived watchers, an import and a sync now and then. They take
// a token of the gateway's limiter each, a negligible share of its rate.
const (
	watchers        = 2
	watchRetryMin   = time.Second      // a watcher's first wait after its watch ended
	watchRetryMax   = 15 * time.Second // its longest
	importBooks     = 4                // books per import, one of them invalid
	streamCallLimit = 20 * time.Second // bounds each import and sync
)

// streams runs the stream traffic until stopped.
type streams struct {
	cc     *grpc.ClientConn
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startStreams(grpcAddr string, seed int64) (*streams, error) {
	cc, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("demo: gateway gRPC address %s: %w", grpcAddr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &streams{cc: cc, cancel: cancel}
	client := bookpb.NewBookServiceClient(cc)
	for range watchers {
		s.wg.Go(func() { watchLoop(ctx, client) })
	}
	s.wg.Go(func() {
		r := rand.New(rand.NewPCG(uint64(seed), 0x73747265616d73))
		shelf := map[string]*bookpb.SyncBooksRequest{}
		for n := 0; ; n++ {
			if !sleep(ctx, time.Duration(10+r.IntN(20))*time.Second) {
				return
			}
			if n%2 == 0 {
				importSome(ctx, client, n)
			} else {
				syncShelf(ctx, client, shelf)
			}
		}
	})
	return s, nil
}

func (s *streams) stop() {
	s.cancel()
	s.wg.Wait()
	_ = s.cc.Close()
}

// sleep waits d or until ctx ends, and says whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// watchLoop watches the shelf until ctx ends, watching again after a
// pause (doubling while watches keep failing at once) whenever a watch
// ends: the gateway's instance stopped, the watcher fell behind, the
// limiter refused it.
func watchLoop(ctx context.Context, c bookpb.BookServiceClient) {
	wait := watchRetryMin
	for {
		start := time.Now()
		if w, err := c.WatchBooks(ctx, &bookpb.WatchBooksRequest{}); err == nil {
			for {
				if _, err := w.Recv(); err != nil {
					break
				}
			}
		}
		if time.Since(start) > watchRetryMax {
			wait = watchRetryMin // that watch was healthy for a while
		}
		if !sleep(ctx, wait) {
			return
		}
		wait = min(2*wait, watchRetryMax)
	}
}

// importSome imports a few books, one of them without a title, so the
// summary has a failure to show.
func importSome(ctx context.Context, c bookpb.BookServiceClient, n int) {
	ctx, cancel := context.WithTimeout(ctx, streamCallLimit)
	defer cancel()
	imp, err := c.ImportBooks(ctx)
	if err != nil {
		return
	}
	for i := range importBooks {
		title := fmt.Sprintf("Imported book %d.%d", n, i)
		if i == importBooks-1 {
			title = ""
		}
		if err := imp.Send(&bookpb.ImportBooksRequest{Book: &bookpb.Book{Title: title, Author: "kitbench demo"}}); err != nil {
			break // the status comes from CloseAndRecv
		}
	}
	_, _ = imp.CloseAndRecv()
}

// syncShelf brings shelf, the demo client's copy of the books, up to date
// with one SyncBooks: it names every book it holds while a goroutine of its
// own reads the answers (sending all before reading could fill both flow
// control windows), and applies them.
func syncShelf(ctx context.Context, c bookpb.BookServiceClient, shelf map[string]*bookpb.SyncBooksRequest) {
	ctx, cancel := context.WithTimeout(ctx, streamCallLimit)
	defer cancel()
	st, err := c.SyncBooks(ctx)
	if err != nil {
		return
	}
	held := make([]*bookpb.SyncBooksRequest, 0, len(shelf))
	for _, b := range shelf {
		held = append(held, b)
	}
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for _, b := range held {
			if st.Send(b) != nil {
				return // the stream ended; Recv below reports how
			}
		}
		_ = st.CloseSend()
	}()
	defer func() { cancel(); <-sent }() // a failed Recv leaves the sender to the cancel
	for {
		r, err := st.Recv()
		if err != nil { // io.EOF after the last answer
			return
		}
		switch r.GetChange() {
		case bookpb.SyncBooksResponse_CHANGE_DELETED:
			delete(shelf, r.GetId())
		case bookpb.SyncBooksResponse_CHANGE_CHANGED, bookpb.SyncBooksResponse_CHANGE_ADDED:
			shelf[r.GetId()] = &bookpb.SyncBooksRequest{Id: r.GetId(), CreateTime: r.GetBook().GetCreateTime()}
		}
	}
}
