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

func BenchmarkNow(b *testing.B) {
	b.Run("impl=kit", func(b *testing.B) {
		for b.Loop() {
			_ = Now()
		}
	})
	b.Run("impl=raw", func(b *testing.B) {
		for b.Loop() {
			_ = time.Now()
		}
	})
}
