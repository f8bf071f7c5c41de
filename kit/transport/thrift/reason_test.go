package thrift_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/transport"
	"github.com/kitbench/kitbench/kit/transport/internal/reasontest"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

// TestReasonsOnTheWire calls a kit Thrift server over loopback. book.thrift's
// ServiceError carries a status but no reason field, so the client derives
// the reason from the status: a breaker rejection (503) is unavailable and
// a handler failure (a TApplicationException, 500) internal, and neither
// carries the handler's internal text.
func TestReasonsOnTheWire(t *testing.T) {
	testutil.NoLeaks(t)
	sh := newShelf()
	sh.errs["open"] = reasontest.BreakerRejection(t)
	sh.errs["limited"] = reasontest.RateLimited(t)
	sh.errs["fail"] = reasontest.ErrHandler
	s := serve(t, newHandler(sh), "", kitthrift.SocketConfig{})
	get, _ := clients(pool(t, s.addr, kitthrift.Binary))
	for id, want := range map[string]string{
		"open":    transport.ReasonUnavailable,
		"limited": transport.ReasonRateLimited,
		"fail":    transport.ReasonInternal,
	} {
		_, err := get(context.Background(), getRequest{ID: id})
		if got := transport.ReasonOf(err); got != want {
			t.Errorf("%s: reason %q, want %q (err %v)", id, got, want, err)
		}
		for _, leak := range []string{"db-3", "hunter2", "circuitbreaker", "reasontest"} {
			if contains(err, leak) {
				t.Errorf("%s: the answer carries internal text %q: %v", id, leak, err)
			}
		}
	}
}

// reasonException stands for an IDL exception with a reason field (its
// generated GetReason getter); book.thrift declares none, so the client is
// fed one directly.
type reasonException struct{ reason string }

func (e *reasonException) Error() string { return "refused" }
func (e *reasonException) TExceptionType() thrift.TExceptionType {
	return thrift.TExceptionTypeCompiled
}
func (e *reasonException) GetReason() string         { return e.reason }
func (e *reasonException) StatusCode() int           { return 503 }
func (e *reasonException) RetryAfter() time.Duration { return 2 * time.Second }

// TestClientReadsExceptionReason: a declared exception's reason field
// reaches Error.Reason as sent, and is passed on by a gateway as
// transport.PassOnReason says, without an upstream breaker's wait.
func TestClientReadsExceptionReason(t *testing.T) {
	for _, tc := range []struct{ sent, reason, passed string }{
		{"breaker_open", "breaker_open", "unavailable"},
		{"book_locked", "book_locked", "book_locked"},
		{"Not A Reason", "", "unavailable"},
	} {
		get, _ := clients(fakeTClient{err: &reasonException{reason: tc.sent}})
		_, err := get(context.Background(), getRequest{ID: "x"})
		var ke *kitthrift.Error
		if !errors.As(err, &ke) || ke.Reason != tc.reason || transport.ReasonOf(err) != tc.passed {
			t.Errorf("%q: %v: Reason %q, ReasonOf %q; want %q, %q", tc.sent, err, ke.Reason, transport.ReasonOf(err), tc.reason, tc.passed)
		}
		if _, ok := transport.RetryAfterOf(err); ok == (tc.sent == "breaker_open") {
			t.Errorf("%q: RetryAfterOf reports a wait: %v", tc.sent, ok)
		}
	}
}
