package fleetsim_test

import (
	"context"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/fleetsim"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
)

// startFleet starts a fleet and closes it at the end of the test.
func startFleet(t *testing.T, o fleetsim.Options) *fleetsim.Fleet {
	t.Helper()
	f, err := fleetsim.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("closing the fleet: %v", err)
		}
	})
	return f
}

// watch starts a real hub on the fleet's registry.
func watch(t *testing.T, f *fleetsim.Fleet) (*hub.Hub, *hub.Subscription) {
	t.Helper()
	h, err := hub.New(hub.Options{Discovery: discovery.Options{Consul: f.RegistryAddr()}})
	if err != nil {
		t.Fatal(err)
	}
	sub := h.Subscribe(0)
	t.Cleanup(func() { sub.Close(); h.Close() })
	return h, sub
}

// waitFor reads the subscription until ok holds for the hub's snapshot,
// failing after a minute (a bound, not a timing assertion).
func waitFor(t *testing.T, h *hub.Hub, sub *hub.Subscription, what string, ok func(hub.Snapshot) bool) hub.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		if s := h.Snapshot(); ok(s) {
			return s
		}
		if _, err := sub.Next(ctx); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

// TestHubFollowsSimulatedFleet drives the real probes and hub with a
// fleet sharing listeners: every instance is reached at its own admin
// base (a path on a shared port), streams its events, and its /metrics
// derive to kit's figures; a trip shows as an open breaker; churned
// instances leave and new ones join.
func TestHubFollowsSimulatedFleet(t *testing.T) {
	f := startFleet(t, fleetsim.Options{N: 12, PerListener: 5, Rate: 50})
	if f.Listeners() != 3 {
		t.Fatalf("12 instances at 5 per listener: %d listeners, want 3", f.Listeners())
	}
	h, sub := watch(t, f)
	waitFor(t, h, sub, "every instance streaming with kit metrics and a rate", func(s hub.Snapshot) bool {
		if len(s.Instances) != 12 {
			return false
		}
		for _, in := range s.Instances {
			if in.State != hub.StateUp || in.Intro != hub.IntroStream || in.Info == nil || in.Metrics == nil ||
				!in.Metrics.Stats.Kit || in.Metrics.Stats.Instance.Rate == 0 || len(in.Breakers) != 1 {
				return false
			}
		}
		return true
	})

	victim := f.IDs()[3]
	if !f.Trip(victim, time.Minute) {
		t.Fatalf("Trip(%s) found no instance", victim)
	}
	waitFor(t, h, sub, "the tripped breaker open", func(s hub.Snapshot) bool {
		for _, in := range s.Instances {
			if in.InstanceID == victim {
				return len(in.Breakers) == 1 && in.Breakers[0].State == wire.StateOpen
			}
		}
		return false
	})

	old := f.IDs()[:4]
	if err := f.Churn(4); err != nil {
		t.Fatal(err)
	}
	now := f.IDs()
	waitFor(t, h, sub, "churn: 4 gone, 4 new up", func(s hub.Snapshot) bool {
		have := map[string]hub.State{}
		for _, in := range s.Instances {
			have[in.InstanceID] = in.State
		}
		for _, id := range old {
			if _, ok := have[id]; ok {
				return false
			}
		}
		for _, id := range now {
			if have[id] != hub.StateUp {
				return false
			}
		}
		return len(have) == 12
	})
}
