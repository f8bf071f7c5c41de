// Command stringsvc1 is go-kit's first tutorial service ported to kit:
// Uppercase and Count over HTTP/JSON, and nothing else. It imports only
// kit/endpoint, kit/transport and kit/transport/http, so it links no gRPC,
// protobuf, Prometheus or OpenTelemetry package: a test lists what it
// links against an allow-list. examples/stringsvc3 is the same service
// made observable and registered with kit/instance.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// StringService provides operations on strings.
type StringService interface {
	Uppercase(context.Context, string) (string, error)
	Count(context.Context, string) int
}

type stringService struct{}

func (stringService) Uppercase(_ context.Context, s string) (string, error) {
	if s == "" {
		return "", ErrEmpty
	}
	return strings.ToUpper(s), nil
}

func (stringService) Count(_ context.Context, s string) int { return len(s) }

// ErrEmpty is returned when an input string is empty: a 400 on the wire.
var ErrEmpty = transport.NewError(http.StatusBadRequest, "empty string")

type uppercaseRequest struct {
	S string `json:"s"`
}

type uppercaseResponse struct {
	V string `json:"v"`
}

type countRequest struct {
	S string `json:"s"`
}

type countResponse struct {
	V int `json:"v"`
}

// newRouter serves svc's two methods as go-kit's stringsvc1 did.
func newRouter(svc StringService) (*kithttp.Router, error) {
	uppercase := endpoint.Typed(func(ctx context.Context, req uppercaseRequest) (uppercaseResponse, error) {
		v, err := svc.Uppercase(ctx, req.S)
		return uppercaseResponse{V: v}, err
	})
	count := endpoint.Typed(func(ctx context.Context, req countRequest) (countResponse, error) {
		return countResponse{V: svc.Count(ctx, req.S)}, nil
	})
	rt := kithttp.NewRouter()
	if err := rt.Handle("Uppercase", "POST", "/uppercase",
		kithttp.NewServer(uppercase, kithttp.DecodeJSONRequest[uppercaseRequest], kithttp.EncodeJSONResponse)); err != nil {
		return nil, err
	}
	return rt, rt.Handle("Count", "POST", "/count",
		kithttp.NewServer(count, kithttp.DecodeJSONRequest[countRequest], kithttp.EncodeJSONResponse))
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "HTTP listen address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *listen, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "stringsvc1:", err)
		os.Exit(1)
	}
}

// run serves on addr until ctx ends, then stops gracefully; it writes
// "http ADDR" to out once listening.
func run(ctx context.Context, addr string, out io.Writer) error {
	rt, err := newRouter(stringService{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := kithttp.NewHTTPServer(ln.Addr().String(), rt)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(out, "http %s\n", ln.Addr())
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(stopCtx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
