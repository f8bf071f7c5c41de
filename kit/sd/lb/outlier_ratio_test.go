package lb_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/transport"
)

// cycle answers its calls with statuses in turn, over and over: 0 is a
// success, anything else an error with that status.
func cycle(statuses ...int) endpoint.Endpoint {
	var n atomic.Uint64
	return func(context.Context, any) (any, error) {
		s := statuses[(n.Add(1)-1)%uint64(len(statuses))]
		if s == 0 {
			return "ok", nil
		}
		return nil, transport.NewError(s, http.StatusText(s))
	}
}

// driveFor makes perSecond picks (and calls) each second for d, and
// returns how often each address was picked.
func driveFor(t *testing.T, b lb.Balancer, perSecond int, d time.Duration) map[string]int {
	t.Helper()
	picked := map[string]int{}
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(time.Second) {
		for a, n := range drive(t, b, perSecond) {
			picked[a] += n
		}
	}
	return picked
}

// noRun is a Consecutive no test here reaches, so only FailureRatio ejects.
const noRun = 1000

// One call in ten failing stays below a FailureRatio of 0.2 however long
// it goes on and however many calls there are; one in five (the ratio
// exactly) and one in four eject, by the failure ratio, never by a run.
func TestOutlierFailureRatioThreshold(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pattern []int
		eject   bool
	}{
		{"1 in 10", []int{503, 0, 0, 0, 0, 0, 0, 0, 0, 0}, false},
		{"1 in 6", []int{0, 0, 503, 0, 0, 0}, false},
		{"1 in 5", []int{0, 0, 503, 0, 0}, true},
		{"1 in 4", []int{0, 500, 0, 0}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bk := newBackends()
				bad := addrs(3)[0]
				bk.set(bad, cycle(tc.pattern...))
				e := fleet(t, 3, bk.factory)
				o := lb.NewOutlier(e, lb.NewRoundRobin(e), lb.OutlierConfig{FailureRatio: 0.2})
				if c := o.Config(); c.MinRequests != 20 || c.Window != 10*time.Second || c.Consecutive != 5 {
					t.Fatalf("defaults %+v, want 20 calls over 10 s beside 5 in a row", c)
				}
				// 30 picks a second, 10 of them bad's, for five windows.
				driveFor(t, o, 30, 50*time.Second)
				got := o.Ejected()
				if !tc.eject {
					if len(got) != 0 {
						t.Fatalf("ejected %+v", got)
					}
					return
				}
				if len(got) != 1 || got[0].Address != bad || got[0].Reason != lb.ReasonFailureRatio ||
					got[0].Requests < 20 || got[0].Ratio() < 0.2 || got[0].Failures >= got[0].Requests {
					t.Fatalf("ejected %+v, want %s by its failure ratio, judged on 20 calls or more", got, bad)
				}
			})
		})
	}
}

// Below MinRequests calls in the window an instance is not judged, however
// often it fails; once its calls reach the volume it is ejected.
func TestOutlierFailureRatioNeedsVolume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk := newBackends()
		bad := addrs(3)[0]
		bk.set(bad, cycle(503, 0))
		e := fleet(t, 3, bk.factory)
		o := lb.NewOutlier(e, lb.NewRoundRobin(e), lb.OutlierConfig{
			Consecutive: noRun, FailureRatio: 0.2, MinRequests: 20, Window: 10 * time.Second,
		})
		// One call a second to bad: at most 10 in a window, half failed.
		if p := driveFor(t, o, 3, 5*time.Minute); p[bad] < 250 {
			t.Fatalf("bad called %d times, want one a second", p[bad])
		}
		if got := o.Ejected(); len(got) != 0 {
			t.Fatalf("ejected below the volume: %+v", got)
		}
		// Three a second: 20 calls within 7 s.
		driveFor(t, o, 9, 10*time.Second)
		if got := o.Ejected(); len(got) != 1 || got[0].Address != bad || got[0].Requests < 20 || got[0].Ratio() < 0.2 {
			t.Fatalf("ejected %+v, want %s once 20 calls were judged", got, bad)
		}
	})
}

// Failures older than the window are forgotten: 15 failures then a few
// sparse successes never reach the volume while the failures are in the
// window, and once they are out a mix below the ratio does not eject.
// Were they remembered, it would (24 failures of some 40 calls).
func TestOutlierFailureRatioForgetsOldFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk := newBackends()
		a := addrs(1)[0]
		e := fleet(t, 1, bk.factory)
		o := lb.NewOutlier(e, nil, lb.OutlierConfig{
			Consecutive: noRun, FailureRatio: 0.5, MinRequests: 20, Window: 10 * time.Second,
		})
		bk.set(a, fail(503))
		drive(t, o, 15)
		bk.set(a, nil)
		for range 4 { // a success every 3 s: at most 18 calls in any window so far
			time.Sleep(3 * time.Second)
			drive(t, o, 1)
		}
		if got := o.Ejected(); len(got) != 0 {
			t.Fatalf("ejected below the volume: %+v", got)
		}
		// 9 failures among 20 calls, all within the last window.
		bk.set(a, cycle(503, 0))
		drive(t, o, 18)
		bk.set(a, nil)
		drive(t, o, 2)
		if got := o.Ejected(); len(got) != 0 {
			t.Fatalf("ejected on failures older than the window: %+v", got)
		}
		// The rule still holds for new failures: 11 more tip the window.
		bk.set(a, fail(503))
		drive(t, o, 12)
		if got := o.Ejected(); len(got) != 1 || got[0].Reason != lb.ReasonFailureRatio {
			t.Fatalf("ejected %+v, want one by its failure ratio", got)
		}
	})
}

