package bookstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/rectest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// freshInstance starts a Book service with an empty store, so recorded ids
// (0000000000000001, …) come out the same.
func freshInstance(t *testing.T) *bookstore.Instance {
	t.Helper()
	inst, err := bookstore.Start(bookstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := inst.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return inst
}

// The recorded sessions in testdata are regression tests: each replays
// against a fresh instance and must match, create times and request ids
// aside (the files' headers list them). Re-record with KITBENCH_UPDATE=1.
func TestReplayHTTPSession(t *testing.T) {
	inst := freshInstance(t)
	rectest.Replay(t, "testdata/books_http.kitrec", recorder.HTTPTarget("http://"+inst.HTTPAddr, nil))
}

func TestReplayGRPCSession(t *testing.T) {
	inst := freshInstance(t)
	cc, err := grpc.NewClient(inst.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	rectest.Replay(t, "testdata/books_grpc.kitrec", recorder.GRPCTarget(cc))
}
