package http_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// A before-hook's context governs the request: an httptrace.ClientTrace it
// adds sees the connection, and a deadline it sets ends the call.
func TestClientBeforeContextReachesRequest(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, bookServer())
	var gotConn, wroteRequest atomic.Bool
	trace := func(ctx context.Context, _ *http.Request) context.Context {
		return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			GotConn:      func(httptrace.GotConnInfo) { gotConn.Store(true) },
			WroteRequest: func(httptrace.WroteRequestInfo) { wroteRequest.Store(true) },
		})
	}
	call := bookClient(t, base, kithttp.ClientBefore(trace))
	if _, err := call(context.Background(), createBook{Title: "Dune", Year: 1965}); err != nil {
		t.Fatal(err)
	}
	if !gotConn.Load() || !wroteRequest.Load() {
		t.Errorf("trace added by a before-hook did not fire: GotConn %v, WroteRequest %v", gotConn.Load(), wroteRequest.Load())
	}

	// A hook that shortens the deadline: the server never answers, so only
	// the hook's deadline can end the call.
	block := make(chan struct{})
	defer close(block)
	slow := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	var cancel context.CancelFunc
	defer func() {
		if cancel != nil {
			cancel()
		}
	}()
	deadline := func(ctx context.Context, _ *http.Request) context.Context {
		ctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
		return ctx
	}
	call = bookClient(t, slow, kithttp.ClientBefore(deadline))
	// The outer context bounds the test if the hook's deadline were lost.
	outer, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	_, err := call(outer, createBook{Title: "Dune"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the hook's deadline (context.DeadlineExceeded)", err)
	}
	if outer.Err() != nil {
		t.Fatal("the call ended by the test's own bound, not by the hook's deadline")
	}
}

// ServerErrorHandler sees every error the Server answers with, with the
// request id the client was sent.
func TestServerErrorHandlerSeesDecodeFailureWithRequestID(t *testing.T) {
	testutil.NoLeaks(t)
	type seen struct {
		err error
		id  string
	}
	var (
		mu  sync.Mutex
		got []seen
	)
	handler := func(ctx context.Context, err error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, seen{err, kithttp.RequestIDFromContext(ctx)})
	}
	base := serve(t, bookServer(kithttp.ServerErrorHandler(handler)))
	c := newClient(t)

	resp, body := do(t, c, "POST", base+"/books", `{"title":`)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400; body %s", resp.StatusCode, body)
	}
	resp2, _ := do(t, c, "POST", base+"/books", `{"title":"secret"}`)

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("error handler saw %d errors, want 2 (the decode failure and the endpoint's): %v", len(got), got)
	}
	if !errors.Is(got[0].err, kithttp.ErrBadRequest) {
		t.Errorf("first error %v, want the decoder's (ErrBadRequest)", got[0].err)
	}
	if want := resp.Header.Get(kithttp.RequestIDHeader); want == "" || got[0].id != want {
		t.Errorf("handler saw request id %q, the client was sent %q", got[0].id, want)
	}
	if !errors.Is(got[1].err, errSecret) {
		t.Errorf("second error %v, want the endpoint's own (errSecret, whose text the client never sees)", got[1].err)
	}
	if want := resp2.Header.Get(kithttp.RequestIDHeader); got[1].id != want {
		t.Errorf("handler saw request id %q for the endpoint failure, the client was sent %q", got[1].id, want)
	}
}

// A recovered panic reaches the error handler too, as ErrPanic.
func TestServerErrorHandlerSeesPanic(t *testing.T) {
	testutil.NoLeaks(t)
	var got atomic.Value
	e := func(context.Context, any) (any, error) { panic("boom") }
	srv := kithttp.NewServer(e, kithttp.DecodeJSONRequest[createBook], kithttp.EncodeJSONResponse,
		kithttp.ServerPanicPolicy(&transport.PanicPolicy{Logger: slog.New(slog.DiscardHandler)}),
		kithttp.ServerErrorHandler(func(_ context.Context, err error) { got.Store(err) }))
	base := serve(t, srv)
	resp, _ := do(t, newClient(t), "POST", base+"/books", `{"title":"Dune"}`)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if err, _ := got.Load().(error); !errors.Is(err, transport.ErrPanic) {
		t.Errorf("error handler saw %v, want an error wrapping transport.ErrPanic", err)
	}
}
