package transport_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kitbench/kitbench/kit/transport"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type reasoned string

func (r reasoned) Error() string       { return "reasoned" }
func (r reasoned) ErrorReason() string { return string(r) }
func (r reasoned) StatusCode() int     { return 409 }

func TestReasonOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"plain", errors.New("db-3 down"), "internal"},
		{"panic", fmt.Errorf("%w: boom", transport.ErrPanic), "internal"},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), "deadline"},
		{"canceled", context.Canceled, ""},
		{"503", transport.NewError(503, ""), "unavailable"},
		{"502", transport.NewError(502, ""), "unavailable"},
		{"429", transport.NewError(429, ""), "rate_limited"},
		{"501", transport.NewError(501, ""), "internal"},
		{"404 has none", transport.NewError(404, "no book"), ""},
		{"grpc status", status.Error(codes.Unavailable, "x"), "unavailable"},
		{"own", &transport.Error{Status: 409, Reason: "book_locked"}, "book_locked"},
		{"own, wrapped", fmt.Errorf("lock: %w", reasoned("book_locked")), "book_locked"},
		{"outer first", &transport.Error{Status: 503, Reason: "draining", Err: reasoned("book_locked")}, "draining"},
		{"empty outer yields", &transport.Error{Status: 503, Err: reasoned("book_locked")}, "book_locked"},
		{"joined", errors.Join(errors.New("a"), reasoned("book_locked")), "book_locked"},
		{"malformed is none", &transport.Error{Status: 503, Reason: "Bad Reason"}, "unavailable"},
	} {
		if got := transport.ReasonOf(tc.err); got != tc.want {
			t.Errorf("%s: ReasonOf = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestValidReason(t *testing.T) {
	for s, want := range map[string]bool{
		"breaker_open": true, "a": true, "x9_": true, "": false, "9x": false, "_x": false,
		"Breaker_open": false, "breaker-open": false, "breaker open": false,
		string(make([]byte, 64)): false,
	} {
		if ok := transport.ValidReason(s); ok != want {
			t.Errorf("ValidReason(%q) = %v, want %v", s, ok, want)
		}
	}
	long := "a"
	for len(long) < 63 {
		long += "b"
	}
	if !transport.ValidReason(long) || transport.ValidReason(long+"c") {
		t.Error("the 63-character limit is off")
	}
}

func TestPassOnReason(t *testing.T) {
	for in, want := range map[string]string{
		"breaker_open": "unavailable", "rate_limited": "rate_limited", "deadline": "deadline",
		"internal": "internal", "book_locked": "book_locked", "": "",
	} {
		if got := transport.PassOnReason(in); got != want {
			t.Errorf("PassOnReason(%q) = %q, want %q", in, got, want)
		}
	}
}
