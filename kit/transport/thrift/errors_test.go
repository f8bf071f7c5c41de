package thrift_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestDefaultErrorEncoder(t *testing.T) {
	ctx := context.Background()
	nf := &bookthrift.NotFound{Message: "book not found"}
	if got := kitthrift.DefaultErrorEncoder(ctx, fmt.Errorf("lookup: %w", nf)); got != nf {
		t.Errorf("a wrapped declared exception became %v (%T), want the exception itself", got, got)
	}
	if kitthrift.DefaultErrorEncoder(ctx, nil) != nil {
		t.Error("nil error encoded as non-nil")
	}
	if got := kitthrift.DefaultErrorEncoder(ctx, thrift.ErrAbandonRequest); got != thrift.ErrAbandonRequest {
		t.Errorf("ErrAbandonRequest became %v", got)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{transport.NewError(http.StatusBadRequest, "title: must not be empty"), "title: must not be empty"},
		{transport.NewError(http.StatusServiceUnavailable, "replica db-7 down"), "service unavailable"},
		{errors.New("open /etc/secret: permission denied"), "internal error"},
		{context.DeadlineExceeded, "deadline exceeded"},
	} {
		got := kitthrift.DefaultErrorEncoder(ctx, tc.err)
		var app thrift.TApplicationException
		if !errors.As(got, &app) || app.TypeId() != thrift.INTERNAL_ERROR || app.Error() != tc.want {
			t.Errorf("DefaultErrorEncoder(%q) = %v, want an INTERNAL_ERROR TApplicationException %q", tc.err, got, tc.want)
		}
	}
}

// fakeTClient answers every call with err.
type fakeTClient struct{ err error }

func (f fakeTClient) Call(context.Context, string, thrift.TStruct, thrift.TStruct) (thrift.ResponseMeta, error) {
	return thrift.ResponseMeta{}, f.err
}

func TestClientErrorMeaning(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		status   int
		deadline bool
		msg      string
	}{
		{"unknown method", thrift.NewTApplicationException(thrift.UNKNOWN_METHOD, "Unknown function X"), 501, false, "Unknown function X"},
		{"protocol error", thrift.NewTApplicationException(thrift.PROTOCOL_ERROR, "bad args"), 400, false, "bad args"},
		{"out of sequence", thrift.NewTApplicationException(thrift.BAD_SEQUENCE_ID, "GetBook: out of order"), 502, false, "GetBook: out of order"},
		{"internal", thrift.NewTApplicationException(thrift.INTERNAL_ERROR, "Internal error processing GetBook: internal error"), 500, false, "Internal error processing GetBook: internal error"},
		{"not open", thrift.NewTTransportException(thrift.NOT_OPEN, "dial: connection refused"), 503, false, "service unavailable"},
		{"eof", thrift.NewTProtocolException(io.EOF), 503, false, "service unavailable"},
		{"reset", thrift.NewTProtocolException(&net.OpError{Op: "read", Err: errors.New("connection reset by peer")}), 503, false, "service unavailable"},
		{"socket timeout", thrift.NewTTransportException(thrift.TIMED_OUT, "i/o timeout"), 504, true, "deadline exceeded"},
		{"deadline", thrift.NewTTransportExceptionFromError(fmt.Errorf("GetBook: %w", context.DeadlineExceeded)), 504, true, "deadline exceeded"},
		{"canceled", thrift.NewTTransportExceptionFromError(fmt.Errorf("GetBook: %w", context.Canceled)), 499, false, "request canceled"},
		{"garbled reply", thrift.NewTProtocolExceptionWithType(thrift.INVALID_DATA, errors.New("bad type")), 502, false, "bad response from server"},
		{"declared", &bookthrift.ServiceError{Status: 429, Message: "slow down", RetryAfterMs: 250}, 429, false, "slow down"},
		{"other", errors.New("odd"), 500, false, "internal error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			get := kitthrift.NewClient(fakeTClient{tc.err}, callGet, encodeGetRequest, decodeBook).Endpoint()
			_, err := get(context.Background(), getRequest{ID: "b1"})
			var ke *kitthrift.Error
			if !errors.As(err, &ke) {
				t.Fatalf("err = %v (%T), want *kitthrift.Error", err, err)
			}
			if transport.StatusOf(err) != tc.status || err.Error() != tc.msg {
				t.Errorf("err = %q status %d, want %q status %d", err, transport.StatusOf(err), tc.msg, tc.status)
			}
			if errors.Is(err, context.DeadlineExceeded) != tc.deadline {
				t.Errorf("errors.Is(err, DeadlineExceeded) = %v, want %v", !tc.deadline, tc.deadline)
			}
			if !errors.Is(err, tc.err) {
				t.Error("the Thrift error is not in the chain")
			}
		})
	}
	_, err := kitthrift.NewClient(fakeTClient{&bookthrift.ServiceError{Status: 429, RetryAfterMs: 250}}, callGet, encodeGetRequest, nil).Endpoint()(context.Background(), getRequest{})
	if d, ok := transport.RetryAfterOf(err); !ok || d != 250*time.Millisecond {
		t.Errorf("RetryAfterOf = %v, %v; want 250ms", d, ok)
	}
}

