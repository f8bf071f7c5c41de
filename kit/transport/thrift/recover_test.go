package thrift_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	"github.com/kitbench/kitbench/kit/transport/internal/panictest"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

// panicEndpoint panics with the secret.
func panicEndpoint(context.Context, any) (any, error) { panic(panictest.Secret) }

// panicky serves GetBook with a kit Server around panicEndpoint,
// CreateBook normally, and ListBooks with a handler that panics with no
// kit Server around it.
type panicky struct{ *handler }

func newPanicky(opts ...kitthrift.ServerOption) panicky {
	h := newHandler(newShelf(), opts...)
	h.get = kitthrift.NewServer(panicEndpoint, decodeGet, encodeBook, opts...)
	return panicky{h}
}

func (panicky) ListBooks(context.Context, *bookthrift.ListBooksRequest) (*bookthrift.ListBooksResponse, error) {
	panic(panictest.Secret)
}

var callList = kitthrift.Method(bookthrift.NewBookServiceClient, (*bookthrift.BookServiceClient).ListBooks)

// checkPanicStatus fails the test unless err is a client error with
// status want and no text of the panic's.
func checkPanicStatus(t *testing.T, err error, want int) {
	t.Helper()
	var ke *kitthrift.Error
	if !errors.As(err, &ke) || ke.Status != want {
		t.Fatalf("panicking call returned %v, want a *kitthrift.Error with status %d", err, want)
	}
	if strings.Contains(err.Error(), panictest.Secret) {
		t.Errorf("the caller was told %q", err)
	}
}

func TestServerRecoversPanic(t *testing.T) {
	for _, logValues := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "values logged"}[logValues], func(t *testing.T) {
			testutil.NoLeaks(t)
			rec, err := panictest.New(logValues)
			if err != nil {
				t.Fatal(err)
			}
			errs := newErrorLog()
			s := serve(t, newPanicky(kitthrift.ServerPanicPolicy(rec.Policy)), "",
				kitthrift.SocketConfig{Panics: rec.Policy, ErrorHandler: errs.handle})
			get, create := clients(pool(t, s.addr, kitthrift.Binary))
			list := kitthrift.NewClient(pool(t, s.addr, kitthrift.Compact), callList,
				func(context.Context, any) (any, error) { return &bookthrift.ListBooksRequest{}, nil }, nil).Endpoint()

			// A kit Server answers INTERNAL_ERROR, and the connection
			// stays in step: the next call uses it.
			_, err = get(t.Context(), getRequest{ID: "b1"})
			checkPanicStatus(t, err, http.StatusInternalServerError)
			if _, err := create(t.Context(), book{Title: "after"}); err != nil {
				t.Fatalf("the call after the panic failed: %v", err)
			}
			if err := rec.Check(1, "thrift_test.panicEndpoint", "GetBook", "thrift"); err != nil {
				t.Error(err)
			}

			// A handler with no kit Server: the SocketServer closes the
			// connection, which the client reports as unavailable.
			_, err = list(t.Context(), nil)
			checkPanicStatus(t, err, http.StatusServiceUnavailable)
			if _, err := create(t.Context(), book{Title: "after"}); err != nil {
				t.Fatalf("the call after the panic failed: %v", err)
			}
			if n, err := rec.Count("ListBooks", "thrift"); err != nil || n != 1 {
				t.Errorf("ListBooks panics counted: %v (%v), want 1", n, err)
			}
			if !strings.Contains(rec.Log(), "thrift_test.panicky.ListBooks") {
				t.Errorf("the stack of the ListBooks panic is not logged:\n%s", rec.Log())
			}
			s.stop() // the connections' errors are all reported
			errs.mu.Lock()
			defer errs.mu.Unlock()
			if len(errs.errs) > 0 {
				t.Errorf("the ErrorHandler saw %v; a panic is not a connection error", errs.errs)
			}
		})
	}
}

// TestServerRecoversByDefault needs no option.
func TestServerRecoversByDefault(t *testing.T) {
	testutil.NoLeaks(t)
	s := serve(t, newPanicky(), "", kitthrift.SocketConfig{})
	get, create := clients(pool(t, s.addr, kitthrift.Binary))
	for range 2 {
		_, err := get(t.Context(), getRequest{ID: "b1"})
		checkPanicStatus(t, err, http.StatusInternalServerError)
		if _, err := create(t.Context(), book{Title: "after"}); err != nil {
			t.Fatalf("the call after the panic failed: %v", err)
		}
	}
}

// TestServerPanicOutsideSocketServer: a Server called by another server
// still recovers, with the method unknown.
func TestServerPanicOutsideSocketServer(t *testing.T) {
	rec, err := panictest.New(false)
	if err != nil {
		t.Fatal(err)
	}
	var final error
	s := kitthrift.NewServer(endpoint.Nop, func(context.Context, any) (any, error) { panic(panictest.Secret) }, nil,
		kitthrift.ServerPanicPolicy(rec.Policy), kitthrift.ServerFinalizer(func(_ context.Context, err error) { final = err }))
	if _, err := s.ServeThrift(context.Background(), nil); err == nil || strings.Contains(err.Error(), panictest.Secret) {
		t.Errorf("ServeThrift returned %v, want a generic error", err)
	}
	if !errors.Is(final, transport.ErrPanic) {
		t.Errorf("the finalizer saw %v, want ErrPanic", final)
	}
	if err := rec.Check(1, "thrift_test.TestServerPanicOutsideSocketServer", "unknown", "thrift"); err != nil {
		t.Error(err)
	}
}
