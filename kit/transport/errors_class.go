package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Class is what the outcome of a call says about the callee. Breakers,
// balancers' statistics and outlier ejection count only Failure against
// it; metrics views show failures apart from client errors. Classify and
// ClassOfStatus are the one definition kit uses everywhere.
type Class uint8

const (
	// Success: the call returned no error.
	Success Class = iota
	// Failure: the callee's fault. A status of 500 or above: an internal
	// error, an unavailable or overloaded-and-broken instance, a timeout
	// the callee or something between caller and callee hit (a
	// downstream's 504, or a WithTimeout a middleware or balancer put
	// around the call).
	Failure
	// ClientError: the callee answered and refused the request (a status
	// from 400 to 499 other than 499 itself, and their gRPC codes:
	// InvalidArgument, NotFound, AlreadyExists, Aborted, PermissionDenied,
	// Unauthenticated, FailedPrecondition, OutOfRange, ResourceExhausted).
	// 429 / ResourceExhausted is here on purpose: one caller over its
	// quota must not open a breaker that every other caller shares, and an
	// instance asking for less load is answered by the caller's own
	// backoff (its Retry-After), not by ejecting it.
	ClientError
	// Canceled: the caller cancelled (its context reports
	// context.Canceled), or the error is a cancellation (499, gRPC
	// Canceled). It says nothing of the callee.
	Canceled
	// CallerDeadline: the caller's own deadline passed (its context
	// reports context.DeadlineExceeded and the deadline was not put there
	// by WithTimeout). The caller was impatient; the callee may be fine.
	CallerDeadline
)

// String returns "success", "failure", "client_error", "canceled" or
// "caller_deadline".
func (c Class) String() string {
	switch c {
	case Success:
		return "success"
	case Failure:
		return "failure"
	case ClientError:
		return "client_error"
	case Canceled:
		return "canceled"
	case CallerDeadline:
		return "caller_deadline"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Classify says what a call that ran with ctx and returned err tells about
// the callee. In order:
//
//   - a nil err is Success;
//   - if ctx has ended, the caller ended it: Canceled for a cancellation,
//     CallerDeadline for a deadline, unless that deadline is one WithTimeout
//     imposed, in which case err decides;
//   - otherwise err decides through ClassOfStatus(StatusOf(err)): a live
//     ctx with a deadline error means a timeout further down (a
//     downstream's own, or one imposed on the call), so a 504 is a Failure.
//
// Pass the context the call was made with, as seen where the outcome is
// counted: a breaker outside a balancer's per-attempt timeout sees the
// caller's context (still live when only the attempt timed out), while the
// instance's statistics see the attempt's.
func Classify(ctx context.Context, err error) Class {
	if err == nil {
		return Success
	}
	if ctx != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return Canceled
		}
		// A deadline that has passed is checked by the clock as well as by
		// ctx.Err: a client (grpc-go's, for one) may report the deadline
		// before the context's own timer has fired.
		if dl, ok := ctx.Deadline(); ok && (ctx.Err() != nil || !time.Now().Before(dl)) && !imposed(ctx, dl) {
			return CallerDeadline
		}
	}
	return ClassOfStatus(StatusOf(err))
}

// imposedKey is the context key under which WithTimeout records the
// deadline it set.
type imposedKey struct{}

// imposed reports whether dl, ctx's deadline, is one WithTimeout set
// rather than the caller's: a caller's earlier deadline, or one set inside
// the imposed timeout, differs from the recorded one.
func imposed(ctx context.Context, dl time.Time) bool {
	v, ok := ctx.Value(imposedKey{}).(time.Time)
	return ok && v.Equal(dl)
}

// ClassOfStatus classifies an HTTP status, as StatusOf gives it or as a
// metrics code label holds it, without a context: below 400 Success, 499
// Canceled, 400 to 499 ClientError, 500 and above Failure. It cannot tell
// a caller's deadline from an imposed one; Classify can.
func ClassOfStatus(status int) Class {
	switch {
	case status < 400:
		return Success
	case status == StatusClientClosedRequest:
		return Canceled
	case status < 500:
		return ClientError
	}
	return Failure
}

// errImposedTimeout is the cause (context.Cause) of a context that
// WithTimeout ended. It wraps context.DeadlineExceeded, so code that checks
// the cause for a deadline still finds one.
var errImposedTimeout = fmt.Errorf("transport: a timeout imposed on the call expired: %w", context.DeadlineExceeded)

// WithTimeout is context.WithTimeout for a timeout that a middleware or
// balancer puts around one call on its own initiative (a per-attempt
// timeout, say), as opposed to the deadline the caller set for the whole
// request. When it expires, Classify counts the call as the callee's
// Failure; when the caller's own, earlier deadline expires first, the call
// is still CallerDeadline. A server-wide request deadline (kithttp's
// ServerTimeout) stands in for the caller and uses context.WithTimeout.
//
// The context's cause (context.Cause) after it expires wraps
// context.DeadlineExceeded.
func WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	dl := time.Now().Add(d)
	return context.WithDeadlineCause(context.WithValue(parent, imposedKey{}, dl), dl, errImposedTimeout)
}

// ClientMessager is implemented by errors that carry text written for the
// client, such as *Error's Msg. ClientMessage finds it with errors.As, so
// it may be wrapped.
type ClientMessager interface {
	ClientMessage() string
}

// ClientMessage returns the text a client may see for err, never the text
// of the chain that wraps it: fmt.Errorf("query on db-3: %w", ErrNotFound)
// gives ErrNotFound's message, not the query. For a client error (a status
// below 500 other than 499) it is, in order: the first ClientMessager's
// text; else the message of the error that chose the status (a
// StatusCoder's own Error(), or a gRPC status's message); else the status
// text. For 499 and every status from 500 it is the status text ("Internal
// Server Error"), whatever err says. ClientMessage(nil) is "".
func ClientMessage(err error) string {
	if err == nil {
		return ""
	}
	n := statusNodeOf(err)
	status := n.status
	if status == 0 {
		status = StatusOf(err)
	}
	if status >= 500 || status == StatusClientClosedRequest {
		return statusText(status)
	}
	var cm ClientMessager
	if errors.As(err, &cm) {
		if m := cm.ClientMessage(); m != "" {
			return m
		}
	}
	if n.msg != "" {
		return n.msg
	}
	return statusText(status)
}

// Summary describes err for places outside the call's own response that
// others may read, such as the spans and breaker failures served on the
// introspection API: the status and its text, and for a client error the
// ClientMessage, as in "404 Not Found: book not found" or "503 Service
// Unavailable". It never includes the wrapped chain's text, which may hold
// queries, hosts or credentials; log the error itself for that.
// Summary(nil) is "".
func Summary(err error) string {
	if err == nil {
		return ""
	}
	status := StatusOf(err)
	head := strconv.Itoa(status) + " " + statusText(status)
	if ClassOfStatus(status) != ClientError {
		return head
	}
	if msg := ClientMessage(err); msg != statusText(status) {
		return head + ": " + msg
	}
	return head
}

func statusText(status int) string {
	if status == StatusClientClosedRequest {
		return "Client Closed Request"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error"
}
