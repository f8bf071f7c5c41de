package instances

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/controls"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

// Settle is how long an instance's better health must last before it
// moves down the list: trouble moves a row up at once, recovery only once
// it holds, so rows do not trade places every second.
const Settle = 10 * time.Second

// View is the services & instances view. Build it with New.
type View struct {
	st  *styles.Styles
	km  keys.Map
	nav keys.Nav

	recs map[hub.Key]*record
	ejs  map[target]ejection
	act  controls.Active // the controls in force, for the rows' markers

	ck     keys.Controls
	prompt controls.Prompt // the fault form or the drain's question
	now    time.Time
	dirty  bool

	// Hysteresis of the order (see Settle and components.Rank).
	grades             components.Latch
	rate, fail, client *components.Rank
	p99                *components.Rank

	table    components.Table
	summary  string
	w, h     int
	focus    []hub.Key        // the instances on screen, as last sent (FocusMsg)
	onScreen []components.Row // focusCmd's scratch
}

// row is a table row's value: the record and what sorting needs (the
// held figures, not the live ones).
type row struct {
	rec                *record
	grade              int
	ejection           *ejection
	rate, fail, client float64
	p99                float64
	// The order's keys, computed once per rebuild: the service and
	// instance as shown, and the Key's text (the row's identity).
	name, id, key string
}

// Columns of the table.
const (
	colService = iota
	colInstance
	colHealth
	colState
	colRate
	colFail
	colClient
	colP99
	colBreakers
	colAddress
)

// New returns an empty instances view.
func New(st *styles.Styles, km keys.Map) *View {
	v := &View{st: st, km: km, nav: km.Nav.WithEnter("details"), recs: map[hub.Key]*record{},
		ck: keys.ControlsKeys(), prompt: controls.NewPrompt(st),
		grades: components.Latch{Settle: Settle},
		rate:   components.NewRank(0.5, 0.25), fail: components.NewRank(0.01, 0.25),
		client: components.NewRank(0.01, 0.25), p99: components.NewRank(float64(time.Millisecond), 0.25)}
	num := func(f func(r *row) float64) func(a, b components.Row) int {
		return func(a, b components.Row) int { return cmp.Compare(f(a.Value.(*row)), f(b.Value.(*row))) }
	}
	right := components.AlignRight
	v.table = components.NewTable(st, v.nav,
		components.Column{Title: "SERVICE", Width: 9, NoSort: true},
		components.Column{Title: "INSTANCE", Width: 11, NoSort: true},
		components.Column{Title: "HEALTH", Width: 7, NoSort: true},
		// STATE takes most of the spare width: an ejection says by whom
		// and for how long ("ejected by gateway-1 · 1m40s left").
		components.Column{Title: "STATE", Width: 9, Flex: 4, NoSort: true},
		components.Column{Title: "RATE", Width: 6, Align: right, Desc: true, Compare: num(func(r *row) float64 { return r.rate })},
		components.Column{Title: "ERR%", Width: 5, Align: right, Desc: true, Compare: num(func(r *row) float64 { return r.fail })},
		components.Column{Title: "4XX%", Width: 5, Align: right, Desc: true, Compare: num(func(r *row) float64 { return r.client })},
		components.Column{Title: "P99", Width: 6, Align: right, Desc: true, Compare: num(func(r *row) float64 { return r.p99 })},
		components.Column{Title: "BREAKERS", Width: 8, NoSort: true},
		components.Column{Title: "ADDRESS", Width: 7, Flex: 1, NoSort: true},
	)
	v.table.Empty = "no instances discovered yet"
	v.rebuild()
	return v
}

// Update applies hub messages, the clock, the filter and the keys. After
// what can move the rows on screen (a snapshot, a tick, the filter, a
// key) it sends a FocusMsg if they changed.
func (v *View) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	cmd := v.update(msg)
	switch msg.(type) {
	case hub.Snapshot, ui.TickMsg, ui.FilterMsg, tea.KeyPressMsg:
		return v, tea.Batch(cmd, v.focusCmd())
	}
	return v, cmd
}

