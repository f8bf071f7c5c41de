package grpc_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const bookService = "bookstore.v1.BookService"

func encodeGet(_ context.Context, r any) (any, error) {
	return &bookpb.GetBookRequest{Id: r.(getRequest).ID}, nil
}

func decodeBook(_ context.Context, r any) (any, error) {
	b := r.(*bookpb.Book)
	return &book{ID: b.GetId(), Title: b.GetTitle(), Author: b.GetAuthor(), Year: b.GetYear(), Created: b.GetCreateTime().AsTime()}, nil
}

func getClient(cc grpc.ClientConnInterface, opts ...kitgrpc.ClientOption) endpoint.Endpoint {
	return kitgrpc.NewClient(cc, bookService, "GetBook", encodeGet, decodeBook, (*bookpb.Book)(nil), opts...).Endpoint()
}

func TestClientHappyPath(t *testing.T) {
	testutil.NoLeaks(t)
	cc := serveBooks(t, newShelf())
	create := kitgrpc.NewClient(cc, bookService, "CreateBook",
		func(_ context.Context, r any) (any, error) {
			b := r.(book)
			return &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: b.Title, Author: b.Author, Year: b.Year}}, nil
		}, decodeBook, &bookpb.Book{}).Endpoint()
	list := kitgrpc.NewClient(cc, bookService, "ListBooks", nil, nil, (*bookpb.ListBooksResponse)(nil))
	del := kitgrpc.NewClient(cc, bookService, "DeleteBook", nil, nil, (*bookpb.DeleteBookResponse)(nil)).Endpoint()
	if list.Method() != "/bookstore.v1.BookService/ListBooks" {
		t.Errorf("Method() = %q", list.Method())
	}

	resp, err := create(t.Context(), book{Title: "Dune", Author: "Herbert", Year: 1965})
	if err != nil {
		t.Fatal(err)
	}
	created := resp.(*book)
	resp, err = getClient(cc)(t.Context(), getRequest{ID: created.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.(*book); *got != *created || got.Author != "Herbert" {
		t.Fatalf("got %+v, created %+v", got, created)
	}
	resp, err = list.Endpoint()(t.Context(), &bookpb.ListBooksRequest{PageSize: 10})
	if err != nil || len(resp.(*bookpb.ListBooksResponse).GetBooks()) != 1 {
		t.Fatalf("ListBooks = %v, %v", resp, err)
	}
	if _, err := del(t.Context(), &bookpb.DeleteBookRequest{Id: created.ID}); err != nil {
		t.Fatal(err)
	}
}

func TestClientErrorMapping(t *testing.T) {
	testutil.NoLeaks(t)
	sh := newShelf()
	sh.errs["bad"] = transport.NewError(400, "id must be numeric")
	sh.errs["unauth"] = transport.NewError(401, "token expired")
	sh.errs["limited"] = retryErr{}
	sh.errs["down"] = transport.NewError(503, "replica lag")
	sh.errs["internal"] = errors.New("secret")
	sh.errs["timeout"] = context.DeadlineExceeded
	get := getClient(serveBooks(t, sh))

	for _, tc := range []struct {
		id     string
		status int
		msg    string
	}{
		{"bad", 400, "id must be numeric"},
		{"missing", 404, "no book missing"},
		{"unauth", 401, "token expired"},
		{"limited", 429, "rate limit exceeded"},
		{"down", 503, "service unavailable"},
		{"internal", 500, "internal error"},
		{"timeout", 504, "deadline exceeded"},
	} {
		_, err := get(t.Context(), getRequest{ID: tc.id})
		var ke *kitgrpc.Error
		if !errors.As(err, &ke) {
			t.Fatalf("%s: %T %v is not a *kitgrpc.Error", tc.id, err, err)
		}
		if got := transport.StatusOf(err); got != tc.status || ke.Status.Message() != tc.msg {
			t.Errorf("%s: StatusOf = %d, message %q; want %d %q", tc.id, got, ke.Status.Message(), tc.status, tc.msg)
		}
		if ke.Method != "/bookstore.v1.BookService/GetBook" || err.Error() != tc.msg {
			t.Errorf("%s: error text %q, want only the server's message", tc.id, err)
		}
		if lv := ke.LogValue().String(); !strings.Contains(lv, ke.Method) || !strings.Contains(lv, ke.Status.Code().String()) {
			t.Errorf("%s: LogValue %q lacks the method or code", tc.id, lv)
		}
		if d, _ := transport.RetryAfterOf(err); (tc.id == "limited") != (d == 2*time.Second) {
			t.Errorf("%s: RetryAfterOf = %v", tc.id, d)
		}
		if errors.Is(err, context.DeadlineExceeded) != (tc.id == "timeout") {
			t.Errorf("%s: errors.Is(err, DeadlineExceeded) wrong", tc.id)
		}
	}
}

func TestClientDeadlineExceeded(t *testing.T) {
	testutil.NoLeaks(t)
	cc, _, ended := blockingService(t)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := getClient(cc)(ctx, getRequest{ID: "x"})
	if !errors.Is(err, context.DeadlineExceeded) || transport.StatusOf(err) != 504 {
		t.Fatalf("got %v (status %d)", err, transport.StatusOf(err))
	}
	// The server's own timer and the client's RST_STREAM race to end the
	// endpoint's context; either way it ends.
	if err := <-ended; !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		t.Fatalf("endpoint's context ended with %v", err)
	}
}

