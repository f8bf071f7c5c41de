package hub

import (
	"testing"
	"time"
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