func (v *View) update(msg tea.Msg) tea.Cmd {
	if v.act.Apply(msg) {
		v.dirty = true
	}
	switch msg := msg.(type) {
	case hub.Snapshot:
		clear(v.recs)
		for _, s := range msg.Instances {
			v.recs[s.Key] = fromState(s)
		}
		v.rebuild()
	case hub.InstanceGone:
		delete(v.recs, msg.Key)
		v.dirty = true
	case hub.InstanceUpdate, hub.BreakerUpdate, hub.LimiterUpdate, hub.MetricsUpdate, hub.Problem:
		k := msg.(hub.Msg).About()
		r, ok := v.recs[k]
		if !ok {
			if _, isInst := msg.(hub.InstanceUpdate); !isInst {
				return nil // about an instance we were not told of
			}
			r = newRecord(k)
			v.recs[k] = r
		}
		r.apply(msg.(hub.Msg))
		v.dirty = true
	case ui.TickMsg:
		v.now = msg.Now
		// Countdowns and settling grades move with the clock.
		if v.dirty || len(v.ejs) > 0 || v.grades.Waiting() || v.act.Any() {
			v.rebuild()
		}
	case ui.FilterMsg:
		v.table.SetFilter(components.ParseFilter(msg.Query))
	case tea.PasteMsg:
		if v.prompt.Open() {
			return v.prompted(msg)
		}
	case tea.KeyPressMsg:
		if v.prompt.Open() {
			return v.prompted(msg)
		}
		if v.controlKey(msg) {
			return nil
		}
		if key.Matches(msg, v.nav.Enter) {
			if r, ok := v.table.Selected(); ok {
				rw := r.Value.(*row)
				return ui.Push(newDetail(v.st, v.km, rw.rec.clone(), v.act.Of(rw.rec.inst.Key), rw.ejection, v.now))
			}
			return nil
		}
		if v.table.Update(msg) && key.Matches(msg, v.nav.Sort) {
			v.fresh() // a sort asked for is a sort by the figures of now
			v.rebuild()
		}
	}
	return nil
}

// fresh drops the held order, so the next rebuild sorts by live figures.
func (v *View) fresh() {
	v.grades.Reset()
	v.rate.Reset()
	v.fail.Reset()
	v.client.Reset()
	v.p99.Reset()
}

