package traces

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
)

// Source gives the traces the workbench holds. *hub.Hub implements it. The
// view calls it only from commands, never from Update or View.
type Source interface {
	// Traces returns at most limit traces (zero: all), newest first.
	Traces(limit int) []*hub.Trace
	// Trace returns one trace by id; false when none of its spans is held.
	Trace(id string) (*hub.Trace, bool)
	// Pin replaces the set of traces kept whole against eviction (the
	// selected one and the one open).
	Pin(ids ...string)
}

// Options configure the view. The zero value is usable.
type Options struct {
	// Limit is how many traces the list shows, the first of those that
	// match the search in the chosen order; zero means 500. The selected
	// and the open trace are listed beyond it.
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

// loaded carries a search result to the view that asked for it: from a
// refresh (all is new) or from a new query or order over the traces it
// holds (all is what it had).
type loaded struct {
	owner   *View
	refresh bool
	gen     int // the query generation the search used
	all     []*hub.Trace
	res     result
}

// refreshDue ends the pause between two refreshes.
type refreshDue struct{ owner *View }

// found carries one looked-up trace to the view that asked for it (the
// list for ui.OpenTraceMsg and ':trace', or a waterfall refreshing itself).
type found struct {
	owner   any
	id      string
	trace   *hub.Trace // nil when not held, or not unique
	matches int        // traces whose id starts with id (prefix look-ups)
	prefix  bool       // id may be a prefix (':trace')
}

// fetchList reads every trace held and searches them, off the update
// loop.
func fetchList(owner *View, src Source, gen int, q Query, o Order, limit int, keep []string) tea.Cmd {
	return func() tea.Msg {
		all := src.Traces(0)
		return loaded{owner: owner, refresh: true, gen: gen, all: all, res: search(all, q, o, limit, keep)}
	}
}

// research searches the traces already held with a new query or order.
func research(owner *View, all []*hub.Trace, gen int, q Query, o Order, limit int, keep []string) tea.Cmd {
	return func() tea.Msg {
		return loaded{owner: owner, gen: gen, all: all, res: search(all, q, o, limit, keep)}
	}
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

// findPrefix looks a trace up by id or unique id prefix.
func findPrefix(owner any, src Source, id string) tea.Cmd {
	return func() tea.Msg {
		t, n := lookup(src, id)
		return found{owner: owner, id: id, trace: t, matches: n, prefix: true}
	}
}

func pin(src Source, ids []string) tea.Cmd {
	return func() tea.Msg {
		src.Pin(ids...)
		return nil
	}
}
