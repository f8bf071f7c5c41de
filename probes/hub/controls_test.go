package hub_test

import (
	"context"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/bookstore/booktest"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/introspect"
)

// A control set on a live instance reaches the hub over /events with its
// expiry, and its clearing too; one set before the hub attached (a forced
// breaker) comes
// from /info.
func TestHubFollowsAnInstancesControls(t *testing.T) {
	inst := booktest.Start(t, bookstore.Config{InstanceID: "bookstore-2", Controls: &wire.ControlPolicy{}})
	c, err := introspect.New(inst.AdminAddr, introspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.SetControl(ctx, wire.ControlBreaker, "GetBook", wire.ControlRequest{TTL: wire.Duration(time.Minute), Breaker: wire.BreakerForceOpen}); err != nil {
		t.Fatal(err)
	}
	fleet, err := hub.New(hub.Options{Discovery: discovery.Options{Targets: []string{inst.AdminAddr}}, ScrapeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	sub := fleet.Subscribe(0)
	defer sub.Close()
	if err := fleet.WaitSettled(ctx); err != nil {
		t.Fatal(err)
	}
	// wait reads the stream until the instance's controls satisfy ok.
	wait := func(what string, ok func([]wire.Control) bool) hub.ControlUpdate {
		t.Helper()
		for {
			m, err := sub.Next(ctx)
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			if cu, is := m.(hub.ControlUpdate); is && ok(cu.Controls) {
				return cu
			}
		}
	}
	// /info may have been read before the subscription: the snapshot has it.
	if cs := fleet.Snapshot().Instances[0].Controls; len(cs) != 1 || cs[0].Kind != wire.ControlBreaker {
		t.Fatalf("controls from /info: %+v, want the forced breaker", cs)
	}

	set, err := c.SetControl(ctx, wire.ControlFault, "GetBook", wire.ControlRequest{TTL: wire.Duration(40 * time.Second),
		Fault: &wire.Fault{ErrorRate: 1}})
	if err != nil {
		t.Fatal(err)
	}
	cu := wait("the fault", func(cs []wire.Control) bool { return len(cs) == 2 })
	if f := cu.Controls[1]; f.Kind != wire.ControlFault || f.Target != "GetBook" || !f.Until.Equal(set.Control.Until) {
		t.Fatalf("fault as the hub has it: %+v; set %+v", f, set.Control)
	}
	if cu.Change == nil || cu.Change.Action != wire.ControlSet {
		t.Errorf("the fault's update carries no set event: %+v", cu.Change)
	}
	if _, err := c.ClearControls(ctx); err != nil {
		t.Fatal(err)
	}
	wait("the clearing", func(cs []wire.Control) bool { return len(cs) == 0 })
}
