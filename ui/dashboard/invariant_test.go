package dashboard_test

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// TestUpdateAndViewNeverReadTheHub drives every view through its keys and
// every kind of message and renders after each step: the fleet (the hub's
// stand-in, which counts calls) is read by the bridge goroutine once at
// start and never by Update or View. With no I/O imports in ui/ (see
// ui.TestNoIOImports) that leaves them no way to reach a service.
func TestUpdateAndViewNeverReadTheHub(t *testing.T) {
	f := newFixture(t, colorprofile.ANSI256, 120, 40)
	deadline := time.Now().Add(5 * time.Second)
	for f.fleet.count() < 1 { // the bridge's start-up snapshot
		if time.Now().After(deadline) {
			t.Fatal("the bridge never read the snapshot")
		}
		time.Sleep(time.Millisecond)
	}
	base := f.fleet.count()
	f.send(demoFleet()...)
	f.send(hub.Dropped{N: 3}, hub.SpanBatch{Key: gw}, ui.OpenTraceMsg{TraceID: tripTraces[0]}, hub.Snapshot{})
	f.send(demoFleet()...)
	for _, k := range strings.Fields("j k G g s s enter esc 2 j enter down enter esc s 3 s 4 j 1 ? ? / x esc tab tab : b enter") {
		f.keys(k)
		a, b := f.screen(), f.screen()
		if a != b {
			t.Fatalf("after %q: rendering twice gave different frames", k)
		}
	}
	if got := f.fleet.count(); got != base {
		t.Errorf("Update or View read the fleet %d times", got-base)
	}
	if !strings.Contains(f.screen(), "3 updates dropped") {
		t.Errorf("the status line should count the dropped updates:\n%s", f.screen())
	}
}
