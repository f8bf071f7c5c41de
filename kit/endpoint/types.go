package endpoint

import (
	"context"
	"reflect"
	"runtime"
)

// typesProbe is the request TypesOf hands a Typed endpoint: the endpoint
// fills it in and returns without calling its function.
type typesProbe struct{ req, resp reflect.Type }

// typedName is the name the runtime gives the closures Typed returns.
var typedName = reflect.TypeFor[typesProbe]().PkgPath() + ".Typed[...].func1"

// TypesOf reports the request and response types of an endpoint that Typed
// returned, as it is (not wrapped in a middleware). For any other endpoint
// ok is false, and TypesOf does not call it; a Typed endpoint is asked
// without calling its function. Transports use it to describe an endpoint
// and to check, when they are built, that their decoder makes what the
// endpoint takes.
func TypesOf(e Endpoint) (req, resp reflect.Type, ok bool) {
	if e == nil {
		return nil, nil, false
	}
	if fn := runtime.FuncForPC(reflect.ValueOf(e).Pointer()); fn == nil || fn.Name() != typedName {
		return nil, nil, false
	}
	var p typesProbe
	if _, err := e(context.Background(), &p); err != nil || p.req == nil {
		return nil, nil, false
	}
	return p.req, p.resp, true
}
