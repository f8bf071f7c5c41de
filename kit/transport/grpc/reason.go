package grpc

import (
	"errors"
	"strings"

	"github.com/kitbench/kitbench/kit/transport"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"
)

// errorInfo is the google.rpc.ErrorInfo detail that carries reason on the
// wire. ErrorInfo asks for UPPER_SNAKE_CASE reasons, so kit's lower-case
// reasons are sent upper-cased and read back lower-cased.
func errorInfo(reason string) *errdetails.ErrorInfo {
	return &errdetails.ErrorInfo{Reason: strings.ToUpper(reason), Domain: transport.ReasonDomain}
}

// ReasonOf returns the reason carried by st, lower-cased: that of its
// google.rpc.ErrorInfo detail in transport.ReasonDomain, else that of its
// first ErrorInfo of any domain; "" when it has none or the reason is not
// a well-formed one (see transport.Reasoner). A nil st has no reason.
func ReasonOf(st *status.Status) string {
	if st == nil {
		return ""
	}
	first := ""
	for _, a := range st.Proto().GetDetails() {
		var ei errdetails.ErrorInfo
		if !a.MessageIs(&ei) || a.UnmarshalTo(&ei) != nil {
			continue
		}
		r := strings.ToLower(ei.GetReason())
		if !transport.ValidReason(r) {
			continue
		}
		if ei.GetDomain() == transport.ReasonDomain {
			return r
		}
		if first == "" {
			first = r
		}
	}
	return first
}

// callerReason is the reason a server sends for err, which carries the
// status st (nil when it carries none): a Reasoner's in err's chain, else
// the reason st carries as a gateway passes it on
// (transport.PassOnReason), else the one transport.ReasonOf derives from
// the status.
func callerReason(err error, st *status.Status) string {
	var rs transport.Reasoner
	if errors.As(err, &rs) && transport.ValidReason(rs.ErrorReason()) {
		return transport.ReasonOf(err)
	}
	if r := transport.PassOnReason(ReasonOf(st)); r != "" {
		return r
	}
	return transport.ReasonOf(err)
}

// reDetail returns st's details with kit's ErrorInfo replaced by one for
// reason (none when reason is ""), and without RetryInfo when st's own
// reason is breaker_open: that wait belongs to the one upstream instance
// whose breaker refused, not to the caller of the service passing it on.
func reDetail(details []*anypb.Any, upstream, reason string) []*anypb.Any {
	out := make([]*anypb.Any, 0, len(details)+1)
	for _, a := range details {
		var ei errdetails.ErrorInfo
		if a.MessageIs(&ei) && a.UnmarshalTo(&ei) == nil && ei.GetDomain() == transport.ReasonDomain {
			continue
		}
		if upstream == transport.ReasonBreakerOpen && a.MessageIs(&errdetails.RetryInfo{}) {
			continue
		}
		out = append(out, a)
	}
	if reason != "" {
		if a, err := anypb.New(errorInfo(reason)); err == nil {
			out = append(out, a)
		}
	}
	return out
}
