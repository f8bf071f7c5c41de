package traces

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/internal/hubmsg"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

// View is the list of recent traces. Build it with New.
type View struct {
	st    *styles.Styles
	km    keys.Nav
	src   Source
	opts  Options
	table components.Table

	loadedOnce bool // a list has arrived
	inFlight   bool // a refresh command is running
	waiting    bool // a refresh is scheduled after the pause
	dirty      bool // spans arrived since the last refresh started
}

// New returns the traces view reading from src.
func New(st *styles.Styles, km keys.Map, src Source, opts Options) *View {
	v := &View{st: st, km: km.Nav, src: src, opts: opts.withDefaults()}
	v.table = components.NewTable(st, km.Nav,
		components.Column{Title: "START", Width: 12, Compare: byTrace(func(a, b *hub.Trace) int { return a.Start.Compare(b.Start) })},
		components.Column{Title: "ROOT", Width: 16, Flex: 3},
		components.Column{Title: "DURATION", Width: 9, Align: components.AlignRight, Desc: true,
			Compare: byTrace(func(a, b *hub.Trace) int { return cmp.Compare(a.Duration, b.Duration) })},
		components.Column{Title: "SPANS", Width: 5, Align: components.AlignRight, Desc: true},
		components.Column{Title: "SERVICES", Width: 10, Flex: 2},
		components.Column{Title: "ERR", Width: 5, Desc: true},
		components.Column{Title: "TRACE", Width: 32},
	)
	v.table.Empty = "no traces yet: they appear as the fleet serves traced calls"
	return v
}

func byTrace(f func(a, b *hub.Trace) int) func(a, b components.Row) int {
	return func(a, b components.Row) int { return f(a.Value.(*hub.Trace), b.Value.(*hub.Trace)) }
}

// Title implements ui.View.
func (v *View) Title() string { return "Traces" }

// SetSize implements ui.View.
func (v *View) SetSize(w, h int) { v.table.SetSize(w, h) }

// View implements ui.View.
func (v *View) View() string { return v.table.View() }

// ShortHelp implements help.KeyMap.
func (v *View) ShortHelp() []key.Binding { return v.km.ShortHelp() }

// FullHelp implements help.KeyMap.
func (v *View) FullHelp() [][]key.Binding { return v.km.FullHelp() }

// Len is the number of traces shown (after the filter).
func (v *View) Len() int { return v.table.Len() }

// Update implements ui.View.
func (v *View) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	switch msg := msg.(type) {
	case loaded:
		if msg.owner != v {
			return v, nil
		}
		v.inFlight, v.loadedOnce = false, true
		v.table.SetRows(rows(msg.traces))
		if v.dirty {
			v.dirty, v.waiting = false, true
			return v, tea.Tick(v.opts.Refresh, func(_ time.Time) tea.Msg { return refreshDue{owner: v} })
		}
		return v, nil
	case refreshDue:
		if msg.owner != v {
			return v, nil
		}
		v.waiting = false
		return v, v.refresh()
	case found:
		if msg.owner != v {
			return v, nil
		}
		w := NewWaterfall(v.st, v.km, v.src, msg.id, msg.trace)
		if msg.trace == nil {
			return v, tea.Batch(ui.Push(w), ui.Notify(ui.Warn, "trace "+ShortID(msg.id)+" is not in memory yet"))
		}
		return v, ui.Push(w)
	case ui.OpenTraceMsg:
		id := strings.ToLower(strings.TrimSpace(msg.TraceID))
		if id == "" {
			return v, ui.Notify(ui.Warn, "no trace id to open")
		}
		return v, fetchOne(v, v.src, id)
	case ui.FilterMsg:
		v.table.SetFilter(components.ParseFilter(msg.Query))
		return v, nil
	case tea.KeyPressMsg:
		if key.Matches(msg, v.km.Enter) {
			if r, ok := v.table.Selected(); ok {
				t := r.Value.(*hub.Trace)
				return v, ui.Push(NewWaterfall(v.st, v.km, v.src, t.ID, t))
			}
			return v, nil
		}
		v.table.Update(msg)
		return v, nil
	}
	spans := false
	if !hubmsg.Each(msg, func(m hub.Msg) {
		if _, ok := m.(hub.SpanBatch); ok {
			spans = true
		}
	}) {
		return v, nil
	}
	if spans || !v.loadedOnce {
		return v, v.refresh()
	}
	return v, nil
}

// refresh starts a list refresh unless one is running or scheduled, in
// which case it marks the list dirty so that one more follows.
func (v *View) refresh() tea.Cmd {
	if v.inFlight || v.waiting {
		v.dirty = true
		return nil
	}
	v.inFlight, v.dirty = true, false
	return fetchList(v, v.src, v.opts.Limit)
}

func rows(ts []*hub.Trace) []components.Row {
	out := make([]components.Row, 0, len(ts))
	for _, t := range ts {
		if t == nil {
			continue
		}
		root, errCell := "", components.Cell{Text: "", Tone: styles.ToneGood}
		if t.Root != nil {
			root = t.Root.Span.Service + " " + t.Root.Span.Name
		}
		if t.Error {
			errCell = components.Cell{Text: "error", Tone: styles.ToneBad}
		}
		out = append(out, components.Row{
			Key: t.ID,
			Cells: []components.Cell{
				{Text: t.Start.Local().Format("15:04:05.000"), Tone: styles.ToneMuted},
				{Text: root},
				{Text: Duration(t.Duration)},
				{Text: strconv.Itoa(t.Spans)},
				{Text: strings.Join(t.Services, ",")},
				errCell,
				{Text: t.ID, Tone: styles.ToneMuted},
			},
			Value: t,
		})
	}
	return out
}
