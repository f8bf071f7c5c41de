package instances

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/controls"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// detail is one instance in full, pushed by enter on the instances view.
// It follows the broadcast messages about its instance and scrolls; j/k
// choose one of its endpoints, for the fault form.
type detail struct {
	st  *styles.Styles
	km  keys.Map
	nav keys.Nav
	ck  keys.Controls
	rec *record
	ej  *ejection // the open ejection of this instance, nil when none
	ctl []wire.Control
	now time.Time

	prompt controls.Prompt // the fault form or the drain's question
	sel    int             // the chosen endpoint: an index into eps
	eps    []components.Row
	selAt  int // the line of the chosen endpoint in lines, -1 when none

	gone   bool
	lines  []string // the whole body, built by rebuild
	offset int
	w, h   int
	dirty  bool
}

// newDetail shows rec, with the controls in force on it (ctl, not
// modified) and its ejection.
func newDetail(st *styles.Styles, km keys.Map, rec *record, ctl []wire.Control, ej *ejection, now time.Time) *detail {
	d := &detail{st: st, km: km, nav: km.Nav, ck: keys.ControlsKeys(), prompt: controls.NewPrompt(st),
		rec: rec, ctl: ctl, ej: ej, now: now}
	d.rebuild()
	return d
}

func (d *detail) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	switch msg := msg.(type) {
	case hub.Snapshot:
		d.ej, d.ctl = nil, nil
		for _, s := range msg.Instances {
			if s.Key == d.rec.inst.Key {
				d.rec, d.ctl = fromState(s), s.Controls
			}
			for _, b := range s.Breakers {
				d.ejectedBy(s.Instance, b)
			}
		}
		d.rebuild()
	case hub.BreakerUpdate:
		if _, ok := targetOf(msg.Breaker.Name); ok {
			// An ejection breaker's ID is the holder's Key's: a holder
			// watched as a static target reports itself under another.
			d.ejectedBy(hub.Instance{Key: msg.Key}, msg.Breaker)
			d.dirty = true
		}
		if msg.Key == d.rec.inst.Key {
			d.rec.apply(msg)
			d.dirty = true
		}
	case hub.InstanceGone:
		if msg.Key == d.rec.inst.Key {
			d.gone, d.ctl = true, nil
			d.rebuild()
		}
	case hub.ControlUpdate:
		if msg.Key == d.rec.inst.Key {
			d.ctl, d.dirty = msg.Controls, true
		}
	case hub.Msg:
		if msg.About() == d.rec.inst.Key {
			d.rec.apply(msg)
			d.dirty = true
		}
	case ui.TickMsg:
		d.now = msg.Now
		if d.dirty || d.ej != nil || len(d.ctl) > 0 { // countdowns move
			d.rebuild()
		}
	case tea.PasteMsg:
		if d.prompt.Open() {
			return d, d.prompted(msg)
		}
	case tea.KeyPressMsg:
		if d.prompt.Open() {
			return d, d.prompted(msg)
		}
		if d.controlKey(msg) {
			return d, nil
		}
		page := max(1, d.bodyHeight()-1)
		switch {
		case key.Matches(msg, d.nav.Down):
			d.choose(d.sel + 1)
		case key.Matches(msg, d.nav.Up):
			d.choose(d.sel - 1)
		case key.Matches(msg, d.nav.PageDown):
			d.scroll(d.offset + page)
		case key.Matches(msg, d.nav.PageUp):
			d.scroll(d.offset - page)
		case key.Matches(msg, d.nav.Top):
			d.scroll(0)
		case key.Matches(msg, d.nav.Bottom):
			d.scroll(len(d.lines))
		}
	}
	return d, nil
}

// ejectedBy notes the ejection of this instance that breaker b of holder
// stands for, or its end.
func (d *detail) ejectedBy(holder hub.Instance, b wire.Breaker) {
	t, ok := targetOf(b.Name)
	if !ok || t != targetFor(d.rec.inst) {
		return
	}
	if _, e, open := ejectionOf(holder.ID(), b); open {
		d.ej = &e
	} else {
		d.ej = nil
	}
}

func (d *detail) scroll(to int) { d.offset = max(0, min(to, len(d.lines)-d.bodyHeight())) }

// bodyHeight is the lines the body shows: the view's less the prompt's.
func (d *detail) bodyHeight() int { return max(0, d.h-d.prompt.Height(d.w)) }

func (d *detail) View() string {
	if d.w <= 0 || d.h <= 0 {
		return ""
	}
	end := min(len(d.lines), d.offset+d.bodyHeight())
	out := strings.Join(d.lines[d.offset:end], "\n")
	if d.prompt.Open() {
		out += strings.Repeat("\n", max(0, d.bodyHeight()-(end-d.offset))) + "\n" + d.prompt.View(d.w)
	}
	return out
}

