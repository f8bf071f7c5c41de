package thrift_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/transport"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

func TestHappyPath(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.String(), func(t *testing.T) {
			testutil.NoLeaks(t)
			s := serve(t, newHandler(newShelf()), "", kitthrift.SocketConfig{})
			get, create := clients(pool(t, s.addr, p))
			ctx := context.Background()
			made, err := create(ctx, book{Title: "Dune", Year: 1965})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if want := (book{ID: "b1", Title: "Dune", Year: 1965}); made != want {
				t.Fatalf("create = %+v, want %+v", made, want)
			}
			for range 3 {
				got, err := get(ctx, getRequest{ID: "b1"})
				if err != nil || got != made {
					t.Fatalf("get = %+v, %v; want %+v", got, err, made)
				}
			}
			if n := s.ln.accepted(); n != 1 {
				t.Errorf("%d connections for sequential calls, want 1 (reused)", n)
			}
		})
	}
}

func TestDeclaredExceptions(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.String(), func(t *testing.T) {
			sh := newShelf()
			sh.errs["busy"] = &transport.Error{Status: http.StatusServiceUnavailable, Msg: "queue of db-7 full"}
			s := serve(t, newHandler(sh), "", kitthrift.SocketConfig{})
			pl := pool(t, s.addr, p)
			get, create := clients(pl)
			ctx := context.Background()

			_, err := get(ctx, getRequest{ID: "nope"})
			var nf *bookthrift.NotFound
			if transport.StatusOf(err) != http.StatusNotFound || !errors.As(err, &nf) || err.Error() != "book not found" {
				t.Errorf("get unknown: %v (status %d, %T); want 404 *NotFound %q", err, transport.StatusOf(err), err, "book not found")
			}
			_, err = create(ctx, book{})
			var inv *bookthrift.InvalidArgument
			if transport.StatusOf(err) != http.StatusBadRequest || !errors.As(err, &inv) || err.Error() != "title: must not be empty" {
				t.Errorf("create untitled: %v (status %d); want 400 *InvalidArgument", err, transport.StatusOf(err))
			}
			_, err = get(ctx, getRequest{ID: "busy"})
			var se *bookthrift.ServiceError
			if transport.StatusOf(err) != http.StatusServiceUnavailable || !errors.As(err, &se) {
				t.Errorf("get busy: %v (status %d); want 503 *ServiceError", err, transport.StatusOf(err))
			}
			if contains(err, "db-7") {
				t.Errorf("a 503 carried the server's internal message: %q", err)
			}
			if n := s.ln.accepted(); n != 1 {
				t.Errorf("%d connections, want 1: declared exceptions keep the connection", n)
			}
		})
	}
}

func TestUnexpectedErrorIsGenericApplicationException(t *testing.T) {
	sh := newShelf()
	sh.errs["boom"] = errors.New("pq: password authentication failed for user admin")
	s := serve(t, newHandler(sh), "", kitthrift.SocketConfig{})
	get, _ := clients(pool(t, s.addr, kitthrift.Binary))
	_, err := get(context.Background(), getRequest{ID: "boom"})
	var app thrift.TApplicationException
	if !errors.As(err, &app) || app.TypeId() != thrift.INTERNAL_ERROR {
		t.Fatalf("err = %v (%T), want a TApplicationException INTERNAL_ERROR", err, err)
	}
	if transport.StatusOf(err) != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", transport.StatusOf(err))
	}
	if contains(err, "password") || contains(err, "pq:") {
		t.Errorf("internal detail reached the client: %q", err)
	}
	if !contains(err, "internal error") {
		t.Errorf("message %q does not say internal error", err)
	}
}

