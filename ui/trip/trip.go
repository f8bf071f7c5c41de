package trip

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// MaxTransitions is how many transitions the view keeps, newest first.
const MaxTransitions = 32

// timeFormat shows times to the millisecond, in the zone they came in.
const timeFormat = "15:04:05.000"

// Breaker is what the view starts from: the breaker, its instance, and
// the transitions seen so far, oldest first.
type Breaker struct {
	Key         hub.Key
	Breaker     wire.Breaker
	Transitions []wire.BreakerTransition
}

// View is "Why did it trip?" for one breaker. Build it with New.
type View struct {
	st *styles.Styles
	km keys.Nav
	pk keys.Pane // v, y, o on the selected failure
	xk keys.Export

	exp components.Export // the last export asked for here

	key   hub.Key
	b     wire.Breaker
	trans []wire.BreakerTransition // oldest first
	gone  bool
	now   time.Time

	head     []string // the lines above the tables, built by rebuild
	history  components.Table
	failures components.Table
	w, h     int
}

// failure is a failures row's value.
type failure struct {
	wire.BreakerFailure
	trip time.Time
}

// New returns the view for b; now is the workbench clock (ui.TickMsg).
func New(st *styles.Styles, km keys.Map, b Breaker, now time.Time) *View {
	v := &View{st: st, km: km.Nav.WithEnter("open trace"), pk: km.Pane, xk: keys.ExportKeys(), key: b.Key, b: b.Breaker, now: now}
	for _, t := range b.Transitions {
		v.keep(t)
	}
	v.history = components.NewTable(st, v.km,
		components.Column{Title: "TIME", Width: 12, NoSort: true},
		components.Column{Title: "TRANSITION", Width: 21, NoSort: true},
		components.Column{Title: "CALLS", Width: 6, Align: components.AlignRight, NoSort: true},
		components.Column{Title: "FAILED", Width: 6, Align: components.AlignRight, NoSort: true},
		components.Column{Title: "IN A ROW", Width: 8, Align: components.AlignRight, NoSort: true},
		components.Column{Title: "REJECTED", Width: 8, Align: components.AlignRight, NoSort: true},
		components.Column{Title: "ERR%", Width: 5, Align: components.AlignRight, NoSort: true},
		components.Column{Title: "FAILURES", Width: 8, Align: components.AlignRight, NoSort: true},
	)
	v.history.Plain = true
	v.failures = components.NewTable(st, v.km,
		components.Column{Title: "TIME", Width: 12},
		components.Column{Title: "TRIP", Width: 14, NoSort: true},
		components.Column{Title: "ERROR", Width: 16, Flex: 2},
		components.Column{Title: "TRACE", Width: 16, Flex: 1, NoSort: true},
	)
	v.failures.Empty = "no failures recorded with these transitions"
	v.rebuild()
	return v
}

func (v *View) keep(t wire.BreakerTransition) {
	if len(v.trans) == MaxTransitions {
		copy(v.trans, v.trans[1:])
		v.trans = v.trans[:MaxTransitions-1]
	}
	v.trans = append(v.trans, t)
}

// Update follows the breaker's updates and handles the keys.
func (v *View) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	switch msg := msg.(type) {
	case hub.BreakerUpdate:
		if msg.Key != v.key || msg.Breaker.Name != v.b.Name {
			return v, nil
		}
		v.b = msg.Breaker
		if msg.Transition != nil {
			v.keep(*msg.Transition)
		}
		v.rebuild()
	case hub.Snapshot:
		for _, in := range msg.Instances {
			if in.Key != v.key {
				continue
			}
			for _, b := range in.Breakers {
				if b.Name == v.b.Name {
					v.b = b
				}
			}
		}
		v.rebuild()
	case hub.InstanceGone:
		if msg.Key == v.key {
			v.gone = true
			v.rebuild()
		}
	case ui.TickMsg:
		v.now = msg.Now
		v.rebuild()
	case ui.FilterMsg:
		v.failures.SetFilter(components.ParseFilter(msg.Query))
	case ui.ExportedMsg:
		if msg.For == v.exportID() {
			v.exp.Done(msg)
			v.rebuild()
		}
	case tea.KeyPressMsg:
		if key.Matches(msg, v.km.Enter) {
			return v, v.open()
		}
		if key.Matches(msg, v.xk.Export) {
			cmd := v.export()
			v.rebuild()
			return v, cmd
		}
		if key.Matches(msg, v.pk.Open) || key.Matches(msg, v.pk.Copy) || key.Matches(msg, v.pk.Pager) {
			return v, v.failureKey(msg)
		}
		v.failures.Update(msg)
	}
	return v, nil
}

// open asks for the selected failure's trace.
func (v *View) open() tea.Cmd {
	r, ok := v.failures.Selected()
	if !ok {
		return nil
	}
	f := r.Value.(failure)
	if f.TraceID == "" {
		return ui.Notify(ui.Warn, "this failure carries no trace id: the call was not traced")
	}
	return ui.OpenTrace(f.TraceID)
}

