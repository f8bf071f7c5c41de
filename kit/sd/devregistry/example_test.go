package devregistry_test

import (
	"context"
	"fmt"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/kit/sd/devregistry"
)

func Example() {
	reg := devregistry.New(devregistry.Options{})
	ln, err := devregistry.Listen("127.0.0.1:0") // tests; services use the default 127.0.0.1:8500
	if err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() { served <- reg.Serve(ln) }()

	// The unmodified Consul client talks to it.
	client, err := api.NewClient(&api.Config{Address: ln.Addr().String()})
	if err != nil {
		panic(err)
	}
	err = client.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: "book-1", Name: "book", Address: "127.0.0.1", Port: 8080,
		Check: &api.AgentServiceCheck{TTL: "10s", Status: api.HealthPassing},
	})
	if err != nil {
		panic(err)
	}
	entries, _, err := client.Health().Service("book", "", true, nil)
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		fmt.Println(e.Service.ID, e.Service.Address, e.Service.Port, e.Checks.AggregatedStatus())
	}

	_ = reg.Shutdown(context.Background())
	fmt.Println("serve:", <-served)
	// Output:
	// book-1 127.0.0.1 8080 passing
	// serve: <nil>
}
