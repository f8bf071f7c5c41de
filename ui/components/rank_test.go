package components

import (
	"testing"
	"time"
)

// Small moves keep the held value, so two rows with jittering figures keep
// their order; a move beyond the tolerance, or a Reset, takes the new one.
func TestRankHoldsAgainstJitter(t *testing.T) {
	r := NewRank(0.5, 0.25)
	r.Hold("a", 10)
	r.Hold("b", 9.5)
	var a, b float64
	for i, live := range [][2]float64{{9.2, 10.1}, {10.8, 9}, {9.9, 10.4}} {
		a, b = r.Hold("a", live[0]), r.Hold("b", live[1])
		if a != 10 || b != 9.5 {
			t.Fatalf("step %d: held %v, %v; want 10, 9.5 (jitter within 25%%)", i, a, b)
		}
	}
	if a = r.Hold("a", 20); a != 20 {
		t.Fatalf("a doubled: held %v, want 20", a)
	}
	if b = r.Hold("b", 0.4); b != 0.4 {
		t.Fatalf("b fell by more than the tolerance: held %v, want 0.4", b)
	}
	if z := r.Hold("z", 0); z != 0 || r.Hold("z", 0.4) != 0 {
		t.Fatal("a move under the absolute tolerance replaced a zero")
	}
	r.Reset()
	if a = r.Hold("a", 21); a != 21 {
		t.Fatalf("after Reset: held %v, want the live 21", a)
	}
	r.Sweep()
	r.Sweep() // b and z were not held since: forgotten
	if len(r.held) != 0 {
		t.Fatalf("after two sweeps without holds: %d kept", len(r.held))
	}
	var zero *Rank
	if zero.Hold("x", 3) != 3 {
		t.Fatal("a nil Rank does not pass values through")
	}
}

// A worse grade applies at once; a better one only after lasting Settle,
// and a flicker back restarts the wait.
func TestLatchSettlesImprovements(t *testing.T) {
	l := Latch{Settle: 10 * time.Second}
	t0 := time.Unix(0, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	if g := l.Grade("x", 3, at(0)); g != 3 {
		t.Fatalf("first grade %d, want 3", g)
	}
	if g := l.Grade("x", 0, at(1)); g != 0 {
		t.Fatalf("worse grade held back: %d, want 0 at once", g)
	}
	steps := []struct{ s, live, want int }{
		{2, 3, 0},  // better: wait
		{6, 3, 0},  // still waiting
		{8, 0, 0},  // flicker back to failing
		{9, 3, 0},  // the wait restarts
		{15, 1, 0}, // better, less so
		{19, 3, 1}, // lasted 10 s: the least gain seen applies
		{30, 3, 1}, // the rest waits in turn
		{40, 3, 3},
	}
	for _, st := range steps {
		if g := l.Grade("x", st.live, at(st.s)); g != st.want {
			t.Fatalf("at %ds live %d: grade %d, want %d", st.s, st.live, g, st.want)
		}
	}
}

func TestDurationAndCountdown(t *testing.T) {
	for d, want := range map[time.Duration]string{
		59999960761 * time.Nanosecond:               "1m0s",
		2*time.Minute + 29999992887*time.Nanosecond: "2m30s",
		250*time.Millisecond + 17*time.Microsecond:  "250ms",
		15*time.Microsecond + 300*time.Nanosecond:   "15µs",
		-(5*time.Second + 2*time.Millisecond):       "-5s",
		999*time.Millisecond + 700*time.Microsecond: "1s",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
	now := time.Unix(100, 0)
	for until, want := range map[time.Time]string{
		now.Add(100 * time.Second):                 "1m40s left",
		now.Add(99*time.Second + time.Millisecond): "1m40s left",
		now.Add(time.Nanosecond):                   "1s left",
		now:                                        "ending",
		{}:                                         "-",
	} {
		if got := Countdown(now, until); got != want {
			t.Errorf("Countdown(+%v) = %q, want %q", until.Sub(now), got, want)
		}
	}
}

// Rows drawn to one top share a scale: a small series stays low.
func TestSparklineToSharesAScale(t *testing.T) {
	if got := SparklineTo([]float64{1, 1}, 2, 8); got != "▁▁" {
		t.Errorf("1s on a scale to 8: %q, want low bars", got)
	}
	if got, own := SparklineTo([]float64{0, 8}, 2, 4), Sparkline([]float64{0, 8}, 2); got != own {
		t.Errorf("a value above top: %q, want its own scale %q", got, own)
	}
}
