package gateway_test

import (
	"bytes"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"google.golang.org/grpc/metadata"
)

// ringStreams reads the stream exchanges of trace from ring, oldest
// first.
func ringStreams(t *testing.T, ring *capture.Ring, trace string) []recorder.Exchange {
	t.Helper()
	var out bytes.Buffer
	if _, err := ring.WriteExchanges(&out, introspect.ExchangeQuery{Trace: trace}); err != nil {
		t.Fatal(err)
	}
	s, err := recorder.Read(&out, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 {
		t.Fatalf("the ring's answer does not read back: %v %v", err, s.Errors)
	}
	var exs []recorder.Exchange
	for _, ex := range s.Exchanges {
		if ex.Stream != nil {
			exs = append(exs, ex)
		}
	}
	return exs
}

// TestRingKeepsStreams: an ImportBooks through the gateway is kept as a
// stream exchange in the gateway's ring, with its messages, and in the
// ring of the Book instance that served it, under the same trace.
func TestRingKeepsStreams(t *testing.T) {
	f := newFleet(t, nil)
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	ctx := metadata.AppendToOutgoingContext(t.Context(), "traceparent", "00-"+trace+"-00f067aa0ba902b7-01")
	imp, err := f.grpc.ImportBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"Kim", "Emma"} {
		if err := imp.Send(&bookpb.ImportBooksRequest{Book: &bookpb.Book{Title: title, Author: "A"}}); err != nil {
			t.Fatal(err)
		}
	}
	if sum, err := imp.CloseAndRecv(); err != nil || sum.GetImportedCount() != 2 {
		t.Fatalf("ImportBooks through the gateway: %v, %v", sum, err)
	}
	// The stream is stored when its handler returns, which may be just
	// after the client has its answer.
	var gw []recorder.Exchange
	for deadline := time.Now().Add(10 * time.Second); len(gw) == 0 && time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		gw = ringStreams(t, f.gw.Exchanges, trace)
	}
	if len(gw) != 1 || gw[0].Endpoint != "ImportBooks" || gw[0].Stream.Kind != recorder.StreamClient ||
		len(gw[0].Request.Messages) != 2 || len(gw[0].Response.Messages) != 1 {
		t.Fatalf("the gateway's ring holds %+v; want the ImportBooks stream with its 2+1 messages", gw)
	}
	served := 0
	for _, b := range f.books {
		for _, ex := range ringStreams(t, b.Exchanges, trace) {
			if ex.Endpoint == "ImportBooks" && len(ex.Request.Messages) == 2 {
				served++
			}
		}
	}
	if served != 1 {
		t.Errorf("%d Book instances keep the traced ImportBooks, want the one that served it", served)
	}
}