func TestClientMisuse(t *testing.T) {
	ctx := context.Background()
	for name, c := range map[string]*kitthrift.Client{
		"nil TClient": kitthrift.NewClient(nil, callGet, nil, nil),
		"nil pool":    kitthrift.NewClient((*kitthrift.Pool)(nil), callGet, nil, nil),
		"nil call":    kitthrift.NewClient(fakeTClient{}, nil, nil, nil),
	} {
		if _, err := c.Endpoint()(ctx, &bookthrift.GetBookRequest{}); !errors.Is(err, kitthrift.ErrClientConfig) {
			t.Errorf("%s: err = %v, want ErrClientConfig", name, err)
		}
	}
	get := kitthrift.NewClient(fakeTClient{}, callGet, nil, nil).Endpoint()
	if _, err := get(ctx, "not a request"); !errors.Is(err, endpoint.ErrRequestType) {
		t.Errorf("wrong request type: %v, want ErrRequestType", err)
	}
	boom := errors.New("boom")
	enc := kitthrift.NewClient(fakeTClient{}, callGet, func(context.Context, any) (any, error) { return nil, boom }, nil).Endpoint()
	if _, err := enc(ctx, getRequest{}); !errors.Is(err, boom) {
		t.Errorf("encode error: %v", err)
	}
	badPool := kitthrift.NewPool("127.0.0.1:1", kitthrift.PoolConfig{Protocol: kitthrift.Protocol(9)})
	if _, err := kitthrift.NewClient(badPool, callGet, encodeGetRequest, nil).Endpoint()(ctx, getRequest{}); !errors.Is(err, kitthrift.ErrClientConfig) {
		t.Errorf("unknown protocol: %v, want ErrClientConfig", err)
	}
}

