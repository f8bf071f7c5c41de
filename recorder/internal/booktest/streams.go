package booktest

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// StreamSession drives each kind of stream over cc, a connection to a
// fresh Book service, with a secret in the metadata of each call and in a
// message: three books created (unary), an ImportBooks of three books,
// one refused (client stream), a SyncBooks naming a known and an unknown
// id (bidirectional: six answers), and last a WatchBooks read up to its
// caught-up marker and then cancelled (server stream: six messages). The
// watch comes last because a change made while its cancellation travels
// could be recorded though the client never read it. It returns how many
// calls it made.
func StreamSession(tb testing.TB, cc grpc.ClientConnInterface) int {
	tb.Helper()
	ctx, cancelAll := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelAll()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+Secrets.GRPCAuth)
	c := bookpb.NewBookServiceClient(cc)
	for _, title := range []string{"Dune", "Emma", "Ulysses"} {
		if _, err := c.CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: title, Author: "A", Year: 1900}}); err != nil {
			tb.Fatal(err)
		}
	}
	imp, err := c.ImportBooks(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, b := range []*bookpb.Book{{Title: "Kim", Author: "Kipling"}, {Title: ""}, {Title: Secrets.BodyJWT, Author: "Anon"}} {
		if err := imp.Send(&bookpb.ImportBooksRequest{Book: b}); err != nil {
			tb.Fatal(err)
		}
	}
	sum, err := imp.CloseAndRecv()
	if err != nil || sum.ImportedCount != 2 || sum.FailedCount != 1 {
		tb.Fatalf("ImportBooks: %v %v", sum, err)
	}

	sync, err := c.SyncBooks(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	old := timestamppb.New(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, id := range []string{"0000000000000001", "0000000000000099"} {
		if err := sync.Send(&bookpb.SyncBooksRequest{Id: id, CreateTime: old}); err != nil {
			tb.Fatal(err)
		}
		if _, err := sync.Recv(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sync.CloseSend(); err != nil {
		tb.Fatal(err)
	}
	n := 0
	for ; ; n++ {
		_, err := sync.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	if n != 4 { // the books not named: 2, 3 and the two imported
		tb.Fatalf("SyncBooks: %d books added, want 4", n)
	}
	if n := WatchUntilCaughtUp(tb, c, ctx); n != 6 {
		tb.Fatalf("WatchBooks: %d messages up to the caught-up marker, want 6", n)
	}
	return 6
}

// WatchUntilCaughtUp watches c's books, reads up to and including the
// caught-up marker, then cancels the watch and waits for its end; it
// returns how many messages it read. This is the bound a recorded
// WatchBooks has: the watch never ends by itself.
func WatchUntilCaughtUp(tb testing.TB, c bookpb.BookServiceClient, ctx context.Context) int {
	tb.Helper()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := c.WatchBooks(wctx, &bookpb.WatchBooksRequest{})
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for {
		ev, err := w.Recv()
		if err != nil {
			tb.Fatalf("WatchBooks: %v", err)
		}
		n++
		if ev.GetType() == bookpb.BookEvent_TYPE_CAUGHT_UP {
			break
		}
	}
	cancel()
	if _, err := w.Recv(); status.Code(err) != codes.Canceled {
		tb.Fatalf("WatchBooks after cancel: %v", err)
	}
	return n
}