func TestClientCanceled(t *testing.T) {
	testutil.NoLeaks(t)
	cc, started, ended := blockingService(t)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-started; cancel() }()
	_, err := getClient(cc)(ctx, getRequest{ID: "x"})
	if !errors.Is(err, context.Canceled) || transport.StatusOf(err) != transport.StatusClientClosedRequest {
		t.Fatalf("got %v", err)
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("endpoint's context ended with %v", err)
	}
}

func TestClientUnavailable(t *testing.T) {
	testutil.NoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	_, err = getClient(cc)(t.Context(), getRequest{ID: "x"})
	if status.Code(err) != codes.Unavailable || transport.StatusOf(err) != 503 {
		t.Fatalf("got %v (status %d)", err, transport.StatusOf(err))
	}
}

func TestClientHooks(t *testing.T) {
	testutil.NoLeaks(t)
	cc := serveBooks(t, newShelf(),
		kitgrpc.ServerAfter(func(ctx context.Context, header, trailer *metadata.MD) context.Context {
			header.Set("x-seen-user", metadata.ValueFromIncomingContext(ctx, "x-user")...)
			trailer.Set("x-trace", metadata.ValueFromIncomingContext(ctx, "x-trace")...)
			return ctx
		}))
	var header, trailer metadata.MD
	create := kitgrpc.NewClient(cc, bookService, "CreateBook", nil, nil, (*bookpb.Book)(nil),
		kitgrpc.ClientBefore(func(ctx context.Context, md *metadata.MD) context.Context {
			md.Set("x-user", "bob")
			return ctx
		}),
		kitgrpc.ClientAfter(func(ctx context.Context, h, tr metadata.MD) context.Context {
			header, trailer = h, tr
			return ctx
		}),
		kitgrpc.ClientCallOptions(grpc.WaitForReady(true)),
	).Endpoint()
	// Metadata already in the context is kept.
	ctx := metadata.AppendToOutgoingContext(t.Context(), "x-trace", "t1")
	if _, err := create(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "T", Author: "A"}}); err != nil {
		t.Fatal(err)
	}
	if got := header.Get("x-seen-user"); len(got) != 1 || got[0] != "bob" {
		t.Errorf("header = %v", header)
	}
	if got := trailer.Get("x-trace"); len(got) != 1 || got[0] != "t1" {
		t.Errorf("trailer = %v", trailer)
	}
}

