package invoke

import (
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc/status"
)

// grpcReason is the reason a status carries in its google.rpc.ErrorInfo
// detail, lower-cased; "" when none.
func grpcReason(st *status.Status) string { return kitgrpc.ReasonOf(st) }

// reason keeps an HTTP error body's "reason" field when it is a
// well-formed reason (a short lower_snake_case token), so that text from
// an unknown server is not presented as a cause.
func reason(s string) string {
	if transport.ValidReason(s) {
		return s
	}
	return ""
}
