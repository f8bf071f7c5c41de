package controls_test

import (
	"strings"
	"testing"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/controls"
	"github.com/kitbench/kitbench/ui/keys"
)

// The view lists the controls in force with their countdowns, which move
// with the clock between the hub's updates; an ended control leaves.
func TestControlsViewCountsDown(t *testing.T) {
	v := controls.New(plain(), keys.Default())
	v.SetSize(120, 20)
	forced := wire.Control{Kind: wire.ControlBreaker, Target: "bookstore.GetBook", Breaker: wire.BreakerForceOpen,
		SetAt: t0, Until: t0.Add(130 * time.Second)}
	v.Update(hub.Snapshot{Instances: []hub.InstanceState{{Instance: hub.Instance{Key: bk2}, Controls: []wire.Control{fault("GetBook", 38*time.Second)}}}})
	v.Update(hub.ControlUpdate{Key: gw, Controls: []wire.Control{forced}})
	v.Update(ui.TickMsg{Now: t0})
	screen := v.View()
	for _, want := range []string{"2 controls in force", "bookstore-2", "fault", "GetBook", "error rate 1 (503)", "alice via kitbench", "38s",
		"gateway-1", "breaker", "forced open", "2m10s"} {
		if !strings.Contains(screen, want) {
			t.Errorf("no %q on screen:\n%s", want, screen)
		}
	}
	if strings.Index(screen, "bookstore-2") > strings.Index(screen, "gateway-1") {
		t.Errorf("the soonest end is not first:\n%s", screen)
	}
	v.Update(ui.TickMsg{Now: t0.Add(10 * time.Second)})
	if screen := v.View(); !strings.Contains(screen, "28s") || !strings.Contains(screen, "2m0s") {
		t.Errorf("10s later:\n%s", screen)
	}
	v.Update(ui.TickMsg{Now: t0.Add(40 * time.Second)})
	if screen := v.View(); strings.Contains(screen, "bookstore-2") || !strings.Contains(screen, "1 control in force") {
		t.Errorf("after the fault's end:\n%s", screen)
	}
	v.Update(hub.InstanceGone{Key: gw})
	v.Update(ui.TickMsg{Now: t0.Add(41 * time.Second)})
	if screen := v.View(); !strings.Contains(screen, "no control in force") {
		t.Errorf("after the instance left:\n%s", screen)
	}
}

// d asks before clearing the selected control, naming it; only y sends
// the clearing.
func TestControlsViewClearsOnYes(t *testing.T) {
	v := controls.New(plain(), keys.Default())
	v.SetSize(120, 20)
	v.Update(hub.ControlUpdate{Key: bk2, Controls: []wire.Control{fault("GetBook", 38*time.Second)}})
	v.Update(ui.TickMsg{Now: t0.Add(6 * time.Second)})
	if _, cmd := v.Update(press("d")); cmd != nil || !v.CapturesKeys() {
		t.Fatalf("d: cmd %v, asking %v", cmd, v.CapturesKeys())
	}
	if screen := v.View(); !strings.Contains(screen, "Clear fault GetBook: error rate 1 (503) on bookstore-2 now (32s left)?") {
		t.Fatalf("the question:\n%s", screen)
	}
	if help := v.ShortHelp(); len(help) == 0 || help[0].Help().Key != "y" {
		t.Errorf("the help while asking: %+v", help)
	}
	_, cmd := v.Update(press("n"))
	if w := writes(run(cmd)); len(w) != 0 || v.CapturesKeys() {
		t.Fatalf("n: writes %v", w)
	}
	v.Update(press("d"))
	_, cmd = v.Update(press("y"))
	w := writes(run(cmd))
	if len(w) != 1 || !w[0].Clear || w[0].Instance != bk2 || w[0].Kind != wire.ControlFault || w[0].Target != "GetBook" {
		t.Fatalf("y: writes %+v", w)
	}
}
