package monotime

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestDurationsFollowTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := Now()
		time.Sleep(3 * time.Second)
		if d := Now() - start; d != 3*time.Second {
			t.Errorf("Now advanced %v over a 3 s sleep", d)
		}
		end := time.Now()
		time.Sleep(time.Second)
		if d := Of(end) - start; d != 3*time.Second {
			t.Errorf("Of(end) is %v after start, want 3s", d)
		}
	})
}

func TestTimeComparesWithTimeNow(t *testing.T) {
	check := func(t *testing.T) {
		t.Helper()
		before := time.Now()
		got := Time()
		after := time.Now()
		if got.Before(before) || got.After(after) {
			t.Errorf("Time() = %v, not between %v and %v", got, before, after)
		}
	}
	check(t)
	synctest.Test(t, func(t *testing.T) {
		check(t)
		start := Time()
		time.Sleep(2 * time.Second)
		if d := Time().Sub(start); d != 2*time.Second {
			t.Errorf("Time advanced %v over a 2 s sleep", d)
		}
		check(t)
	})
}

func BenchmarkNow(b *testing.B) {
	b.Run("impl=kit", func(b *testing.B) {
		for b.Loop() {
			_ = Now()
		}
	})
	b.Run("impl=kit-time", func(b *testing.B) {
		for b.Loop() {
			_ = Time()
		}
	})
	b.Run("impl=raw", func(b *testing.B) {
		for b.Loop() {
			_ = time.Now()
		}
	})
}
