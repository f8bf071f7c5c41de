package bookstore

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/transport"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

// panicOn makes GetBook panic for the book id "boom".
func panicOn(method string, next endpoint.Endpoint) endpoint.Endpoint {
	if method != MethodGetBook {
		return next
	}
	return func(ctx context.Context, req any) (any, error) {
		var id string
		switch r := req.(type) {
		case GetBookRequest:
			id = r.ID
		case *GetBookRequest: // as the HTTP decoder gives it
			id = r.ID
		}
		if id == "boom" {
			panic("boom: secret-in-panic-value")
		}
		return next(ctx, req)
	}
}

// A panic in a handler, over HTTP, gRPC and Thrift, is answered with a
// 500, leaves the instance serving, is counted as kit_panics_total on the
// instance's own /metrics and logged to the instance's logger (without the
// panic value).
func TestPanicsAreCountedOnTheInstanceMetrics(t *testing.T) {
	var logs syncBuffer
	inst := startWith(t, Config{
		ThriftAddr: "127.0.0.1:0",
		Middleware: panicOn,
		Logger:     slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	httpC, err := NewHTTPClient("http://" + inst.HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]Endpoints{
		"http":   httpC,
		"grpc":   NewGRPCClient(dialGRPC(t, inst.GRPCAddr)),
		"thrift": thriftClient(t, inst, kitthrift.Binary),
	}
	ctx := t.Context()
	for name, c := range clients {
		if _, err := c.GetBook(ctx, GetBookRequest{ID: "boom"}); transport.StatusOf(err) != http.StatusInternalServerError {
			t.Errorf("%s: a panicking GetBook answered %v (status %d), want 500", name, err, transport.StatusOf(err))
		}
		if _, err := c.GetBook(ctx, GetBookRequest{ID: "missing"}); transport.StatusOf(err) != http.StatusNotFound {
			t.Errorf("%s: the call after the panic answered %v, want 404 from a live instance", name, err)
		}
	}

	resp, err := http.Get("http://" + inst.AdminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for name := range clients {
		if !hasSample(string(body), metrics.PanicsTotal, `transport="`+name+`"`, "1") {
			t.Errorf("/metrics has no %s{transport=%q} 1:\n%s", metrics.PanicsTotal, name, grepLines(string(body), metrics.PanicsTotal))
		}
	}
	if n := strings.Count(logs.String(), "recovered a panic in a handler"); n != len(clients) {
		t.Errorf("the instance's logger got %d panic records, want %d:\n%s", n, len(clients), logs.String())
	}
	if strings.Contains(logs.String(), "secret-in-panic-value") {
		t.Error("the log holds the panic value")
	}
}

// hasSample reports whether the exposition page holds a sample of metric
// whose labels include label and whose value is value.
func hasSample(page, metric, label, value string) bool {
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, metric+"{") && strings.Contains(line, label) && strings.HasSuffix(line, "} "+value) {
			return true
		}
	}
	return false
}

func grepLines(page, word string) string {
	var out []string
	for _, line := range strings.Split(page, "\n") {
		if strings.Contains(line, word) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
