package tracing_test

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

	"go.opentelemetry.io/otel/codes"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/kit/transport"
)

// /debug/kit/v1/spans, served over a real loopback listener, carries no
// secret from an error's text: kit's middleware describes failures by
// status and client-safe text, and other instrumentation's status
// messages and recorded exceptions are not served.
func TestSpansCarryNoErrorText(t *testing.T) {
	const secret = "hunter2"
	reg := introspect.NewRegistry(introspect.Info{Service: "books"})
	ring := tracing.NewRing(64, reg)
	tp, err := tracing.NewProvider("books", ring)
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Shutdown(context.Background())

	internal := fmt.Errorf("dial postgres://admin:%s@db-3.internal:5432: %w", secret, errors.New("connection refused"))
	for name, err := range map[string]error{
		"internal":   internal,
		"wrapped404": fmt.Errorf("query with password=%s: %w", secret, transport.NewError(404, "no such book")),
		"status":     &transport.Error{Status: 409, Err: internal},
	} {
		ep := tracing.Middleware(tp, name)(func(context.Context, any) (any, error) { return nil, err })
		_, _ = ep(context.Background(), nil)
	}
	_, span := tp.Tracer("someone-else").Start(context.Background(), "foreign")
	span.RecordError(internal)
	span.SetStatus(codes.Error, internal.Error())
	span.End()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := introspect.NewHandler(reg)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close(); <-done; _ = h.Close() }()

	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://" + ln.Addr().String() + introspect.PathPrefix + "/spans")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /spans: %d, %v", resp.StatusCode, err)
	}
	for _, leak := range []string{secret, "db-3", "postgres", "connection refused"} {
		if strings.Contains(string(body), leak) {
			t.Errorf("/spans carries %q:\n%s", leak, body)
		}
	}
	for _, want := range []string{
		`"status_message":"500 Internal Server Error"`,
		`"status_message":"404 Not Found: no such book"`,
		`"status_message":"409 Conflict"`,
		`"name":"exception"`, // the event stays, its text does not
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/spans lacks %s:\n%s", want, body)
		}
	}
}
