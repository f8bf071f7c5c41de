package traces

import (
	"slices"
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
	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// View is the list of recent traces. Build it with New.
type View struct {
	st    *styles.Styles
	km    keys.Nav
	tk    keys.Traces
	src   Source
	opts  Options
	table components.Table
	w, h  int

	all     []*hub.Trace // every trace held, as of the last refresh
	res     result       // the search over all that the table shows
	query   Query
	gen     int   // bumped on every change of the query or order
	qErr    error // the query typed last did not parse (the previous one stays)
	order   Order
	follow  bool            // the cursor rides the newest trace
	seen    map[string]bool // traces listed when follow went off
	fresh   int             // listed traces not in seen: "N new"
	opened  string          // the trace opened last (pinned with the selection)
	pins    []string        // the ids last given to Source.Pin
	waiting bool            // a refresh is scheduled after the pause

	loadedOnce bool // a list has arrived
	inFlight   bool // a refresh command is running
	dirty      bool // spans arrived since the last refresh started
}

// New returns the traces view reading from src.
func New(st *styles.Styles, km keys.Map, src Source, opts Options) *View {
	v := &View{st: st, km: km.Nav, tk: keys.TracesKeys(), src: src, opts: opts.withDefaults(), follow: true}
	v.table = components.NewTable(st, km.Nav,
		components.Column{Title: "START", Width: 12, NoSort: true},
		components.Column{Title: "ROOT", Width: 16, Flex: 3, NoSort: true},
		components.Column{Title: "DURATION", Width: 9, Align: components.AlignRight, NoSort: true},
		components.Column{Title: "SPANS", Width: 5, Align: components.AlignRight, NoSort: true},
		components.Column{Title: "SERVICES", Width: 10, Flex: 2, NoSort: true},
		components.Column{Title: "ERR", Width: 5, NoSort: true},
		components.Column{Title: "TRACE", Width: 32, NoSort: true},
	)
	v.table.Empty = "no traces yet: they appear as the fleet serves traced calls"
	return v
}

// Title implements ui.View.
func (v *View) Title() string { return "Traces" }

// SetSize implements ui.View: a summary line, then the table.
func (v *View) SetSize(w, h int) {
	v.w, v.h = max(0, w), max(0, h)
	v.table.SetSize(v.w, max(0, v.h-1))
}

// View implements ui.View.
func (v *View) View() string {
	if v.w <= 0 || v.h <= 0 {
		return ""
	}
	if v.h == 1 {
		return v.summary()
	}
	return v.summary() + "\n" + v.table.View()
}

// ShortHelp implements help.KeyMap.
func (v *View) ShortHelp() []key.Binding {
	return []key.Binding{v.km.Down, v.km.Up, v.km.Enter, v.tk.Follow, v.tk.Sort}
}

// FullHelp implements help.KeyMap.
func (v *View) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{v.km.Up, v.km.Down, v.km.PageUp, v.km.PageDown},
		{v.tk.Follow, v.km.Bottom, v.km.Enter, v.tk.Sort},
		{v.tk.Search, v.tk.Open},
	}
}

// Count implements root.Counter: the traces that match the search, of
// those held (the list shows at most Options.Limit of the matches).
func (v *View) Count() (shown, total int) {
	if !v.query.Active() {
		return len(v.all), len(v.all)
	}
	return v.res.matched, len(v.all)
}

// Len is the number of traces shown (after the search).
func (v *View) Len() int { return v.table.Len() }

// Following reports whether the cursor follows the newest trace.
func (v *View) Following() bool { return v.follow && v.order == ByTime }

// Selected returns the id of the trace under the cursor, "" when none.
func (v *View) Selected() string {
	if r, ok := v.table.Selected(); ok {
		return r.Key
	}
	return ""
}

// Update implements ui.View.
func (v *View) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	switch msg := msg.(type) {
	case loaded:
		if msg.owner != v {
			return v, nil
		}
		return v, v.loaded(msg)
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
		return v, v.found(msg)
	case ui.OpenTraceMsg:
		id := strings.ToLower(strings.TrimSpace(msg.TraceID))
		if id == "" {
			return v, ui.Notify(ui.Warn, "no trace id to open")
		}
		return v, fetchOne(v, v.src, id)
	case ui.CommandMsg:
		return v, v.command(msg.Args)
	case ui.FilterMsg:
		return v, v.search(msg.Query)
	case tea.KeyPressMsg:
		return v, v.key(msg)
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

func (v *View) key(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, v.km.Enter):
		r, ok := v.table.Selected()
		if !ok {
			return nil
		}
		t := r.Value.(*hub.Trace)
		v.opened = t.ID
		return tea.Batch(ui.Push(NewWaterfall(v.st, v.km, v.src, t.ID, t)), v.pin())
	case key.Matches(k, v.tk.Sort):
		v.order = 1 - v.order
		v.gen++
		return v.research()
	}
	if !v.table.Update(k) {
		return nil
	}
	v.setFollow(v.order == ByTime && v.table.Cursor() == 0 && v.table.Len() > 0)
	return v.pin()
}

// setFollow turns follow on or off; going off remembers what is listed,
// so that later arrivals count as new.
func (v *View) setFollow(on bool) {
	if on == v.follow {
		return
	}
	v.follow, v.fresh, v.seen = on, 0, nil
	if !on {
		v.seen = make(map[string]bool, len(v.res.traces))
		for _, t := range v.res.traces {
			v.seen[t.ID] = true
		}
	}
}

