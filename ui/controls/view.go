package controls

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
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

// row is a table row's value.
type row struct {
	key hub.Key
	c   wire.Control
}

// View is the controls view: every control in force on the fleet, with
// the time it has left, clearable with one key (and a confirmation).
// Build it with New.
type View struct {
	st  *styles.Styles
	nav keys.Nav
	km  keys.Controls

	act    Active
	prompt Prompt
	now    time.Time
	dirty  bool

	table   components.Table
	summary string
	w, h    int
}

// Columns of the table.
const (
	colInstance = iota
	colKind
	colTarget
	colWhat
	colBy
	colLeft
)

// New returns an empty controls view.
func New(st *styles.Styles, km keys.Map) *View {
	v := &View{st: st, nav: km.Nav, km: keys.ControlsKeys(), prompt: NewPrompt(st)}
	v.nav.Enter.SetEnabled(false) // nothing to drill into
	right := components.AlignRight
	v.table = components.NewTable(st, v.nav,
		components.Column{Title: "INSTANCE", Width: 11, Flex: 1, NoSort: true, KeepEnd: true},
		components.Column{Title: "KIND", Width: 7, NoSort: true},
		components.Column{Title: "TARGET", Width: 10, Flex: 1, NoSort: true, KeepEnd: true},
		components.Column{Title: "WHAT", Width: 16, Flex: 3, NoSort: true},
		components.Column{Title: "SET BY", Width: 10, Flex: 1, NoSort: true},
		components.Column{Title: "LEFT", Width: 7, Align: right, Compare: func(a, b components.Row) int {
			return a.Value.(*row).c.Until.Compare(b.Value.(*row).c.Until)
		}},
	)
	v.table.Empty = "no control in force: f on an instance injects a fault, O/C on a breaker force it, L on a limiter sets its rate, D drains"
	v.rebuild()
	return v
}

// CapturesKeys implements ui.KeyCapturer: while the view asks before
// clearing a control, every key answers it.
func (v *View) CapturesKeys() bool { return v.prompt.Open() }

// Update applies hub messages, the clock, the filter and the keys.
func (v *View) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	if v.act.Apply(msg) {
		if _, snap := msg.(hub.Snapshot); snap {
			v.rebuild()
		} else {
			v.dirty = true
		}
		return v, nil
	}
	switch msg := msg.(type) {
	case ui.TickMsg:
		v.now = msg.Now
		if v.dirty || v.act.Any() { // the countdowns move
			v.rebuild()
		}
	case ui.FilterMsg:
		v.table.SetFilter(components.ParseFilter(msg.Query))
	case tea.KeyPressMsg:
		if v.prompt.Open() {
			cmd := v.prompt.Update(msg)
			v.fit()
			return v, cmd
		}
		if key.Matches(msg, v.km.Clear) {
			v.askClear()
			return v, nil
		}
		if v.table.Update(msg) && key.Matches(msg, v.nav.Sort) {
			v.summary = v.makeSummary()
		}
	}
	return v, nil
}

// askClear asks before clearing the selected control.
func (v *View) askClear() {
	r, ok := v.table.Selected()
	if !ok {
		return
	}
	c := r.Value.(*row)
	what := hub.ControlSummary(c.c) + " on " + Label(c.key)
	v.prompt.Ask(ui.ControlMsg{Instance: c.key, Clear: true, Kind: c.c.Kind, Target: c.c.Target, What: "clear " + what},
		"Clear "+what+" now ("+Left(v.now, c.c.Until)+" left)? It reverts at once.")
	v.fit()
}

// fit gives the table what the prompt leaves of the body.
func (v *View) fit() { Fit(&v.table, &v.prompt, v.w, v.h) }

// rebuild makes the rows of the controls in force at now: soonest end
// first.
func (v *View) rebuild() {
	v.dirty = false
	var list []*row
	for k, cs := range v.act.m {
		for _, c := range cs {
			if v.now.IsZero() || c.Until.After(v.now) {
				list = append(list, &row{key: k, c: c})
			}
		}
	}
	slices.SortFunc(list, func(a, b *row) int {
		return cmp.Or(a.c.Until.Compare(b.c.Until), strings.Compare(a.key.String(), b.key.String()),
			strings.Compare(a.c.Kind, b.c.Kind), strings.Compare(a.c.Target, b.c.Target))
	})
	rows := make([]components.Row, len(list))
	for i, r := range list {
		what := hub.ControlSummary(r.c)
		if _, rest, ok := strings.Cut(what, ": "); ok {
			what = rest // the kind and target have columns of their own
		}
		if r.c.Kind == wire.ControlBreaker {
			what = "forced " + r.c.Breaker
		}
		left, tone := "-", styles.ToneWarn
		if !v.now.IsZero() {
			left = Left(v.now, r.c.Until)
		}
		rows[i] = components.Row{Key: r.key.String() + "\x00" + r.c.Kind + "\x00" + r.c.Target, Value: r, Cells: []components.Cell{
			colInstance: {Text: Label(r.key)},
			colKind:     {Text: r.c.Kind, Tone: tone},
			colTarget:   {Text: cmp.Or(r.c.Target, "-")},
			colWhat:     {Text: what},
			colBy:       {Text: cmp.Or(r.c.By, r.c.From, "-"), Tone: styles.ToneMuted},
			colLeft:     {Text: left, Tone: tone},
		}}
	}
	v.table.SetRows(rows)
	v.summary = v.makeSummary()
}

func (v *View) makeSummary() string {
	n, insts := v.table.Total(), 0
	for range v.act.m {
		insts++
	}
	muted := v.st.Tone(styles.ToneMuted)
	s := strconv.Itoa(n) + " controls in force"
	if n == 1 {
		s = "1 control in force"
	}
	line := v.st.Title.Render(" " + s)
	switch {
	case insts == 1:
		line += muted.Render(" · on 1 instance")
	case insts > 1:
		line += muted.Render(" · on " + strconv.Itoa(insts) + " instances")
	}
	sort := "time left"
	if v.table.SortColumn() == colLeft {
		sort = "time left (as asked)"
	}
	return line + muted.Render("   sorted by "+sort+" (s) · each reverts by itself")
}

// View renders the summary line, the table and, while it asks, the
// question.
func (v *View) View() string {
	return Render(v.summary, &v.table, &v.prompt, v.w, v.h)
}

// SetSize gives the body size.
func (v *View) SetSize(w, h int) {
	v.w, v.h = w, h
	v.fit()
}

// Count implements root.Counter.
func (v *View) Count() (shown, total int) { return v.table.Len(), v.table.Total() }

// Title is the tab's name.
func (v *View) Title() string { return "Controls" }

// ShortHelp implements help.KeyMap: the question's keys while it asks.
func (v *View) ShortHelp() []key.Binding {
	if v.prompt.Open() {
		return v.prompt.ShortHelp()
	}
	return []key.Binding{v.km.Clear, v.nav.Down, v.nav.Up, v.nav.Sort}
}

// FullHelp implements help.KeyMap.
func (v *View) FullHelp() [][]key.Binding {
	if v.prompt.Open() {
		return v.prompt.FullHelp()
	}
	n := v.nav
	return [][]key.Binding{{v.km.Clear}, {n.Up, n.Down, n.PageUp, n.PageDown}, {n.Top, n.Bottom, n.Sort}}
}
