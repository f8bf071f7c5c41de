package bookthrift_test

import (
	"fmt"
	"testing"
	"time"

	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/kit/transport"
)

func TestExceptionsCarryTheirStatus(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{&bookthrift.NotFound{Message: "book not found"}, 404},
		{&bookthrift.InvalidArgument{Message: "title: must not be empty"}, 400},
		{&bookthrift.ServiceError{Status: 503, Message: "service unavailable"}, 503},
		{&bookthrift.ServiceError{Status: 429, Message: "rate limited"}, 429},
		{&bookthrift.ServiceError{Status: 0}, 500},
		{&bookthrift.ServiceError{Status: 200}, 500},
		{fmt.Errorf("wrapped: %w", &bookthrift.NotFound{}), 404},
	} {
		if got := transport.StatusOf(tc.err); got != tc.want {
			t.Errorf("StatusOf(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	d, ok := transport.RetryAfterOf(&bookthrift.ServiceError{Status: 429, RetryAfterMs: 1500})
	if !ok || d != 1500*time.Millisecond {
		t.Errorf("RetryAfterOf = %v, %v; want 1.5s, true", d, ok)
	}
	if _, ok := transport.RetryAfterOf(&bookthrift.ServiceError{Status: 503}); ok {
		t.Error("a ServiceError without retry_after_ms asks for a wait")
	}
}
