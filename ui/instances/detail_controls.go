package instances

import (
	"cmp"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/controls"
	"github.com/kitbench/kitbench/ui/styles"
)

// tableFunc adds a titled table to the detail's lines.
type tableFunc func(title string, n int, cols []components.Column, rows []components.Row)

// controlsTable lists the controls in force on the instance, soonest end
// first: kind, target, what it does, who set it and the time left.
func (d *detail) controlsTable(table tableFunc) {
	var live []wire.Control
	for _, c := range d.ctl {
		if c.Until.After(d.now) {
			live = append(live, c)
		}
	}
	if len(live) == 0 {
		return // no section: most instances have none
	}
	slices.SortFunc(live, func(a, b wire.Control) int {
		return cmp.Or(a.Until.Compare(b.Until), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Target, b.Target))
	})
	rows := make([]components.Row, len(live))
	for i, c := range live {
		what := hub.ControlSummary(c)
		if _, rest, ok := strings.Cut(what, ": "); ok {
			what = rest // the kind and target have columns of their own
		}
		if c.Kind == wire.ControlBreaker {
			what = "forced " + c.Breaker
		}
		rows[i] = components.Row{Key: c.Kind + "\x00" + c.Target, Cells: []components.Cell{
			{Text: c.Kind, Tone: styles.ToneWarn},
			{Text: cmp.Or(c.Target, "-")},
			{Text: what},
			{Text: cmp.Or(c.By, c.From, "-"), Tone: styles.ToneMuted},
			{Text: controls.Left(d.now, c.Until), Tone: styles.ToneWarn},
		}}
	}
	table("Controls", len(rows), []components.Column{
		{Title: "KIND", Width: 7}, {Title: "TARGET", Width: 12, Flex: 1}, {Title: "WHAT", Width: 16, Flex: 2},
		{Title: "SET BY", Width: 10, Flex: 1}, {Title: "LEFT", Width: 7, Align: components.AlignRight},
	}, rows)
}

// CapturesKeys implements ui.KeyCapturer: while the fault form or a
// question is open, every key goes to it.
func (d *detail) CapturesKeys() bool { return d.prompt.Open() }

// controlKey opens the fault form, the chosen endpoint chosen in it, or
// asks before a drain; false when k is neither key.
func (d *detail) controlKey(k tea.KeyPressMsg) bool {
	fault, drain := key.Matches(k, d.ck.Fault), key.Matches(k, d.ck.Drain)
	switch {
	case !fault && !drain:
		return false
	case d.gone:
		return true // nothing to change
	case drain:
		d.prompt.Ask(controls.DrainAsk(d.rec.inst.Key))
	default:
		eps := endpointsOf(d.rec.inst)
		ep := ""
		if d.sel < len(d.eps) {
			ep, _ = d.eps[d.sel].Value.(string)
			if !slices.Contains(eps, ep) { // measured, not documented
				eps = append(eps, ep)
			}
		}
		f := controls.FaultForm(d.st, d.km, d.rec.inst.Key, eps)
		if ep != "" {
			f.Set("endpoint", ep)
		}
		d.prompt.Edit(f)
	}
	d.choose(d.sel) // keep the chosen endpoint above the prompt
	return true
}

// prompted gives a key or a paste to the open prompt.
func (d *detail) prompted(msg tea.Msg) tea.Cmd {
	cmd := d.prompt.Update(msg)
	d.scroll(d.offset)
	return cmd
}

// choose makes endpoint i (clamped) the chosen one and scrolls it into
// view; without endpoints it scrolls by as many lines.
func (d *detail) choose(i int) {
	if len(d.eps) == 0 {
		d.scroll(d.offset + i - d.sel)
		return
	}
	d.sel = max(0, min(i, len(d.eps)-1))
	d.rebuild()
	line, h := d.selAt+d.sel, d.bodyHeight()
	switch {
	case line < d.offset:
		d.scroll(line - 3) // with the table's title and header
	case line >= d.offset+h:
		d.scroll(line - h + 1)
	}
}

// ShortHelp implements help.KeyMap: the prompt's keys while it is open.
func (d *detail) ShortHelp() []key.Binding {
	if d.prompt.Open() {
		return d.prompt.ShortHelp()
	}
	return []key.Binding{d.nav.Down, d.nav.Up, d.ck.Fault, d.ck.Drain}
}

// FullHelp implements help.KeyMap.
func (d *detail) FullHelp() [][]key.Binding {
	if d.prompt.Open() {
		return d.prompt.FullHelp()
	}
	n := d.nav
	return [][]key.Binding{{n.Up, n.Down, n.PageUp, n.PageDown}, {n.Top, n.Bottom}, {d.ck.Fault, d.ck.Drain}}
}
