package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/examples/gateway"
)

func recvEvent(t *testing.T, w grpc.ServerStreamingClient[bookpb.BookEvent], typ bookpb.BookEvent_Type) *bookpb.BookEvent {
	t.Helper()
	ev, err := w.Recv()
	if err != nil {
		t.Fatalf("watch through the gateway: %v", err)
	}
	if ev.GetType() != typ {
		t.Fatalf("event %v, want %v", ev, typ)
	}
	return ev
}

func openWatches(g *gateway.Instance) int64 {
	for _, s := range g.Introspection.Info().Streams {
		if s.Endpoint == "WatchBooks" {
			return s.Open
		}
	}
	return -1
}

// A watch through the gateway runs on one instance, picked by the
// balancer: it delivers that instance's changes live, and ends with
// Unavailable when that instance stops (there is no failover mid-stream).
// With an HTTP upstream the stream still goes over gRPC, to the instance's
// kit_grpc address.
func TestWatchThroughTheGateway(t *testing.T) {
	for _, upstream := range []string{gateway.UpstreamGRPC, gateway.UpstreamHTTP} {
		t.Run("upstream="+upstream, func(t *testing.T) {
			f := newFleet(t, func(c *gateway.Config) { c.Upstream = upstream })
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			w, err := f.grpc.WatchBooks(ctx, &bookpb.WatchBooksRequest{})
			if err != nil {
				t.Fatal(err)
			}
			recvEvent(t, w, bookpb.BookEvent_TYPE_CAUGHT_UP) // every instance starts empty

			// Each instance has a store of its own: a book created on each
			// tells which one the watch runs on.
			for i, b := range f.books {
				cc, err := grpc.NewClient(b.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
				if err != nil {
					t.Fatal(err)
				}
				_, err = bookpb.NewBookServiceClient(cc).CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: fmt.Sprint(i)}})
				cc.Close()
				if err != nil {
					t.Fatal(err)
				}
			}
			ev := recvEvent(t, w, bookpb.BookEvent_TYPE_CREATED)
			var on int
			if _, err := fmt.Sscan(ev.GetBook().GetTitle(), &on); err != nil || on < 0 || on >= len(f.books) {
				t.Fatalf("created event %v names no instance", ev)
			}
			if n := openWatches(f.gw); n != 1 {
				t.Errorf("the gateway shows %d open watches, want 1", n)
			}

			f.books[on].stop(t)
			_, err = w.Recv()
			if status.Code(err) != codes.Unavailable {
				t.Fatalf("after its instance stopped, the watch got %v, want Unavailable", err)
			}
			waitFor(t, "the gateway's watch to end", func() bool { return openWatches(f.gw) == 0 })

			// A new watch lands on a live instance; the gateway's own
			// shutdown ends it with Unavailable instead of waiting for it.
			waitFor(t, "the gateway to drop the stopped instance", func() bool { return len(f.gw.Upstreams()) == 2 })
			again, err := f.grpc.WatchBooks(ctx, &bookpb.WatchBooksRequest{})
			if err != nil {
				t.Fatal(err)
			}
			recvEvent(t, again, bookpb.BookEvent_TYPE_EXISTING)
			shutdown(t, f.gw.Shutdown)
			for {
				if _, err = again.Recv(); err != nil {
					break
				}
			}
			if status.Code(err) != codes.Unavailable {
				t.Fatalf("after the gateway stopped, the watch got %v, want Unavailable", err)
			}
		})
	}
}

// Imports and syncs are proxied as well, each to one instance.
func TestImportAndSyncThroughTheGateway(t *testing.T) {
	f := newFleet(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	imp, err := f.grpc.ImportBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"Dune", "", "Emma"} {
		if err := imp.Send(&bookpb.ImportBooksRequest{Book: &bookpb.Book{Title: title}}); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := imp.CloseAndRecv()
	if err != nil || sum.GetImportedCount() != 2 || sum.GetFailedCount() != 1 || sum.GetFailures()[0].GetIndex() != 1 {
		t.Fatalf("import through the gateway: %v %v, want 2 imported and the second refused", sum, err)
	}

	sync, err := f.grpc.SyncBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sync.Send(&bookpb.SyncBooksRequest{Id: "0000000000000042"}); err != nil {
		t.Fatal(err)
	}
	if r, err := sync.Recv(); err != nil || r.GetChange() != bookpb.SyncBooksResponse_CHANGE_DELETED {
		t.Fatalf("sync answer %v %v, want DELETED", r, err)
	}
	if err := sync.CloseSend(); err != nil {
		t.Fatal(err)
	}
	for {
		r, err := sync.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || r.GetChange() != bookpb.SyncBooksResponse_CHANGE_ADDED {
			t.Fatalf("after the last message: %v %v, want ADDED books then the end", r, err)
		}
	}
}
