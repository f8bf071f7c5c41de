package transport_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/transport"
)

type waitErr struct{ d time.Duration }

func (w waitErr) Error() string             { return "wait" }
func (w waitErr) StatusCode() int           { return http.StatusTooManyRequests }
func (w waitErr) RetryAfter() time.Duration { return w.d }

type badCoder struct{}

func (badCoder) Error() string   { return "x" }
func (badCoder) StatusCode() int { return 200 }

func TestStatusOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 200},
		{errors.New("x"), 500},
		{transport.NewError(404, "no book"), 404},
		{fmt.Errorf("wrapped: %w", transport.NewError(409, "dup")), 409},
		{&transport.Error{}, 500},
		{badCoder{}, 500},
		{context.DeadlineExceeded, 504},
		{fmt.Errorf("call: %w", context.Canceled), 499},
		{waitErr{time.Second}, 429},
	} {
		if got := transport.StatusOf(tc.err); got != tc.want {
			t.Errorf("StatusOf(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestRetryAfterOf(t *testing.T) {
	if d, ok := transport.RetryAfterOf(fmt.Errorf("x: %w", waitErr{3 * time.Second})); !ok || d != 3*time.Second {
		t.Fatalf("got %v %v", d, ok)
	}
	if _, ok := transport.RetryAfterOf(waitErr{0}); ok {
		t.Fatal("zero wait reported")
	}
	if _, ok := transport.RetryAfterOf(errors.New("x")); ok {
		t.Fatal("plain error reported a wait")
	}
}

func TestErrorUnwrap(t *testing.T) {
	cause := errors.New("cause")
	e := &transport.Error{Status: 400, Err: cause}
	if !errors.Is(e, cause) || e.Error() != "cause" {
		t.Fatalf("Is=%v Error=%q", errors.Is(e, cause), e.Error())
	}
}
