package bookstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// bound is how long a test waits for something that takes milliseconds.
const bound = 20 * time.Second

func recvEvent(t *testing.T, w grpc.ServerStreamingClient[bookpb.BookEvent]) *bookpb.BookEvent {
	t.Helper()
	ev, err := w.Recv()
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	return ev
}

func expectEvent(t *testing.T, w grpc.ServerStreamingClient[bookpb.BookEvent], typ bookpb.BookEvent_Type, title string) *bookpb.BookEvent {
	t.Helper()
	ev := recvEvent(t, w)
	if ev.GetType() != typ || ev.GetBook().GetTitle() != title {
		t.Fatalf("event %v %q, want %v %q", ev.GetType(), ev.GetBook().GetTitle(), typ, title)
	}
	return ev
}

func openStreams(inst *Instance, method string) int64 {
	for _, s := range inst.Introspection.Info().Streams {
		if s.Endpoint == method {
			return s.Open
		}
	}
	return -1
}

func TestWatchSeesCurrentBooksThenLiveChanges(t *testing.T) {
	testutil.NoLeaks(t)
	store := NewStore()
	ctx := context.Background()
	for _, title := range []string{"Dune", "Emma"} {
		if _, err := store.CreateBook(ctx, Book{Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	inst := start(t, store)
	client := bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr))
	wctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	w, err := client.WatchBooks(wctx, &bookpb.WatchBooksRequest{})
	if err != nil {
		t.Fatal(err)
	}
	expectEvent(t, w, bookpb.BookEvent_TYPE_EXISTING, "Dune")
	expectEvent(t, w, bookpb.BookEvent_TYPE_EXISTING, "Emma")
	expectEvent(t, w, bookpb.BookEvent_TYPE_CAUGHT_UP, "")
	if n := openStreams(inst, MethodWatchBooks); n != 1 {
		t.Errorf("introspection shows %d open WatchBooks streams, want 1", n)
	}

	created, err := client.CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "Ulysses"}})
	if err != nil {
		t.Fatal(err)
	}
	if ev := expectEvent(t, w, bookpb.BookEvent_TYPE_CREATED, "Ulysses"); ev.GetBook().GetId() != created.GetId() {
		t.Fatalf("created event for %s, want %s", ev.GetBook().GetId(), created.GetId())
	}
	if _, err := client.DeleteBook(ctx, &bookpb.DeleteBookRequest{Id: created.GetId()}); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, w, bookpb.BookEvent_TYPE_DELETED, "Ulysses")

	// The client cancels: the server's handler ends and unsubscribes.
	cancel()
	if _, err := w.Recv(); status.Code(err) != codes.Canceled {
		t.Fatalf("after cancel: %v, want Canceled", err)
	}
	testutil.WaitFor(t, "the watch handler to end and unsubscribe", bound, func() bool {
		return openStreams(inst, MethodWatchBooks) == 0 && store.feed.subscribers() == 0
	})
}

