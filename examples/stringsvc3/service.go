// Command stringsvc3 is go-kit's stringsvc3 tutorial service ported to kit:
// Uppercase and Count over HTTP/JSON, logging and metrics on every call,
// and, with -proxy, Uppercase answered by other instances through a
// balancer, a breaker and a limiter per instance, and retries.
// docs/from-go-kit.md sets the two side by side.
package main

import (
	"context"
	"net/http"
	"strings"

	"github.com/kitbench/kitbench/kit/transport"
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
