package workbench

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/probes/invoke"
)

// Exit statuses kitbench's commands share; the others are an HTTP class
// (3, 4, 5) or 64 plus a gRPC code (grpcurl's convention).
const (
	ExitUsage       = 1   // a bad flag or request, or a local error
	ExitUnreachable = 2   // nothing to call, or nothing answered
	ExitDiffer      = 6   // --all: the instances answered differently
	ExitDeadline    = 68  // 64 + DEADLINE_EXCEEDED, also for HTTP
	ExitInterrupted = 130 // stopped by SIGINT or SIGTERM, as a shell says
)

// ExitError is an error with the exit status a command ends with.
type ExitError struct {
	Code int   // the process exit status
	Err  error // what went wrong
}

// Exit returns err with the exit status code.
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }

// Exitf is Exit with a message formatted as fmt.Errorf does.
func Exitf(code int, format string, args ...any) error {
	return Exit(code, fmt.Errorf(format, args...))
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process exit status.
func (e *ExitError) ExitCode() int { return e.Code }

// Classify gives an error of a call its exit status: an ExitError keeps
// its own; nothing to call or nothing reachable is ExitUnreachable; a
// deadline (an HTTP call past its timeout) is ExitDeadline, as gRPC's
// DEADLINE_EXCEEDED; anything else, wrong on our side, is ExitUsage. nil
// stays nil.
func Classify(err error) error {
	var ee *ExitError
	switch {
	case err == nil, errors.As(err, &ee):
		return err
	case errors.Is(err, ErrNoCandidates), errors.Is(err, invoke.ErrUnreachable), errors.Is(err, invoke.ErrNoService):
		return Exit(ExitUnreachable, err)
	case errors.Is(err, context.DeadlineExceeded):
		return Exit(ExitDeadline, err)
	}
	return Exit(ExitUsage, err)
}

// ResultCode is the exit status of a call's answer: 0 when it succeeded,
// 64 plus the code of a gRPC status, the class of an HTTP 3xx, 4xx or 5xx
// (3, 4, 5), and 1 for anything else.
func ResultCode(r *invoke.Result) int {
	switch {
	case r.OK():
		return 0
	case r.Transport == invoke.GRPC:
		return 64 + r.Code
	case r.Code >= 300 && r.Code < 600:
		return r.Code / 100
	}
	return ExitUsage
}

// ResultError is the error a call's answer means, nil when it succeeded:
// "METHOD on INSTANCE: STATUS: MESSAGE (reason: REASON)" with ResultCode,
// the reason when the service sent one (a breaker's "breaker_open" and a
// handler's "internal" then read apart). Give it the answer as it is
// printed (Redacted), so the message holds no secret.
func ResultError(instance string, shown *invoke.Result) error {
	if shown.OK() {
		return nil
	}
	return Exitf(ResultCode(shown), "%s on %s: %s", strings.TrimPrefix(shown.Method, "/"), instance, failure(shown))
}

// failure is a failed answer for people: "STATUS: MESSAGE (reason:
// REASON)", each part there when sent, sanitized.
func failure(r *invoke.Result) string {
	msg := sanitize.Line(r.Status, 0)
	if r.Message != "" {
		msg += ": " + sanitize.Line(r.Message, 0)
	}
	if r.Reason != "" {
		msg += " (reason: " + sanitize.Line(r.Reason, 0) + ")"
	}
	return msg
}

// CompareError is the error --all's comparison means, nil when every
// instance gave the same successful answer: ExitUnreachable when none
// answered (answered is how many did), ExitDiffer when some differ from
// the reference outs[ref], else the reference's own failure.
func CompareError(service string, outs []invoke.Outcome, answered, ref int) error {
	differ := 0
	for _, o := range outs {
		if !o.Same {
			differ++
		}
	}
	switch {
	case answered == 0:
		return Exitf(ExitUnreachable, "no instance of %s is reachable", service)
	case differ > 0:
		return Exitf(ExitDiffer, "%d of %d instances of %s answered differently", differ, len(outs), service)
	}
	if r := outs[ref].Result; !r.OK() {
		return Exitf(ResultCode(r), "every instance of %s answered %s", service, failure(r))
	}
	return nil
}