// Client errors are the instance answering, and the caller's cancellations
// say nothing of it: neither counts as a failure, and cancellations are
// not calls either, so they do not dilute real failures.
func TestOutlierFailureRatioCountsOnlyFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk := newBackends()
		bad := addrs(2)[0]
		bk.set(bad, cycle(404, 429, 400, 0))
		e := fleet(t, 2, bk.factory)
		o := lb.NewOutlier(e, lb.NewRoundRobin(e), lb.OutlierConfig{FailureRatio: 0.1, MinRequests: 10})
		driveFor(t, o, 20, time.Minute)
		if got := o.Ejected(); len(got) != 0 {
			t.Fatalf("ejected on client errors: %+v", got)
		}

		// 4 failures and 6 successes among 200 cancelled calls: 40 %.
		pattern := cycle(503, 0, 503, 0, 0, 503, 0, 0, 503, 0)
		bk.set(bad, func(ctx context.Context, req any) (any, error) {
			if err := ctx.Err(); err != nil {
				return nil, err // the caller gave up
			}
			return pattern(ctx, req)
		})
		canceled, cancel := context.WithCancel(context.Background())
		cancel()
		o = lb.NewOutlier(e, lb.NewRoundRobin(e), lb.OutlierConfig{Consecutive: noRun, FailureRatio: 0.4, MinRequests: 10})
		called := 0
		for range 20 { // round robin: bad is every other pick
			en, err := o.Pick()
			if err != nil {
				t.Fatal(err)
			}
			if en.Instance().Address != bad {
				continue
			}
			for range 20 {
				_, _ = en.Endpoint(canceled, nil)
			}
			_, _ = en.Endpoint(context.Background(), nil)
			called++
		}
		if called != 10 {
			t.Fatalf("bad called %d times, want 10 before it could be judged", called)
		}
		drive(t, o, 2)
		if got := o.Ejected(); len(got) != 1 || got[0].Failures != 4 || got[0].Requests != 10 {
			t.Fatalf("ejected %+v, want %s for 4 failures of 10 calls", got, bad)
		}
	})
}

// MaxPercent caps ratio ejections as it caps consecutive ones: 5 of 20
// instances failing half their calls, 2 ejected.
func TestOutlierFailureRatioCapsEjections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk := newBackends()
		for _, a := range addrs(20)[:5] {
			bk.set(a, cycle(0, 503))
		}
		e := fleet(t, 20, bk.factory)
		o := lb.NewOutlier(e, lb.NewP2C(e), lb.OutlierConfig{FailureRatio: 0.3})
		most := 0
		for s := range 60 { // ejections of 30 s come and go: look every second
			driveFor(t, o, 200, time.Second)
			got := o.Ejected()
			if len(got) > 2 {
				t.Fatalf("at %d s: %d ejected of 20, want at most 2 (10%%): %+v", s, len(got), got)
			}
			for _, ej := range got {
				if ej.Reason != lb.ReasonFailureRatio {
					t.Fatalf("ejection %+v, want by the failure ratio", ej)
				}
			}
			most = max(most, len(got))
		}
		if most != 2 {
			t.Fatalf("at most %d ejected at once, want 2", most)
		}
	})
}

// Ratio ejections back off as consecutive ones do (BaseEjection times the
// count, capped at MaxEjection), and the calls made before an ejection do
// not count towards the next: an instance back from an ejection shorter
// than the window is judged on MinRequests new calls.
func TestOutlierFailureRatioBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk := newBackends()
		bad := addrs(2)[0]
		bk.set(bad, fail(503))
		e := fleet(t, 2, bk.factory)
		o := lb.NewOutlier(e, lb.NewRoundRobin(e), lb.OutlierConfig{
			Consecutive: noRun, FailureRatio: 0.5, MinRequests: 20, Window: 30 * time.Second,
			BaseEjection: 5 * time.Second, MaxEjection: 12 * time.Second,
		})
		for k := 1; k <= 4; k++ {
			// bad is called on every other pick; its 21st pick ejects it.
			if p := drive(t, o, 2*20+2); p[bad] != 20 {
				t.Fatalf("ejection %d: bad picked %d times, want 20 (then ejected)", k, p[bad])
			}
			want := time.Duration(min(5*k, 12)) * time.Second
			got := o.Ejected()
			if len(got) != 1 || got[0].Count != k || got[0].Reason != lb.ReasonFailureRatio ||
				got[0].Failures != 20 || got[0].Requests != 20 || !got[0].Until.Equal(time.Now().Add(want)) {
				t.Fatalf("ejection %d: %+v, want by the ratio of 20 new calls for %v", k, got, want)
			}
			time.Sleep(want - time.Second)
			if p := drive(t, o, 20); p[bad] != 0 {
				t.Fatalf("ejection %d: picked %d times while ejected", k, p[bad])
			}
			time.Sleep(time.Second)
		}
	})
}
