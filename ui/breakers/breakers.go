package breakers

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/controls"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
	"github.com/kitbench/kitbench/ui/trip"
)

// sparkWidth is the width of the rate sparkline column: one cell per
// sample, so the sparkline shows the last sparkWidth seconds (Window).
const sparkWidth = History

// Window is the time the rate sparklines span, on one scale for all rows.
const Window = History * sampleEvery

// View is the breakers view. Build it with New.
type View struct {
	st  *styles.Styles
	km  keys.Map
	nav keys.Nav

	items   map[id]*entry
	figs    figures
	act     controls.Active // the controls in force, for the rows' markers
	ck      keys.Controls
	prompt  controls.Prompt // the question before a breaker is forced
	now     time.Time
	sampled time.Time // last rate sample

	table   components.Table
	summary string
	w, h    int
	short   bool // the STATE column is too narrow for "FORCED OPEN 2m10s": "F-OPEN 2m10s"
	scratch []float64
}

// New returns an empty breakers view.
func New(st *styles.Styles, km keys.Map) *View {
	v := &View{st: st, km: km, nav: km.Nav.WithEnter("why did it trip?"), items: map[id]*entry{}, figs: newFigures(),
		ck: keys.ControlsKeys(), prompt: controls.NewPrompt(st)}
	byName := func(a, b components.Row) int {
		x, y := a.Value.(*entry), b.Value.(*entry)
		return cmp.Or(strings.Compare(x.name, y.name), strings.Compare(x.key.String(), y.key.String()))
	}
	byErr := func(a, b components.Row) int {
		return cmp.Compare(a.Value.(*entry).b.ErrorRatio, b.Value.(*entry).b.ErrorRatio)
	}
	byVol := func(a, b components.Row) int {
		return cmp.Compare(a.Value.(*entry).b.Counts.Requests, b.Value.(*entry).b.Counts.Requests)
	}
	right := components.AlignRight
	v.table = components.NewTable(st, v.nav,
		components.Column{Title: "INSTANCE", Width: 10, Flex: 1, NoSort: true, KeepEnd: true},
		components.Column{Title: "BREAKER", Width: 12, Flex: 2, Compare: byName, KeepEnd: true},
		// STATE grows to show a forced state's countdown whole
		// ("FORCED OPEN 2m10s"; fitMarkers).
		components.Column{Title: "STATE", Width: 9, Flex: 1, NoSort: true},
		components.Column{Title: "ERR%", Width: 5, Align: right, Desc: true, Compare: byErr},
		components.Column{Title: "VOLUME", Width: 6, Align: right, Desc: true, Compare: byVol},
		components.Column{Title: "P50", Width: 6, Align: right, NoSort: true},
		components.Column{Title: "P99", Width: 6, Align: right, NoSort: true},
		components.Column{Title: "RATE " + components.Duration(Window), Width: sparkWidth, NoSort: true},
		components.Column{Title: "REJ", Width: 4, Align: right, NoSort: true},
		components.Column{Title: "SINCE", Width: 5, Align: right, NoSort: true},
	)
	v.table.Empty = "no circuit breakers seen yet"
	v.rebuild()
	return v
}

// Update applies hub messages, the clock, the filter and the keys.
func (v *View) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	v.act.Apply(msg) // the rows follow on the next tick
	switch msg := msg.(type) {
	case hub.Snapshot:
		v.reset(msg)
		v.rebuild()
	case hub.BreakerUpdate:
		v.apply(msg)
	case hub.InstanceUpdate:
		v.figs.instance(msg.Instance)
		v.dim(msg.Instance.Key, msg.Instance.Stale || msg.Instance.State == hub.StateDown)
	case hub.MetricsUpdate:
		v.figs.metrics[msg.Key] = &msg
	case hub.InstanceGone:
		v.figs.gone(msg.Key)
		for k := range v.items {
			if k.key == msg.Key {
				delete(v.items, k)
			}
		}
	case ui.TickMsg:
		v.tick(msg.Now)
	case ui.FilterMsg:
		v.table.SetFilter(components.ParseFilter(msg.Query))
	case tea.KeyPressMsg:
		if v.prompt.Open() {
			cmd := v.prompt.Update(msg)
			v.fit()
			return v, cmd
		}
		if v.controlKey(msg) {
			return v, nil
		}
		if key.Matches(msg, v.nav.Enter) {
			return v, v.open()
		}
		if v.table.Update(msg) && key.Matches(msg, v.nav.Sort) {
			v.summary = v.makeSummary()
		}
	}
	return v, nil
}

func (v *View) apply(m hub.BreakerUpdate) {
	k := id{m.Key, m.Breaker.Name}
	e, ok := v.items[k]
	if !ok {
		e = &entry{id: k, rates: components.NewHistory(History)}
		v.items[k] = e
	}
	e.b = m.Breaker
	if m.Transition != nil {
		e.keep(*m.Transition)
	}
}

// reset replaces the breakers with a snapshot's, keeping the history of
// those still there.
func (v *View) reset(s hub.Snapshot) {
	seen := map[id]bool{}
	v.figs = newFigures()
	for _, in := range s.Instances {
		v.figs.instance(in.Instance)
		if in.Metrics != nil {
			v.figs.metrics[in.Key] = in.Metrics
		}
		for _, b := range in.Breakers {
			v.apply(hub.BreakerUpdate{Key: in.Key, Breaker: b})
			seen[id{in.Key, b.Name}] = true
		}
		v.dim(in.Key, in.Stale || in.State == hub.StateDown)
	}
	for k := range v.items {
		if !seen[k] {
			delete(v.items, k)
		}
	}
}

func (v *View) dim(k hub.Key, dim bool) {
	for _, e := range v.items {
		if e.key == k && e.dim != dim {
			e.dim = dim
		}
	}
}

