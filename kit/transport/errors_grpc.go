package transport

import (
	"math"
	"net/http"
	"reflect"
)

// statusNode is the error in a chain that chose the call's status.
type statusNode struct {
	status int    // 0 when no error in the chain chose one
	msg    string // the choosing error's own text (a ClientMessager's, a gRPC status's message or its Error())
}

// statusNodeOf walks err's chain depth first, as errors.As does, and
// returns the first error that chooses a status: a StatusCoder, or an error
// carrying a gRPC status (a GRPCStatus method, as the errors of
// google.golang.org/grpc/status have), whose code maps through
// StatusOfGRPCCode.
func statusNodeOf(err error) statusNode {
	for err != nil {
		if n, ok := ownStatus(err); ok {
			return n
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if n := statusNodeOf(e); n.status != 0 {
					return n
				}
			}
			return statusNode{}
		default:
			return statusNode{}
		}
	}
	return statusNode{}
}

// ownStatus reports the status err itself (not its chain) chooses.
func ownStatus(err error) (statusNode, bool) {
	if sc, ok := err.(StatusCoder); ok {
		code := sc.StatusCode()
		if code < 400 || code > 599 {
			code = 500
		}
		return statusNode{status: code, msg: ownMessage(err)}, true
	}
	if code, msg, ok := grpcStatus(err); ok {
		status := http.StatusInternalServerError // a code past uint32 is none gRPC has
		if code <= math.MaxUint32 {
			status = StatusOfGRPCCode(uint32(code))
		}
		n := statusNode{status: status, msg: msg}
		if cm, ok := err.(ClientMessager); ok {
			n.msg = cm.ClientMessage()
		}
		return n, true
	}
	return statusNode{}, false
}

func ownMessage(err error) string {
	if cm, ok := err.(ClientMessager); ok {
		return cm.ClientMessage()
	}
	return err.Error()
}

// grpcStatus reads the code and message of the gRPC status err carries
// through its GRPCStatus method, without importing grpc's status package
// (which would bring protobuf into every program that imports this one).
// The method's result must have Code() of an unsigned kind (codes.Code)
// and Message() string, as *status.Status has; a nil result, a nil
// receiver and code OK carry no status.
func grpcStatus(err error) (code uint64, msg string, ok bool) {
	v := reflect.ValueOf(err)
	m := v.MethodByName("GRPCStatus")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
		return 0, "", false
	}
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return 0, "", false
	}
	st := m.Call(nil)[0]
	if st.Kind() != reflect.Pointer && st.Kind() != reflect.Interface || st.IsNil() {
		return 0, "", false
	}
	cm, mm := st.MethodByName("Code"), st.MethodByName("Message")
	if !cm.IsValid() || !mm.IsValid() || cm.Type().NumIn() != 0 || mm.Type().NumIn() != 0 ||
		cm.Type().NumOut() != 1 || mm.Type().NumOut() != 1 ||
		mm.Type().Out(0).Kind() != reflect.String {
		return 0, "", false
	}
	switch cm.Type().Out(0).Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
	default:
		return 0, "", false
	}
	code = cm.Call(nil)[0].Uint()
	if code == 0 {
		return 0, "", false
	}
	return code, mm.Call(nil)[0].String(), true
}

// StatusOfGRPCCode translates a gRPC status code, by its number in the
// gRPC protocol (which never changes), into the HTTP status with the same
// meaning: the one table kit uses both ways (kit/transport/grpc's
// HTTPStatus is this on a codes.Code). It is kept here by number so that
// this package need not import grpc. Unknown, Internal, DataLoss and codes
// yet to come are 500.
func StatusOfGRPCCode(code uint32) int {
	switch code {
	case 0: // OK
		return http.StatusOK
	case 3, 11: // InvalidArgument, OutOfRange
		return http.StatusBadRequest
	case 16: // Unauthenticated
		return http.StatusUnauthorized
	case 7: // PermissionDenied
		return http.StatusForbidden
	case 5: // NotFound
		return http.StatusNotFound
	case 6, 10: // AlreadyExists, Aborted
		return http.StatusConflict
	case 9: // FailedPrecondition
		return http.StatusPreconditionFailed
	case 8: // ResourceExhausted
		return http.StatusTooManyRequests
	case 1: // Canceled
		return StatusClientClosedRequest
	case 12: // Unimplemented
		return http.StatusNotImplemented
	case 14: // Unavailable
		return http.StatusServiceUnavailable
	case 4: // DeadlineExceeded
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError // Unknown, Internal, DataLoss and codes yet to come
}
