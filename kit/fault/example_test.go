package fault_test

import (
	"context"
	"fmt"

	"github.com/kitbench/kitbench/kit/fault"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
)

func ExampleInjector() {
	inj := fault.New() // fault.WithRegistry(reg) lets the admin handler's controls set faults
	getBook := inj.Middleware("GetBook")(func(context.Context, any) (any, error) { return "Dune", nil })

	fmt.Println(getBook(context.Background(), nil))
	_ = inj.SetFault("GetBook", introspect.Fault{ErrorRate: 1, ErrorStatus: 500})
	_, err := getBook(context.Background(), nil)
	fmt.Println(transport.StatusOf(err), transport.ReasonOf(err))
	inj.ClearFault("GetBook")
	fmt.Println(getBook(context.Background(), nil))
	// Output:
	// Dune <nil>
	// 500 fault_injected
	// Dune <nil>
}