// search applies a query as typed: a query that does not parse keeps the
// previous one and says why in the summary line.
func (v *View) search(text string) tea.Cmd {
	q, err := ParseQuery(text)
	v.qErr = err
	if err != nil || q.String() == v.query.String() {
		return nil
	}
	v.query = q
	v.gen++
	return v.research()
}

func (v *View) research() tea.Cmd {
	if !v.loadedOnce {
		return nil // the first refresh uses the query
	}
	return research(v, v.all, v.gen, v.query, v.order, v.opts.Limit, v.keep())
}

// loaded shows a search result. A refresh's result computed for an older
// query still brings the traces held, searched again at once.
func (v *View) loaded(msg loaded) tea.Cmd {
	var cmds []tea.Cmd
	if msg.refresh {
		v.inFlight, v.loadedOnce, v.all = false, true, msg.all
		if v.dirty {
			v.dirty, v.waiting = false, true
			cmds = append(cmds, tea.Tick(v.opts.Refresh, func(time.Time) tea.Msg { return refreshDue{owner: v} }))
		}
	}
	if msg.gen != v.gen {
		if msg.refresh {
			cmds = append(cmds, v.research())
		}
		return tea.Batch(cmds...)
	}
	v.res = msg.res
	v.table.Empty = "no traces yet: they appear as the fleet serves traced calls"
	if v.query.Active() && len(v.all) > 0 {
		v.table.Empty = "no trace of the " + strconv.Itoa(len(v.all)) + " held matches /" + v.query.String()
	}
	v.table.SetRows(rows(msg.res.traces))
	switch {
	case v.Following():
		if len(msg.res.traces) > 0 {
			v.table.Select(msg.res.traces[0].ID)
		}
	case !msg.refresh: // a new search: what it lists is not news
		v.setFollow(true)
		v.setFollow(false)
	default:
		v.fresh = 0
		for _, t := range msg.res.traces {
			if !v.seen[t.ID] {
				v.fresh++
			}
		}
	}
	cmds = append(cmds, v.pin())
	return tea.Batch(cmds...)
}

// refresh starts a list refresh unless one is running or scheduled, in
// which case it marks the list dirty so that one more follows.
func (v *View) refresh() tea.Cmd {
	if v.inFlight || v.waiting {
		v.dirty = true
		return nil
	}
	v.inFlight, v.dirty = true, false
	return fetchList(v, v.src, v.gen, v.query, v.order, v.opts.Limit, v.keep())
}

// keep are the traces kept in the list and pinned in the hub: the
// selected one and the one opened last.
func (v *View) keep() []string {
	var ids []string
	if id := v.Selected(); id != "" {
		ids = append(ids, id)
	}
	if v.opened != "" && !slices.Contains(ids, v.opened) {
		ids = append(ids, v.opened)
	}
	return ids
}

// pin asks the source to pin the kept traces when they changed.
func (v *View) pin() tea.Cmd {
	ids := v.keep()
	if slices.Equal(ids, v.pins) {
		return nil
	}
	v.pins = ids
	return pin(v.src, ids)
}

// command runs ':trace ID': open the trace whose id is ID or starts with
// it.
func (v *View) command(args string) tea.Cmd {
	id := strings.ToLower(strings.TrimSpace(args))
	if id == "" {
		return nil
	}
	return findPrefix(v, v.src, id)
}

func (v *View) found(msg found) tea.Cmd {
	switch {
	case msg.trace != nil:
		v.opened = msg.trace.ID
		return tea.Batch(ui.Push(NewWaterfall(v.st, v.km, v.src, msg.trace.ID, msg.trace)), v.pin())
	case msg.matches > 1:
		return ui.Notify(ui.Warn, strconv.Itoa(msg.matches)+" traces start with "+msg.id+": type more of the id")
	case msg.prefix && len(msg.id) < 32:
		return ui.Notify(ui.Warn, "no trace held starts with "+msg.id)
	}
	v.opened = msg.id
	w := NewWaterfall(v.st, v.km, v.src, msg.id, nil)
	return tea.Batch(ui.Push(w), ui.Notify(ui.Warn, "trace "+ShortID(msg.id)+" is not in memory yet"), v.pin())
}

// summary is the line above the table: how many traces, the search, the
// order and whether the cursor follows the newest.
func (v *View) summary() string {
	held := len(v.all)
	parts := []string{plural(held, "trace") + " held"}
	if v.query.Active() {
		parts[0] = strconv.Itoa(v.res.matched) + "/" + strconv.Itoa(held) + " match /" + v.query.String()
	}
	tone := styles.ToneMuted
	if v.qErr != nil {
		parts = append(parts, v.qErr.Error())
		tone = styles.ToneBad
	}
	switch {
	case v.order == ByDuration:
		parts = append(parts, "slowest first (s)")
	case v.follow:
		parts = append(parts, "following newest", "newest first (s)")
	default:
		p := "paused"
		if v.fresh > 0 {
			p += " · " + strconv.Itoa(v.fresh) + " new"
			if v.fresh >= v.opts.Limit { // the list turned over: more came than it shows
				p = strings.TrimSuffix(p, " new") + "+ new"
			}
		}
		parts = append(parts, p+" (g follows)", "newest first (s)")
	}
	return v.st.Tone(tone).Render(sanitize.Line(" "+strings.Join(parts, " · "), v.w))
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
