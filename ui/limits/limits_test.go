package limits_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/limits"
	"github.com/kitbench/kitbench/ui/styles"
)

var (
	t0 = time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	gw = hub.Key{Service: "gateway", InstanceID: "gateway-1"}
	bk = hub.Key{Service: "bookstore", InstanceID: "bookstore-1"}
)

func send(v ui.View, msgs ...tea.Msg) {
	for _, m := range msgs {
		v.Update(m)
	}
}

func TestRejectionsSparklineAndOrder(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	v := limits.New(&st, keys.Default())
	v.SetSize(100, 10)
	quiet := wire.Limiter{Name: "a-quiet", Mode: "error", Rate: 100, Burst: 10, Tokens: 10, Allowed: 5}
	send(v, hub.LimiterUpdate{Key: bk, Limiter: quiet})
	var rejected uint64
	for i := range 8 {
		if i >= 4 {
			rejected += uint64(10 * i)
		}
		send(v, hub.LimiterUpdate{Key: gw, Limiter: wire.Limiter{Name: "gateway", Mode: "error", Rate: 20, Burst: 5, Tokens: 0.5, Allowed: uint64(100 * i), Rejected: rejected}},
			ui.TickMsg{Now: t0.Add(time.Duration(i) * time.Second)})
	}
	lines := strings.Split(v.View(), "\n")
	if !strings.Contains(lines[0], "2 limiters") || !strings.Contains(lines[0], "1 rejecting now") || !strings.Contains(lines[0], "rejected 220") {
		t.Errorf("summary: %q", lines[0])
	}
	if !strings.Contains(lines[2], "gateway-1") || !strings.HasSuffix(strings.TrimRight(lines[2], " "), "▁▁▁▅▆▇█") {
		t.Errorf("the rejecting limiter should be first, its sparkline rising: %q", lines[2])
	}
	for _, want := range []string{"20/s", "0.5", "700", "220"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("row lacks %q: %q", want, lines[2])
		}
	}
	send(v, tea.KeyPressMsg{Code: 's', Text: "s"})
	if lines := strings.Split(v.View(), "\n"); !strings.Contains(lines[2], "a-quiet") {
		t.Errorf("sorted by name: %q", lines[2])
	}
	send(v, hub.InstanceGone{Key: gw}, ui.TickMsg{Now: t0.Add(9 * time.Second)})
	if strings.Contains(v.View(), "gateway-1") {
		t.Error("gone instance still listed")
	}
}
