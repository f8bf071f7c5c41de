package gateway_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/gateway"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/rectest"
)

// gatewayOverFreshBook starts a Book instance with an empty store (so ids
// come out as recorded: 0000000000000001, …) and a gateway in front of it
// that reaches it over upstream. Both stop when the test ends.
func gatewayOverFreshBook(t *testing.T, upstream string) *gateway.Instance {
	t.Helper()
	stop := func(shutdown func(context.Context) error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdown(ctx); err != nil {
			t.Error(err)
		}
	}
	book, err := bookstore.Start(bookstore.Config{InstanceID: "book-replay"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(book.Shutdown) })
	target := book.GRPCAddr
	if upstream == gateway.UpstreamHTTP {
		target = book.HTTPAddr
	}
	gw, err := gateway.Start(gateway.Config{Targets: []string{target}, Upstream: upstream})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(gw.Shutdown) })
	return gw
}

// The recorded sessions in testdata are regression tests of the Book API
// as the gateway serves it: each replays against a gateway in front of a
// fresh Book instance and must match, create times and request ids aside
// (the files' headers list them), whichever transport the gateway uses to
// reach the instance. Re-record with KITBENCH_UPDATE=1 (it rewrites the
// responses; run one upstream only, -run 'TestReplayGatewaySessions/upstream=grpc').
func TestReplayGatewaySessions(t *testing.T) {
	for _, upstream := range []string{gateway.UpstreamGRPC, gateway.UpstreamHTTP} {
		t.Run("upstream="+upstream, func(t *testing.T) {
			t.Run("http", func(t *testing.T) {
				gw := gatewayOverFreshBook(t, upstream)
				rectest.Replay(t, "testdata/gateway_http.kitrec", recorder.HTTPTarget("http://"+gw.HTTPAddr, nil))
			})
			t.Run("grpc", func(t *testing.T) {
				gw := gatewayOverFreshBook(t, upstream)
				cc, err := grpc.NewClient(gw.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
				if err != nil {
					t.Fatal(err)
				}
				defer cc.Close()
				rectest.Replay(t, "testdata/gateway_grpc.kitrec", recorder.GRPCTarget(cc))
			})
		})
	}
}