func TestSlowWatcherIsDroppedAndTheStoreIsNotBlocked(t *testing.T) {
	testutil.NoLeaks(t)
	const buffer = 4
	store := NewStore(WatchBuffer(buffer))
	inst := start(t, store)
	// Fixed windows turn off grpc-go's window growth, so at most about
	// 64 KiB are in flight to a client that does not read, plus the
	// server's 64 KiB write quota: far less than the changes below.
	cc, err := grpc.NewClient(inst.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithInitialWindowSize(64<<10), grpc.WithInitialConnWindowSize(64<<10))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	w, err := bookpb.NewBookServiceClient(cc).WatchBooks(ctx, &bookpb.WatchBooksRequest{})
	if err != nil {
		t.Fatal(err)
	}
	expectEvent(t, w, bookpb.BookEvent_TYPE_CAUGHT_UP, "")

	// The watcher reads nothing while 2000 books of ~500 bytes (1 MB of
	// events) are created: the store must not wait for it.
	const books = 2000
	done := make(chan error, 1)
	go func() {
		title := strings.Repeat("x", 500)
		for i := range books {
			if _, err := store.CreateBook(context.Background(), Book{Title: fmt.Sprint(i, title)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(bound):
		t.Fatal("creating books blocked behind a watcher that does not read")
	}
	if n := store.feed.subscribers(); n != 0 {
		t.Fatalf("%d subscribers after the watcher fell behind, want 0 (dropped)", n)
	}

	// Reading again, the watcher gets what was in flight, then the status.
	got := 0
	for {
		_, err := w.Recv()
		if err == nil {
			got++
			continue
		}
		st := status.Convert(err)
		if st.Code() != codes.ResourceExhausted || !strings.Contains(st.Message(), "fell more than 4 changes behind") {
			t.Fatalf("after %d events: %v, want ResourceExhausted saying the watch fell behind", got, err)
		}
		break
	}
	if got >= books {
		t.Fatalf("received all %d events, yet was dropped", got)
	}
	testutil.WaitFor(t, "the dropped watch to end", bound, func() bool { return openStreams(inst, MethodWatchBooks) == 0 })
}

func TestImportBooksAnswersASummary(t *testing.T) {
	store := NewStore()
	inst := start(t, store)
	client := bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr))
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	imp, err := client.ImportBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []*bookpb.Book{
		{Title: "Dune", Year: 1965},
		{Title: "  "},
		{Title: "Emma", Author: "Austen"},
		{Title: "Future", Year: 10000},
		{Title: "Ulysses"},
	} {
		if err := imp.Send(&bookpb.ImportBooksRequest{Book: b}); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := imp.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	if sum.GetImportedCount() != 3 || sum.GetFailedCount() != 2 || len(sum.GetFailures()) != 2 {
		t.Fatalf("summary %v, want 3 imported and 2 failures", sum)
	}
	if f := sum.GetFailures()[0]; f.GetIndex() != 1 || !strings.Contains(f.GetMessage(), "title") {
		t.Errorf("first failure %v, want index 1 about the title", f)
	}
	if f := sum.GetFailures()[1]; f.GetIndex() != 3 || f.GetTitle() != "Future" || !strings.Contains(f.GetMessage(), "year") {
		t.Errorf("second failure %v, want index 3 about the year", f)
	}
	books, _, err := store.ListBooks(ctx, MaxPageSize, "")
	if err != nil || len(books) != 3 || books[2].Title != "Ulysses" {
		t.Fatalf("store holds %v (%v), want the 3 valid books", books, err)
	}
}

func TestImportBooksCapsOneCall(t *testing.T) {
	inst := start(t, NewStore())
	client := bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr))
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	imp, err := client.ImportBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range MaxImportBooks + 2 {
		if err := imp.Send(&bookpb.ImportBooksRequest{Book: &bookpb.Book{Title: fmt.Sprint("Book ", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := imp.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	if sum.GetImportedCount() != MaxImportBooks || sum.GetFailedCount() != 2 ||
		sum.GetFailures()[0].GetIndex() != MaxImportBooks || !strings.Contains(sum.GetFailures()[0].GetMessage(), "another call") {
		t.Fatalf("summary: imported %d, failed %d, first failure %v", sum.GetImportedCount(), sum.GetFailedCount(), sum.GetFailures()[0])
	}
}

func TestSyncBooksAnswersEachBookThenTheMissingOnes(t *testing.T) {
	store := NewStore()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	var shelf []Book
	for _, title := range []string{"Dune", "Emma", "Ulysses", "Walden"} {
		b, err := store.CreateBook(ctx, Book{Title: title})
		if err != nil {
			t.Fatal(err)
		}
		shelf = append(shelf, b)
	}
	if err := store.DeleteBook(ctx, shelf[1].ID); err != nil {
		t.Fatal(err)
	}
	inst := start(t, store)
	client := bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr))
	sync, err := client.SyncBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The caller holds Dune as it is, Emma (deleted since), Ulysses at
	// another version, and a book the store never had. Each answer comes
	// before the next question is asked.
	for _, c := range []struct {
		id     string
		at     time.Time
		change bookpb.SyncBooksResponse_Change
		title  string
	}{
		{shelf[0].ID, shelf[0].CreateTime, bookpb.SyncBooksResponse_CHANGE_UNCHANGED, ""},
		{shelf[1].ID, shelf[1].CreateTime, bookpb.SyncBooksResponse_CHANGE_DELETED, ""},
		{shelf[2].ID, shelf[2].CreateTime.Add(-time.Hour), bookpb.SyncBooksResponse_CHANGE_CHANGED, "Ulysses"},
		{"9999999999999999", shelf[0].CreateTime, bookpb.SyncBooksResponse_CHANGE_DELETED, ""},
	} {
		if err := sync.Send(&bookpb.SyncBooksRequest{Id: c.id, CreateTime: timestamppb.New(c.at)}); err != nil {
			t.Fatal(err)
		}
		r, err := sync.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if r.GetId() != c.id || r.GetChange() != c.change || r.GetBook().GetTitle() != c.title {
			t.Fatalf("answer %v, want %s %v %q", r, c.id, c.change, c.title)
		}
	}
	if err := sync.CloseSend(); err != nil {
		t.Fatal(err)
	}
	r, err := sync.Recv()
	if err != nil || r.GetChange() != bookpb.SyncBooksResponse_CHANGE_ADDED || r.GetBook().GetTitle() != "Walden" {
		t.Fatalf("after the last message: %v %v, want Walden ADDED", r, err)
	}
	if r, err := sync.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("then %v %v, want the end of the stream", r, err)
	}

	// An empty id is the caller's mistake.
	bad, err := client.SyncBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Send(&bookpb.SyncBooksRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Recv(); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("empty id: %v, want InvalidArgument", err)
	}
}

func TestShutdownEndsWatchesWithUnavailable(t *testing.T) {
	testutil.NoLeaks(t)
	inst, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	cc := dialGRPC(t, inst.GRPCAddr)
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	w, err := bookpb.NewBookServiceClient(cc).WatchBooks(ctx, &bookpb.WatchBooksRequest{})
	if err != nil {
		t.Fatal(err)
	}
	expectEvent(t, w, bookpb.BookEvent_TYPE_CAUGHT_UP, "")
	// Without ending the watch, a graceful stop would wait for it until
	// the deadline and report the deadline.
	if err := inst.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with an open watch: %v", err)
	}
	if _, err := w.Recv(); status.Code(err) != codes.Unavailable {
		t.Fatalf("watch after shutdown: %v, want Unavailable", err)
	}
}
