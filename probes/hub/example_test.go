package hub_test

import (
	"context"
	"fmt"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
)

func Example() {
	// One instance serving the introspection protocol.
	reg := wire.NewRegistry(wire.Info{Service: "books", InstanceID: "books-1"})
	h := wire.NewHandler(reg)
	defer h.Close()
	admin, err := wire.ListenAdmin("", h)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer admin.Close()

	// The hub, watching it as a static target.
	fleet, err := hub.New(hub.Options{Discovery: discovery.Options{Targets: []string{admin.Addr()}}, ScrapeInterval: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fleet.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fleet.WaitSettled(ctx); err != nil {
		fmt.Println(err)
		return
	}
	for _, in := range fleet.Snapshot().Instances {
		fmt.Println(in.Name(), in.Info.InstanceID, in.State, in.Intro)
	}
	// Output:
	// books books-1 up stream
}
