package dashboard

import (
	"context"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/instances"
)

// Stream is the subscription the dashboard reads; *hub.Subscription
// implements it.
type Stream interface {
	Next(ctx context.Context) (hub.Msg, error)
	TryNext() (hub.Msg, bool)
}

// Fleet is the part of the hub the dashboard reads, only from the bridge
// goroutine and from commands; *hub.Hub implements it.
type Fleet interface {
	// Snapshot is the whole state: delivered first and after drops.
	Snapshot() hub.Snapshot
	// Traces, Trace and Pin serve the traces view.
	Traces(limit int) []*hub.Trace
	Trace(id string) (*hub.Trace, bool)
	Pin(ids ...string)
	// SetFocus names the instances on screen, which the hub refreshes at
	// the full rate while the rest share its probe budget.
	SetFocus(keys []hub.Key)
}

// focus is the command that gives the instances view's focus to the
// fleet; it runs off the update loop, as every command does.
func focus(fleet Fleet, msg instances.FocusMsg) tea.Cmd {
	return func() tea.Msg {
		fleet.SetFocus(msg.Keys)
		return nil
	}
}

// batch is one delivery of the bridge: hub messages and snapshots, in
// order.
type batch []tea.Msg

// bridge moves the stream into a channel, a batch at a time.
type bridge struct {
	fleet  Fleet
	stream Stream
	max    int
	out    chan batch
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// startBridge starts the goroutine; cancel must end ctx (stop calls it).
func startBridge(ctx context.Context, cancel context.CancelFunc, fleet Fleet, stream Stream, maxBatch int) *bridge {
	b := &bridge{fleet: fleet, stream: stream, max: maxBatch, out: make(chan batch), cancel: cancel}
	b.done.Add(1)
	go b.run(ctx)
	return b
}

func (b *bridge) run(ctx context.Context) {
	defer b.done.Done()
	defer close(b.out)
	if !b.send(ctx, batch{b.fleet.Snapshot()}) {
		return
	}
	for {
		m, err := b.stream.Next(ctx)
		if err != nil {
			return // the subscription ended, or we were stopped
		}
		out := b.add(nil, m)
		for len(out) < b.max {
			m, ok := b.stream.TryNext()
			if !ok {
				break
			}
			out = b.add(out, m)
		}
		if !b.send(ctx, out) {
			return
		}
	}
}

// add appends m, and after a Dropped the state to resume from.
func (b *bridge) add(out batch, m hub.Msg) batch {
	out = append(out, m)
	if _, ok := m.(hub.Dropped); ok {
		out = append(out, b.fleet.Snapshot())
	}
	return out
}

func (b *bridge) send(ctx context.Context, out batch) bool {
	select {
	case b.out <- out:
		return true
	case <-ctx.Done():
		return false
	}
}

// stop ends the goroutine and waits for it.
func (b *bridge) stop() {
	b.cancel()
	b.done.Wait()
}
