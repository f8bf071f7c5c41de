package controls_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/controls"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

var (
	t0  = time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	bk2 = hub.Key{Service: "bookstore", InstanceID: "bookstore-2"}
	gw  = hub.Key{Service: "gateway", InstanceID: "gateway-1"}
)

func plain() *styles.Styles { st := styles.New(colorprofile.NoTTY); return &st }

func press(s string) tea.KeyPressMsg {
	named := map[string]tea.KeyPressMsg{
		"down": {Code: tea.KeyDown}, "up": {Code: tea.KeyUp}, "enter": {Code: tea.KeyEnter},
		"esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab}, "right": {Code: tea.KeyRight},
		"left": {Code: tea.KeyLeft}, "ctrl+u": {Code: 'u', Mod: tea.ModCtrl},
	}
	if k, ok := named[s]; ok {
		return k
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func fault(target string, ttl time.Duration) wire.Control {
	return wire.Control{Kind: wire.ControlFault, Target: target, Fault: &wire.Fault{ErrorRate: 1}, SetAt: t0, Until: t0.Add(ttl), By: "alice via kitbench"}
}

func TestCountdowns(t *testing.T) {
	for _, c := range []struct {
		left time.Duration
		want string
	}{{37200 * time.Millisecond, "38s"}, {2*time.Minute + 9500*time.Millisecond, "2m10s"}, {time.Second, "1s"}, {0, "0s"}, {-time.Second, "0s"}} {
		if got := controls.Left(t0, t0.Add(c.left)); got != c.want {
			t.Errorf("Left(%v) = %q, want %q", c.left, got, c.want)
		}
	}
	forced := wire.Control{Kind: wire.ControlBreaker, Target: "GetBook", Breaker: wire.BreakerForceOpen, Until: t0.Add(130 * time.Second)}
	if got := controls.Marker(forced, t0); got != "FORCED OPEN 2m10s" {
		t.Errorf("breaker marker %q", got)
	}
	if got := controls.ShortMarker(forced, t0); got != "F-OPEN 2m10s" {
		t.Errorf("short breaker marker %q", got)
	}
	forced.Breaker = wire.BreakerForceClosed
	if got := controls.ShortMarker(forced, t0); got != "F-CLOSED 2m10s" {
		t.Errorf("short breaker marker %q", got)
	}
	lim := wire.Control{Kind: wire.ControlLimiter, Target: "gateway", Limit: &wire.Limit{Rate: 5, Burst: 2}, Until: t0.Add(time.Minute)}
	if got := controls.Marker(lim, t0); got != "RATE 5/s burst 2 1m0s" {
		t.Errorf("limiter marker %q", got)
	}
	cs := []wire.Control{fault("GetBook", 38*time.Second), fault("ListBooks", time.Minute),
		{Kind: wire.ControlDrain, Until: t0.Add(4 * time.Minute)}, fault("Old", -time.Second)}
	if got := controls.InstanceMarker(cs, t0); got != "DRAINED 4m0s · 2 FAULTS 38s" {
		t.Errorf("instance marker %q", got)
	}
	if got := controls.InstanceMarker(cs[:1], t0.Add(30*time.Second)); got != "FAULT 8s" {
		t.Errorf("instance marker 30s on %q", got)
	}
	if got := controls.InstanceMarker(cs[:1], t0.Add(40*time.Second)); got != "" {
		t.Errorf("an ended fault still marked: %q", got)
	}
}

func TestFaultFormValidates(t *testing.T) {
	for _, c := range []struct {
		fault, amount, forFor string
		want                  error
	}{
		{controls.FaultError, "1", "40", controls.ErrFor},
		{controls.FaultError, "1", "2h", controls.ErrFor},
		{controls.FaultError, "1", "-5s", controls.ErrFor},
		{controls.FaultError, "1.5", "40s", controls.ErrShare},
		{controls.FaultError, "0", "40s", controls.ErrShare},
		{controls.FaultAbort, "-0.1", "40s", controls.ErrShare},
		{controls.FaultAbort, "half", "40s", controls.ErrShare},
		{controls.FaultLatency, "2m", "40s", controls.ErrLatency},
		{controls.FaultLatency, "200", "40s", controls.ErrLatency},
	} {
		f := controls.FaultForm(plain(), keys.Default(), bk2, []string{"GetBook"})
		f.Set("fault", c.fault)
		f.Set("latency", c.amount)
		f.Set("rate", c.amount)
		f.Set("for", c.forFor)
		if _, _, ok := f.Submit(); ok || f.Err() != c.want.Error() {
			t.Errorf("%s %q for %q: ok %v, error %q; want %v", c.fault, c.amount, c.forFor, ok, f.Err(), c.want)
		}
	}
	f := controls.FaultForm(plain(), keys.Default(), bk2, []string{"GetBook", "ListBooks"})
	f.Set("endpoint", "GetBook")
	f.Set("fault", controls.FaultError)
	f.Set("for", "40s")
	req, q, ok := f.Submit()
	if !ok || req.Instance != bk2 || req.Kind != wire.ControlFault || req.Target != "GetBook" ||
		req.Request.Fault.ErrorRate != 1 || time.Duration(req.Request.TTL) != 40*time.Second {
		t.Fatalf("a good form: %+v (%v, %q)", req, ok, f.Err())
	}
	if q != "Inject error rate 1 (503) into bookstore-2 GetBook for 40s?" {
		t.Errorf("question %q", q)
	}
	f.Set("endpoint", controls.AllEndpoints)
	if req, q, _ := f.Submit(); req.Target != "" || !strings.Contains(q, "every endpoint of bookstore-2") {
		t.Errorf("all endpoints: %+v %q", req, q)
	}
}

func TestLimitFormValidates(t *testing.T) {
	lim := wire.Limiter{Name: "gateway", Rate: 40, Burst: 20}
	for field, bad := range map[string]string{"rate": "0", "burst": "-1", "for": "forever"} {
		f := controls.LimitForm(plain(), keys.Default(), gw, lim)
		f.Set(field, bad)
		if _, _, ok := f.Submit(); ok || !strings.HasPrefix(f.Err(), field+":") {
			t.Errorf("%s %q: ok %v, error %q", field, bad, ok, f.Err())
		}
	}
	f := controls.LimitForm(plain(), keys.Default(), gw, lim)
	f.Set("rate", "5")
	req, q, ok := f.Submit()
	if !ok || req.Request.Limit.Rate != 5 || req.Request.Limit.Burst != 20 || req.Target != "gateway" {
		t.Fatalf("limit %+v %v", req, ok)
	}
	if q != "Set limiter gateway on gateway-1 to 5/s burst 20 (now 40/s burst 20) for 1m0s?" {
		t.Errorf("question %q", q)
	}
}

// run runs cmd and returns the messages it gives, batches opened.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch m := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range m {
			out = append(out, run(c)...)
		}
		return out
	case nil:
		return nil
	default:
		return []tea.Msg{m}
	}
}