func (d *detail) SetSize(w, h int) {
	d.w, d.h = w, h
	d.rebuild()
}

func (d *detail) Title() string { return sanitize.Line(d.rec.inst.Key.String(), 40) }

// rebuild lays the whole body out as lines at the current width.
func (d *detail) rebuild() {
	d.dirty = false
	d.lines = d.lines[:0]
	if d.w <= 0 {
		return
	}
	in := d.rec.inst
	muted := d.st.Tone(styles.ToneMuted)
	add := func(s string) { d.lines = append(d.lines, ansi.Truncate(s, d.w, "…")) }
	table := func(title string, n int, cols []components.Column, rows []components.Row) {
		add("")
		add(" " + d.st.Title.Render(fmt.Sprintf("%s (%d)", title, n)))
		if n == 0 {
			return
		}
		t := components.NewTable(d.st, d.nav, cols...)
		t.SetSize(d.w, len(rows)+1)
		t.SetRows(rows)
		// The endpoints show the chosen one; the other tables are read only.
		if t.Plain = title != "Endpoints"; !t.Plain {
			t.Select(rows[d.sel].Key)
		}
		d.lines = append(d.lines, strings.Split(t.View(), "\n")...)
	}

	state := sanitize.Line(string(in.State), 12)
	if in.Stale {
		state += " (stale: the registry could not confirm it lately)"
	}
	if d.gone {
		state = "gone from the registry"
	}
	add(" " + d.st.Title.Render(sanitize.Line(in.Name()+"/"+in.ID(), 60)) + " · " + state + " since " + components.Age(d.now, in.Since) +
		" · health " + d.st.Health(in.Health).Render(sanitize.Line(cmp.Or(in.Health, "-"), 12)) + " · " + sanitize.Line(in.Address, 60))
	facts := []string{}
	if in.Admin != "" {
		facts = append(facts, "admin "+sanitize.Line(in.Admin, 60))
	}
	facts = append(facts, "observed by "+sanitize.Line(cmp.Or(string(in.Intro), "-"), 20))
	if inf := in.Info; inf != nil {
		if inf.Version != "" {
			facts = append(facts, "version "+sanitize.Line(inf.Version, 30))
		}
		if !inf.StartTime.IsZero() {
			facts = append(facts, "up "+components.Age(d.now, inf.StartTime))
		}
		for _, t := range inf.Transports {
			facts = append(facts, sanitize.Line(t.Name, 10)+" "+sanitize.Line(t.Addr, 40))
		}
	}
	add(" " + muted.Render(strings.Join(facts, " · ")))
	if len(in.Tags) > 0 {
		add(" " + muted.Render("tags "+sanitize.Line(strings.Join(in.Tags, ", "), d.w)))
	}
	if d.ej != nil {
		add(" " + d.st.Tone(styles.ToneBad).Render(sanitize.Line(d.ej.text(d.now), d.w)) +
			muted.Render(" · the balancer sends it no calls until then"))
	}
	if in.Err != "" {
		add(" " + d.st.Tone(styles.ToneBad).Render("last error: "+sanitize.Line(in.Err, d.w)))
	}
	if d.rec.problem != "" {
		add(" " + d.st.Tone(styles.ToneWarn).Render("last problem: "+sanitize.Line(d.rec.problem, d.w)))
	}
	if m := d.rec.metrics; m != nil && m.Err != "" {
		add(" " + d.st.Tone(styles.ToneWarn).Render("metrics: "+sanitize.Line(m.Err, d.w)))
	}

	d.controlsTable(table)

	d.eps = d.endpointRows()
	d.sel = max(0, min(d.sel, len(d.eps)-1))
	d.selAt = -1
	if len(d.eps) > 0 {
		d.selAt = len(d.lines) + 3 // a blank line, the title, the header
	}
	eps := d.eps
	right := components.AlignRight
	table("Endpoints", len(eps), []components.Column{
		{Title: "ENDPOINT", Width: 10, Flex: 1}, {Title: "TRANSPORT", Width: 9}, {Title: "RATE", Width: 6, Align: right},
		{Title: "ERR%", Width: 5, Align: right}, {Title: "4XX%", Width: 5, Align: right}, {Title: "MEAN", Width: 6, Align: right},
		{Title: "P50", Width: 6, Align: right}, {Title: "P90", Width: 6, Align: right}, {Title: "P99", Width: 6, Align: right},
		{Title: "ROUTE", Width: 12, Flex: 2},
	}, eps)
	if m := d.rec.metrics; m != nil && m.Err == "" && m.Stats.Instance.Floor > 0 {
		add(" " + muted.Render(fmt.Sprintf("ERR%% counts failures (5xx), 4XX%% the requests refused as the caller's; "+
			"quantiles under the histogram's lowest bucket read <%s, MEAN is exact", components.Latency(m.Stats.Instance.Floor))))
	}

	bs := slices.SortedFunc(maps.Values(d.rec.breakers), func(a, b wire.Breaker) int { return strings.Compare(a.Name, b.Name) })
	var brows []components.Row
	for _, b := range bs {
		brows = append(brows, components.Row{Key: b.Name, Cells: []components.Cell{
			{Text: b.Name}, {Text: b.State, Tone: styles.BreakerTone(b.State)}, {Text: components.Percent(b.ErrorRatio)},
			{Text: components.Count(b.Counts.Requests)}, {Text: components.Count(b.Counts.Rejected)},
			{Text: components.Age(d.now, b.LastTransition)},
		}})
	}
	table("Breakers", len(brows), []components.Column{
		{Title: "BREAKER", Width: 20, Flex: 1}, {Title: "STATE", Width: 9}, {Title: "ERR%", Width: 5, Align: right},
		{Title: "VOLUME", Width: 6, Align: right}, {Title: "REJECTED", Width: 8, Align: right}, {Title: "SINCE", Width: 5, Align: right},
	}, brows)

	ls := slices.SortedFunc(maps.Values(d.rec.limiters), func(a, b wire.Limiter) int { return strings.Compare(a.Name, b.Name) })
	var lrows []components.Row
	for _, l := range ls {
		lrows = append(lrows, components.Row{Key: l.Name, Cells: []components.Cell{
			{Text: l.Name}, {Text: l.Mode}, {Text: components.Rate(l.Rate)}, {Text: fmt.Sprint(l.Burst)},
			{Text: fmt.Sprintf("%.1f", l.Tokens)}, {Text: components.Count(l.Allowed)},
			{Text: components.Count(l.Rejected), Tone: toneIf(l.Rejected > 0, styles.ToneWarn)},
		}})
	}
	table("Limiters", len(lrows), []components.Column{
		{Title: "LIMITER", Width: 20, Flex: 1}, {Title: "MODE", Width: 5}, {Title: "RATE", Width: 7, Align: right},
		{Title: "BURST", Width: 5, Align: right}, {Title: "TOKENS", Width: 6, Align: right},
		{Title: "ALLOWED", Width: 7, Align: right}, {Title: "REJECTED", Width: 8, Align: right},
	}, lrows)
	d.scroll(d.offset)
}