// rebuild orders the instances unhealthy first (services by their worst
// instance) through the hysteresis, and makes the rows.
func (v *View) rebuild() {
	v.dirty = false
	v.ejs = ejections(v.recs)
	list := make([]*row, 0, len(v.recs))
	worst := map[string]int{}
	for _, rec := range v.recs {
		id := rec.inst.Key.String()
		r := &row{rec: rec, name: rec.inst.Name(), id: rec.inst.ID(), key: id}
		if e, ok := v.ejs[targetFor(rec.inst)]; ok {
			r.ejection = &e
		}
		r.grade = v.grades.Grade(id, rec.severity(r.ejection != nil), v.now)
		if st, ok := rec.stats(); ok {
			r.rate = v.rate.Hold(id, st.Rate)
			r.fail = v.fail.Hold(id, st.FailureRatio)
			r.client = v.client.Hold(id, st.ClientErrorShare)
			r.p99 = v.p99.Hold(id, float64(st.P99))
		}
		list = append(list, r)
		if w, ok := worst[r.name]; !ok || r.grade < w {
			worst[r.name] = r.grade
		}
	}
	v.grades.Sweep()
	for _, rk := range []*components.Rank{v.rate, v.fail, v.client, v.p99} {
		rk.Sweep()
	}
	// Each key is compared only when the ones before it tie (cmp.Or
	// would compute them all), and none allocates.
	slices.SortFunc(list, func(a, b *row) int {
		if a.name != b.name {
			if c := cmp.Compare(worst[a.name], worst[b.name]); c != 0 {
				return c
			}
			return strings.Compare(a.name, b.name)
		}
		if c := cmp.Compare(a.grade, b.grade); c != 0 {
			return c
		}
		if c := strings.Compare(a.id, b.id); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	rows := make([]components.Row, len(list))
	for i, r := range list {
		rows[i] = v.row(r)
	}
	v.table.SetRows(rows)
	v.summary = v.makeSummary(list)
}

func (v *View) row(r *row) components.Row {
	in := r.rec.inst
	state, stateTone := string(in.State), styles.ToneNormal
	switch in.State {
	case hub.StateUp:
		stateTone = styles.ToneGood
	case hub.StateDown:
		stateTone = styles.ToneBad
	case "":
		state = string(hub.StateStarting)
	}
	if in.Stale {
		state += " stale"
		stateTone = styles.ToneWarn
	}
	if r.ejection != nil {
		state, stateTone = r.ejection.text(v.now), styles.ToneBad
	}
	if m := controls.InstanceMarker(v.act.Of(in.Key), v.now); m != "" {
		state = withMarker(state, m, v.table.Width(colState))
		if stateTone != styles.ToneBad {
			stateTone = styles.ToneWarn
		}
	}
	rate, fail, client, p99 := "-", "-", "-", "-"
	failTone := styles.ToneNormal
	if st, ok := r.rec.stats(); ok {
		rate, fail, client = components.Rate(st.Rate), components.Percent(st.FailureRatio), components.Percent(st.ClientErrorShare)
		p99 = components.Quantile(st.Resolved(st.P99))
		if st.FailureRatio >= failingShare {
			failTone = styles.ToneBad
		} else if st.FailureRatio > 0 {
			failTone = styles.ToneWarn
		}
	}
	open, half, total := r.rec.breakerCounts()
	brk, brkTone := "-", styles.ToneMuted
	switch {
	case open > 0:
		brk, brkTone = fmt.Sprintf("%d open/%d", open, total), styles.ToneBad
	case half > 0:
		brk, brkTone = fmt.Sprintf("%d half/%d", half, total), styles.ToneWarn
	case total > 0:
		brk, brkTone = fmt.Sprintf("%d closed", total), styles.ToneGood
	}
	out := components.Row{
		Key:   r.key,
		Value: r,
		Cells: []components.Cell{
			colService:  {Text: r.name, Tone: styles.ToneInfo},
			colInstance: {Text: r.id},
			colHealth:   {Text: cmp.Or(in.Health, "-"), Tone: styles.HealthTone(in.Health)},
			colState:    {Text: state, Tone: stateTone},
			colRate:     {Text: rate},
			colFail:     {Text: fail, Tone: failTone},
			colClient:   {Text: client, Tone: styles.ToneMuted},
			colP99:      {Text: p99},
			colBreakers: {Text: brk, Tone: brkTone},
			colAddress:  {Text: in.Address},
		},
	}
	if in.Stale {
		out.Tone = styles.ToneMuted
	}
	return out
}

func (v *View) makeSummary(list []*row) string {
	var down, degraded, ejected int
	services := map[string]bool{}
	for _, r := range list {
		services[r.rec.inst.Name()] = true
		if r.ejection != nil {
			ejected++
		}
		switch r.rec.severity(r.ejection != nil) {
		case gradeFailing:
			down++
		case gradeDegraded:
			degraded++
		}
	}
	sort := "health"
	if c := v.table.SortColumn(); c >= 0 {
		sort = [...]string{colRate: "rate", colFail: "error %", colClient: "4xx %", colP99: "p99"}[c]
	}
	muted := v.st.Tone(styles.ToneMuted)
	s := fmt.Sprintf(" %d services · %d instances", len(services), len(list))
	line := v.st.Title.Render(s)
	if down > 0 {
		line += muted.Render(" · ") + v.st.Tone(styles.ToneBad).Render(fmt.Sprintf("%d failing", down))
	}
	if ejected > 0 {
		line += muted.Render(" (") + v.st.Tone(styles.ToneBad).Render(fmt.Sprintf("%d ejected", ejected)) + muted.Render(")")
	}
	if degraded > 0 {
		line += muted.Render(" · ") + v.st.Tone(styles.ToneWarn).Render(fmt.Sprintf("%d degraded", degraded))
	}
	return line + muted.Render("   sorted by "+sort+" (s)")
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
func (v *View) Title() string { return "Instances" }

// Count implements root.Counter: the instances shown (after the filter)
// and held.
func (v *View) Count() (shown, total int) { return v.table.Len(), v.table.Total() }

// ShortHelp implements help.KeyMap: the prompt's keys while it is open.
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