func writes(msgs []tea.Msg) (out []ui.ControlMsg) {
	for _, m := range msgs {
		if c, ok := m.(ui.ControlMsg); ok {
			out = append(out, c)
		}
	}
	return out
}

// Through the prompt, only y sends a write: a form's enter asks first,
// and any other answer, or esc, sends nothing.
func TestPromptWritesOnlyOnYes(t *testing.T) {
	p := controls.NewPrompt(plain())
	open := func() {
		p.Edit(controls.FaultForm(plain(), keys.Default(), bk2, []string{"GetBook"}))
		for _, k := range []string{"right", "tab", "right", "tab", "tab", "ctrl+u", "4", "0", "s"} {
			p.Update(press(k)) // endpoint GetBook, fault error rate, for 40s
		}
	}
	for _, answer := range []string{"n", "esc", "q", "enter", "Y", "D"} {
		open()
		if w := writes(run(p.Update(press("enter")))); len(w) != 0 || !strings.HasPrefix(p.Question(), "Inject error rate 1 (503) into bookstore-2 GetBook for 40s") {
			t.Fatalf("enter in the form: writes %v, question %q", w, p.Question())
		}
		if w := writes(run(p.Update(press(answer)))); len(w) != 0 || p.Open() {
			t.Errorf("answer %q: writes %v, open %v", answer, w, p.Open())
		}
	}
	open()
	if w := writes(run(p.Update(press("esc")))); len(w) != 0 || p.Open() {
		t.Errorf("esc in the form: writes %v, open %v", w, p.Open())
	}
	open()
	p.Update(press("enter"))
	w := writes(run(p.Update(press("y"))))
	if len(w) != 1 || w[0].Target != "GetBook" || time.Duration(w[0].Request.TTL) != 40*time.Second || p.Open() {
		t.Fatalf("y: writes %+v, open %v", w, p.Open())
	}
	// A bad value keeps the form open, with the error on screen.
	p.Edit(controls.FaultForm(plain(), keys.Default(), bk2, nil))
	p.Update(press("tab"))
	p.Update(press("tab"))
	p.Update(press("x"))
	if w := writes(run(p.Update(press("enter")))); len(w) != 0 || p.Question() != "" || !strings.Contains(p.View(100), controls.ErrLatency.Error()) {
		t.Errorf("a bad latency: writes %v, question %q, view:\n%s", w, p.Question(), p.View(100))
	}
}
