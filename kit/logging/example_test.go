package logging_test

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/kitbench/kitbench/kit/logging"
)

type loginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

func ExampleNew() {
	// A JSON handler without the time, so that the output is stable.
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == logging.KeyTook {
				return slog.Attr{}
			}
			return a
		},
	}))
	login := logging.New(logger, "Login", logging.Redact("password"))(
		func(_ context.Context, req any) (any, error) {
			if req.(loginRequest).Password != "correct horse" {
				return nil, errors.New("wrong password")
			}
			return "welcome", nil
		})

	// At Info, a success is one short record; a failure carries the
	// request, redacted.
	_, _ = login(context.Background(), loginRequest{User: "ann", Password: "correct horse"})
	_, _ = login(context.Background(), loginRequest{User: "bob", Password: "guess"})
	// Output:
	// {"level":"INFO","msg":"call","method":"Login"}
	// {"level":"ERROR","msg":"call","method":"Login","request":{"user":"bob","password":"[REDACTED]"},"err":"wrong password"}
}
