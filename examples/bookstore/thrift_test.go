package bookstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/hashicorp/consul/api"
	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/auth/jwt"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/devregistry"
	"github.com/kitbench/kitbench/kit/transport"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
	"go.uber.org/goleak"
)

// thriftClient returns the Book endpoints over a Pool to inst's Thrift
// listener in protocol p.
func thriftClient(t *testing.T, inst *Instance, p kitthrift.Protocol) Endpoints {
	t.Helper()
	pool := kitthrift.NewPool(inst.ThriftAddr, kitthrift.PoolConfig{Protocol: p})
	t.Cleanup(func() { _ = pool.Close() })
	return NewThriftClient(pool)
}

// outcome is what a call returned, in a form that compares across
// transports: the response, or the error's status and message.
func outcome(resp any, err error) string {
	if err != nil {
		return fmt.Sprintf("error %d: %s", transport.StatusOf(err), err)
	}
	switch r := resp.(type) {
	case Book:
		r.CreateTime = r.CreateTime.UTC()
		return fmt.Sprintf("%+v", r)
	case ListBooksResponse:
		for i := range r.Books {
			r.Books[i].CreateTime = r.Books[i].CreateTime.UTC()
		}
		return fmt.Sprintf("%+v", r)
	}
	return fmt.Sprintf("%T %+v", resp, resp)
}

