package hub_test

import (
	"context"
	"testing"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
)

// A static target has no registry to check it: its health is unknown,
// and it is shown by the service and instance ID it reports itself.
func TestStaticTargetHealthUnknownAndOwnID(t *testing.T) {
	reg := wire.NewRegistry(wire.Info{Service: "books", InstanceID: "books-1"})
	h := wire.NewHandler(reg)
	defer h.Close()
	admin, err := wire.ListenAdmin("", h)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	fleet, err := hub.New(hub.Options{Discovery: discovery.Options{Targets: []string{admin.Addr()}}, ScrapeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fleet.WaitSettled(ctx); err != nil {
		t.Fatal(err)
	}
	insts := fleet.Snapshot().Instances
	if len(insts) != 1 {
		t.Fatalf("%d instances, want 1", len(insts))
	}
	in := insts[0]
	if in.Health != "" || in.ID() != "books-1" || in.Name() != "books" || in.InstanceID == "books-1" {
		t.Fatalf("health %q, id %q (key %q), name %q; want no health, books-1 from introspection, books",
			in.Health, in.ID(), in.InstanceID, in.Name())
	}
}
