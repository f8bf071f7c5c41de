package sessions

import (
	"maps"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// SessionView is one opened session: its exchanges, the replay target and
// the outcome of the last replay. The sessions view pushes it on enter.
type SessionView struct {
	st    *styles.Styles
	nav   keys.Nav
	km    keys.Sessions
	pk    keys.Pane
	body  components.Pane // the selected exchange's details, for y and o
	store Store
	rec   ui.Recorder
	s     *Session
	insts map[hub.Key]hub.Instance
	table components.Table

	target    Target
	seq       int
	replaying bool
	results   map[int]Result
	report    *Report
	ask       *asking // a replay that waits for an answer before sending writes
	w, h      int
}

func newSessionView(st *styles.Styles, nav keys.Nav, km keys.Sessions, pk keys.Pane, store Store, rec ui.Recorder, s *Session, insts map[hub.Key]hub.Instance) *SessionView {
	v := &SessionView{st: st, nav: nav.WithEnter(""), km: km, pk: pk, body: components.NewPane(st, pk), store: store, rec: rec, s: s,
		insts: maps.Clone(insts), target: Target{Label: "as recorded"}, results: map[int]Result{}}
	v.body.Name = "exchange"

	v.table = components.NewTable(st, v.nav,
		components.Column{Title: "#", Width: 4, Align: components.AlignRight},
		components.Column{Title: "EXCHANGE", Width: 14, Flex: 2},
		components.Column{Title: "VIA", Width: 4},
		components.Column{Title: "STATUS", Width: 10},
		components.Column{Title: "TOOK", Width: 8, Align: components.AlignRight},
		components.Column{Title: "REPLAY", Width: 7},
		components.Column{Title: "TARGET", Width: 16, Flex: 1},
	)
	v.table.Empty = "no readable exchange in this file"
	v.rows()
	return v
}

// Title implements ui.View.
func (v *SessionView) Title() string { return v.s.Path }

// SetSize implements ui.View.
func (v *SessionView) SetSize(w, h int) {
	v.w, v.h = max(0, w), max(0, h)
	v.table.SetSize(w, v.listHeight())
}

// The body: a title line, the exchanges, a rule, the selected exchange.
func (v *SessionView) detailHeight() int {
	room := max(0, v.h-2)
	return max(4, room*2/5, room-1-len(v.s.Exchanges))
}

func (v *SessionView) listHeight() int { return max(1, v.h-2-v.detailHeight()) }

// ShortHelp implements help.KeyMap.
func (v *SessionView) ShortHelp() []key.Binding {
	if v.ask != nil {
		return []key.Binding{v.km.AllowWrites, v.km.OnlySafe}
	}
	return []key.Binding{v.nav.Down, v.nav.Up, v.km.Replay, v.km.Instance, v.pk.Open, v.pk.Copy, v.km.Record}
}

// Count implements root.Counter: the exchanges shown and held.
func (v *SessionView) Count() (int, int) { return v.table.Len(), v.table.Total() }

// FullHelp implements help.KeyMap.
func (v *SessionView) FullHelp() [][]key.Binding {
	return [][]key.Binding{{v.nav.Up, v.nav.Down, v.nav.PageUp, v.nav.PageDown}, {v.km.Replay, v.km.Instance, v.km.Record},
		{v.pk.Open, v.pk.Copy, v.pk.Pager}}
}

// Update implements ui.View.
func (v *SessionView) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	switch msg := msg.(type) {
	case replayed:
		return v, v.replayed(msg)
	case ui.FilterMsg:
		v.table.SetFilter(components.ParseFilter(msg.Query))
		return v, nil
	case tea.KeyPressMsg:
		switch {
		case v.ask != nil:
			return v, v.answer(msg)
		case key.Matches(msg, v.km.Replay):
			return v, v.replay(WritesRefused)
		case key.Matches(msg, v.km.Instance):
			v.nextTarget()
		case key.Matches(msg, v.km.Record):
			return v, ui.ToggleRecording(v.rec)
		case key.Matches(msg, v.pk.Open), key.Matches(msg, v.pk.Copy), key.Matches(msg, v.pk.Pager):
			return v, v.bodyKey(msg)
		default:
			v.table.Update(msg)
		}
		return v, nil
	}
	trackInstances(v.insts, msg)
	return v, nil
}

