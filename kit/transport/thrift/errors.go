package thrift

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/kitbench/kitbench/kit/transport"
)

// ErrMalformed is wrapped by the errors a SocketServer reports for a
// connection that sent something other than a framed binary or compact
// Thrift message; the connection is closed and the others keep being
// served.
var ErrMalformed = errors.New("kitthrift: malformed message")

// ErrorEncoder turns an error returned by a decoder, endpoint or encoder
// into the error a generated handler method returns. Generated processors
// answer an exception declared for the method (matched by its exact
// pointer type, so return it unwrapped) as that exception, and any other
// error as a TApplicationException of type INTERNAL_ERROR whose message
// ends with err.Error().
type ErrorEncoder func(ctx context.Context, err error) error

// DefaultErrorEncoder is the Server's error encoder. An error that wraps an
// exception generated from an IDL is returned as that exception, unwrapped,
// so the processor sends it as declared. Any other error becomes a
// TApplicationException whose message is ClientMessage(err): the error's
// own text for client errors (transport.StatusOf below 500), a generic text
// otherwise, so no internal detail reaches the caller.
//
// A TApplicationException reaches the client as INTERNAL_ERROR whatever the
// status was, and carries no reason (transport.Reasoner); to let callers
// tell "not found" or "unavailable" apart, declare exceptions in the IDL
// and map errors to them in an ErrorEncoder of your own that falls back to
// this one. An exception with a status field lets a kit Client derive the
// reason from the status (unavailable, deadline, internal, …); one with a
// string field named reason, filled with transport.ReasonOf(err), carries
// the reason itself (breaker_open, rate_limited, a service's own).
func DefaultErrorEncoder(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var te thrift.TException
	if errors.As(err, &te) && te.TExceptionType() == thrift.TExceptionTypeCompiled {
		return te
	}
	if errors.Is(err, thrift.ErrAbandonRequest) {
		return thrift.ErrAbandonRequest
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// The call's context ended: its client hung up (see SocketServer)
		// or the server is closing. Nobody is there to read an answer.
		return thrift.ErrAbandonRequest
	}
	return thrift.NewTApplicationException(thrift.INTERNAL_ERROR, ClientMessage(err))
}

// ClientMessage is the text a caller may see for err: for a client error
// (transport.StatusOf below 500) transport.ClientMessage(err), the
// client-safe text of the error that chose the status and never that of
// the chain wrapping it; a generic text for the status otherwise.
func ClientMessage(err error) string {
	status := transport.StatusOf(err)
	if status < http.StatusInternalServerError && status != transport.StatusClientClosedRequest {
		return transport.ClientMessage(err)
	}
	return genericMessage(status)
}

func genericMessage(status int) string {
	switch status {
	case http.StatusServiceUnavailable:
		return "service unavailable"
	case http.StatusGatewayTimeout:
		return "deadline exceeded"
	case http.StatusNotImplemented:
		return "not implemented"
	case http.StatusBadGateway:
		return "bad response from server"
	case transport.StatusClientClosedRequest:
		return "request canceled"
	}
	return "internal error"
}

// Error is the error a Client returns when a call fails on the wire or the
// server answers with an exception. It gives every failure a meaning in
// kit's vocabulary, so breakers, balancers and a kit server in front
// (a gateway) treat it as they would a local error:
//
//   - a declared exception keeps its own status when it implements
//     transport.StatusCoder (add the method to the generated type in a file
//     of your own), 500 otherwise; its message is its message field
//   - TApplicationException: UNKNOWN_METHOD is 501, PROTOCOL_ERROR (the
//     server could not read the request) 400, a reply out of sequence 502,
//     anything else 500
//   - a connection that cannot be made or breaks is 503 (unavailable)
//   - the caller's deadline (or a socket timeout) is 504 and matches
//     context.DeadlineExceeded; its cancellation is 499 and matches
//     context.Canceled
//   - an unreadable reply (TProtocolException) is 502
type Error struct {
	// Status is the HTTP status with the failure's meaning.
	Status int
	// Msg is the text Error returns: the server's message for exceptions,
	// a generic text for transport failures.
	Msg string
	// Err is the Thrift error: the declared exception, the
	// TApplicationException, or the transport or protocol failure.
	Err error
	// Reason is the reason a declared exception carries (see
	// transport.Reasoner): its ErrorReason when it implements
	// transport.Reasoner, else its generated GetReason getter when the IDL
	// gives it a string field named reason. Empty when there is none: a
	// TApplicationException and a transport failure carry none, and
	// transport.ReasonOf derives one from Status.
	Reason string
}

