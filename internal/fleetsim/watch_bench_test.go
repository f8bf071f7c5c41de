package fleetsim_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/dashboard"
)

// quick reports whether the benchmarks run once each (-benchtime 1x, as
// test.sh's pass that keeps every benchmark compiling and running). Then
// the fleet benchmarks scale down to 20 instances and 1-second windows,
// so that pass stays cheap; their figures mean nothing then.
func quick() bool {
	f := flag.Lookup("test.benchtime")
	return f != nil && f.Value.String() == "1x"
}

// scale is the fleet size and measuring window of one benchmark run.
func scale(n int) (int, time.Duration) {
	if quick() {
		return min(n, 20), time.Second
	}
	return n, 20 * time.Second
}

// perListener is how many simulated instances share an admin listener in
// the benchmarks: one each, as in a real fleet, so that the workbench's
// connection pool sees one host per instance.
const perListener = 1

// workbench is the headless workbench: the real hub on the fleet's
// registry and the dashboard model run by a Bubble Tea program that
// renders every frame into io.Discard.
type workbench struct {
	hub  *hub.Hub
	sub  *hub.Subscription
	dash *dashboard.Model
	prog *tea.Program
	done chan struct{}
	keys *keyProbe
}

func startWorkbench(b *testing.B, registry string) *workbench {
	b.Helper()
	h, err := hub.New(hub.Options{Discovery: discovery.Options{Consul: registry}})
	if err != nil {
		b.Fatal(err)
	}
	w := &workbench{hub: h, sub: h.Subscribe(0), done: make(chan struct{})}
	w.dash, err = dashboard.New(dashboard.Options{Source: "fleetsim"}, h, w.sub)
	if err != nil {
		b.Fatal(err)
	}
	w.keys = &keyProbe{inner: w.dash}
	w.prog = tea.NewProgram(w.keys, tea.WithInput(nil), tea.WithOutput(io.Discard),
		tea.WithWindowSize(160, 50), tea.WithoutSignalHandler())
	go func() {
		defer close(w.done)
		_, _ = w.prog.Run()
	}()
	b.Cleanup(w.close)
	return w
}

func (w *workbench) close() {
	w.prog.Quit()
	<-w.done
	w.dash.Close()
	w.sub.Close()
	w.hub.Close()
}

// waitUp waits until the hub sees n instances up with metrics, for at
// most two minutes (a bound on setting up, not a measurement), and
// returns the share that are: a workbench that cannot keep up with the
// fleet is measured anyway, and the share says so.
func (w *workbench) waitUp(n int) float64 {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		s := w.hub.Snapshot()
		up := 0
		for _, in := range s.Instances {
			if in.State == hub.StateUp && in.Metrics != nil {
				up++
			}
		}
		if up >= n || time.Now().After(deadline) {
			return float64(up) / float64(n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// BenchmarkWatchFleet is the workbench (probes, hub and dashboard model,
// headless) watching a simulated fleet with background traffic (2 calls
// a second per instance, 2 % failing), over a fixed window once every
// instance is up. It reports the workbench's CPU as a share of one core
// and its resident memory (the peak of samples over the window), the fleet's CPU per instance spent answering
// the workbench (its CPU while watched, less its CPU over an equal window
// before the workbench started), and the connections the workbench
// dialled per second (the connections the fleet accepted), and the share
// of instances that were up with metrics when the window began.
func BenchmarkWatchFleet(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			n, window := scale(n)
			for range b.N {
				c := startChild(b, n, perListener, 0)
				c0 := c.cpu(b)
				time.Sleep(window)
				unwatched := c.cpu(b) - c0

				w := startWorkbench(b, c.addr)
				settled := w.waitUp(n)
				time.Sleep(min(window/4, 5*time.Second)) // past the first rounds
				acc0, _ := c.stats(b)
				s0, c1 := selfCPU(), c.cpu(b)
				var rss float64
				start := time.Now()
				for time.Since(start) < window {
					time.Sleep(window / 10)
					rss = max(rss, selfRSS())
				}
				el := time.Since(start)
				writeProfiles(b, n)
				self, watched := selfCPU()-s0, c.cpu(b)-c1
				acc1, _ := c.stats(b)
				b.ReportMetric(100*self.Seconds()/el.Seconds(), "workbench-cpu-%")
				b.ReportMetric(rss/1e6, "workbench-rss-MB")
				answer := (watched.Seconds()/el.Seconds() - unwatched.Seconds()/window.Seconds()) / float64(n)
				b.ReportMetric(100*max(answer, 0), "instance-cpu-%")
				b.ReportMetric(float64(acc1-acc0)/el.Seconds(), "dials/s")
				b.ReportMetric(100*settled, "settled-%")
				w.close()
			}
		})
	}
}

// BenchmarkKeyToFrame measures how long the dashboard takes to draw a
// frame after a key while it watches 1,000 simulated instances that churn
// (10 replaced every second). A key (down, then up) is sent every 250 ms
// over the window; the latency is from sending it to the end of the
// first View after the program handled it. It reports the median, the
// 99th percentile and the worst.
func BenchmarkKeyToFrame(b *testing.B) {
	n, window := scale(1000)
	for range b.N {
		c := startChild(b, n, perListener, max(1, n/100))
		w := startWorkbench(b, c.addr)
		w.waitUp(n)
		var lat []time.Duration
		keys := []tea.KeyPressMsg{{Code: tea.KeyDown}, {Code: tea.KeyUp}}
		start := time.Now()
		for i := 0; time.Since(start) < window; i++ {
			lat = append(lat, w.keys.press(w.prog, keys[i%2]))
			time.Sleep(250 * time.Millisecond)
		}
		slices.Sort(lat)
		q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(q(1), "max-ms")
		w.close()
	}
}

// keyProbe wraps the dashboard to time keys: press records when a key
// was sent, Update notes that it was handled, and the View after that
// reports the frame's completion.
type keyProbe struct {
	inner   tea.Model
	handled bool
	frame   chan time.Time
	sent    atomic.Bool
}

func (k *keyProbe) Init() tea.Cmd { return k.inner.Init() }

func (k *keyProbe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyPressMsg); ok && k.sent.Load() {
		k.handled = true
	}
	_, cmd := k.inner.Update(msg)
	return k, cmd
}

func (k *keyProbe) View() tea.View {
	v := k.inner.View()
	if k.handled {
		k.handled = false
		k.sent.Store(false)
		k.frame <- time.Now()
	}
	return v
}

// press sends key and returns the time until its frame was drawn.
func (k *keyProbe) press(p *tea.Program, key tea.KeyPressMsg) time.Duration {
	if k.frame == nil {
		k.frame = make(chan time.Time, 1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	k.sent.Store(true)
	t0 := time.Now()
	p.Send(key)
	select {
	case t := <-k.frame:
		return t.Sub(t0)
	case <-ctx.Done():
		return 30 * time.Second
	}
}
