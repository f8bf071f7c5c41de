package hub

import (
	"testing"
	"time"

	"github.com/kitbench/kitbench/probes/discovery"
)

// within reports whether d is within ±10 % of want (the jitter).
func within(d, want time.Duration) bool { return d >= want-want/10 && d <= want+want/10 }

func TestBudgetSpreadsTheRestAndKeepsFocusAtFullRate(t *testing.T) {
	b := newBudget(200, 500*time.Millisecond, 2*time.Second)
	b.add(10)
	if d := b.period(Key{"s", "a"}, 2*time.Second, 0); !within(d, 2*time.Second) {
		t.Errorf("10 instances within the budget: period %v, want the full rate, 2s", d)
	}
	b.add(990)
	// 1,000 instances × 3 requests per round at 200/s: every 15 s.
	if d := b.period(Key{"s", "a"}, 2*time.Second, 0); !within(d, 15*time.Second) {
		t.Errorf("1,000 instances: period %v, want about 15s", d)
	}
	if d := b.period(Key{"s", "a"}, 2*time.Second, 10); !within(d, 8*15*time.Second) {
		t.Errorf("an idle instance: period %v, want backed off 8 times, about 2m", d)
	}
	b.setFocus([]Key{{"s", "a"}})
	if d := b.period(Key{"s", "a"}, 2*time.Second, 10); d != 2*time.Second {
		t.Errorf("a focused instance: period %v, want exactly the full rate, 2s", d)
	}
	if slow, n := b.slowest(); n != 1000 || slow < 14*time.Second {
		t.Errorf("slowest = %v over %d instances, want about 15s over 1000", slow, n)
	}
}

// TestIdleConnectionsLastForFullRateRoundsOnly: a focused instance's
// next round comes before its idle connection is closed, an off-screen
// instance's round in a fleet of 1,000 after it, so that connection is
// not held (with its two goroutines) for nothing in between.
func TestIdleConnectionsLastForFullRateRoundsOnly(t *testing.T) {
	b := newBudget(200, 500*time.Millisecond, 2*time.Second)
	b.add(1000)
	keep := idleKeep(b)
	b.setFocus([]Key{{"s", "a"}})
	for _, base := range []time.Duration{b.intro, b.scrape} {
		if d := b.period(Key{"s", "a"}, base, 10); d >= keep {
			t.Errorf("a focused instance's round every %v: its connection closes after %v idle", d, keep)
		}
		if d := b.period(Key{"s", "b"}, base, 0); d <= keep {
			t.Errorf("an off-screen instance of 1,000, round every %v: its connection is kept %v", d, keep)
		}
	}
	h, err := New(Options{Discovery: discovery.Options{Targets: []string{"127.0.0.1:1"}}, ScrapeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.tr.IdleConnTimeout != idleKeep(h.budget) || h.tr.ReadBufferSize != connBuffer || h.tr.WriteBufferSize != connBuffer {
		t.Errorf("the hub's transport: idle %v, buffers %d/%d", h.tr.IdleConnTimeout, h.tr.ReadBufferSize, h.tr.WriteBufferSize)
	}
}
