package demo

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
)

func openWatches(inst *bookstore.Instance) int64 {
	for _, s := range inst.Introspection.Info().Streams {
		if s.Endpoint == bookstore.MethodWatchBooks {
			return s.Open
		}
	}
	return -1
}

// The traffic's stream clients, against a Book instance over loopback: an
// import adds its valid books, a sync keeps the traffic's copy of the
// shelf in step (additions and deletions), and watchers stay connected
// until stopped, leaving nothing behind.
func TestStreamTrafficClients(t *testing.T) {
	testutil.NoLeaks(t)
	store := bookstore.NewStore()
	seedBooks(context.Background(), store)
	inst, err := bookstore.Start(bookstore.Config{Service: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := inst.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	cc, err := grpc.NewClient(inst.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	client := bookpb.NewBookServiceClient(cc)
	ctx := context.Background()

	importSome(ctx, client, 7)
	books, _, err := store.ListBooks(ctx, bookstore.MaxPageSize, "")
	if err != nil || len(books) != 5+importBooks-1 || books[5].Title != "Imported book 7.0" {
		t.Fatalf("after an import the store holds %d books (%v), want %d", len(books), err, 5+importBooks-1)
	}

	shelf := map[string]*bookpb.SyncBooksRequest{}
	syncShelf(ctx, client, shelf)
	if len(shelf) != len(books) {
		t.Fatalf("after a first sync the shelf holds %d books, want %d", len(shelf), len(books))
	}
	if err := store.DeleteBook(ctx, books[0].ID); err != nil {
		t.Fatal(err)
	}
	syncShelf(ctx, client, shelf)
	if _, ok := shelf[books[0].ID]; ok || len(shelf) != len(books)-1 {
		t.Fatalf("after a deletion and a sync the shelf holds %d books (the deleted one: %v)", len(shelf), ok)
	}

	s, err := startStreams(inst.GRPCAddr, 1)
	if err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "both watchers to watch", 10*time.Second, func() bool { return openWatches(inst) == watchers })
	s.stop()
	testutil.WaitFor(t, "the watches to end", 10*time.Second, func() bool { return openWatches(inst) == 0 })
}
