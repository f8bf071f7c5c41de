package instances_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// detailOf opens the detail of the first instance listed under filter.
func detailOf(t *testing.T, v ui.View, filter string) ui.View {
	t.Helper()
	send(v, ui.FilterMsg{Query: filter})
	cmd := send(v, tea.KeyPressMsg{Code: tea.KeyEnter})
	push, ok := cmd().(ui.PushMsg)
	if !ok {
		t.Fatal("enter pushed no view")
	}
	push.View.SetSize(120, 30)
	return push.View
}

func keyPress(s string) tea.KeyPressMsg {
	if s == "enter" {
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

// withEndpoints is zeta-1 documenting two endpoints, GetBook over two
// transports and ListBooks.
func withEndpoints() hub.InstanceUpdate {
	in := inst(key("zeta", "zeta-1"), hub.StateUp, "passing")
	in.Info = &wire.Info{Service: "zeta", Endpoints: []wire.EndpointDoc{
		{Name: "GetBook", Transport: "grpc", GRPCMethod: "/books.v1.Books/GetBook"},
		{Name: "GetBook", Transport: "http", HTTPMethod: "GET", HTTPPath: "/books/{id}"},
		{Name: "ListBooks", Transport: "http", HTTPMethod: "GET", HTTPPath: "/books"},
	}}
	return hub.InstanceUpdate{Instance: in}
}

// The detail lists the instance's controls in force with their
// countdown, which moves with the clock; a control that ends leaves, and
// one set later (a ControlUpdate) arrives.
func TestDetailListsItsControls(t *testing.T) {
	v := newView()
	g := key("zeta", "zeta-1")
	set := t0.Add(10 * time.Second)
	send(v, append(fleet(), withEndpoints(), hub.ControlUpdate{Key: g, Controls: []wire.Control{
		{Kind: wire.ControlFault, Target: "GetBook", Fault: &wire.Fault{Latency: wire.Duration(200 * time.Millisecond)},
			SetAt: set, Until: set.Add(time.Minute), By: "alice via kitbench"},
		{Kind: wire.ControlBreaker, Target: "b1", Breaker: wire.BreakerForceOpen, SetAt: set, Until: set.Add(20 * time.Second)},
	}}, hub.ControlUpdate{Key: key("alpha", "alpha-1"), Controls: []wire.Control{{Kind: wire.ControlDrain, Until: set.Add(time.Hour)}}},
		ui.TickMsg{Now: t0.Add(15 * time.Second)})...)
	d := detailOf(t, v, "zeta")
	out := d.View()
	for _, want := range []string{"Controls (2)", "KIND", "TARGET", "WHAT", "LEFT",
		"fault", "GetBook", "latency 200ms", "alice via kitbench", "55s", "breaker", "forced open", "15s"} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "drain") {
		t.Errorf("another instance's control in the detail:\n%s", out)
	}
	if strings.Index(out, "forced open") > strings.Index(out, "latency 200ms") {
		t.Errorf("the control that ends first should come first:\n%s", out)
	}
	send(d, ui.TickMsg{Now: t0.Add(40 * time.Second)})
	if out := d.View(); !strings.Contains(out, "Controls (1)") || !strings.Contains(out, "30s") || strings.Contains(out, "forced open") {
		t.Errorf("25 s later the fault has 30s left and the breaker's control ended:\n%s", out)
	}
	send(d, hub.ControlUpdate{Key: g}, ui.TickMsg{Now: t0.Add(41 * time.Second)})
	if out := d.View(); strings.Contains(out, "Controls (") {
		t.Errorf("cleared controls still listed:\n%s", out)
	}
}

// In the detail, j chooses an endpoint and f opens the fault form with
// it chosen: the question, and the write after y, name that endpoint.
func TestDetailFaultFormOnTheChosenEndpoint(t *testing.T) {
	v := newView()
	send(v, append(fleet(), withEndpoints(), ui.TickMsg{Now: t0.Add(15 * time.Second)})...)
	d := detailOf(t, v, "zeta")
	if !strings.Contains(d.View(), "> GetBook") {
		t.Fatalf("the first endpoint is not chosen:\n%s", d.View())
	}
	send(d, keyPress("j"), keyPress("j"))
	if out := d.View(); !strings.Contains(out, "> ListBooks") {
		t.Fatalf("j j did not choose ListBooks:\n%s", out)
	}
	send(d, keyPress("f"))
	if c, ok := d.(ui.KeyCapturer); !ok || !c.CapturesKeys() {
		t.Fatal("the form does not have the keyboard")
	}
	out := d.View()
	if !strings.Contains(out, "Inject a fault into zeta-1") || !strings.Contains(out, "‹ ListBooks ›") {
		t.Fatalf("f did not open the form on ListBooks:\n%s", out)
	}
	if lines := strings.Split(out, "\n"); len(lines) > 30 {
		t.Errorf("the detail with its form draws %d lines in 30", len(lines))
	}
	send(d, keyPress("enter"))
	if out := d.View(); !strings.Contains(out, "Inject latency 200ms into zeta-1 ListBooks for 1m0s?") {
		t.Fatalf("enter did not ask about ListBooks:\n%s", out)
	}
	cmd := send(d, keyPress("y"))
	if cmd == nil {
		t.Fatal("y sent nothing")
	}
	req, ok := cmd().(ui.ControlMsg)
	if !ok || req.Kind != wire.ControlFault || req.Target != "ListBooks" || req.Instance != key("zeta", "zeta-1") {
		t.Fatalf("y gave %+v, want a fault on zeta-1 ListBooks", req)
	}
	// D asks before a drain; n sends nothing.
	send(d, keyPress("D"))
	if !strings.Contains(d.View(), "Drain zeta-1 for 1m0s?") {
		t.Fatalf("D did not ask:\n%s", d.View())
	}
	if _, sent := send(d, keyPress("n"))().(ui.ControlMsg); sent {
		t.Error("n sent the drain")
	}
}
