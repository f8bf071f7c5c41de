package dashio

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/bookstore/booktest"
	"github.com/kitbench/kitbench/internal/workbench"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/introspect"
	"github.com/kitbench/kitbench/ui"
)

// fleetOf is the hub's view of one instance, by its admin listener.
func fleetOf(service, id, admin string) []hub.Instance {
	return []hub.Instance{{Key: hub.Key{Service: service, InstanceID: id}, Admin: "http://" + admin}}
}

func controlsIn(t *testing.T, admin string) []wire.Control {
	t.Helper()
	c, err := introspect.New(admin, introspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.Controls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return l.Controls
}

// The dashboard's control requests reach the instance's admin listener:
// a fault on one endpoint, on every endpoint when none is named, and
// their clearing.
func TestDashboardControlsAnInstance(t *testing.T) {
	inst := booktest.Start(t, bookstore.Config{InstanceID: "bookstore-2", Controls: &wire.ControlPolicy{}})
	a := New(t.TempDir())
	defer a.Close()
	fleet := fleetOf("bookstore", "bookstore-2", inst.AdminAddr)
	ctx := context.Background()
	req := ui.ControlMsg{Instance: fleet[0].Key, Kind: wire.ControlFault, Target: "GetBook",
		Request: wire.ControlRequest{TTL: wire.Duration(40 * time.Second), Fault: &wire.Fault{ErrorRate: 1}}}
	res := a.Control(ctx, req, fleet)
	if res.Err != "" || len(res.Changes) != 1 || res.Changes[0].Action != wire.ControlSet {
		t.Fatalf("set: %+v", res)
	}
	cs := controlsIn(t, inst.AdminAddr)
	if len(cs) != 1 || cs[0].Target != "GetBook" || cs[0].Fault.ErrorRate != 1 || cs[0].Until.Sub(cs[0].SetAt) != 40*time.Second {
		t.Fatalf("the instance's controls: %+v", cs)
	}
	req.Target = ""
	if res := a.Control(ctx, req, fleet); res.Err != "" || len(res.Changes) < 3 {
		t.Fatalf("a fault on every endpoint: %+v", res)
	}
	if n := len(controlsIn(t, inst.AdminAddr)); n < 3 {
		t.Fatalf("%d controls after a fault on every endpoint", n)
	}
	if res := a.Control(ctx, ui.ControlMsg{Instance: fleet[0].Key, Kind: wire.ControlFault, Clear: true}, fleet); res.Err != "" {
		t.Fatalf("clear: %+v", res)
	}
	if cs := controlsIn(t, inst.AdminAddr); len(cs) != 0 {
		t.Fatalf("after clearing the faults: %+v", cs)
	}
}

// A refusal says what to do, as the CLI does: enable controls, pass the
// admin token; an instance gone from the fleet is named.
func TestDashboardControlRefusalsSayWhatToDo(t *testing.T) {
	a := New(t.TempDir())
	defer a.Close()
	ctx := context.Background()
	breaker := func(k hub.Key) ui.ControlMsg {
		return ui.ControlMsg{Instance: k, Kind: wire.ControlBreaker, Target: "GetBook", Request: wire.ControlRequest{Breaker: wire.BreakerForceOpen}}
	}

	off := booktest.Start(t, bookstore.Config{InstanceID: "bookstore-1"})
	fleet := fleetOf("bookstore", "bookstore-1", off.AdminAddr)
	if res := a.Control(ctx, breaker(fleet[0].Key), fleet); !strings.Contains(res.Err, "has not enabled controls") {
		t.Errorf("writes disabled: %q", res.Err)
	}

	reg := wire.NewRegistry(wire.Info{Service: "bookstore", InstanceID: "bookstore-3"})
	h := wire.NewHandler(reg, wire.WithBearerToken("s3cret"), wire.WithControls(wire.ControlPolicy{}))
	defer h.Close()
	admin, err := wire.ListenAdmin("", h)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	fleet = fleetOf("bookstore", "bookstore-3", admin.Addr())
	if res := a.Control(ctx, breaker(fleet[0].Key), fleet); !strings.Contains(res.Err, workbench.AdminTokenEnv) {
		t.Errorf("no token: %q, want the hint to set %s", res.Err, workbench.AdminTokenEnv)
	}
	a.Token = "s3cret"
	if res := a.Control(ctx, breaker(fleet[0].Key), fleet); !strings.Contains(res.Err, "no breaker \"GetBook\"") {
		t.Errorf("with the token, an unknown breaker: %q", res.Err)
	}

	if res := a.Control(ctx, breaker(hub.Key{Service: "bookstore", InstanceID: "bookstore-9"}), fleet); !strings.Contains(res.Err, "bookstore-9 is not in the fleet") {
		t.Errorf("unknown instance: %q", res.Err)
	}
}
