package grpc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func TestServerHappyPath(t *testing.T) {
	testutil.NoLeaks(t)
	cli := bookpb.NewBookServiceClient(serveBooks(t, newShelf()))
	ctx := t.Context()

	var ids []string
	for _, title := range []string{"Dune", "Emma", "Ulysses"} {
		b, err := cli.CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: title, Author: "A", Year: 1965}})
		if err != nil {
			t.Fatalf("CreateBook: %v", err)
		}
		if b.GetId() == "" || b.GetTitle() != title || b.GetCreateTime().AsTime().Year() != 2024 {
			t.Fatalf("CreateBook returned %v", b)
		}
		ids = append(ids, b.GetId())
	}
	got, err := cli.GetBook(ctx, &bookpb.GetBookRequest{Id: ids[1]})
	if err != nil || got.GetTitle() != "Emma" || got.GetYear() != 1965 {
		t.Fatalf("GetBook = %v, %v", got, err)
	}

	var titles []string
	token := ""
	for page := 0; ; page++ {
		resp, err := cli.ListBooks(ctx, &bookpb.ListBooksRequest{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatalf("ListBooks: %v", err)
		}
		for _, b := range resp.GetBooks() {
			titles = append(titles, b.GetTitle())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
		if page > 3 {
			t.Fatal("paging does not end")
		}
	}
	if strings.Join(titles, ",") != "Dune,Emma,Ulysses" {
		t.Fatalf("listed %v", titles)
	}

	if _, err := cli.DeleteBook(ctx, &bookpb.DeleteBookRequest{Id: ids[0]}); err != nil {
		t.Fatalf("DeleteBook: %v", err)
	}
	if _, err := cli.GetBook(ctx, &bookpb.GetBookRequest{Id: ids[0]}); status.Code(err) != codes.NotFound {
		t.Fatalf("GetBook after delete: %v", err)
	}
}

// retryErr is a client error that asks the caller to wait.
type retryErr struct{}

func (retryErr) Error() string             { return "rate limit exceeded" }
func (retryErr) StatusCode() int           { return 429 }
func (retryErr) RetryAfter() time.Duration { return 2 * time.Second }

func TestServerErrorMapping(t *testing.T) {
	testutil.NoLeaks(t)
	const secret = "pq: password authentication failed for user admin at 10.0.0.7"
	sh := newShelf()
	for id, err := range map[string]error{
		"bad":        transport.NewError(400, "id must be numeric"),
		"unauth":     fmt.Errorf("check token: %w", transport.NewError(401, "token expired")),
		"limited":    retryErr{},
		"down":       &transport.Error{Status: 503, Msg: secret},
		"internal":   errors.New(secret),
		"timeout":    fmt.Errorf("calling shelf db: %w", context.DeadlineExceeded),
		"canceled":   context.Canceled,
		"status":     status.Error(codes.FailedPrecondition, "shelf is locked"),
		"wrapped":    fmt.Errorf("%s: %w", secret, status.Error(codes.AlreadyExists, "book exists")),
		"stInternal": status.Error(codes.Internal, secret),
	} {
		sh.errs[id] = err
	}
	cli := bookpb.NewBookServiceClient(serveBooks(t, sh))

	for _, tc := range []struct {
		id    string
		code  codes.Code
		msg   string
		retry time.Duration
	}{
		{"bad", codes.InvalidArgument, "id must be numeric", 0},
		{"missing", codes.NotFound, "no book missing", 0},
		{"unauth", codes.Unauthenticated, "token expired", 0}, // the wrapping text stays in the server

		{"limited", codes.ResourceExhausted, "rate limit exceeded", 2 * time.Second},
		{"down", codes.Unavailable, "service unavailable", 0},
		{"internal", codes.Internal, "internal error", 0},
		{"timeout", codes.DeadlineExceeded, "deadline exceeded", 0},
		{"canceled", codes.Canceled, "request canceled", 0},
		{"status", codes.FailedPrecondition, "shelf is locked", 0},
		{"wrapped", codes.AlreadyExists, "book exists", 0},
		{"stInternal", codes.Internal, "internal error", 0},
	} {
		_, err := cli.GetBook(t.Context(), &bookpb.GetBookRequest{Id: tc.id})
		st := status.Convert(err)
		if st.Code() != tc.code || st.Message() != tc.msg {
			t.Errorf("%s: got %v %q, want %v %q", tc.id, st.Code(), st.Message(), tc.code, tc.msg)
		}
		if strings.Contains(err.Error(), "password") {
			t.Errorf("%s: internal detail leaked: %v", tc.id, err)
		}
		var retry time.Duration
		for _, d := range st.Details() {
			if ri, ok := d.(*errdetails.RetryInfo); ok {
				retry = ri.GetRetryDelay().AsDuration()
			}
		}
		if retry != tc.retry {
			t.Errorf("%s: RetryInfo %v, want %v", tc.id, retry, tc.retry)
		}
	}
}

type ctxKey string

func TestServerHooks(t *testing.T) {
	testutil.NoLeaks(t)
	var (
		mu      sync.Mutex // the hooks run on the server's goroutines
		final   []string
		handled []error
	)
	cc := serveBooks(t, newShelf(),
		kitgrpc.ServerBefore(func(ctx context.Context, md metadata.MD) context.Context {
			if v := md.Get("x-user"); len(v) == 1 {
				return context.WithValue(ctx, ctxKey("user"), v[0])
			}
			return ctx
		}),
		kitgrpc.ServerAfter(func(ctx context.Context, header, trailer *metadata.MD) context.Context {
			user, _ := ctx.Value(ctxKey("user")).(string)
			header.Set("x-seen-user", user)
			trailer.Set("x-cost", "7")
			return ctx
		}),
		kitgrpc.ServerErrorHandler(func(_ context.Context, err error) {
			mu.Lock()
			defer mu.Unlock()
			handled = append(handled, err)
		}),
		kitgrpc.ServerFinalizer(func(ctx context.Context, err error) {
			user, _ := ctx.Value(ctxKey("user")).(string)
			mu.Lock()
			defer mu.Unlock()
			final = append(final, fmt.Sprintf("%s:%v", user, err))
		}),
	)
	cli := bookpb.NewBookServiceClient(cc)
	ctx := metadata.AppendToOutgoingContext(t.Context(), "x-user", "alice")
	var header, trailer metadata.MD
	if _, err := cli.CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "T", Author: "A"}},
		grpc.Header(&header), grpc.Trailer(&trailer)); err != nil {
		t.Fatal(err)
	}
	if got := header.Get("x-seen-user"); len(got) != 1 || got[0] != "alice" {
		t.Errorf("header x-seen-user = %v", got)
	}
	if got := trailer.Get("x-cost"); len(got) != 1 || got[0] != "7" {
		t.Errorf("trailer x-cost = %v", got)
	}
	header, trailer = nil, nil
	if _, err := cli.GetBook(ctx, &bookpb.GetBookRequest{Id: "nope"}, grpc.Header(&header), grpc.Trailer(&trailer)); status.Code(err) != codes.NotFound {
		t.Fatalf("GetBook: %v", err)
	}
	if len(header.Get("x-seen-user")) != 0 {
		t.Error("ServerAfter ran for a failed call")
	}
	// The handlers ran before the response was sent, so they are complete.
	mu.Lock()
	defer mu.Unlock()
	if len(handled) != 1 || transport.StatusOf(handled[0]) != 404 {
		t.Errorf("error handler saw %v", handled)
	}
	if want := "alice:<nil>|alice:no book nope"; strings.Join(final, "|") != want {
		t.Errorf("finalizers saw %q, want %q", strings.Join(final, "|"), want)
	}
}