// rebuild recomputes the heading and both tables' rows.
func (v *View) rebuild() {
	v.head = v.heading()
	hist := make([]components.Row, 0, len(v.trans))
	var fails []components.Row
	for i := len(v.trans) - 1; i >= 0; i-- {
		t := v.trans[i]
		c := t.Counts
		ratio := 0.0
		if c.Requests > 0 {
			ratio = float64(c.Failures) / float64(c.Requests)
		}
		hist = append(hist, components.Row{
			Key: strconv.Itoa(i) + t.Time.String(),
			Cells: []components.Cell{
				{Text: t.Time.Format(timeFormat)},
				{Text: t.From + " → " + t.To, Tone: styles.BreakerTone(t.To)},
				{Text: components.Count(c.Requests)},
				{Text: components.Count(c.Failures)},
				{Text: components.Count(c.ConsecutiveFailures)},
				{Text: components.Count(c.Rejected)},
				{Text: components.Percent(ratio)},
				{Text: strconv.Itoa(len(t.Failures))},
			},
		})
		for j := len(t.Failures) - 1; j >= 0; j-- {
			f := t.Failures[j]
			trace := f.TraceID
			if trace == "" {
				trace = "(not traced)"
			}
			fails = append(fails, components.Row{
				Key:   t.Time.String() + "/" + strconv.Itoa(j),
				Value: failure{BreakerFailure: f, trip: t.Time},
				Cells: []components.Cell{
					{Text: f.Time.Format(timeFormat)},
					{Text: "→" + t.To + " " + t.Time.Format("15:04:05"), Tone: styles.BreakerTone(t.To)},
					{Text: f.Error, Tone: styles.ToneBad},
					{Text: trace, Tone: styles.ToneInfo},
				},
			})
		}
	}
	v.history.SetRows(hist)
	v.failures.SetRows(fails)
	v.layout()
}

// heading is the breaker's name, instance, state, settings and window.
func (v *View) heading() []string {
	b := v.b
	state := strings.ToUpper(b.State)
	if state == "" {
		state = "UNKNOWN"
	}
	title := v.st.Title.Render(sanitize.Line(b.Name, 60)) + " on " + sanitize.Line(v.key.String(), 60) +
		" · " + v.st.Breaker(b.State).Render(state)
	if !b.LastTransition.IsZero() {
		title += " for " + components.Age(v.now, b.LastTransition)
	}
	if v.gone {
		title += " · " + v.st.Tone(styles.ToneMuted).Render("instance gone")
	}
	s := b.Settings
	var policy string
	switch s.Policy {
	case "ratio":
		policy = fmt.Sprintf("opens at %s failures of ≥ %d calls in %s", components.Percent(s.ErrorRatio), s.MinRequests, components.Duration(time.Duration(s.WindowNS)))
	case "consecutive":
		policy = fmt.Sprintf("opens after %d failures in a row", s.ConsecutiveFailures)
	case "":
		policy = "settings not reported yet"
	default:
		policy = "policy " + s.Policy
	}
	if s.OpenTimeoutNS > 0 {
		policy += " · stays open " + components.Duration(time.Duration(s.OpenTimeoutNS))
	}
	if s.HalfOpenMaxCalls > 0 {
		policy += fmt.Sprintf(" · %d trial call(s) when half-open", s.HalfOpenMaxCalls)
	}
	c := b.Counts
	window := fmt.Sprintf("now: %d calls, %d failed (%s), %d in a row, %d rejected",
		c.Requests, c.Failures, components.Percent(b.ErrorRatio), c.ConsecutiveFailures, c.Rejected)
	return append([]string{" " + title, " " + sanitize.Line(policy, 0), " " + window}, v.exp.Lines(v.st)...)
}

// layout splits the height between the transitions and the failures.
func (v *View) layout() {
	rest := max(0, v.h-len(v.head)-4) // blank + two section titles + blank
	hist := min(len(v.trans), max(2, rest/3)) + 1
	if len(v.trans) == 0 {
		hist = 0
	}
	v.history.SetSize(v.w, hist)
	v.failures.SetSize(v.w, max(0, rest-hist))
}

// View renders the heading, the transitions and the failures.
func (v *View) View() string {
	var b strings.Builder
	line := func(s string) {
		b.WriteString(ansi.Truncate(s, v.w, "…"))
		b.WriteByte('\n')
	}
	for _, l := range v.head {
		line(l)
	}
	line("")
	muted := v.st.Tone(styles.ToneMuted)
	if len(v.trans) == 0 {
		line(" " + v.st.Title.Render("Transitions") + "  " +
			muted.Render("none seen since the workbench started watching; the next trip shows here with its failures"))
		line("")
	} else {
		line(" " + v.st.Title.Render("Transitions") + "  " + muted.Render("newest first, with the window at that moment"))
		b.WriteString(v.history.View()) // table lines fit the width
		b.WriteByte('\n')
		line("")
	}
	line(" " + v.st.Title.Render("Failing requests that tripped it") + "  " + muted.Render("enter opens the trace"))
	b.WriteString(v.failures.View())
	return b.String()
}

// SetSize gives the body size.
func (v *View) SetSize(w, h int) { v.w, v.h = w, h; v.layout() }

// Title names the view in the header's path.
func (v *View) Title() string { return "Why did it trip?" }

// ShortHelp implements help.KeyMap.
func (v *View) ShortHelp() []key.Binding {
	return []key.Binding{v.km.Down, v.km.Up, v.km.Enter, v.pk.Open, v.xk.Export}
}

// FullHelp implements help.KeyMap.
func (v *View) FullHelp() [][]key.Binding {
	return append(v.km.FullHelp(), []key.Binding{v.pk.Open, v.pk.Copy, v.pk.Pager, v.xk.Export})
}
