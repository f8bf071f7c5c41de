package dashboard

import (
	"context"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

type testFleet struct {
	mu    sync.Mutex
	snaps int
}

func (f *testFleet) Snapshot() hub.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snaps++
	return hub.Snapshot{Source: hub.SourceStatus{Source: "test", Ready: true, Instances: f.snaps}}
}
func (f *testFleet) Traces(int) []*hub.Trace         { return nil }
func (f *testFleet) Trace(string) (*hub.Trace, bool) { return nil, false }
func (f *testFleet) Pin(...string)                   {}
func (f *testFleet) SetFocus([]hub.Key)              {}

type testStream chan hub.Msg

func (s testStream) Next(ctx context.Context) (hub.Msg, error) {
	select {
	case m, ok := <-s:
		if !ok {
			return nil, hub.ErrClosed
		}
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s testStream) TryNext() (hub.Msg, bool) {
	select {
	case m, ok := <-s:
		return m, ok
	default:
		return nil, false
	}
}

// goroutines counts goroutines, leaving out the runtime's signal loop that
// the first signal.Notify of the process starts and never stops.
func goroutines() int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(g, "os/signal.loop") {
			n++
		}
	}
	return n
}

// waitGoroutines polls, with a bounded deadline, until the count is back
// to base.
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for goroutines() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want %d:\n%s", goroutines(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBridgeOrderBatchesAndResync(t *testing.T) {
	base := goroutines()
	fleet, stream := &testFleet{}, make(testStream, 16)
	ctx, cancel := context.WithCancel(context.Background())
	b := startBridge(ctx, cancel, fleet, stream, 3)
	first := <-b.out
	if s, ok := first[0].(hub.Snapshot); !ok || len(first) != 1 || s.Source.Instances != 1 {
		t.Fatalf("first delivery %#v, want the snapshot alone", first)
	}
	k := func(i string) hub.Msg { return hub.InstanceGone{Key: hub.Key{Service: "s", InstanceID: i}} }
	for _, m := range []hub.Msg{k("1"), k("2"), k("3"), k("4"), hub.Dropped{N: 2}, k("5")} {
		stream <- m
	}
	var got []string
	for len(got) < 7 {
		for _, m := range <-b.out {
			switch m := m.(type) {
			case hub.InstanceGone:
				got = append(got, m.Key.InstanceID)
			case hub.Dropped:
				got = append(got, "dropped")
			case hub.Snapshot:
				got = append(got, "snapshot")
			}
		}
	}
	if s := strings.Join(got, " "); s != "1 2 3 4 dropped snapshot 5" {
		t.Errorf("delivered %q", s)
	}
	close(stream) // the hub closed: the bridge ends and closes its channel
	if _, ok := <-b.out; ok {
		t.Error("the channel stays open after the stream ended")
	}
	b.stop()
	waitGoroutines(t, base)
}

func TestBridgeStopsWhileBlocked(t *testing.T) {
	base := goroutines()
	ctx, cancel := context.WithCancel(context.Background())
	b := startBridge(ctx, cancel, &testFleet{}, make(testStream), 8) // nobody reads out
	b.stop()
	b.stop() // idempotent
	waitGoroutines(t, base)
}

// TestProgramEndToEnd runs the dashboard in a real Bubble Tea program (no
// TTY): the snapshot and the stream reach the views, q y quits, Close stops
// the bridge, and no goroutine is left behind.
func TestProgramEndToEnd(t *testing.T) {
	base := goroutines()
	stream := make(testStream)
	m, err := New(Options{Tick: 10 * time.Millisecond}, &testFleet{}, stream)
	if err != nil {
		t.Fatal(err)
	}
	batches := make(chan int, 64)
	ticks := make(chan struct{})
	filter := func(_ tea.Model, msg tea.Msg) tea.Msg {
		if _, ok := msg.(tick); ok {
			select {
			case ticks <- struct{}{}:
			default:
			}
		}
		if r, ok := msg.(ui.Received[batch]); ok {
			batches <- len(r.Value)
		}
		return msg
	}
	p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithWindowSize(120, 40),
		tea.WithoutSignals(), tea.WithFilter(filter))
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	<-batches // the snapshot
	p.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	stream <- hub.InstanceUpdate{Instance: hub.Instance{Key: hub.Key{Service: "late", InstanceID: "late-1"}, State: hub.StateUp}}
	<-batches
	<-ticks // the views rebuild on the clock
	<-ticks
	p.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	p.Send(tea.KeyPressMsg{Code: 'y', Text: "y"})
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	m.Close()
	if s := m.Root().Render(); !strings.Contains(s, "late-1") || !strings.Contains(s, "test") {
		t.Errorf("the stream did not reach the view:\n%s", s)
	}
	waitGoroutines(t, base)
}
