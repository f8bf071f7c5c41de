package discovery_test

import (
	"context"
	"fmt"

	"github.com/kitbench/kitbench/probes/discovery"
)

func ExampleList() {
	// Static targets need no registry; Options{} would read the registry
	// named by CONSUL_HTTP_ADDR, else 127.0.0.1:8500.
	snap, err := discovery.List(context.Background(), discovery.Options{Targets: []string{"127.0.0.1:9090"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, inst := range snap.Instances() {
		fmt.Println(snap.Source, inst.Service, inst.ID, inst.Meta["kit_admin"])
	}
	// Output:
	// static targets static 127.0.0.1:9090 http://127.0.0.1:9090
}