func TestServerDeadlinePropagates(t *testing.T) {
	testutil.NoLeaks(t)
	sh := newShelf()
	seen := make(chan time.Time, 1)
	srv := kitgrpc.NewServer(func(ctx context.Context, _ any) (any, error) {
		dl, _ := ctx.Deadline()
		seen <- dl
		return &book{}, nil
	}, nil, encodeBook)
	svc := newBookService(sh)
	svc.get = srv
	cli := bookpb.NewBookServiceClient(serve(t, func(g *grpc.Server) { bookpb.RegisterBookServiceServer(g, svc) }))

	want := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(t.Context(), want)
	defer cancel()
	if _, err := cli.GetBook(ctx, &bookpb.GetBookRequest{}); err != nil {
		t.Fatal(err)
	}
	// gRPC sends the remaining time, so the server's deadline is the
	// client's, give or take the time in flight.
	if got := <-seen; got.IsZero() || got.After(want.Add(time.Second)) || got.Before(want.Add(-time.Minute)) {
		t.Fatalf("server deadline %v, client deadline %v", got, want)
	}
}

// blockingService returns a service whose GetBook blocks until its context
// ends and reports the context's error on the returned channel.
func blockingService(t *testing.T) (*grpc.ClientConn, <-chan struct{}, <-chan error) {
	started, ended := make(chan struct{}, 1), make(chan error, 1)
	svc := newBookService(newShelf())
	svc.get = kitgrpc.NewServer(func(ctx context.Context, _ any) (any, error) {
		started <- struct{}{}
		<-ctx.Done()
		ended <- ctx.Err()
		return nil, ctx.Err()
	}, nil, encodeBook)
	cc := serve(t, func(g *grpc.Server) { bookpb.RegisterBookServiceServer(g, svc) })
	return cc, started, ended
}

