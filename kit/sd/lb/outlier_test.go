package lb_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/kit/sd/lb"
)

// drive makes n picks through b and calls each pick, failing the test if a
// Pick fails; it returns how often each address was picked.
func drive(t *testing.T, b lb.Balancer, n int) map[string]int {
	t.Helper()
	picked := map[string]int{}
	for range n {
		en, err := b.Pick()
		if err != nil {
			t.Fatalf("Pick: %v", err)
		}
		picked[en.Instance().Address]++
		_, _ = en.Endpoint(context.Background(), nil)
	}
	return picked
}

func TestOutlierEjectionTimeline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk := newBackends()
		bad := addrs(20)[0]
		bk.set(bad, fail(503))
		e := fleet(t, 20, bk.factory)
		notify := make(chan lb.Ejection, 32)
		o := lb.NewOutlier(e, lb.NewRoundRobin(e), lb.OutlierConfig{Notify: notify})

		// Five round-robin cycles give bad its 5 failures; the next pick of
		// bad ejects it.
		drive(t, o, 20*5)
		if got := o.Ejected(); len(got) != 0 {
			t.Fatalf("ejected before the next pick: %+v", got)
		}
		for k := 1; k <= 12; k++ {
			picked := drive(t, o, 20)
			want := time.Duration(min(30*k, 300)) * time.Second
			got := o.Ejected()
			if len(got) != 1 || got[0].Address != bad || got[0].Count != k || !got[0].Until.Equal(time.Now().Add(want)) {
				t.Fatalf("ejection %d: %+v, want %s for %v", k, got, bad, want)
			}
			if ev := <-notify; ev != got[0] {
				t.Fatalf("notified %+v, want %+v", ev, got[0])
			}
			if picked[bad] != 0 || len(picked) != 19 {
				t.Fatalf("ejection %d: picks %v", k, picked)
			}
			// Ejected for the whole period...
			time.Sleep(want - time.Second)
			if p := drive(t, o, 200); p[bad] != 0 {
				t.Fatalf("ejection %d: bad picked %d times while ejected", k, p[bad])
			}
			// ...and back when it ends; five more failures eject it again.
			time.Sleep(time.Second)
			if p := drive(t, o, 20*5); p[bad] != 5 {
				t.Fatalf("ejection %d: bad picked %d times after returning, want 5", k, p[bad])
			}
		}

		// Healthy again: it stays in, and after MaxEjection of good service
		// its next ejection starts from the base again.
		drive(t, o, 20)
		time.Sleep(300 * time.Second)
		bk.set(bad, nil)
		if p := drive(t, o, 200); p[bad] != 10 {
			t.Fatalf("healthy bad picked %d times, want 10", p[bad])
		}
		time.Sleep(300 * time.Second)
		bk.set(bad, fail(503))
		drive(t, o, 20*6)
		if got := o.Ejected(); len(got) != 1 || got[0].Count != 1 || !got[0].Until.After(time.Now()) {
			t.Fatalf("after recovery: %+v, want a first ejection", got)
		}
	})
}

func TestOutlierCapsEjections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk := newBackends()
		for _, a := range addrs(20)[:5] {
			bk.set(a, fail(503))
		}
		e := fleet(t, 20, bk.factory)
		o := lb.NewOutlier(e, lb.NewP2C(e), lb.OutlierConfig{})
		drive(t, o, 2000)
		if got := o.Ejected(); len(got) != 2 {
			t.Fatalf("%d ejected of 20, want 2 (10%%): %+v", len(got), got)
		}
	})
}

func TestOutlierAllFailingStillServed(t *testing.T) {
	for _, n := range []int{1, 3} {
		synctest.Test(t, func(t *testing.T) {
			bk := newBackends()
			for _, a := range addrs(n) {
				bk.set(a, fail(503))
			}
			e := fleet(t, n, bk.factory)
			block := make(chan lb.Ejection) // never read: sends must not block
			o := lb.NewOutlier(e, lb.NewRandom(e), lb.OutlierConfig{Notify: block})
			picked := drive(t, o, 300)
			if got := o.Ejected(); len(got) != 1 {
				t.Fatalf("n=%d: %d ejected, want exactly 1", n, len(got))
			}
			if len(picked) != n {
				t.Fatalf("n=%d: picks %v, want every instance served", n, picked)
			}
			// The whole fleet keeps being called after the ejection.
			if p := drive(t, o, 30); len(p) == 0 {
				t.Fatal("nothing served")
			}
		})
	}
}

func TestOutlierSuccessResetsRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk := newBackends()
		a := addrs(1)[0]
		e := fleet(t, 1, bk.factory)
		o := lb.NewOutlier(e, lb.NewRoundRobin(e), lb.OutlierConfig{})
		for range 10 {
			bk.set(a, fail(500))
			drive(t, o, 4)
			bk.set(a, nil)
			drive(t, o, 1)
		}
		if got := o.Ejected(); len(got) != 0 {
			t.Fatalf("ejected without 5 consecutive failures: %+v", got)
		}
	})
}

// With a random balancer over a small fleet every draw can land on the
// ejected instance; the outlier must still find the live ones.
func TestOutlierNeverPicksEjectedWhileOthersLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk := newBackends()
		bad := addrs(3)[0]
		bk.set(bad, fail(503))
		e := fleet(t, 3, bk.factory)
		o := lb.NewOutlier(e, lb.NewRandom(e), lb.OutlierConfig{})
		// Fail bad until it is ejected.
		for len(o.Ejected()) == 0 {
			drive(t, o, 3)
		}
		if p := drive(t, o, 3000); p[bad] != 0 {
			t.Fatalf("ejected %s picked %d times of 3000 while 2 instances were live", bad, p[bad])
		}
	})
}

// A short ResetAfter forgets an instance's ejections once it has served
// well that long, while a second episode within it is ejected for longer;
// the cap holds whatever the count.
func TestOutlierResetAfterAHealthyPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk := newBackends()
		bad := addrs(2)[0]
		e := fleet(t, 2, bk.factory)
		o := lb.NewOutlier(e, lb.NewRoundRobin(e), lb.OutlierConfig{
			BaseEjection: 30 * time.Second, MaxEjection: 45 * time.Second, ResetAfter: 10 * time.Second,
		})
		episode := func() lb.Ejection {
			t.Helper()
			bk.set(bad, fail(503))
			drive(t, o, 2*6)
			got := o.Ejected()
			if len(got) != 1 {
				t.Fatalf("ejected %+v, want %s", got, bad)
			}
			time.Sleep(time.Until(got[0].Until))
			bk.set(bad, nil)
			return got[0]
		}
		if ev := episode(); ev.Count != 1 || ev.Failures != 5 || !ev.Until.Equal(time.Now()) {
			t.Fatalf("first ejection %+v, want count 1 after 5 failures", ev)
		}
		// Back for 5 s only: the next episode counts as a second (45 s, capped).
		drive(t, o, 4)
		time.Sleep(5 * time.Second)
		start := time.Now()
		if ev := episode(); ev.Count != 2 || ev.Until.Sub(start) != 45*time.Second {
			t.Fatalf("second ejection %+v after 5 s of service, want count 2 for 45 s", ev)
		}
		// Back and succeeding for ResetAfter: the count starts over.
		drive(t, o, 4)
		time.Sleep(10 * time.Second)
		start = time.Now()
		if ev := episode(); ev.Count != 1 || ev.Until.Sub(start) != 30*time.Second {
			t.Fatalf("ejection after 10 s of service %+v, want count 1 for 30 s", ev)
		}
	})
}