func TestUnknownMethod(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.String(), func(t *testing.T) {
			s := serve(t, newHandler(newShelf()), "", kitthrift.SocketConfig{})
			pl := pool(t, s.addr, p)
			unknown := kitthrift.NewClient(pl, func(ctx context.Context, c thrift.TClient, req any) (any, error) {
				var result bookthrift.BookServiceGetBookResult
				_, err := c.Call(ctx, "SellBook", &bookthrift.BookServiceGetBookArgs{Req: req.(*bookthrift.GetBookRequest)}, &result)
				return result.GetSuccess(), err
			}, encodeGetRequest, nil).Endpoint()
			_, err := unknown(context.Background(), getRequest{ID: "b1"})
			var app thrift.TApplicationException
			if !errors.As(err, &app) || app.TypeId() != thrift.UNKNOWN_METHOD {
				t.Fatalf("err = %v, want UNKNOWN_METHOD", err)
			}
			if transport.StatusOf(err) != http.StatusNotImplemented || !strings.Contains(err.Error(), "SellBook") {
				t.Errorf("err = %q (status %d), want 501 naming SellBook", err, transport.StatusOf(err))
			}
			get, create := clients(pl)
			if _, err := create(context.Background(), book{Title: "Dune"}); err != nil {
				t.Fatal(err)
			}
			if _, err := get(context.Background(), getRequest{ID: "b1"}); err != nil {
				t.Fatalf("get after an unknown method: %v", err)
			}
			if n := s.ln.accepted(); n != 1 {
				t.Errorf("%d connections, want 1: the server keeps the connection after UNKNOWN_METHOD", n)
			}
		})
	}
}

func TestHooksAndFinalizer(t *testing.T) {
	type key struct{}
	var (
		mu       sync.Mutex // the server's hooks run on its goroutines
		seen     []string
		finalErr []error
	)
	sh := newShelf()
	h := newHandler(sh,
		kitthrift.ServerBefore(func(ctx context.Context, req any) context.Context {
			if r, ok := req.(*bookthrift.GetBookRequest); ok {
				mu.Lock()
				seen = append(seen, "before:"+r.GetID())
				mu.Unlock()
			}
			return context.WithValue(ctx, key{}, "from-before")
		}),
		kitthrift.ServerAfter(func(ctx context.Context, resp any) context.Context {
			mu.Lock()
			seen = append(seen, "after:"+resp.(book).Title+":"+ctx.Value(key{}).(string))
			mu.Unlock()
			return ctx
		}),
		kitthrift.ServerFinalizer(func(ctx context.Context, err error) {
			mu.Lock()
			finalErr = append(finalErr, err)
			mu.Unlock()
		}),
	)
	s := serve(t, h, "", kitthrift.SocketConfig{})
	var clientSeen []string
	get, create := clients(pool(t, s.addr, kitthrift.Compact),
		kitthrift.ClientBefore(func(ctx context.Context, req any) context.Context {
			if r, ok := req.(*bookthrift.GetBookRequest); ok {
				clientSeen = append(clientSeen, "before:"+r.GetID())
			}
			return ctx
		}),
		kitthrift.ClientAfter(func(ctx context.Context, resp any) context.Context {
			clientSeen = append(clientSeen, "after:"+resp.(*bookthrift.Book).GetTitle())
			return ctx
		}))
	ctx := context.Background()
	if _, err := create(ctx, book{Title: "Dune"}); err != nil {
		t.Fatal(err)
	}
	if _, err := get(ctx, getRequest{ID: "b1"}); err != nil {
		t.Fatal(err)
	}
	_, _ = get(ctx, getRequest{ID: "zz"})
	mu.Lock()
	defer mu.Unlock()
	want := "after:Dune:from-before before:b1 after:Dune:from-before before:zz"
	if got := strings.Join(seen, " "); got != want {
		t.Errorf("server hooks saw %q, want %q", got, want)
	}
	if len(finalErr) != 3 || finalErr[0] != nil || finalErr[1] != nil || transport.StatusOf(finalErr[2]) != 404 {
		t.Errorf("finalizer errors %v, want nil, nil, a 404", finalErr)
	}
	wantClient := "after:Dune before:b1 after:Dune before:zz"
	if got := strings.Join(clientSeen, " "); got != wantClient {
		t.Errorf("client hooks saw %q, want %q", got, wantClient)
	}
}
