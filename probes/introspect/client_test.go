package introspect_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/introspect"
)

// admin serves reg's protocol handler on a loopback admin listener.
func admin(t *testing.T, reg *wire.Registry, opts ...wire.HandlerOption) (addr string, stop func()) {
	t.Helper()
	h := wire.NewHandler(reg, opts...)
	srv, err := wire.ListenAdmin("127.0.0.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
	var stopped bool
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		h.Close()
		srv.Close()
	}
	t.Cleanup(stop)
	return srv.Addr(), stop
}

type fixedBreaker wire.Breaker

func (b fixedBreaker) BreakerInfo() wire.Breaker { return wire.Breaker(b) }

type fixedSpans []wire.Span

func (s fixedSpans) Spans(after uint64, limit int) ([]wire.Span, uint64, uint64) {
	var out []wire.Span
	for _, sp := range s {
		if sp.Cursor > after && len(out) < limit {
			out = append(out, sp)
		}
	}
	next := after
	if len(out) > 0 {
		next = out[len(out)-1].Cursor
	}
	return out, next, 0
}

func newRegistry() *wire.Registry {
	reg := wire.NewRegistry(wire.Info{Service: "books", InstanceID: "books-1", StartTime: time.Unix(1, 0)})
	reg.AddBreaker(fixedBreaker{Name: "GetBook", State: wire.StateClosed})
	reg.SetSpans(fixedSpans{{Cursor: 1, TraceID: "t1", SpanID: "s1", Name: "GetBook"}, {Cursor: 2, TraceID: "t1", SpanID: "s2", ParentSpanID: "s1"}})
	return reg
}

func TestClientReadsResources(t *testing.T) {
	addr, _ := admin(t, newRegistry(), wire.WithBearerToken("s3cret"))
	ctx := t.Context()

	anon, err := introspect.New(addr, introspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anon.Info(ctx); !errors.Is(err, introspect.ErrUnauthorized) {
		t.Fatalf("without token: %v, want ErrUnauthorized", err)
	}

	c, err := introspect.New("http://"+addr+"/", introspect.Options{Token: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil || info.Service != "books" || info.InstanceID != "books-1" {
		t.Fatalf("Info: %+v, %v", info, err)
	}
	bs, err := c.Breakers(ctx)
	if err != nil || len(bs) != 1 || bs[0].Name != "GetBook" {
		t.Fatalf("Breakers: %+v, %v", bs, err)
	}
	ls, err := c.Limiters(ctx)
	if err != nil || len(ls) != 0 {
		t.Fatalf("Limiters: %+v, %v", ls, err)
	}
	page, err := c.Spans(ctx, 1, 10)
	if err != nil || len(page.Spans) != 1 || page.Spans[0].SpanID != "s2" || page.Next != 2 {
		t.Fatalf("Spans: %+v, %v", page, err)
	}
}

func TestAdminURL(t *testing.T) {
	if _, err := introspect.AdminURL(sd.Instance{ID: "x"}); !errors.Is(err, introspect.ErrNoAdmin) {
		t.Fatalf("no meta: %v", err)
	}
	u, err := introspect.AdminURL(sd.Instance{Meta: map[string]string{sd.MetaAdmin: "http://127.0.0.1:1"}})
	if err != nil || u != "http://127.0.0.1:1" {
		t.Fatalf("%q %v", u, err)
	}
	for _, bad := range []string{"", "ftp://x", "http://", "::"} {
		if _, err := introspect.New(bad, introspect.Options{}); !errors.Is(err, introspect.ErrBadURL) {
			t.Errorf("New(%q): %v, want ErrBadURL", bad, err)
		}
	}
}

func TestUnknownProtocolVersion(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"info says v2", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"protocol":2,"service":"x"}`)
		}, "speaks protocol v2; this kitbench speaks v1"},
		{"only v3 path", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/debug/kit/v3/info" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprint(w, `{}`)
		}, "speaks protocol v3"},
		{"not kit at all", http.NotFound, "not a kit admin listener, or an unknown protocol version"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c, _ := introspect.New(srv.URL, introspect.Options{})
			_, err := c.Info(t.Context())
			if !errors.Is(err, introspect.ErrProtocol) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want ErrProtocol mentioning %q", err, tc.want)
			}
		})
	}
}

func TestGarbageAnswers(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    error
	}{
		{"not JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, "\x1b[31m<html>garbage")
		}, introspect.ErrBadResponse},
		{"wrong content type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `[]`)
		}, introspect.ErrBadResponse},
		{"server error", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", 500)
		}, introspect.ErrBadResponse},
		{"endless body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			chunk := []byte("[" + strings.Repeat(" ", 64<<10))
			for range 200 { // 12.8 MB, well over the 1 MB cap below
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, introspect.ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c, _ := introspect.New(srv.URL, introspect.Options{MaxBody: 1 << 20})
			_, err := c.Breakers(t.Context())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := introspect.New(srv.URL, introspect.Options{Timeout: 50 * time.Millisecond})
	if _, err := c.Limiters(t.Context()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want a deadline error", err)
	}
}