// bodyKey opens the selected exchange's details in a pane of their own
// (v), copies them (y) or pages them (o).
func (v *SessionView) bodyKey(k tea.KeyPressMsg) tea.Cmd {
	head, lines := v.detailLines()
	if len(lines) == 0 {
		return ui.Notify(ui.Warn, "no exchange selected")
	}
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.text
	}
	text := strings.Join(texts, "\n")
	if key.Matches(k, v.pk.Open) {
		return ui.Push(components.NewPaneView(v.st, v.pk, head, lines[0].text, strings.Join(texts[1:], "\n")))
	}
	v.body.SetText(text)
	_, cmd := v.body.Update(k)
	return cmd
}

// service is the session's service: the header's, else the first
// exchange's.
func (v *SessionView) service() string {
	if v.s.Service != "" {
		return v.s.Service
	}
	for _, e := range v.s.Exchanges {
		if e.Service != "" {
			return e.Service
		}
	}
	return ""
}

// Results returns the outcome of the last replay by exchange index.
func (v *SessionView) Results() map[int]Result { return v.results }

func (v *SessionView) rows() {
	rows := make([]components.Row, len(v.s.Exchanges))
	for i, e := range v.s.Exchanges {
		status := components.Cell{Text: e.Status, Tone: styles.ToneGood}
		if !e.OK {
			status.Tone = styles.ToneBad
		}
		if e.Error != "" {
			status = components.Cell{Text: "error", Tone: styles.ToneBad}
		}
		res := components.Cell{}
		if r, ok := v.results[i]; ok {
			switch {
			case r.Refused:
				res = components.Cell{Text: "refused", Tone: styles.ToneWarn}
			case r.Skipped != "":
				res = components.Cell{Text: "skip", Tone: styles.ToneMuted}
			case r.OK:
				res = components.Cell{Text: "pass", Tone: styles.ToneGood}
			case r.Err != "":
				res = components.Cell{Text: "error", Tone: styles.ToneBad}
			default:
				res = components.Cell{Text: "diff", Tone: styles.ToneBad}
			}
		}
		rows[i] = components.Row{Key: strconv.Itoa(i), Value: i, Cells: []components.Cell{
			{Text: strconv.Itoa(i + 1), Tone: styles.ToneMuted},
			{Text: e.Name},
			{Text: e.Transport},
			status,
			{Text: duration(e.Duration)},
			res,
			{Text: v.targetOf(e), Tone: styles.ToneMuted},
		}}
	}
	v.table.SetRows(rows)
}

