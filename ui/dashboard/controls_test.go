package dashboard_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/dashboard"
	"github.com/kitbench/kitbench/ui/styles"
)

// fakeController records the writes that reach it.
type fakeController struct {
	mu   sync.Mutex
	reqs []ui.ControlMsg
	err  string
}

func (c *fakeController) Control(_ context.Context, req ui.ControlMsg, _ []hub.Instance) ui.ControlledMsg {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs = append(c.reqs, req)
	return ui.ControlledMsg{Err: c.err}
}

func (c *fakeController) got() []ui.ControlMsg { c.mu.Lock(); defer c.mu.Unlock(); return c.reqs }

// withControls is the demo fleet with controls in force 19 s in: a fault
// on bookstore-2's GetBook, the gateway's GetBook breaker held open and
// its ListBooks breaker held closed, its limiter lowered.
func withControls() []tea.Msg {
	set := t0.Add(10 * time.Second)
	return append(demoFleet(),
		hub.ControlUpdate{Key: bk2, Controls: []wire.Control{{Kind: wire.ControlFault, Target: "GetBook",
			Fault: &wire.Fault{ErrorRate: 1}, SetAt: set, Until: set.Add(47 * time.Second), By: "alice via kitbench on dev"}}},
		hub.ControlUpdate{Key: gw, Controls: []wire.Control{
			{Kind: wire.ControlBreaker, Target: "bookstore.GetBook", Breaker: wire.BreakerForceOpen, SetAt: set, Until: set.Add(139 * time.Second), By: "bob via kitbench"},
			{Kind: wire.ControlBreaker, Target: "bookstore.ListBooks", Breaker: wire.BreakerForceClosed, SetAt: set, Until: set.Add(30 * time.Minute), By: "bob via kitbench"},
			{Kind: wire.ControlLimiter, Target: "gateway", Limit: &wire.Limit{Rate: 5}, SetAt: set, Until: set.Add(5 * time.Minute), From: "127.0.0.1:50112"}}},
		ui.TickMsg{Now: t0.Add(19 * time.Second)},
	)
}

// TestGoldenControls pins the screens with controls in force: their
// markers on the rows, the controls view, a form and a question.
// Regenerate with: go test ./ui/dashboard -run TestGoldenControls -update
func TestGoldenControls(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, s := range []struct{ name, keys string }{
			{"controls", "5"},
			{"controls_clear", "5 d"},
			{"instances_controls", ""},
			{"fault_form", "/ b o o k s t o r e - 2 enter f right tab right"},
			{"breakers_controls", "2"},
			{"breaker_force", "2 O"},
			{"limits_controls", "3 L"},
		} {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], s.name), func(t *testing.T) {
				f := newFixture(t, colorprofile.NoTTY, size[0], size[1])
				f.send(withControls()...)
				f.keys(s.keys)
				golden.RequireEqual(t, f.screen())
			})
		}
	}
}

// run runs cmd, opening batches, and gives every message to the
// dashboard but ticks (a notice's expiry), running what they return in
// turn: a key's whole consequence. Bounded: a chain longer than 50 steps
// fails.
func (f *fixture) run(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 50 {
			f.t.Fatal("a key's commands did not settle in 50 steps")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(200 * time.Millisecond):
			continue // a timer (a notice's expiry): not part of the key's work
		}
		switch m := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, m...)
		default:
			queue = append(queue, f.send(m))
		}
	}
}

// Every write the dashboard makes is asked first: a key and any answer
// but y reach nothing; y does, with what the question named.
func TestControlKeysAskFirst(t *testing.T) {
	ctl := &fakeController{}
	st := styles.New(colorprofile.NoTTY)
	m, err := dashboard.New(dashboard.Options{Styles: &st, Controls: ctl}, &fakeFleet{}, make(chanStream))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	f := &fixture{t: t, m: m}
	f.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	f.send(withControls()...)
	for _, seq := range []string{
		"1 f enter n", "1 f enter esc", "1 f esc", "1 D n", "1 D q", "1 D enter",
		"2 O n", "2 C esc", "2 R D", "3 L enter x", "5 d n", "5 d d",
	} {
		for _, k := range strings.Fields(seq) {
			f.run(f.send(press(k)))
		}
		if got := ctl.got(); len(got) != 0 {
			t.Fatalf("%q reached the controller: %+v", seq, got)
		}
	}
	for _, c := range []struct{ seq, what string }{
		{"2 O y", "force breaker"},
		{"1 D y", "drain"},
		{"5 d y", "clear"},
		{"3 L enter y", "set limiter gateway on gateway-1 to 40/s burst 20"},
	} {
		before := len(ctl.got())
		for _, k := range strings.Fields(c.seq) {
			f.run(f.send(press(k)))
		}
		got := ctl.got()
		if len(got) != before+1 || !strings.HasPrefix(got[before].What, c.what) {
			t.Fatalf("%q: the controller got %+v, want one write %q…", c.seq, got[before:], c.what)
		}
	}
	// A refusal shows in the status line, with what to do.
	ctl.err = "bookstore-2 needs its admin token: pass --admin-token or set KITBENCH_ADMIN_TOKEN"
	for _, k := range strings.Fields("5 d y") {
		f.run(f.send(press(k)))
	}
	if s := f.screen(); !strings.Contains(s, "not done: bookstore-2 needs its admin token") {
		t.Errorf("the refusal is not on screen:\n%s", s)
	}
}
