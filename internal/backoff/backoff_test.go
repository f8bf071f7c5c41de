package backoff

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

func TestDelayDoublesCapsAndJitters(t *testing.T) {
	lo, hi := 100*time.Millisecond, 2*time.Second
	for n, full := range map[int]time.Duration{
		1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond,
		5: 1600 * time.Millisecond, 6: hi, 40: hi, 1000: hi,
	} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := Delay(lo, hi, n)
			if d < full/2 || d > full {
				t.Fatalf("Delay(n=%d) = %v, want within [%v, %v]", n, d, full/2, full)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("Delay(n=%d) took only %d values in 200 draws: no jitter", n, len(seen))
		}
	}
	if d := Delay(0, time.Second, 1); d < time.Second/2 || d > time.Second {
		t.Fatalf("zero lo: %v", d)
	}
	if d := Delay(time.Second, 0, 3); d != 0 {
		t.Fatalf("zero hi: %v", d)
	}
}

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if !Sleep(context.Background(), time.Minute) || time.Since(start) != time.Minute {
			t.Fatalf("full sleep: %v", time.Since(start))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start = time.Now()
		if Sleep(ctx, time.Hour) || time.Since(start) != time.Second {
			t.Fatalf("cancelled sleep returned after %v", time.Since(start))
		}
	})
}