// View implements ui.View.
func (v *SessionView) View() string {
	if v.w <= 0 || v.h <= 0 {
		return ""
	}
	lines := []string{v.titleLine()}
	lines = append(lines, strings.Split(v.table.View(), "\n")...)
	for len(lines) < 1+v.listHeight() {
		lines = append(lines, "")
	}
	lines = append(lines, v.st.Tone(styles.ToneMuted).Render(strings.Repeat("─", v.w)))
	if v.ask != nil {
		lines = append(lines, v.question()...)
	} else {
		lines = append(lines, v.details()...)
	}
	if len(lines) > v.h {
		lines = lines[:v.h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > v.w {
			lines[i] = ansi.Truncate(l, v.w, "")
		}
	}
	return strings.Join(lines, "\n")
}

func (v *SessionView) titleLine() string {
	parts := []string{v.s.Path}
	if svc := v.service(); svc != "" {
		parts = append(parts, svc)
	}
	parts = append(parts, strconv.Itoa(len(v.s.Exchanges))+" exchanges")
	if n := len(v.s.Unreadable); n > 0 {
		parts = append(parts, strconv.Itoa(n)+" unreadable lines")
	}
	parts = append(parts, "replay → "+v.target.Label)
	text := strings.Join(parts, " · ")
	switch {
	case v.replaying:
		text += " · replaying…"
	case v.ask != nil:
		text += " · send writes?"
	case v.report != nil:
		text += " · " + summary(v.report)
	}
	tone := styles.ToneInfo
	if v.report != nil && v.report.Failed > 0 && !v.replaying {
		tone = styles.ToneBad
	}
	return v.st.Tone(tone).Render(sanitize.Line(text, v.w))
}

// detail is one line of an exchange's details, in its tone.
type detail struct {
	text string
	tone styles.Tone
}

// detailLines describes the selected exchange: what was recorded, and the
// replay's verdict with its diff, unstyled and uncut; title names it.
func (v *SessionView) detailLines() (title string, out []detail) {
	r, ok := v.table.Selected()
	if !ok {
		return "", nil
	}
	i := r.Value.(int)
	e := v.s.Exchanges[i]
	add := func(s string, tone styles.Tone) { out = append(out, detail{s, tone}) }
	head := []string{"exchange " + strconv.Itoa(i+1), "id " + e.ID, e.Name}
	if e.Instance != "" {
		head = append(head, "instance "+e.Instance)
	}
	if e.TraceID != "" {
		head = append(head, "trace "+e.TraceID)
	}
	add(strings.Join(head, " · "), styles.ToneInfo)
	if e.Error != "" {
		add("recorded error: "+e.Error, styles.ToneBad)
	}
	if res, ok := v.results[i]; ok {
		switch {
		case res.Refused:
			add("! not replayed: it may change data", styles.ToneWarn)
		case res.Skipped != "":
			add("– not replayed: "+res.Skipped, styles.ToneMuted)
		case res.OK:
			add("✓ replay matches ("+res.Status+", "+duration(res.Duration)+")", styles.ToneGood)
		case res.Err != "":
			add("✗ replay failed: "+res.Err, styles.ToneBad)
		default:
			add("✗ replay differs ("+res.Status+", "+duration(res.Duration)+"):", styles.ToneBad)
			for _, d := range res.Diffs {
				add("  "+d, styles.ToneBad)
			}
		}
		if res.TraceID != "" {
			add("replayed in trace "+res.TraceID+" (recorded "+orDash(res.RecordedTraceID)+")", styles.ToneMuted)
		}
	}
	if len(e.Request) > 0 {
		add("request", styles.ToneMuted)
		for _, l := range e.Request {
			add("  "+l, styles.ToneNormal)
		}
	}
	if len(e.Response) > 0 {
		add("response (recorded)", styles.ToneMuted)
		for _, l := range e.Response {
			add("  "+l, styles.ToneNormal)
		}
	}
	return "Exchange " + strconv.Itoa(i+1), out
}

// details renders the selected exchange's details in the room below the
// table; when they do not fit, the last line says how much is below and
// how to see it (v opens a scrollable pane).
func (v *SessionView) details() []string {
	room := v.detailHeight()
	_, lines := v.detailLines()
	if len(lines) == 0 || room <= 0 {
		if n := len(v.s.Unreadable); n > 0 && room > 0 {
			return []string{v.st.Tone(styles.ToneBad).Render(sanitize.Line(v.s.Unreadable[0], v.w))}
		}
		return nil
	}
	more := 0
	if len(lines) > room {
		more = len(lines) - room + 1
		lines = lines[:room-1]
	}
	out := make([]string, 0, room)
	for _, l := range lines {
		out = append(out, v.st.Tone(l.tone).Render(sanitize.Line(l.text, v.w)))
	}
	if more > 0 {
		hint := "↓ " + strconv.Itoa(more) + " more lines · " + v.pk.Open.Help().Key + " scrolls · " +
			v.pk.Copy.Help().Key + " copies · " + v.pk.Pager.Help().Key + " pager"
		out = append(out, v.st.Tone(styles.ToneInfo).Render(sanitize.Line(hint, v.w)))
	}
	return out
}

func duration(d time.Duration) string {
	switch {
	case d == 0:
		return ""
	case d < time.Millisecond:
		return strconv.FormatInt(int64(d/time.Microsecond), 10) + "µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
}
