package basic_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/kitbench/kitbench/kit/auth/basic"
	"github.com/kitbench/kitbench/kit/transport"
)

func ExampleMiddleware() {
	ep := basic.Middleware("admin", "secret", "bookstore")(func(context.Context, any) (any, error) {
		return "welcome", nil
	})

	r := httptest.NewRequest(http.MethodGet, "/admin", nil)
	r.SetBasicAuth("admin", "secret")
	fmt.Println(ep(basic.HTTPToContext(context.Background(), r), nil))

	r.SetBasicAuth("admin", "guess")
	_, err := ep(basic.HTTPToContext(context.Background(), r), nil)
	var h transport.Headerer
	errors.As(err, &h)
	fmt.Println(errors.Is(err, basic.ErrInvalid), transport.StatusOf(err), h.Headers().Get("WWW-Authenticate"))
	// Output:
	// welcome <nil>
	// true 401 Basic realm="bookstore", charset="UTF-8"
}