func TestPoolFailures(t *testing.T) {
	testutil.NoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	pl := kitthrift.NewPool(addr, kitthrift.PoolConfig{})
	get, _ := clients(pl)
	_, err = get(context.Background(), getRequest{ID: "b1"})
	if transport.StatusOf(err) != http.StatusServiceUnavailable || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("connection refused: %v (status %d), want 503", err, transport.StatusOf(err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := get(ctx, getRequest{ID: "b1"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before the call: %v, want Canceled", err)
	}
	_ = pl.Close()
	_, err = get(context.Background(), getRequest{ID: "b1"})
	if !errors.Is(err, kitthrift.ErrPoolClosed) || transport.StatusOf(err) != http.StatusServiceUnavailable {
		t.Errorf("closed pool: %v (status %d), want ErrPoolClosed, 503", err, transport.StatusOf(err))
	}
}

func TestServerMisuse(t *testing.T) {
	ctx := context.Background()
	var handled []error
	onErr := kitthrift.ServerErrorHandler(func(_ context.Context, err error) { handled = append(handled, err) })

	wrongType := kitthrift.NewServer(endpoint.Nop, nil, nil, onErr)
	_, err := kitthrift.Serve[*bookthrift.Book](ctx, wrongType, &bookthrift.GetBookRequest{})
	var app thrift.TApplicationException
	if !errors.As(err, &app) || app.Error() != "internal error" {
		t.Errorf("encoder of the wrong type: %v, want a generic TApplicationException", err)
	}
	if len(handled) != 1 || !errors.Is(handled[0], kitthrift.ErrResponseType) {
		t.Errorf("error handler saw %v, want ErrResponseType", handled)
	}

	if _, err := kitthrift.NewServer(nil, nil, nil).ServeThrift(ctx, nil); !errors.As(err, &app) {
		t.Errorf("nil endpoint: %v, want a TApplicationException", err)
	}

	bad := transport.NewError(http.StatusBadRequest, "id: not a book id")
	dec := kitthrift.NewServer(endpoint.Nop, func(context.Context, any) (any, error) { return nil, bad }, nil,
		kitthrift.ServerErrorEncoder(encodeError))
	_, err = dec.ServeThrift(ctx, &bookthrift.GetBookRequest{})
	var inv *bookthrift.InvalidArgument
	if !errors.As(err, &inv) || inv.Message != "id: not a book id" {
		t.Errorf("decode error: %v, want InvalidArgument", err)
	}
	resp, err := kitthrift.Serve[*bookthrift.Book](ctx, kitthrift.NewServer(endpoint.Typed(func(context.Context, getRequest) (book, error) {
		return book{ID: "b1"}, nil
	}), decodeGet, encodeBook), &bookthrift.GetBookRequest{ID: "b1"})
	if err != nil || resp.GetID() != "b1" {
		t.Errorf("Serve = %v, %v", resp, err)
	}
}

// Over a real loopback server: a raw gRPC status from a handler keeps its
// meaning (NotFound maps to the declared NotFound, so the client sees 404),
// and a wrapped client error sends only its own client-safe text, never the
// chain around it, whether an encoder maps it to a declared exception or
// DefaultErrorEncoder sends a TApplicationException.
func TestErrorStatusAndClientText(t *testing.T) {
	const internal = "SELECT title FROM books WHERE id=7 on db-3.internal:5432 (password=hunter2)"
	sh := newShelf()
	sh.errs["raw"] = status.Error(codes.NotFound, "no book 7")
	sh.errs["wrapped"] = fmt.Errorf("%s: %w", internal, transport.NewError(http.StatusNotFound, "no book 7"))
	sh.errs["conflict"] = fmt.Errorf("%s: %w", internal, transport.NewError(http.StatusConflict, "book exists"))
	mapped := serve(t, newHandler(sh), "", kitthrift.SocketConfig{})
	plain := serve(t, newHandler(sh, kitthrift.ServerErrorEncoder(kitthrift.DefaultErrorEncoder)), "", kitthrift.SocketConfig{})
	getMapped, _ := clients(pool(t, mapped.addr, kitthrift.Binary))
	getPlain, _ := clients(pool(t, plain.addr, kitthrift.Binary))
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		get    endpoint.Endpoint
		id     string
		status int
		msg    string
	}{
		{"raw NotFound, declared", getMapped, "raw", http.StatusNotFound, "no book 7"},
		{"wrapped 404, declared", getMapped, "wrapped", http.StatusNotFound, "no book 7"},
		{"raw NotFound, default encoder", getPlain, "raw", http.StatusInternalServerError, "Internal error processing GetBook: no book 7"},
		{"wrapped 404, default encoder", getPlain, "wrapped", http.StatusInternalServerError, "Internal error processing GetBook: no book 7"},
		{"wrapped 409, default encoder", getPlain, "conflict", http.StatusInternalServerError, "Internal error processing GetBook: book exists"},
	} {
		_, err := tc.get(ctx, getRequest{ID: tc.id})
		if got := transport.StatusOf(err); got != tc.status || err.Error() != tc.msg {
			t.Errorf("%s: %d %q, want %d %q", tc.name, got, err, tc.status, tc.msg)
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "db-3") {
			t.Errorf("%s: internal text reached the client: %q", tc.name, err)
		}
	}
}
