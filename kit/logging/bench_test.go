package logging

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
)

type benchRequest struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

func benchEndpoint(_ context.Context, req any) (any, error) { return req, nil }

// textAt logs as text to io.Discard at level.
func textAt(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level}))
}

func runBench(b *testing.B, e endpoint.Endpoint) {
	b.Helper()
	req := &benchRequest{ID: "42", Token: "t"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMiddleware logs every call at Info to io.Discard through a
// text handler (impl=kit: method and duration, the default), against the
// bare endpoint (impl=raw).
func BenchmarkMiddleware(b *testing.B) {
	b.Run("impl=kit", func(b *testing.B) { runBench(b, New(textAt(slog.LevelInfo), "GetBook")(benchEndpoint)) })
	b.Run("impl=raw", func(b *testing.B) { runBench(b, benchEndpoint) })
}

// BenchmarkMiddlewareDisabled wraps the endpoint with a logger that is
// enabled only above Error: the middleware should cost a few ns.
func BenchmarkMiddlewareDisabled(b *testing.B) {
	b.Run("impl=kit", func(b *testing.B) { runBench(b, New(textAt(slog.LevelError+4), "GetBook")(benchEndpoint)) })
	b.Run("impl=raw", func(b *testing.B) { runBench(b, benchEndpoint) })
}

// BenchmarkMiddlewareBodies logs every call at Info with its request and
// response, to io.Discard as text.
func BenchmarkMiddlewareBodies(b *testing.B) {
	runBench(b, New(textAt(slog.LevelInfo), "GetBook", Bodies(slog.LevelInfo))(benchEndpoint))
}

// BenchmarkMiddlewareRedact logs every call at Info with its request and
// response, redacted, as JSON.
func BenchmarkMiddlewareRedact(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	runBench(b, New(logger, "GetBook", Redact("token"), Bodies(slog.LevelInfo))(benchEndpoint))
}

// BenchmarkMiddlewareRedactFunc is BenchmarkMiddlewareRedact with the
// secret names decided by a predicate (RedactFunc) instead of a list.
func BenchmarkMiddlewareRedactFunc(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	secret := func(name string) bool { return name == "token" }
	runBench(b, New(logger, "GetBook", RedactFunc(secret), Bodies(slog.LevelInfo))(benchEndpoint))
}
