package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/introspect"
)

// ScriptActor is who the fault script says it is in the controls it sets
// (the "by" of their events, kitbench fault list and the dashboard).
const ScriptActor = "kitbench demo (fault script)"

// endpointFault is one fault the script sets on one endpoint.
type endpointFault struct {
	endpoint string
	fault    wire.Fault
}

// phaseFaults returns the faults the script sets on the misbehaving
// instance for phase: while slow, a delay of SlowDelay on the reads, which
// the traffic calls most; while failing, an error (503) on every call of
// every method, so that the instance fails as a whole and no success
// dilutes the failures the gateway's rules judge it on (see EjectRatio).
// The streams are left alone: the gateway does not count them towards an
// ejection, and the watchers go on watching. The healthy and recovering
// phases set nothing: the failing phase's faults expire at its end.
func phaseFaults(phase Phase) []endpointFault {
	switch phase {
	case Slow:
		slow := wire.Fault{Latency: wire.Duration(SlowDelay)}
		return []endpointFault{{bookstore.MethodGetBook, slow}, {bookstore.MethodListBooks, slow}}
	case Failing:
		fail := wire.Fault{ErrorRate: 1}
		return []endpointFault{
			{bookstore.MethodCreateBook, fail}, {bookstore.MethodGetBook, fail},
			{bookstore.MethodListBooks, fail}, {bookstore.MethodDeleteBook, fail},
		}
	}
	return nil
}

// minTTL is the shortest control the script sets: a phase with less left
// than this is skipped rather than set for an instant.
const minTTL = 50 * time.Millisecond

// script applies the schedule to one instance through its admin
// listener's fault controls, as `kitbench fault set` would: at the start
// of each phase it sets the phase's faults, each with a TTL that ends
// with the phase, so the instance reverts by itself when the phase ends —
// or when the demo dies between two phases.
type script struct {
	sched  Schedule
	client *introspect.Client
	tr     *http.Transport
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

// startScript runs the schedule against the admin listener at admin
// (the demo's instances have no admin token) until stop.
func startScript(sched Schedule, admin string, log *slog.Logger) (*script, error) {
	tr := &http.Transport{}
	c, err := introspect.New(admin, introspect.Options{Actor: ScriptActor, Timeout: 2 * time.Second,
		HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		return nil, fmt.Errorf("demo: fault script: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &script{sched: sched, client: c, tr: tr, log: log, cancel: cancel, done: make(chan struct{})}
	go s.run(ctx)
	return s, nil
}

// run sets each phase's faults when the phase starts, until ctx ends.
func (s *script) run(ctx context.Context) {
	defer close(s.done)
	for {
		phase, end := s.sched.At(time.Now())
		s.apply(ctx, phase, end)
		if !sleep(ctx, time.Until(end)) {
			return
		}
	}
}

// apply sets phase's faults, to expire at end. A control the instance
// refuses is logged and skipped: the next phase tries again.
func (s *script) apply(ctx context.Context, phase Phase, end time.Time) {
	for _, ef := range phaseFaults(phase) {
		ttl := time.Until(end)
		if ttl < minTTL || ctx.Err() != nil {
			return
		}
		f := ef.fault
		if _, err := s.client.SetControl(ctx, wire.ControlFault, ef.endpoint, wire.ControlRequest{TTL: wire.Duration(ttl), Fault: &f}); err != nil && ctx.Err() == nil {
			s.log.Warn("demo: the fault script could not set a fault", "phase", phase.String(), "endpoint", ef.endpoint, "err", err)
		}
	}
}

// stop ends the script and waits for it. The controls it set stay until
// their TTL (or until the instance stops, which reverts them).
func (s *script) stop() {
	s.cancel()
	<-s.done
	s.tr.CloseIdleConnections()
}
