package capture

import (
	"bytes"
	"context"
	"testing"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/recorder"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// TestIncomingMDIsGRPCsOwnMap: the key the ring learnt finds the map
// NewIncomingContext was given, not a copy, and nothing in a context
// without metadata.
func TestIncomingMDIsGRPCsOwnMap(t *testing.T) {
	if incomingKey == nil {
		t.Fatal("the ring found no context key for grpc-go's incoming metadata: every call copies it (see ring_md.go)")
	}
	md := metadata.MD{"x-a": {"1"}}
	got := incomingMD(metadata.NewIncomingContext(context.Background(), md))
	md["x-b"] = []string{"2"}
	if len(got) != 2 || got["x-b"][0] != "2" {
		t.Errorf("incomingMD gave %v, want the context's own map %v", got, md)
	}
	if got := incomingMD(context.Background()); got != nil {
		t.Errorf("incomingMD of a context without metadata: %v, want nil", got)
	}
}

// TestRingUnaryMetadataEitherWay keeps a call whose incoming metadata has
// keys in mixed case (as a context made by NewIncomingContext may) once
// through grpc-go's own map and once through FromIncomingContext's copy
// (the fallback): both read back the same, with keys in lower case and
// the traceparent's trace id.
func TestRingUnaryMetadataEitherWay(t *testing.T) {
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	ctx := metadata.NewIncomingContext(context.Background(), metadata.MD{
		"Traceparent":  {"00-" + trace + "-00f067aa0ba902b7-01"},
		"X-Tenant":     {"books", "more-books"},
		"content-type": {"application/grpc"},
	})
	info := &grpc.UnaryServerInfo{FullMethod: "/bookstore.v1.BookService/GetBook"}
	handler := func(context.Context, any) (any, error) { return &bookpb.Book{Id: "b1", Title: "Either"}, nil }
	read := func() recorder.Exchange {
		t.Helper()
		g, err := NewRing(Options{Service: "md"}, RingOptions{Size: 4})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.Unary(ctx, &bookpb.GetBookRequest{Id: "b1"}, info, handler); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if _, err := g.WriteExchanges(&out, introspect.ExchangeQuery{}); err != nil {
			t.Fatal(err)
		}
		s, err := recorder.Read(&out, recorder.ReadOptions{})
		if err != nil || len(s.Exchanges) != 1 {
			t.Fatalf("want the one exchange, got %v (%v)", s, err)
		}
		return s.Exchanges[0]
	}
	own := read()
	saved := incomingKey
	incomingKey = nil
	copied := read()
	incomingKey = saved

	for name, ex := range map[string]recorder.Exchange{"grpc-go's map": own, "a copy": copied} {
		h := ex.Request.Headers
		if ex.TraceID != trace || len(h["x-tenant"]) != 2 || h["content-type"][0] != "application/grpc" ||
			h["traceparent"] == nil || h["X-Tenant"] != nil || h["Traceparent"] != nil {
			t.Errorf("through %s: trace %q, headers %v; want the trace id and every key in lower case", name, ex.TraceID, h)
		}
		if ex.Response.Body == nil || !bytes.Contains(ex.Response.Body.JSON, []byte(`"Either"`)) {
			t.Errorf("through %s: response %+v, want the book as JSON", name, ex.Response.Body)
		}
	}
	if len(own.Request.Headers) != len(copied.Request.Headers) {
		t.Errorf("headers through grpc-go's map %v, through a copy %v: want the same", own.Request.Headers, copied.Request.Headers)
	}
}
