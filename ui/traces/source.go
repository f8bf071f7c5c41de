package traces

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
)

// Source gives the traces the workbench holds. *hub.Hub implements it. The
// view calls it only from commands, never from Update or View.
type Source interface {
	// Traces returns at most limit traces, newest first.
	Traces(limit int) []*hub.Trace
	// Trace returns one trace by id; false when none of its spans is held.
	Trace(id string) (*hub.Trace, bool)
}

// Options configure the view. The zero value is usable.
type Options struct {
	// Limit is how many recent traces the list holds; zero means 500.
	Limit int
	// Refresh is the least time between two refreshes of the list while
	// spans keep arriving; zero means 500 ms.
	Refresh time.Duration
}

func (o Options) withDefaults() Options {
	if o.Limit <= 0 {
		o.Limit = 500
	}
	if o.Refresh <= 0 {
		o.Refresh = 500 * time.Millisecond
	}
	return o
}

// loaded carries a refreshed list to the view that asked for it.
type loaded struct {
	owner  *View
	traces []*hub.Trace
}

// refreshDue ends the pause between two refreshes.
type refreshDue struct{ owner *View }

// found carries one looked-up trace to the view that asked for it (the
// list for ui.OpenTraceMsg, or a waterfall refreshing itself).
type found struct {
	owner any
	id    string
	trace *hub.Trace // nil when not held
}

func fetchList(owner *View, src Source, limit int) tea.Cmd {
	return func() tea.Msg { return loaded{owner: owner, traces: src.Traces(limit)} }
}

func fetchOne(owner any, src Source, id string) tea.Cmd {
	return func() tea.Msg {
		t, ok := src.Trace(id)
		if !ok {
			t = nil
		}
		return found{owner: owner, id: id, trace: t}
	}
}