// endpointRows joins the endpoints the instance documents with the
// figures its metrics give per endpoint and transport.
func (d *detail) endpointRows() []components.Row {
	type epKey struct{ name, transport string }
	stats := map[epKey]int{} // index into the metrics' endpoints
	m := d.rec.metrics
	if m != nil && m.Err == "" && m.Stats.Interval > 0 {
		for i, e := range m.Stats.Endpoints {
			stats[epKey{e.Endpoint, e.Transport}] = i
		}
	}
	var rows []components.Row
	seen := map[epKey]bool{}
	add := func(k epKey, route string) {
		seen[k] = true
		cells := make([]components.Cell, 10)
		cells[0], cells[1], cells[9] = components.Cell{Text: k.name}, components.Cell{Text: k.transport}, components.Cell{Text: route}
		if i, ok := stats[k]; ok {
			s := m.Stats.Endpoints[i]
			cells[2] = components.Cell{Text: components.Rate(s.Rate)}
			cells[3] = components.Cell{Text: components.Percent(s.FailureRatio), Tone: toneIf(s.FailureRatio > 0, styles.ToneBad)}
			cells[4] = components.Cell{Text: components.Percent(s.ClientErrorShare), Tone: styles.ToneMuted}
			cells[5] = components.Cell{Text: components.Latency(s.Mean)}
			cells[6] = components.Cell{Text: components.Quantile(s.Resolved(s.P50))}
			cells[7] = components.Cell{Text: components.Quantile(s.Resolved(s.P90))}
			cells[8] = components.Cell{Text: components.Quantile(s.Resolved(s.P99))}
		}
		rows = append(rows, components.Row{Key: k.name + "/" + k.transport, Cells: cells, Value: k.name})
	}
	if inf := d.rec.inst.Info; inf != nil {
		for _, e := range inf.Endpoints {
			route := e.GRPCMethod
			if e.HTTPPath != "" {
				route = strings.TrimSpace(e.HTTPMethod + " " + e.HTTPPath)
			}
			add(epKey{e.Name, e.Transport}, route)
		}
	}
	var rest []epKey
	for k := range stats {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.SortFunc(rest, func(a, b epKey) int {
		return cmp.Or(strings.Compare(a.name, b.name), strings.Compare(a.transport, b.transport))
	})
	for _, k := range rest {
		add(k, "")
	}
	return rows
}

func toneIf(cond bool, t styles.Tone) styles.Tone {
	if cond {
		return t
	}
	return styles.ToneNormal
}