// The same endpoint served over HTTP, gRPC and Thrift (both protocols)
// answers every request with equal results, errors included.
func TestSameEndpointOverEveryTransport(t *testing.T) {
	inst := startWith(t, Config{ThriftAddr: "127.0.0.1:0"})
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
		{"thrift-binary", thriftClient(t, inst, kitthrift.Binary)},
		{"thrift-compact", thriftClient(t, inst, kitthrift.Compact)},
	}
	ctx := context.Background()
	// One book created through each transport.
	for _, tr := range transports {
		if _, err := tr.e.CreateBook(ctx, CreateBookRequest{Title: "Dune via " + tr.name, Author: "Frank Herbert", Year: 1965}); err != nil {
			t.Fatalf("create over %s: %v", tr.name, err)
		}
	}
	page, err := httpC.ListBooks(ctx, ListBooksRequest{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	token := page.(ListBooksResponse).NextPageToken
	for _, tc := range []struct {
		name string
		call func(Endpoints) (any, error)
	}{
		{"get", func(e Endpoints) (any, error) { return e.GetBook(ctx, GetBookRequest{ID: "0000000000000003"}) }},
		{"get missing", func(e Endpoints) (any, error) { return e.GetBook(ctx, GetBookRequest{ID: "0000000000000099"}) }},
		{"list all", func(e Endpoints) (any, error) { return e.ListBooks(ctx, ListBooksRequest{}) }},
		{"list second page", func(e Endpoints) (any, error) {
			return e.ListBooks(ctx, ListBooksRequest{PageSize: 2, PageToken: token})
		}},
		{"list bad size", func(e Endpoints) (any, error) { return e.ListBooks(ctx, ListBooksRequest{PageSize: 1000}) }},
		{"list bad token", func(e Endpoints) (any, error) { return e.ListBooks(ctx, ListBooksRequest{PageToken: "!!"}) }},
		{"create untitled", func(e Endpoints) (any, error) { return e.CreateBook(ctx, CreateBookRequest{Author: "Nobody"}) }},
		{"delete missing", func(e Endpoints) (any, error) { return e.DeleteBook(ctx, DeleteBookRequest{ID: "0000000000000099"}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := outcome(tc.call(transports[0].e))
			for _, tr := range transports[1:] {
				if got := outcome(tc.call(tr.e)); got != want {
					t.Errorf("%s answered\n%s\nhttp answered\n%s", tr.name, got, want)
				}
			}
			if strings.HasPrefix(tc.name, "get ") || strings.HasPrefix(tc.name, "list bad") {
				if !strings.HasPrefix(want, "error 4") {
					t.Errorf("want a client error, got %s", want)
				}
			}
		})
	}
}

func TestThriftInIntrospectionAndRegistry(t *testing.T) {
	reg := devregistry.New(devregistry.Options{})
	ln, err := devregistry.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go reg.Serve(ln)
	defer reg.Close()
	inst := startWith(t, Config{ThriftAddr: "127.0.0.1:0", Registry: ln.Addr().String()})

	resp, body := get(t, "http://"+inst.AdminAddr+introspect.PathPrefix+"/info")
	var info introspect.Info
	if err := json.Unmarshal(body, &info); err != nil || resp.StatusCode != 200 {
		t.Fatalf("info: %d %v", resp.StatusCode, err)
	}
	var addr string
	for _, tr := range info.Transports {
		if tr.Name == "thrift" {
			addr = tr.Addr
		}
	}
	if addr != inst.ThriftAddr || addr == "" {
		t.Errorf("info transports %+v, want thrift at %s", info.Transports, inst.ThriftAddr)
	}
	var methods []string
	for _, d := range info.Endpoints {
		if d.Transport == "thrift" {
			methods = append(methods, d.Name)
		}
	}
	if got := strings.Join(methods, " "); got != "CreateBook GetBook ListBooks DeleteBook" {
		t.Errorf("thrift endpoints %q", got)
	}

	cfg := api.DefaultConfig()
	cfg.Address = ln.Addr().String()
	client, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := client.Health().Service(ServiceName, "", true, nil)
	if err != nil || len(entries) != 1 || entries[0].Service.Meta[sd.MetaThrift] != inst.ThriftAddr {
		t.Fatalf("registration: %v %v, want %s=%s", entries, err, sd.MetaThrift, inst.ThriftAddr)
	}
}

func TestNoThriftListenerByDefault(t *testing.T) {
	inst := start(t, nil)
	if inst.ThriftAddr != "" {
		t.Fatalf("ThriftAddr = %q without Config.ThriftAddr", inst.ThriftAddr)
	}
	_, body := get(t, "http://"+inst.AdminAddr+introspect.PathPrefix+"/info")
	if strings.Contains(string(body), "thrift") {
		t.Errorf("info mentions thrift without a Thrift listener: %s", body)
	}
}

// The middlewares behind the Thrift transport are the ones behind HTTP and
// gRPC, unchanged: the rate limit, the breaker, JWT on writes, metrics.
func TestMiddlewaresBehindThrift(t *testing.T) {
	ctx := context.Background()
	t.Run("rate limit", func(t *testing.T) {
		inst := startWith(t, Config{ThriftAddr: "127.0.0.1:0", RateLimit: 0.001, Burst: 1})
		e := thriftClient(t, inst, kitthrift.Compact)
		if _, err := e.ListBooks(ctx, ListBooksRequest{}); err != nil {
			t.Fatal(err)
		}
		_, err := e.ListBooks(ctx, ListBooksRequest{})
		var se *bookthrift.ServiceError
		d, ok := transport.RetryAfterOf(err)
		if transport.StatusOf(err) != http.StatusTooManyRequests || !errors.As(err, &se) || !ok || d <= 0 {
			t.Fatalf("over the limit: %v (status %d, retry after %v)", err, transport.StatusOf(err), d)
		}
	})
	t.Run("breaker and metrics", func(t *testing.T) {
		var on atomic.Bool
		inst := startWith(t, Config{ThriftAddr: "127.0.0.1:0", Middleware: failing(&on), OpenTimeout: time.Hour})
		e := thriftClient(t, inst, kitthrift.Binary)
		on.Store(true)
		for range 5 {
			_, err := e.GetBook(ctx, GetBookRequest{ID: "x"})
			var app thrift.TApplicationException
			if transport.StatusOf(err) != 500 || !errors.As(err, &app) || strings.Contains(err.Error(), "disk") {
				t.Fatalf("injected failure: %v (status %d), want a generic 500", err, transport.StatusOf(err))
			}
		}
		_, err := e.GetBook(ctx, GetBookRequest{ID: "x"})
		if transport.StatusOf(err) != http.StatusServiceUnavailable {
			t.Fatalf("breaker open: %v (status %d), want 503", err, transport.StatusOf(err))
		}
		// ServiceError's reason carries the breaker's own reason to the
		// client, which passes it on as unavailable (a gateway's caller
		// must not take it for the gateway's breaker).
		var ke *kitthrift.Error
		if !errors.As(err, &ke) || ke.Reason != transport.ReasonBreakerOpen || transport.ReasonOf(err) != transport.ReasonUnavailable {
			t.Fatalf("breaker open: %v (reason %q), want the exception's reason breaker_open", err, transport.ReasonOf(err))
		}
		resp, err := http.Get("http://" + inst.AdminAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(body), `transport="thrift"`) {
			t.Errorf("no metrics labelled transport=\"thrift\"")
		}
	})
	t.Run("jwt", func(t *testing.T) {
		key := []byte("0123456789abcdef0123456789abcdef")
		inst := startWith(t, Config{ThriftAddr: "127.0.0.1:0", JWT: &jwt.Config{Methods: []string{"HS256"}, Keys: map[string]any{"": key}}})
		e := thriftClient(t, inst, kitthrift.Binary)
		// Thrift carries no headers, so writes cannot present a token.
		if _, err := e.CreateBook(ctx, CreateBookRequest{Title: "Unsigned"}); transport.StatusOf(err) != http.StatusUnauthorized {
			t.Fatalf("write without a token: %v (status %d), want 401", err, transport.StatusOf(err))
		}
		if _, err := e.ListBooks(ctx, ListBooksRequest{}); err != nil {
			t.Fatalf("reads stay open: %v", err)
		}
	})
}

func TestShutdownWithThriftLeavesNoGoroutines(t *testing.T) {
	before := goleak.IgnoreCurrent()
	for range 2 {
		inst, err := Start(Config{ThriftAddr: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		pool := kitthrift.NewPool(inst.ThriftAddr, kitthrift.PoolConfig{})
		if _, err := NewThriftClient(pool).ListBooks(context.Background(), ListBooksRequest{}); err != nil {
			t.Fatal(err)
		}
		// The pool's idle connection is still open: Shutdown closes it.
		if err := inst.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		_ = pool.Close()
	}
	testutil.VerifyNone(t, before)
}
