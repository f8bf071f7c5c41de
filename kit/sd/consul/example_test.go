package consul_test

import (
	"context"
	"fmt"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/consul"
	"github.com/kitbench/kitbench/kit/sd/devregistry"
)

func Example() {
	// A dev registry stands in for Consul; in production NewClient("")
	// finds the agent through CONSUL_HTTP_ADDR.
	registry := devregistry.New(devregistry.Options{})
	ln, err := devregistry.Listen("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() { _ = registry.Serve(ln) }()
	defer registry.Close()

	client, err := consul.NewClient(ln.Addr().String())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	// The service side: announce an instance and keep its TTL check passing.
	reg, err := consul.NewRegistrar(client, sd.Instance{
		ID: "book-1", Service: "book", Address: "127.0.0.1:8080",
		Meta: map[string]string{sd.MetaAdmin: "http://127.0.0.1:9090"},
	}, consul.RegistrarOptions{})
	if err != nil {
		panic(err)
	}
	if err := reg.Register(ctx); err != nil {
		panic(err)
	}
	defer reg.Deregister(ctx)

	// The client side: watch the service.
	instancer := consul.NewInstancer(client, "book", consul.InstancerOptions{})
	defer instancer.Stop()
	events := make(chan sd.Event, 1)
	instancer.Register(events)
	ev := <-events
	for _, inst := range ev.Instances {
		fmt.Println(inst.ID, inst.Address, inst.Health, inst.Meta[sd.MetaAdmin])
	}
	// Output:
	// book-1 127.0.0.1:8080 passing http://127.0.0.1:9090
}
