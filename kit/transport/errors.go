package transport

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// StatusCoder is implemented by errors that choose their HTTP status code.
// A status below 500 marks a client error whose message is safe to send.
type StatusCoder interface {
	StatusCode() int
}

// RetryAfterer is implemented by errors after which a client should wait
// before trying again (an open circuit breaker, an exhausted rate limit).
// HTTP transports send it as the Retry-After header.
type RetryAfterer interface {
	RetryAfter() time.Duration
}

// Headerer is implemented by errors that add response headers, such as
// WWW-Authenticate on a 401. HTTP transports copy them into the response;
// other transports ignore them.
type Headerer interface {
	Headers() http.Header
}

// StatusOf returns the HTTP status for err. The first error in err's chain
// that chooses a status decides: a StatusCoder (a code outside 400–599
// means 500), or an error carrying a gRPC status (a GRPCStatus method, as
// the errors of google.golang.org/grpc/status have), translated as
// kit/transport/grpc's HTTPStatus does, so status.Error(codes.NotFound, …)
// is 404. Without one,
// context.DeadlineExceeded is 504, context.Canceled is 499 (client closed
// request), and anything else 500. StatusOf(nil) is 200.
func StatusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if n := statusNodeOf(err); n.status != 0 {
		return n.status
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.Is(err, context.Canceled):
		return StatusClientClosedRequest
	}
	return http.StatusInternalServerError
}

// StatusClientClosedRequest is the non-standard status (nginx's 499) used
// when the caller cancelled the request.
const StatusClientClosedRequest = 499

// RetryAfterOf returns the wait an error asks for, and false if it asks for
// none.
func RetryAfterOf(err error) (time.Duration, bool) {
	var ra RetryAfterer
	if errors.As(err, &ra) {
		if d := ra.RetryAfter(); d > 0 {
			return d, true
		}
	}
	return 0, false
}

// Error is a client-facing error with a status: the simplest StatusCoder.
// Services return it (or wrap it) for outcomes such as "not found" whose
// message is meant for the caller. Msg is what the client sees; Err, the
// cause, is for the service's own logs and never reaches the client.
type Error struct {
	// Status is the HTTP status; the zero value means 500.
	Status int
	// Msg is sent to the client when Status is below 500. Empty means the
	// status text ("Not Found"), never Err's text.
	Msg string
	// Err, if set, is the underlying cause, reachable with errors.Is/As.
	// It is never sent to the client.
	Err error
	// Reason is the machine-readable reason sent with the error (see
	// Reasoner), such as a service's own "book_locked". Empty means the
	// reason of Err's chain, or the one ReasonOf derives from Status.
	Reason string
}

// NewError returns an *Error with the given status and message.
func NewError(status int, msg string) *Error { return &Error{Status: status, Msg: msg} }

// Error is Msg, or the cause's text when Msg is empty: it is for logs.
// Transports send ClientMessage instead.
func (e *Error) Error() string {
	if e.Msg == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

// StatusCode implements StatusCoder.
func (e *Error) StatusCode() int {
	if e.Status == 0 {
		return http.StatusInternalServerError
	}
	return e.Status
}

// ClientMessage implements ClientMessager: Msg, or the status text when Msg
// is empty.
func (e *Error) ClientMessage() string {
	if e.Msg != "" {
		return e.Msg
	}
	return statusText(e.StatusCode())
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorReason implements Reasoner with Reason.
func (e *Error) ErrorReason() string { return e.Reason }
