package grpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/kitbench/kitbench/kit/transport"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"
)

// ErrorEncoder turns an error returned by a decoder, endpoint or encoder
// into the error a gRPC handler returns, normally one made by
// google.golang.org/grpc/status.
type ErrorEncoder func(ctx context.Context, err error) error

// grpcStatuser is implemented by errors that carry a gRPC status, such as
// those of google.golang.org/grpc/status and this package's *Error.
type grpcStatuser interface {
	GRPCStatus() *status.Status
}

// DefaultErrorEncoder is the Server's error encoder. An error that carries a
// gRPC status (a GRPCStatus method, possibly wrapped) keeps its code and
// details; any other error gets the code of transport.StatusOf through
// Code, and a google.rpc.RetryInfo detail when it implements
// transport.RetryAfterer.
//
// The status carries the error's reason (see transport.Reasoner) in a
// google.rpc.ErrorInfo detail of domain transport.ReasonDomain, its reason
// upper-cased as ErrorInfo asks ("BREAKER_OPEN"): a Reasoner's in err's
// chain, else for a carried status the reason it already has as a gateway
// passes it on (an upstream's breaker_open becomes unavailable, and the
// upstream breaker's RetryInfo is dropped), else the one
// transport.ReasonOf derives from the status. ReasonOf reads it back.
//
// The message is the client-safe text only for client errors, whose HTTP
// status is below 500: the carried status's own message, or
// transport.ClientMessage(err) (the text of the error that chose the
// status, never that of the chain wrapping it). For server errors
// (Internal, Unavailable, DeadlineExceeded, …) it is a generic text for
// the code, so no internal detail reaches the caller; err.Error() is never
// sent.
func DefaultErrorEncoder(_ context.Context, err error) error {
	if err == nil {
		return nil
	}
	var gs grpcStatuser
	if errors.As(err, &gs) {
		if st := gs.GRPCStatus(); st != nil && st.Code() != codes.OK {
			p := st.Proto()
			if HTTPStatus(st.Code()) >= http.StatusInternalServerError {
				p.Message = genericMessage(st.Code())
			}
			p.Details = reDetail(p.Details, ReasonOf(st), callerReason(err, st))
			return status.ErrorProto(p)
		}
	}
	httpStatus := transport.StatusOf(err)
	code := Code(httpStatus)
	msg := genericMessage(code)
	if httpStatus < http.StatusInternalServerError && httpStatus != transport.StatusClientClosedRequest {
		msg = transport.ClientMessage(err)
	}
	var details []protoadapt.MessageV1
	if d, ok := transport.RetryAfterOf(err); ok {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(d)})
	}
	if r := transport.ReasonOf(err); r != "" {
		details = append(details, errorInfo(r))
	}
	st := status.New(code, msg)
	if len(details) > 0 {
		if withInfo, derr := st.WithDetails(details...); derr == nil {
			st = withInfo
		}
	}
	return st.Err()
}

// genericMessage is the text sent for a server-side failure with code c.
func genericMessage(c codes.Code) string {
	switch c {
	case codes.Unavailable:
		return "service unavailable"
	case codes.DeadlineExceeded:
		return "deadline exceeded"
	case codes.Unimplemented:
		return "not implemented"
	case codes.Canceled:
		return "request canceled"
	}
	return "internal error"
}

// Error is the error a Client returns when the server answers with a
// non-OK status, or the call fails in gRPC (which reports a status too).
//
// It carries the meaning across a gateway: StatusCode maps the code back to
// an HTTP status (so transport.StatusOf, and a kit HTTP or gRPC server in
// front, answer with the same meaning), GRPCStatus returns the status
// itself, RetryAfter reports a google.rpc.RetryInfo detail, Reason the
// google.rpc.ErrorInfo reason and ErrorReason the reason passed on, and errors.Is
// matches context.DeadlineExceeded and context.Canceled for those codes, so
// balancers and retry loops recognise them like local context errors.
type Error struct {
	// Method is the full method name of the call, "/package.Service/Method".
	Method string
	// Status is the status the call ended with; never nil or OK.
	Status *status.Status
}

// Error is the server's message only. A gateway that passes a client error
// on sends this text to its own caller, who must not learn the upstream's
// method names; LogValue adds the method and code for logs.
func (e *Error) Error() string { return e.Status.Message() }

// LogValue reports the method, code and message when the error is logged
// with log/slog.
func (e *Error) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("grpc %s: %s: %s", e.Method, e.Status.Code(), e.Status.Message()))
}

// GRPCStatus returns the status the call ended with.
func (e *Error) GRPCStatus() *status.Status { return e.Status }

// StatusCode implements transport.StatusCoder with HTTPStatus.
func (e *Error) StatusCode() int { return HTTPStatus(e.Status.Code()) }

// RetryAfter implements transport.RetryAfterer with the status's RetryInfo
// detail; it is 0 when there is none, and when the status's reason is
// breaker_open: that wait belongs to the one instance whose breaker
// refused, not to the caller of a gateway that passes the error on.
func (e *Error) RetryAfter() time.Duration {
	if e.Reason() == transport.ReasonBreakerOpen {
		return 0
	}
	for _, d := range e.Status.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	return 0
}

// Reason is the reason the server sent in the status's
// google.rpc.ErrorInfo detail, lower-cased (see ReasonOf); "" when none.
func (e *Error) Reason() string { return ReasonOf(e.Status) }

// ErrorReason implements transport.Reasoner with the reason a gateway
// passes on: transport.PassOnReason(Reason()), so an upstream's
// breaker_open reaches the gateway's caller as unavailable.
func (e *Error) ErrorReason() string { return transport.PassOnReason(e.Reason()) }

// Is reports whether the status means target: context.DeadlineExceeded for
// DeadlineExceeded and context.Canceled for Canceled.
func (e *Error) Is(target error) bool {
	switch e.Status.Code() {
	case codes.DeadlineExceeded:
		return target == context.DeadlineExceeded
	case codes.Canceled:
		return target == context.Canceled
	}
	return false
}

// clientError converts an error from grpc.ClientConn.Invoke into an *Error.
func clientError(method string, err error) error {
	st, ok := status.FromError(err)
	if !ok || st.Code() == codes.OK {
		// Not a status at all (a codec or interceptor error): keep it as is,
		// so it stays a 500 for transport.StatusOf.
		return fmt.Errorf("grpc %s: %w", method, err)
	}
	return &Error{Method: method, Status: st}
}