func TestServerDeadlineExceeded(t *testing.T) {
	testutil.NoLeaks(t)
	cc, _, ended := blockingService(t)
	cli := bookpb.NewBookServiceClient(cc)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := cli.GetBook(ctx, &bookpb.GetBookRequest{})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("client got %v", err)
	}
	// The server's own timer and the client's RST_STREAM race to end the
	// endpoint's context; either way it ends.
	if err := <-ended; !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		t.Fatalf("endpoint's context ended with %v", err)
	}
}

func TestServerCancelReachesEndpoint(t *testing.T) {
	testutil.NoLeaks(t)
	cc, started, ended := blockingService(t)
	cli := bookpb.NewBookServiceClient(cc)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-started; cancel() }()
	_, err := cli.GetBook(ctx, &bookpb.GetBookRequest{})
	if status.Code(err) != codes.Canceled {
		t.Fatalf("client got %v", err)
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("endpoint's context ended with %v", err)
	}
}

func TestServeWrongResponseType(t *testing.T) {
	var handled error
	s := kitgrpc.NewServer(func(context.Context, any) (any, error) { return "a string", nil }, nil, nil,
		kitgrpc.ServerErrorHandler(func(_ context.Context, err error) { handled = err }))
	_, err := kitgrpc.Serve[*bookpb.Book](t.Context(), s, &bookpb.GetBookRequest{})
	if status.Code(err) != codes.Internal || !errors.Is(handled, kitgrpc.ErrResponseType) {
		t.Fatalf("err %v, handled %v", err, handled)
	}
	if strings.Contains(err.Error(), "string") {
		t.Fatalf("type detail leaked: %v", err)
	}
}

func TestServerNilEndpoint(t *testing.T) {
	_, err := kitgrpc.NewServer(nil, nil, nil).ServeGRPC(t.Context(), &bookpb.GetBookRequest{})
	if status.Code(err) != codes.Internal {
		t.Fatalf("got %v", err)
	}
}

func TestServerDecodeAndEncodeErrors(t *testing.T) {
	fail := func(context.Context, any) (any, error) { return nil, transport.NewError(400, "bad title") }
	ok := func(_ context.Context, r any) (any, error) { return r, nil }
	for name, s := range map[string]*kitgrpc.Server{
		"decode": kitgrpc.NewServer(ok, fail, ok),
		"encode": kitgrpc.NewServer(ok, ok, fail),
	} {
		_, err := s.ServeGRPC(t.Context(), 1)
		if st := status.Convert(err); st.Code() != codes.InvalidArgument || st.Message() != "bad title" {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func TestServerErrorEncoder(t *testing.T) {
	s := kitgrpc.NewServer(func(context.Context, any) (any, error) { return nil, errors.New("x") }, nil, nil,
		kitgrpc.ServerErrorEncoder(func(context.Context, error) error { return status.Error(codes.Aborted, "custom") }))
	if _, err := s.ServeGRPC(t.Context(), nil); status.Code(err) != codes.Aborted {
		t.Fatalf("got %v", err)
	}
}

func TestServerBeforeWithoutIncomingMetadata(t *testing.T) {
	var got metadata.MD
	s := kitgrpc.NewServer(endpoint.Nop, nil, nil, kitgrpc.ServerBefore(func(ctx context.Context, md metadata.MD) context.Context {
		got = md
		return ctx
	}))
	if _, err := s.ServeGRPC(t.Context(), nil); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("err %v, hook saw %#v; want an empty, non-nil MD", err, got)
	}
}
