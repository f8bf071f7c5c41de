package grpc_test

import (
	"errors"
	"strings"
	"testing"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"github.com/kitbench/kitbench/kit/transport/internal/reasontest"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/prototext"
)

func hasRetryInfo(st *status.Status) bool {
	for _, d := range st.Details() {
		if _, ok := d.(*errdetails.RetryInfo); ok {
			return true
		}
	}
	return false
}

func hasErrorInfo(st *status.Status, reason string) bool {
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok && ei.GetReason() == reason && ei.GetDomain() == transport.ReasonDomain {
			return true
		}
	}
	return false
}

// reasonShelf is a backend whose GetBook fails with a real breaker
// rejection ("open"), a real rate limiter refusal ("limited"), a handler
// failure with internal text ("fail") and a service's own reason
// ("locked").
func reasonShelf(t *testing.T) *shelf {
	sh := newShelf()
	sh.errs["open"] = reasontest.BreakerRejection(t)
	sh.errs["limited"] = reasontest.RateLimited(t)
	sh.errs["fail"] = reasontest.ErrHandler
	sh.errs["locked"] = &transport.Error{Status: 409, Msg: "book is locked", Reason: "book_locked"}
	return sh
}

// TestReasonsOnTheWire calls a kit gRPC server over loopback with grpc-go's
// own client: each failure's google.rpc.ErrorInfo names its cause, a
// breaker rejection and a handler failure differ, and neither the status
// message nor any detail carries the handler's internal text.
func TestReasonsOnTheWire(t *testing.T) {
	testutil.NoLeaks(t)
	cli := bookpb.NewBookServiceClient(serveBooks(t, reasonShelf(t)))
	for id, want := range map[string]struct {
		code   codes.Code
		reason string
	}{
		"open":    {codes.Unavailable, "breaker_open"},
		"limited": {codes.ResourceExhausted, "rate_limited"},
		"fail":    {codes.Internal, "internal"},
		"locked":  {codes.AlreadyExists, "book_locked"},
		"missing": {codes.NotFound, ""},
	} {
		_, err := cli.GetBook(t.Context(), &bookpb.GetBookRequest{Id: id})
		st := status.Convert(err)
		if st.Code() != want.code || kitgrpc.ReasonOf(st) != want.reason {
			t.Errorf("%s: %s reason %q, want %s reason %q", id, st.Code(), kitgrpc.ReasonOf(st), want.code, want.reason)
		}
		wire := st.Message() + " " + prototext.Format(st.Proto())
		for _, leak := range []string{"db-3", "hunter2", "circuitbreaker", "reasontest"} {
			if strings.Contains(wire, leak) {
				t.Errorf("%s: the status carries internal text %q: %s", id, leak, wire)
			}
		}
		if want.reason != "" && !hasErrorInfo(st, strings.ToUpper(want.reason)) {
			t.Errorf("%s: no ErrorInfo{%s, %s}: %v", id, strings.ToUpper(want.reason), transport.ReasonDomain, st.Details())
		}
	}
}

// TestClientReadsReason: a kit Client reports the upstream's reason as
// sent (Reason) and as a gateway passes it on (ErrorReason).
func TestClientReadsReason(t *testing.T) {
	testutil.NoLeaks(t)
	get := getClient(serveBooks(t, reasonShelf(t)))
	for id, want := range map[string][2]string{
		"open":    {"breaker_open", "unavailable"},
		"limited": {"rate_limited", "rate_limited"},
		"fail":    {"internal", "internal"},
		"locked":  {"book_locked", "book_locked"},
	} {
		_, err := get(t.Context(), getRequest{ID: id})
		var ke *kitgrpc.Error
		if !errors.As(err, &ke) {
			t.Fatalf("%s: %v (%T), want a *kitgrpc.Error", id, err, err)
		}
		if got := [2]string{ke.Reason(), transport.ReasonOf(err)}; got != want {
			t.Errorf("%s: Reason, ReasonOf = %q, want %q", id, got, want)
		}
	}
}

// TestGatewayPassesReasonOn puts a kit gRPC server in front of a kit
// client: an upstream's breaker_open reaches the gateway's caller as
// unavailable without the upstream breaker's RetryInfo, while a rate
// limit keeps its reason and its RetryInfo.
func TestGatewayPassesReasonOn(t *testing.T) {
	testutil.NoLeaks(t)
	backend := serveBooks(t, reasonShelf(t))
	svc := newBookService(newShelf())
	svc.get = kitgrpc.NewServer(getClient(backend), decodeGet, encodeBook)
	cli := bookpb.NewBookServiceClient(serve(t, func(g *grpc.Server) { bookpb.RegisterBookServiceServer(g, svc) }))
	for id, want := range map[string]struct {
		reason string
		retry  bool
	}{
		"open":    {"unavailable", false},
		"limited": {"rate_limited", true},
		"fail":    {"internal", false},
		"locked":  {"book_locked", false},
	} {
		_, err := cli.GetBook(t.Context(), &bookpb.GetBookRequest{Id: id})
		st := status.Convert(err)
		if got := kitgrpc.ReasonOf(st); got != want.reason {
			t.Errorf("%s: reason %q at the gateway's caller, want %q", id, got, want.reason)
		}
		if hasRetryInfo(st) != want.retry {
			t.Errorf("%s: RetryInfo present = %v, want %v: %v", id, !want.retry, want.retry, st.Details())
		}
		var infos int
		for _, d := range st.Details() {
			if _, ok := d.(*errdetails.ErrorInfo); ok {
				infos++
			}
		}
		if infos != 1 {
			t.Errorf("%s: %d ErrorInfo details, want 1", id, infos)
		}
	}
}
