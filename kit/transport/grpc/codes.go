package grpc

import (
	"net/http"

	"google.golang.org/grpc/codes"

	"github.com/kitbench/kitbench/kit/transport"
)

// Code translates an HTTP status, kit's transport-neutral vocabulary
// (transport.StatusOf), into the gRPC code with the same meaning,
// following grpc-go's HTTP/2 error handling and Google's API design guide.
// A status it does not know is Internal.
func Code(status int) codes.Code {
	switch status {
	case http.StatusOK:
		return codes.OK
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity,
		http.StatusUnsupportedMediaType, http.StatusRequestHeaderFieldsTooLarge:
		return codes.InvalidArgument
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusForbidden:
		return codes.PermissionDenied
	case http.StatusNotFound:
		return codes.NotFound
	case http.StatusConflict:
		return codes.AlreadyExists
	case http.StatusPreconditionFailed:
		return codes.FailedPrecondition
	case http.StatusTooManyRequests:
		return codes.ResourceExhausted
	case transport.StatusClientClosedRequest:
		return codes.Canceled
	case http.StatusNotImplemented, http.StatusMethodNotAllowed:
		return codes.Unimplemented
	case http.StatusServiceUnavailable, http.StatusBadGateway:
		return codes.Unavailable
	case http.StatusGatewayTimeout:
		return codes.DeadlineExceeded
	}
	return codes.Internal
}

// HTTPStatus translates a gRPC code into the HTTP status with the same
// meaning; it is Code's inverse for the codes Code produces, and the
// translation transport.StatusOf applies to an error carrying a gRPC
// status.
func HTTPStatus(code codes.Code) int { return transport.StatusOfGRPCCode(uint32(code)) }
