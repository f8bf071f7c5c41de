package instances

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

// View is the services & instances view. Build it with New.
type View struct {
	st  *styles.Styles
	km  keys.Map
	nav keys.Nav

	recs  map[hub.Key]*record
	now   time.Time
	dirty bool

	table   components.Table
	summary string
	w, h    int
}

// row is a table row's value: the record and what sorting needs.
type row struct {
	rec       *record
	sev       int
	rate, err float64
	p99       int64
}

// New returns an empty instances view.
func New(st *styles.Styles, km keys.Map) *View {
	v := &View{st: st, km: km, nav: km.Nav.WithEnter("details"), recs: map[hub.Key]*record{}}
	num := func(f func(r *row) float64) func(a, b components.Row) int {
		return func(a, b components.Row) int { return cmp.Compare(f(a.Value.(*row)), f(b.Value.(*row))) }
	}
	right := components.AlignRight
	v.table = components.NewTable(st, v.nav,
		components.Column{Title: "SERVICE", Width: 9, Flex: 1, NoSort: true},
		components.Column{Title: "INSTANCE", Width: 11, Flex: 1, NoSort: true},
		components.Column{Title: "HEALTH", Width: 8, NoSort: true},
		components.Column{Title: "STATE", Width: 10, NoSort: true},
		components.Column{Title: "RATE", Width: 7, Align: right, Desc: true, Compare: num(func(r *row) float64 { return r.rate })},
		components.Column{Title: "ERR%", Width: 5, Align: right, Desc: true, Compare: num(func(r *row) float64 { return r.err })},
		components.Column{Title: "P99", Width: 6, Align: right, Desc: true, Compare: num(func(r *row) float64 { return float64(r.p99) })},
		components.Column{Title: "BREAKERS", Width: 9, NoSort: true},
		components.Column{Title: "ADDRESS", Width: 15, Flex: 2, NoSort: true},
	)
	v.table.Empty = "no instances discovered yet"
	v.rebuild()
	return v
}

// Update applies hub messages, the clock, the filter and the keys.
func (v *View) Update(msg tea.Msg) (ui.View, tea.Cmd) {
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
				return v, nil // about an instance we were not told of
			}
			r = newRecord(k)
			v.recs[k] = r
		}
		r.apply(msg.(hub.Msg))
		v.dirty = true
	case ui.TickMsg:
		v.now = msg.Now
		if v.dirty {
			v.rebuild()
		}
	case ui.FilterMsg:
		v.table.SetFilter(components.ParseFilter(msg.Query))
	case tea.KeyPressMsg:
		if key.Matches(msg, v.nav.Enter) {
			if r, ok := v.table.Selected(); ok {
				return v, ui.Push(newDetail(v.st, v.km, r.Value.(*row).rec.clone(), v.now))
			}
			return v, nil
		}
		if v.table.Update(msg) && key.Matches(msg, v.nav.Sort) {
			v.summary = v.makeSummary()
		}
	}
	return v, nil
}

// rebuild orders the instances unhealthy first, services by their worst
// instance, and makes the rows.
func (v *View) rebuild() {
	v.dirty = false
	list := make([]*row, 0, len(v.recs))
	worst := map[string]int{}
	for _, rec := range v.recs {
		r := &row{rec: rec, sev: rec.severity()}
		r.rate, r.err, r.p99, _ = rec.stats()
		list = append(list, r)
		if w, ok := worst[rec.inst.Service]; !ok || r.sev < w {
			worst[rec.inst.Service] = r.sev
		}
	}
	slices.SortFunc(list, func(a, b *row) int {
		x, y := a.rec.inst, b.rec.inst
		return cmp.Or(cmp.Compare(worst[x.Service], worst[y.Service]), strings.Compare(x.Service, y.Service),
			cmp.Compare(a.sev, b.sev), strings.Compare(x.InstanceID, y.InstanceID))
	})
	rows := make([]components.Row, len(list))
	for i, r := range list {
		rows[i] = v.row(r)
	}
	v.table.SetRows(rows)
	v.summary = v.makeSummary()
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
	rate, errp, p99 := "-", "-", "-"
	errTone := styles.ToneNormal
	if _, _, _, ok := r.rec.stats(); ok {
		rate, errp, p99 = components.Rate(r.rate), components.Percent(r.err), components.Latency(time.Duration(r.p99))
		if r.err >= 0.05 {
			errTone = styles.ToneBad
		} else if r.err > 0 {
			errTone = styles.ToneWarn
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
	health := in.Health
	if health == "" {
		health = "-"
	}
	out := components.Row{
		Key:   in.Key.String(),
		Value: r,
		Cells: []components.Cell{
			{Text: in.Name(), Tone: styles.ToneInfo},
			{Text: in.InstanceID},
			{Text: health, Tone: styles.HealthTone(in.Health)},
			{Text: state, Tone: stateTone},
			{Text: rate},
			{Text: errp, Tone: errTone},
			{Text: p99},
			{Text: brk, Tone: brkTone},
			{Text: in.Address},
		},
	}
	if in.Stale {
		out.Tone = styles.ToneMuted
	}
	return out
}

func (v *View) makeSummary() string {
	var down, degraded int
	services := map[string]bool{}
	for _, r := range v.recs {
		services[r.inst.Service] = true
		switch r.severity() {
		case 0:
			down++
		case 1:
			degraded++
		}
	}
	sort := "health"
	if c := v.table.SortColumn(); c >= 0 {
		sort = [...]string{4: "rate", 5: "error %", 6: "p99"}[c]
	}
	muted := v.st.Tone(styles.ToneMuted)
	s := fmt.Sprintf(" %d services · %d instances", len(services), len(v.recs))
	line := v.st.Title.Render(s)
	if down > 0 {
		line += muted.Render(" · ") + v.st.Tone(styles.ToneBad).Render(fmt.Sprintf("%d failing", down))
	}
	if degraded > 0 {
		line += muted.Render(" · ") + v.st.Tone(styles.ToneWarn).Render(fmt.Sprintf("%d degraded", degraded))
	}
	return line + muted.Render("   sorted by "+sort+" (s)")
}

// View renders the summary line and the table.
func (v *View) View() string {
	if v.w <= 0 || v.h <= 0 {
		return ""
	}
	return ansi.Truncate(v.summary, v.w, "…") + "\n" + v.table.View()
}

// SetSize gives the body size.
func (v *View) SetSize(w, h int) {
	v.w, v.h = w, h
	v.table.SetSize(w, max(0, h-1))
}

// Title is the tab's name.
func (v *View) Title() string { return "Instances" }

// ShortHelp implements help.KeyMap.
func (v *View) ShortHelp() []key.Binding { return v.nav.ShortHelp() }

// FullHelp implements help.KeyMap.
func (v *View) FullHelp() [][]key.Binding { return v.nav.FullHelp() }