// tick moves the clock, samples the rates once a second, and rebuilds the
// rows (the ages change even when nothing else does).
func (v *View) tick(now time.Time) {
	v.now = now
	if now.Sub(v.sampled) >= sampleEvery {
		v.sampled = now
		for _, e := range v.items {
			e.sample(now)
		}
	}
	v.rebuild()
}

// open pushes "Why did it trip?" for the selected breaker.
func (v *View) open() tea.Cmd {
	r, ok := v.table.Selected()
	if !ok {
		return nil
	}
	e := r.Value.(*entry)
	return ui.Push(trip.New(v.st, v.km, trip.Breaker{
		Key: e.key, Breaker: e.b, Transitions: slices.Clone(e.trans),
	}, v.now))
}

// rebuild makes the rows, worst first: open, half-open, closed.
func (v *View) rebuild() {
	list := make([]*entry, 0, len(v.items))
	for _, e := range v.items {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(severity(a.b.State), severity(b.b.State)),
			strings.Compare(a.key.Service, b.key.Service), strings.Compare(a.key.InstanceID, b.key.InstanceID),
			strings.Compare(a.name, b.name))
	})
	// One scale for every row's sparkline, so bars compare across rows.
	top := 0.0
	for _, e := range list {
		v.scratch = e.rates.Values(v.scratch[:0])
		for _, r := range v.scratch {
			top = max(top, r)
		}
	}
	v.fitMarkers()
	rows := make([]components.Row, len(list))
	for i, e := range list {
		rows[i] = v.row(e, top)
	}
	v.table.SetRows(rows)
	v.summary = v.makeSummary()
}

func (v *View) row(e *entry, top float64) components.Row {
	b := e.b
	state := b.State
	if state == "" {
		state = "unknown"
	}
	errTone := styles.ToneNormal
	if b.ErrorRatio > 0 {
		errTone = styles.ToneWarn
	}
	if b.State == wire.StateOpen {
		errTone = styles.ToneBad
	}
	rejTone := styles.ToneNormal
	if b.Counts.Rejected > 0 {
		rejTone = styles.ToneWarn
	}
	v.scratch = e.rates.Values(v.scratch[:0])
	p50, p99 := "-", "-"
	if st, ok := v.figs.of(e.key, e.name); ok {
		p50, p99 = components.Quantile(st.Resolved(st.P50)), components.Quantile(st.Resolved(st.P99))
	}
	stateTone := styles.BreakerTone(b.State)
	if m := v.marker(e, v.short); m != "" {
		state, stateTone = m, styles.ToneWarn
	}
	r := components.Row{
		Key:   e.key.String() + "\x00" + e.name,
		Value: e,
		Cells: []components.Cell{
			{Text: instanceLabel(e.key)},
			{Text: e.name},
			{Text: state, Tone: stateTone},
			{Text: components.Percent(b.ErrorRatio), Tone: errTone},
			{Text: components.Count(b.Counts.Requests)},
			{Text: p50},
			{Text: p99},
			{Text: components.SparklineTo(v.scratch, sparkWidth, top), Tone: styles.ToneInfo},
			{Text: components.Count(b.Counts.Rejected), Tone: rejTone},
			{Text: components.Age(v.now, b.LastTransition)},
		},
	}
	if e.dim {
		r.Tone = styles.ToneMuted
	}
	return r
}

// makeSummary is the line above the table: counts by state and the sort.
func (v *View) makeSummary() string {
	var open, half, closed int
	for _, e := range v.items {
		switch e.b.State {
		case wire.StateOpen:
			open++
		case wire.StateHalfOpen:
			half++
		case wire.StateClosed:
			closed++
		}
	}
	sort := "worst first"
	if c := v.table.SortColumn(); c >= 0 {
		sort = [...]string{1: "name", 3: "error %", 4: "volume"}[c]
	}
	muted := v.st.Tone(styles.ToneMuted)
	return " " + v.st.Breaker(wire.StateOpen).Render(strconv.Itoa(open)+" open") + muted.Render(" · ") +
		v.st.Breaker(wire.StateHalfOpen).Render(strconv.Itoa(half)+" half-open") + muted.Render(" · ") +
		v.st.Breaker(wire.StateClosed).Render(strconv.Itoa(closed)+" closed") +
		muted.Render("   sorted by "+sort+" (s)")
}

// View renders the summary line and the table.
func (v *View) View() string {
	return controls.Render(v.summary, &v.table, &v.prompt, v.w, v.h)
}

// SetSize gives the body size; the markers' form follows the width.
func (v *View) SetSize(w, h int) {
	v.w, v.h = w, h
	v.fit()
	if v.act.Any() {
		v.rebuild()
	}
}

// Title is the tab's name.
func (v *View) Title() string { return "Breakers" }

// Count implements root.Counter: the breakers shown (after the filter)
// and held.
func (v *View) Count() (shown, total int) { return v.table.Len(), v.table.Total() }

// ShortHelp implements help.KeyMap: the question's keys while it asks.
func (v *View) ShortHelp() []key.Binding {
	if v.prompt.Open() {
		return v.prompt.ShortHelp()
	}
	return append(v.nav.ShortHelp(), v.controlHelp()...)
}

// FullHelp implements help.KeyMap.
func (v *View) FullHelp() [][]key.Binding {
	if v.prompt.Open() {
		return v.prompt.FullHelp()
	}
	return append(v.nav.FullHelp(), v.controlHelp())
}

// instanceLabel names an instance in a row: its ID when that already
// starts with the service's name ("gateway-1"), else service/ID.
func instanceLabel(k hub.Key) string {
	if strings.HasPrefix(k.InstanceID, k.Service) {
		return k.InstanceID
	}
	return k.String()
}