func TestClientBadConfig(t *testing.T) {
	var nilConn *grpc.ClientConn
	for name, c := range map[string]*kitgrpc.Client{
		"nil conn":    kitgrpc.NewClient(nilConn, bookService, "GetBook", nil, nil, (*bookpb.Book)(nil)),
		"nil iface":   kitgrpc.NewClient(nil, bookService, "GetBook", nil, nil, (*bookpb.Book)(nil)),
		"no method":   kitgrpc.NewClient(fakeConn{}, bookService, "", nil, nil, (*bookpb.Book)(nil)),
		"value reply": kitgrpc.NewClient(fakeConn{}, bookService, "GetBook", nil, nil, bookpb.Book{}),
		"nil reply":   kitgrpc.NewClient(fakeConn{}, bookService, "GetBook", nil, nil, nil),
	} {
		if _, err := c.Endpoint()(t.Context(), &bookpb.GetBookRequest{}); !errors.Is(err, kitgrpc.ErrClientConfig) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

// fakeConn answers every call with OK and leaves the reply empty.
type fakeConn struct{ err error }

func (f fakeConn) Invoke(context.Context, string, any, any, ...grpc.CallOption) error { return f.err }

func (fakeConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, errors.New("not supported")
}

var errCodec = errors.New("codec failed")

func TestClientCodecErrors(t *testing.T) {
	fail := func(context.Context, any) (any, error) { return nil, errCodec }
	for name, c := range map[string]*kitgrpc.Client{
		"encode": kitgrpc.NewClient(fakeConn{}, bookService, "GetBook", fail, nil, (*bookpb.Book)(nil)),
		"decode": kitgrpc.NewClient(fakeConn{}, bookService, "GetBook", nil, fail, (*bookpb.Book)(nil)),
	} {
		_, err := c.Endpoint()(t.Context(), &bookpb.GetBookRequest{})
		if !errors.Is(err, errCodec) || !strings.Contains(err.Error(), name) || transport.StatusOf(err) != 500 {
			t.Errorf("%s: got %v", name, err)
		}
	}
	// An error without a status (from an interceptor, say) stays a 500.
	_, err := kitgrpc.NewClient(fakeConn{err: errCodec}, bookService, "GetBook", nil, nil, (*bookpb.Book)(nil)).Endpoint()(t.Context(), 1)
	var ke *kitgrpc.Error
	if !errors.Is(err, errCodec) || errors.As(err, &ke) || transport.StatusOf(err) != 500 {
		t.Errorf("plain invoke error: %v", err)
	}
}

// TestGatewayPropagatesMeaning puts a kit gRPC server in front of a kit
// client: the backend's client errors pass through with their message, its
// server errors stay generic.
func TestGatewayPropagatesMeaning(t *testing.T) {
	testutil.NoLeaks(t)
	sh := newShelf()
	sh.errs["internal"] = errors.New("secret")
	sh.errs["limited"] = retryErr{}
	backend := serveBooks(t, sh)
	svc := newBookService(newShelf())
	svc.get = kitgrpc.NewServer(getClient(backend), decodeGet, encodeBook)
	cli := bookpb.NewBookServiceClient(serve(t, func(g *grpc.Server) { bookpb.RegisterBookServiceServer(g, svc) }))
	for id, want := range map[string]string{
		"missing":  "NotFound no book missing",
		"internal": "Internal internal error",
		"limited":  "ResourceExhausted rate limit exceeded",
	} {
		_, err := cli.GetBook(t.Context(), &bookpb.GetBookRequest{Id: id})
		st := status.Convert(err)
		if got := st.Code().String() + " " + st.Message(); got != want {
			t.Errorf("%s: got %q, want %q", id, got, want)
		}
		if id == "limited" && !hasRetryInfo(st) {
			t.Errorf("RetryInfo lost at the gateway: %v", st.Details())
		}
	}
}
