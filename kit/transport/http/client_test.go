package http_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func bookClient(t *testing.T, base string, opts ...kithttp.ClientOption) endpoint.Endpoint {
	opts = append([]kithttp.ClientOption{kithttp.SetClient(newClient(t))}, opts...)
	return kithttp.NewClient("POST", mustURL(t, base+"/books"), kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[book], opts...).Endpoint()
}

func TestClientHappyPath(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, bookServer())
	var sawStatus atomic.Int32
	after := func(ctx context.Context, r *http.Response) context.Context {
		sawStatus.Store(int32(r.StatusCode))
		return ctx
	}
	before := func(ctx context.Context, r *http.Request) context.Context {
		r.Header.Set(kithttp.RequestIDHeader, "from-hook")
		return ctx
	}
	call := bookClient(t, base, kithttp.ClientBefore(before), kithttp.ClientAfter(after))
	resp, err := call(context.Background(), createBook{Title: "Dune", Year: 1965})
	if err != nil {
		t.Fatal(err)
	}
	if got := *resp.(*book); got != (book{ID: "b1", Title: "Dune", Year: 1965}) {
		t.Errorf("response %+v", got)
	}
	if sawStatus.Load() != 201 {
		t.Errorf("after hook saw %d, want 201", sawStatus.Load())
	}
}

func TestClientErrorMapping(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, bookServer())
	call := bookClient(t, base)
	for _, tc := range []struct {
		title  string
		status int
		msg    string
		retry  time.Duration
	}{
		{"missing", 404, "book not found", 0},
		{"auth", 401, "missing credentials", 0},
		{"busy", 503, "Service Unavailable", 2 * time.Second},
		{"secret", 500, "Internal Server Error", 0},
	} {
		_, err := call(context.Background(), createBook{Title: tc.title})
		var re *kithttp.ResponseError
		if !errors.As(err, &re) || !errors.Is(err, kithttp.ErrStatus) {
			t.Fatalf("%s: error %v (%T), want a *ResponseError wrapping ErrStatus", tc.title, err, err)
		}
		if transport.StatusOf(err) != tc.status || re.Msg != tc.msg || re.RequestID == "" {
			t.Errorf("%s: status %d msg %q id %q; want %d %q and an id", tc.title, transport.StatusOf(err), re.Msg, re.RequestID, tc.status, tc.msg)
		}
		if d, _ := transport.RetryAfterOf(err); d != tc.retry {
			t.Errorf("%s: retry after %v, want %v", tc.title, d, tc.retry)
		}
	}
}

// A gateway calls the upstream through a Client and serves the result with
// a Server: statuses, messages and Retry-After survive the hop, internals do
// not, and both services log the same request id.
func TestClientThroughGateway(t *testing.T) {
	testutil.NoLeaks(t)
	var upstreamID atomic.Value
	record := func(ctx context.Context, _ *http.Request) context.Context {
		upstreamID.Store(kithttp.RequestIDFromContext(ctx))
		return ctx
	}
	upstream := serve(t, bookServer(kithttp.ServerBefore(record)))
	gw := serve(t, kithttp.NewServer(bookClient(t, upstream), kithttp.DecodeJSONRequest[createBook], kithttp.EncodeJSONResponse))
	c := newClient(t)

	resp, body := do(t, c, "POST", gw, `{"title":"missing"}`, kithttp.RequestIDHeader, "gw-req-1")
	if e := checkErrorReply(t, resp, body, 404); e.Error != "book not found" {
		t.Errorf("gateway message %q, want the upstream's", e.Error)
	}
	if upstreamID.Load() != "gw-req-1" {
		t.Errorf("upstream saw id %v, want the gateway's gw-req-1", upstreamID.Load())
	}
	resp, body = do(t, c, "POST", gw, `{"title":"busy"}`)
	checkErrorReply(t, resp, body, 503)
	if resp.Header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q through the gateway, want 2", resp.Header.Get("Retry-After"))
	}
	resp, body = do(t, c, "POST", gw, `{"title":"secret"}`)
	checkErrorReply(t, resp, body, 500)
	if strings.Contains(body, "password") {
		t.Errorf("gateway leaked the upstream's internals: %s", body)
	}
	resp, body = do(t, c, "POST", gw, `{"title":"Dune"}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"title":"Dune"`) {
		t.Errorf("gateway happy path: %d %s", resp.StatusCode, body)
	}
}

func TestClientDeadline(t *testing.T) {
	testutil.NoLeaks(t)
	released := make(chan struct{})
	slow := func(ctx context.Context, _ createBook) (book, error) {
		defer func() { released <- struct{}{} }()
		<-ctx.Done() // the client's disconnect cancels the server's context
		return book{}, ctx.Err()
	}
	base := serve(t, kithttp.NewServer(endpoint.Typed(slow), kithttp.DecodeJSONRequest[createBook], kithttp.EncodeJSONResponse))
	call := bookClient(t, base)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := call(ctx, createBook{Title: "x"})
	if !errors.Is(err, context.DeadlineExceeded) || transport.StatusOf(err) != http.StatusGatewayTimeout {
		t.Fatalf("error %v (status %d), want DeadlineExceeded / 504", err, transport.StatusOf(err))
	}
	select {
	case <-released:
	case <-time.After(10 * time.Second):
		t.Fatal("server endpoint still running after the client gave up")
	}
}

func TestClientUnreachable(t *testing.T) {
	testutil.NoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = bookClient(t, "http://"+addr)(context.Background(), createBook{Title: "x"})
	if transport.StatusOf(err) != http.StatusBadGateway {
		t.Errorf("unreachable upstream: %v (status %d), want 502", err, transport.StatusOf(err))
	}
}

func TestClientMisconfigured(t *testing.T) {
	for _, c := range []*kithttp.Client{
		kithttp.NewClient("GET", nil, kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[book]),
		kithttp.NewClient("GET", &url.URL{Scheme: "http", Host: "127.0.0.1:1"}, nil, kithttp.DecodeJSONResponse[book]),
		kithttp.NewClient("BAD METHOD", &url.URL{Scheme: "http", Host: "127.0.0.1:1"}, kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[book]),
	} {
		if _, err := c.Endpoint()(context.Background(), nil); !errors.Is(err, kithttp.ErrClient) {
			t.Errorf("error %v, want ErrClient", err)
		}
	}
}
