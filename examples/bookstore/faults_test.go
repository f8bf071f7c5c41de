package bookstore

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

// setControl PUTs a control body to the instance's admin listener, or
// DELETEs it when body is empty, as kitbench does.
func setControl(t *testing.T, inst *Instance, path, body string) {
	t.Helper()
	method := http.MethodPut
	if body == "" {
		method = http.MethodDelete
	}
	req, _ := http.NewRequest(method, "http://"+inst.AdminAddr+introspect.ControlsPath+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
}

// TestFaultsOverEveryTransport injects each fault kind into GetBook
// through the admin listener's controls and calls it over HTTP, gRPC and
// Thrift: errors carry the status and the reason fault_injected, aborts
// are each transport's own abrupt failure, and latency delays the call.
func TestFaultsOverEveryTransport(t *testing.T) {
	inst := startWith(t, Config{ThriftAddr: "127.0.0.1:0", Controls: &introspect.ControlPolicy{}})
	httpC, err := NewHTTPClient("http://" + inst.HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	transports := []struct {
		name string
		e    Endpoints
	}{
		{"http", httpC},
		{"grpc", NewGRPCClient(dialGRPC(t, inst.GRPCAddr))},
		{"thrift", thriftClient(t, inst, kitthrift.Binary)},
	}
	ctx := context.Background()
	created, err := httpC.CreateBook(ctx, CreateBookRequest{Title: "Dune", Author: "Frank Herbert", Year: 1965})
	if err != nil {
		t.Fatal(err)
	}
	get := GetBookRequest{ID: created.(Book).ID}
	// The injected failures would trip GetBook's breaker (as real ones
	// would); holding it closed keeps every call reaching the fault.
	setControl(t, inst, "/breaker/GetBook", `{"breaker":"closed"}`)

	setControl(t, inst, "/fault/GetBook", `{"fault":{"error_rate":1,"error_status":500}}`)
	for _, tr := range transports {
		_, err := tr.e.GetBook(ctx, get)
		want := transport.ReasonFaultInjected // over Thrift too: ServiceError's reason carries it
		if transport.StatusOf(err) != 500 || transport.ReasonOf(err) != want {
			t.Errorf("%s: injected error %v: status %d reason %q; want 500, %s", tr.name, err, transport.StatusOf(err), transport.ReasonOf(err), want)
		}
	}

	setControl(t, inst, "/fault/GetBook", `{"fault":{"abort_rate":1}}`)
	for _, tr := range transports {
		_, err := tr.e.GetBook(ctx, get)
		reason := transport.ReasonOf(err)
		switch tr.name {
		case "grpc": // no abrupt end for a handler: Unavailable, marked injected
			if status.Code(errors.Unwrap(err)) != codes.Unavailable && transport.StatusOf(err) != 503 || reason != transport.ReasonFaultInjected {
				t.Errorf("grpc abort: %v (reason %q); want Unavailable, fault_injected", err, reason)
			}
		default: // the connection went away: no answer, no exception, no reason
			var answer *kithttp.ResponseError
			var exc *bookthrift.ServiceError
			if err == nil || errors.As(err, &answer) || errors.As(err, &exc) || reason == transport.ReasonFaultInjected {
				t.Errorf("%s abort: %v (status %d, reason %q); want a broken connection, not an answer", tr.name, err, transport.StatusOf(err), reason)
			}
		}
	}

	setControl(t, inst, "/fault/GetBook", `{"fault":{"latency":"150ms"}}`)
	for _, tr := range transports {
		start := time.Now()
		if _, err := tr.e.GetBook(ctx, get); err != nil {
			t.Errorf("%s with latency: %v", tr.name, err)
		}
		// Only the lower bound: a busy machine may add any delay on top.
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Errorf("%s: the call took %v, under the injected 150ms", tr.name, d)
		}
	}

	setControl(t, inst, "/fault/GetBook", "")
	for _, tr := range transports {
		if _, err := tr.e.GetBook(ctx, get); err != nil {
			t.Errorf("%s after the fault was cleared: %v", tr.name, err)
		}
	}
}

// TestStreamFaultAfterN lets WatchBooks send two events, then fails the
// stream with the injected error.
func TestStreamFaultAfterN(t *testing.T) {
	inst := startWith(t, Config{Controls: &introspect.ControlPolicy{}})
	httpC, err := NewHTTPClient("http://" + inst.HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, title := range []string{"Dune", "Emma", "Ulysses"} {
		if _, err := httpC.CreateBook(ctx, CreateBookRequest{Title: title, Author: "A. Author", Year: 1900}); err != nil {
			t.Fatal(err)
		}
	}
	setControl(t, inst, "/fault/WatchBooks", `{"fault":{"error_rate":1,"stream_after":2}}`)
	w, err := bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr)).WatchBooks(ctx, &bookpb.WatchBooksRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for {
		if _, err = w.Recv(); err != nil {
			break
		}
		got++
	}
	if got != 2 || status.Code(err) != codes.Unavailable {
		t.Fatalf("the stream ended after %d messages with %v; want 2, then Unavailable", got, err)
	}
}
