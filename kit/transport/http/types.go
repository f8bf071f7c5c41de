package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"runtime"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect/schema"
)

// ErrTypeMismatch is wrapped by the error of a Server whose decoder makes a
// request of a type its endpoint (an endpoint.Typed) does not take: Router
// refuses such a Server at Handle, and the Server answers every request
// with 500 and reports the error to its error handler.
var ErrTypeMismatch = errors.New("kithttp: decoder and endpoint disagree on the request type")

// typeProbe is the request kit's generic decoders answer with a zero *T
// without reading anything, so a Server can learn T when it is built.
var typeProbe = new(http.Request)

// decoderNames are the runtime names of kit's generic decoders, the only
// decoders a Server ever calls with typeProbe.
var decoderNames = func() map[string]bool {
	pkg := reflect.TypeFor[Server]().PkgPath()
	return map[string]bool{pkg + ".DecodeJSONRequest[...]": true, pkg + ".JSONDecoder[...].func1": true}
}()

// requestTypeOf returns the type that dec — DecodeJSONRequest[T] or
// JSONDecoder[T]() — decodes into (*T), or nil for any other decoder, which
// it does not call.
func requestTypeOf(dec DecodeRequestFunc) reflect.Type {
	if dec == nil {
		return nil
	}
	if fn := runtime.FuncForPC(reflect.ValueOf(dec).Pointer()); fn == nil || !decoderNames[fn.Name()] {
		return nil
	}
	v, err := dec(context.Background(), typeProbe)
	if err != nil || v == nil {
		return nil
	}
	return reflect.TypeOf(v)
}

// learnTypes records what s's decoder makes and what its endpoint takes
// and returns, where kit's generic decoders and endpoint.Typed say, and
// sets s.wiring when the two disagree.
func (s *Server) learnTypes() {
	s.reqType = requestTypeOf(s.dec)
	req, resp, ok := endpoint.TypesOf(s.e)
	if !ok {
		return
	}
	s.respType = resp
	switch {
	case s.reqType == nil:
		s.reqType = req
	case s.reqType == req, s.reqType.Kind() == reflect.Pointer && s.reqType.Elem() == req:
	default:
		s.wiring = fmt.Errorf("%w: the decoder makes %v, the endpoint takes %v (or a pointer to it)", ErrTypeMismatch, s.reqType, req)
	}
}

// RequestType is the Go type the Server's decoder makes, when its decoder
// is DecodeJSONRequest[T] or JSONDecoder[T]() (*T) or its endpoint is an
// endpoint.Typed (its request type); nil when unknown. ResponseType is the
// endpoint.Typed's response type, nil when unknown. Router publishes both,
// with their fields, in the introspection info.
func (s *Server) RequestType() reflect.Type { return s.reqType }

// ResponseType: see RequestType.
func (s *Server) ResponseType() reflect.Type { return s.respType }

// wiringBug reports whether err says the service was wired wrongly (a
// request type an endpoint does not take): a bug the operator must see
// even when the service set no error handler.
func wiringBug(err error) bool {
	return errors.Is(err, endpoint.ErrRequestType) || errors.Is(err, ErrTypeMismatch)
}

// logWiring logs a wiring bug to slog.Default, for a Server with no error
// handler: the client gets a bare 500, and the cause must be somewhere.
func logWiring(ctx context.Context, err error) {
	slog.Default().ErrorContext(ctx, "kithttp: the service is wired wrongly: set kithttp.ServerErrorHandler to log where you choose",
		"err", err, "request_id", RequestIDFromContext(ctx))
}

// describeServer fills an EndpointDoc's request and response shapes, and
// a request template, from the types srv knows.
func describeServer(doc *schema.EndpointDoc, srv *Server) {
	var tmpl []byte
	doc.Request, tmpl = schema.DescribeType(srv.reqType)
	doc.RequestExample = tmpl
	doc.Response, _ = schema.DescribeType(srv.respType)
}