// Error returns Msg only; LogValue adds the method and the cause for logs.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the Thrift error.
func (e *Error) Unwrap() error { return e.Err }

// StatusCode implements transport.StatusCoder.
func (e *Error) StatusCode() int { return e.Status }

// RetryAfter implements transport.RetryAfterer with the wait the wrapped
// exception asks for (when it implements transport.RetryAfterer), or 0; 0
// too when Reason is breaker_open, a wait that belongs to the one instance
// whose breaker refused, not to the caller of a gateway passing it on.
func (e *Error) RetryAfter() time.Duration {
	if e.Reason == transport.ReasonBreakerOpen {
		return 0
	}
	d, _ := transport.RetryAfterOf(e.Err)
	return d
}

// ErrorReason implements transport.Reasoner with the reason a gateway
// passes on: transport.PassOnReason(Reason).
func (e *Error) ErrorReason() string { return transport.PassOnReason(e.Reason) }

// Is reports whether the failure means target: context.DeadlineExceeded
// for status 504, context.Canceled for 499.
func (e *Error) Is(target error) bool {
	switch e.Status {
	case http.StatusGatewayTimeout:
		return target == context.DeadlineExceeded
	case transport.StatusClientClosedRequest:
		return target == context.Canceled
	}
	return false
}

// LogValue reports the status and the cause (for a Pool's failures, the
// method and address) when the error is logged with log/slog.
func (e *Error) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("thrift: %d: %v", e.Status, e.Err))
}

// messager is implemented by generated exceptions with a message field.
type messager interface{ GetMessage() string }

// reasonGetter is implemented by generated exceptions with a reason field.
type reasonGetter interface{ GetReason() string }

// exceptionReason is the reason a declared exception carries, or "".
func exceptionReason(te thrift.TException) string {
	r := ""
	if rs, ok := te.(transport.Reasoner); ok {
		r = rs.ErrorReason()
	} else if g, ok := te.(reasonGetter); ok {
		r = g.GetReason()
	}
	if !transport.ValidReason(r) {
		return ""
	}
	return r
}

// clientError gives err, returned by a generated client method, its meaning.
func clientError(err error) error {
	var ke *Error
	if errors.As(err, &ke) {
		return err
	}
	e := &Error{Err: err}
	var (
		te  thrift.TException
		app thrift.TApplicationException
		tr  thrift.TTransportException
		pe  thrift.TProtocolException
		ne  net.Error
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		e.Status = http.StatusGatewayTimeout
	case errors.Is(err, context.Canceled):
		e.Status = transport.StatusClientClosedRequest
	case errors.As(err, &te) && te.TExceptionType() == thrift.TExceptionTypeCompiled:
		e.Status = transport.StatusOf(te)
		e.Msg = te.Error()
		if m, ok := te.(messager); ok {
			e.Msg = m.GetMessage()
		}
		e.Reason = exceptionReason(te)
	case errors.As(err, &app):
		e.Status, e.Msg = applicationStatus(app), app.Error()
	case errors.As(err, &tr) && tr.TypeId() == thrift.TIMED_OUT,
		errors.As(err, &ne) && ne.Timeout():
		e.Status = http.StatusGatewayTimeout
	case errors.As(err, &tr), errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		// The connection could not be made or broke (a server restarting
		// or going away): the instance is unavailable.
		e.Status = http.StatusServiceUnavailable
	case errors.As(err, &pe):
		e.Status = http.StatusBadGateway
	default:
		e.Status = http.StatusInternalServerError
	}
	if e.Msg == "" {
		e.Msg = genericMessage(e.Status)
	}
	return e
}

func applicationStatus(app thrift.TApplicationException) int {
	switch app.TypeId() {
	case thrift.UNKNOWN_METHOD:
		return http.StatusNotImplemented
	case thrift.PROTOCOL_ERROR:
		return http.StatusBadRequest
	case thrift.WRONG_METHOD_NAME, thrift.BAD_SEQUENCE_ID, thrift.INVALID_MESSAGE_TYPE_EXCEPTION:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}
