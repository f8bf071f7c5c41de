package introspect_test

import (
	"context"
	"fmt"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/introspect"
)

func Example() {
	// A service's side: a registry served on a loopback admin listener.
	reg := wire.NewRegistry(wire.Info{Service: "books", InstanceID: "books-1"})
	h := wire.NewHandler(reg)
	defer h.Close()
	srv, err := wire.ListenAdmin("", h)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	// kitbench's side.
	c, err := introspect.New(srv.Addr(), introspect.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := c.Info(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s protocol v%d\n", info.Service, info.InstanceID, info.Protocol)
	// Output:
	// books books-1 protocol v1
}
