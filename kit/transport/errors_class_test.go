package transport_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// secret is internal text that must never reach a client or the
// introspection API.
const secret = "SELECT * FROM users WHERE pw='hunter2' on db-internal.corp:5432"

// nilStatus has a GRPCStatus method that returns no status.
type nilStatus struct{}

func (nilStatus) Error() string              { return "nil status" }
func (nilStatus) GRPCStatus() *status.Status { return nil }

func TestClassifyErrors(t *testing.T) {
	live := context.Background()
	for _, tc := range []struct {
		err  error
		want transport.Class
	}{
		{nil, transport.Success},
		{errors.New("eof"), transport.Failure},
		{transport.NewError(400, "bad"), transport.ClientError},
		{transport.NewError(404, "no book"), transport.ClientError},
		{fmt.Errorf("%s: %w", secret, transport.NewError(409, "dup")), transport.ClientError},
		{transport.NewError(429, "slow down"), transport.ClientError},
		{transport.NewError(499, "gone"), transport.Canceled},
		{transport.NewError(500, "boom"), transport.Failure},
		{transport.NewError(501, "nope"), transport.Failure},
		{transport.NewError(502, "bad gw"), transport.Failure},
		{transport.NewError(503, "down"), transport.Failure},
		{transport.NewError(504, "slow"), transport.Failure},
		{&transport.Error{}, transport.Failure},
		// With a live context a deadline error is a timeout further down.
		{context.DeadlineExceeded, transport.Failure},
		{fmt.Errorf("call: %w", context.DeadlineExceeded), transport.Failure},
		{context.Canceled, transport.Canceled},
		{nilStatus{}, transport.Failure},
	} {
		if got := transport.Classify(live, tc.err); got != tc.want {
			t.Errorf("Classify(live, %v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestClassifyGRPCCodes(t *testing.T) {
	want := map[codes.Code]transport.Class{
		codes.InvalidArgument:    transport.ClientError,
		codes.NotFound:           transport.ClientError,
		codes.AlreadyExists:      transport.ClientError,
		codes.PermissionDenied:   transport.ClientError,
		codes.Unauthenticated:    transport.ClientError,
		codes.FailedPrecondition: transport.ClientError,
		codes.OutOfRange:         transport.ClientError,
		codes.Aborted:            transport.ClientError,
		codes.ResourceExhausted:  transport.ClientError,
		codes.Canceled:           transport.Canceled,
		codes.Unknown:            transport.Failure,
		codes.DeadlineExceeded:   transport.Failure,
		codes.Unimplemented:      transport.Failure,
		codes.Internal:           transport.Failure,
		codes.Unavailable:        transport.Failure,
		codes.DataLoss:           transport.Failure,
	}
	for code, w := range want {
		raw := status.Error(code, "msg")
		for _, err := range []error{raw, fmt.Errorf("%s: %w", secret, raw)} {
			if got := transport.Classify(context.Background(), err); got != w {
				t.Errorf("Classify(%v) = %v, want %v", err, got, w)
			}
			if got := transport.StatusOf(err); got != kitgrpc.HTTPStatus(code) {
				t.Errorf("StatusOf(%v) = %d, want %d", err, got, kitgrpc.HTTPStatus(code))
			}
		}
	}
	if got := transport.StatusOf(status.Error(codes.NotFound, "no book")); got != 404 {
		t.Errorf("StatusOf(raw NotFound) = %d, want 404", got)
	}
}

func TestClassifyContexts(t *testing.T) {
	bg := context.Background()
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	// The caller's own deadline, already past.
	callerExpired, cancel2 := context.WithDeadline(bg, time.Unix(0, 0))
	defer cancel2()
	// A timeout a middleware imposed, already past; the caller's context
	// has no deadline.
	imposedExpired, cancel3 := transport.WithTimeout(bg, -1)
	defer cancel3()
	// The caller's deadline passed before a longer imposed timeout.
	callerFirst, cancel4 := transport.WithTimeout(callerExpired, time.Hour)
	defer cancel4()
	// An imposed timeout still running, inside a live caller.
	imposedLive, cancel5 := transport.WithTimeout(bg, time.Hour)
	defer cancel5()

	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want transport.Class
	}{
		{"cancelled caller, deadline error", cancelled, context.DeadlineExceeded, transport.Canceled},
		{"cancelled caller, 503", cancelled, transport.NewError(503, "down"), transport.Canceled},
		{"cancelled caller, nil error", cancelled, nil, transport.Success},
		{"caller deadline", callerExpired, context.DeadlineExceeded, transport.CallerDeadline},
		{"caller deadline, gRPC DeadlineExceeded", callerExpired, status.Error(codes.DeadlineExceeded, "x"), transport.CallerDeadline},
		{"caller deadline, transport error", callerExpired, &transport.Error{Status: 502, Err: context.DeadlineExceeded}, transport.CallerDeadline},
		{"imposed timeout", imposedExpired, context.DeadlineExceeded, transport.Failure},
		{"imposed timeout, client error came first", imposedExpired, transport.NewError(404, "no"), transport.ClientError},
		{"caller deadline inside a longer imposed one", callerFirst, context.DeadlineExceeded, transport.CallerDeadline},
		{"live imposed timeout, downstream timed out", imposedLive, status.Error(codes.DeadlineExceeded, "x"), transport.Failure},
		{"nil context", nil, context.DeadlineExceeded, transport.Failure},
	} {
		if got := transport.Classify(tc.ctx, tc.err); got != tc.want {
			t.Errorf("%s: Classify = %v, want %v", tc.name, got, tc.want)
		}
	}
	if cause := context.Cause(imposedExpired); !errors.Is(cause, context.DeadlineExceeded) {
		t.Errorf("imposed timeout's cause %v does not match context.DeadlineExceeded", cause)
	}
}

func TestClassOfStatus(t *testing.T) {
	for status, want := range map[int]transport.Class{
		200: transport.Success, 304: transport.Success, 400: transport.ClientError,
		404: transport.ClientError, 429: transport.ClientError, 499: transport.Canceled,
		500: transport.Failure, 504: transport.Failure, 599: transport.Failure,
	} {
		if got := transport.ClassOfStatus(status); got != want {
			t.Errorf("ClassOfStatus(%d) = %v, want %v", status, got, want)
		}
	}
	for c, s := range map[transport.Class]string{transport.Success: "success", transport.Failure: "failure",
		transport.ClientError: "client_error", transport.Canceled: "canceled", transport.CallerDeadline: "caller_deadline",
		transport.Class(9): "class(9)"} {
		if c.String() != s {
			t.Errorf("%d.String() = %q, want %q", c, c.String(), s)
		}
	}
}

// plainCoder chooses 404 and has its own, safe text.
type plainCoder struct{ cause error }

func (plainCoder) Error() string   { return "shelf empty" }
func (plainCoder) StatusCode() int { return 404 }
func (p plainCoder) Unwrap() error { return p.cause }

func TestClientMessage(t *testing.T) {
	internal := errors.New(secret)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("%s: %w", secret, transport.NewError(404, "book not found")), "book not found"},
		{&transport.Error{Status: 400, Err: internal}, "Bad Request"},
		{fmt.Errorf("lookup: %w", &transport.Error{Status: 409, Err: internal}), "Conflict"},
		{fmt.Errorf("%s: %w", secret, status.Error(codes.NotFound, "no book 7")), "no book 7"},
		{fmt.Errorf("%s: %w", secret, plainCoder{cause: internal}), "shelf empty"},
		{errors.Join(internal, transport.NewError(403, "not yours")), "not yours"},
		{transport.NewError(500, "boom"), "Internal Server Error"},
		{&transport.Error{Status: 503, Msg: secret}, "Service Unavailable"},
		{internal, "Internal Server Error"},
		{fmt.Errorf("%s: %w", secret, context.Canceled), "Client Closed Request"},
		{fmt.Errorf("%s: %w", secret, context.DeadlineExceeded), "Gateway Timeout"},
	} {
		if got := transport.ClientMessage(tc.err); got != tc.want {
			t.Errorf("ClientMessage(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New(secret), "500 Internal Server Error"},
		{fmt.Errorf("%s: %w", secret, transport.NewError(404, "book not found")), "404 Not Found: book not found"},
		{&transport.Error{Status: 404, Err: errors.New(secret)}, "404 Not Found"},
		{status.Error(codes.Unavailable, secret), "503 Service Unavailable"},
		{fmt.Errorf("%s: %w", secret, context.DeadlineExceeded), "504 Gateway Timeout"},
		{context.Canceled, "499 Client Closed Request"},
	} {
		got := transport.Summary(tc.err)
		if got != tc.want {
			t.Errorf("Summary(%v) = %q, want %q", tc.err, got, tc.want)
		}
		if strings.Contains(got, "hunter2") {
			t.Errorf("Summary leaks: %q", got)
		}
	}
}
