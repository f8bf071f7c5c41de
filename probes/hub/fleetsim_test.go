package hub_test

import (
	"context"
	"fmt"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/fleetsim"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/introspect"
)

func simFleet(t *testing.T, o fleetsim.Options) *fleetsim.Fleet {
	t.Helper()
	f, err := fleetsim.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func simHub(t *testing.T, f *fleetsim.Fleet, o hub.Options) *hub.Hub {
	t.Helper()
	o.Discovery = discovery.Options{Consul: f.RegistryAddr()}
	h, err := hub.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// until polls cond every 50 ms, failing the test after a minute (a bound
// for a loaded machine, not a timing assertion).
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within a minute", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// allMetered reports whether every instance is up with a derived rate.
func allMetered(h *hub.Hub, n int) bool {
	s := h.Snapshot()
	if len(s.Instances) != n {
		return false
	}
	for _, in := range s.Instances {
		if in.State != hub.StateUp || in.Metrics == nil || !in.Metrics.Stats.Kit || in.Metrics.Stats.Instance.Rate == 0 {
			return false
		}
	}
	return true
}

// TestHubReadsREDInsteadOfScraping: instances that offer the compact RED
// resource get their rates from it, and their /metrics pages are never
// fetched.
func TestHubReadsREDInsteadOfScraping(t *testing.T) {
	f := simFleet(t, fleetsim.Options{N: 4, Rate: 40})
	h := simHub(t, f, hub.Options{})
	until(t, "every instance up with a rate", func() bool { return allMetered(h, 4) })
	if n := f.Served("metrics"); n != 0 {
		t.Errorf("the hub scraped /metrics %d times from instances that offer RED", n)
	}
	if f.Served("debug/kit/v1/red") < 8 {
		t.Errorf("RED read %d times, want at least two per instance", f.Served("debug/kit/v1/red"))
	}
}

// TestHubKeepsConnectionsAcrossRounds watches more instances than
// net/http's default idle pool holds (100 in total): every refresh round
// must reuse the connection of the round before instead of dialling.
func TestHubKeepsConnectionsAcrossRounds(t *testing.T) {
	const n = 120
	f := simFleet(t, fleetsim.Options{N: n, PerListener: 1, Rate: 1})
	// A budget that does not slow anyone: every instance refreshes every
	// second; and a timeout no loaded machine reaches, so that no request
	// is abandoned (and its connection with it).
	h := simHub(t, f, hub.Options{ProbeBudget: 1e6, Introspect: introspect.Options{Interval: time.Second, Timeout: 30 * time.Second}})
	until(t, "every instance up", func() bool { return allMetered(h, n) })
	// Three rounds to warm up: an instance whose follower and metrics
	// meet at its listener once holds two connections from then on.
	rounds := f.Served("debug/kit/v1/breakers")
	until(t, "three rounds of every instance", func() bool {
		return f.Served("debug/kit/v1/breakers") >= rounds+3*n
	})
	dialled := f.Accepted()
	rounds = f.Served("debug/kit/v1/breakers")
	until(t, "three more rounds of every instance", func() bool {
		return f.Served("debug/kit/v1/breakers") >= rounds+3*n
	})
	if d := f.Accepted() - dialled; d > n/10 {
		t.Errorf("%d connections dialled over three rounds of %d instances, want next to none", d, n)
	}
}

// TestHubParksNoGoroutineBetweenMetricsRounds: between two reads of an
// instance's figures nothing waits in a goroutine of its own (a fleet of
// thousands refreshed every minute would park thousands); what the hub
// keeps per instance is the follower of its event stream.
func TestHubParksNoGoroutineBetweenMetricsRounds(t *testing.T) {
	const n = 30
	f := simFleet(t, fleetsim.Options{N: n, PerListener: 1, Rate: 4})
	h := simHub(t, f, hub.Options{})
	until(t, "every instance up with a rate", func() bool { return allMetered(h, n) })
	if g := goroutinesIn(t, "kitbench/probes/hub."); g > n+n/2 {
		t.Errorf("%d goroutines in the hub for %d instances, want about one each (the follower)", g, n)
	}
	h.Close()
	if g := goroutinesIn(t, "kitbench/probes/hub."); g != 0 {
		t.Errorf("%d goroutines of the hub left after Close", g)
	}
}

// goroutinesIn counts the goroutines with a function whose name holds
// part on their stack.
func goroutinesIn(t *testing.T, part string) int {
	return goroutinesWhere(t, func(stack string) bool { return strings.Contains(stack, part) })
}

// goroutinesWhere counts the goroutines whose stack satisfies ok.
func goroutinesWhere(t *testing.T, ok func(stack string) bool) int {
	t.Helper()
	var b strings.Builder
	if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, rec := range strings.Split(b.String(), "\n\n") {
		first, rest, _ := strings.Cut(rec, "\n")
		var n int
		if _, err := fmt.Sscanf(first, "%d @", &n); err == nil && ok(rest) {
			total += n
		}
	}
	return total
}

// TestHubStreamsHoldNoPooledConnection: an instance's event stream has a
// connection of its own, not one of net/http's, which would hold two
// more goroutines and buffers per instance for as long as it is watched.
func TestHubStreamsHoldNoPooledConnection(t *testing.T) {
	const n = 30
	f := simFleet(t, fleetsim.Options{N: n, PerListener: 1, Rate: 4})
	h := simHub(t, f, hub.Options{})
	until(t, "every instance up with a rate", func() bool { return allMetered(h, n) })
	until(t, "every instance streaming", func() bool {
		for _, in := range h.Snapshot().Instances {
			if in.Intro != hub.IntroStream {
				return false
			}
		}
		return true
	})
	// A pooled connection whose answer is being read (a stream's, for as
	// long as it lasts) has its reader waiting for the body's end; an idle
	// one, for the next answer (in Peek). Refreshes read theirs at once.
	busy := goroutinesWhere(t, func(stack string) bool {
		return strings.Contains(stack, "net/http.(*persistConn).readLoop") && !strings.Contains(stack, "bufio.(*Reader).Peek")
	})
	if busy > n/10 {
		t.Errorf("%d pooled connections busy with an answer for %d streaming instances, want next to none", busy, n)
	}
}
