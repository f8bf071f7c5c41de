package traces

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/internal/hubmsg"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// Waterfall shows one trace: the span tree with time bars, and the details
// of the span under the cursor. It is pushed by the traces view; it
// refreshes itself when spans of its trace arrive (a trace opened before
// its spans came in fills in; a trace still running grows).
type Waterfall struct {
	st  *styles.Styles
	km  keys.Nav
	xk  keys.Export
	exp components.Export // the last export asked for here
	src Source
	id  string
	tr  *hub.Trace // nil: not in memory
	fl  []flat

	cursor, offset int
	w, h           int
	inFlight       bool
	dirty          bool
}

// flat is one span of the tree in display order.
type flat struct {
	n     *hub.Node
	depth int
}

// NewWaterfall returns the waterfall of trace id; tr may be nil when the
// trace is not (yet) held, and then the view says so.
func NewWaterfall(st *styles.Styles, km keys.Nav, src Source, id string, tr *hub.Trace) *Waterfall {
	w := &Waterfall{st: st, km: km, xk: keys.ExportKeys(), src: src, id: id}
	w.set(tr)
	return w
}

func (w *Waterfall) set(tr *hub.Trace) {
	var key string
	if w.cursor < len(w.fl) {
		key = w.fl[w.cursor].n.Span.SpanID
	}
	w.tr, w.fl = tr, w.fl[:0]
	if tr != nil {
		tr.Walk(func(n *hub.Node, depth int) bool {
			w.fl = append(w.fl, flat{n, depth})
			return true
		})
	}
	w.cursor = 0
	for i, f := range w.fl {
		if f.n.Span.SpanID == key {
			w.cursor = i
		}
	}
	w.scroll()
}

// TraceID is the id of the trace shown.
func (w *Waterfall) TraceID() string { return w.id }

// Selected returns the span under the cursor; false when there is none.
func (w *Waterfall) Selected() (hub.Span, bool) {
	if len(w.fl) == 0 {
		return hub.Span{}, false
	}
	return w.fl[w.cursor].n.Span, true
}

// Title implements ui.View.
func (w *Waterfall) Title() string { return "trace " + ShortID(w.id) }

// SetSize implements ui.View.
func (w *Waterfall) SetSize(width, height int) { w.w, w.h = max(0, width), max(0, height); w.scroll() }

// ShortHelp implements help.KeyMap.
func (w *Waterfall) ShortHelp() []key.Binding { return []key.Binding{w.km.Down, w.km.Up, w.xk.Export} }

// FullHelp implements help.KeyMap.
func (w *Waterfall) FullHelp() [][]key.Binding {
	return [][]key.Binding{{w.km.Up, w.km.Down, w.km.PageUp, w.km.PageDown, w.km.Top, w.km.Bottom}, {w.xk.Export}}
}

// Update implements ui.View.
func (w *Waterfall) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	switch msg := msg.(type) {
	case found:
		if msg.owner != w {
			return w, nil
		}
		w.inFlight = false
		if msg.trace != nil {
			w.set(msg.trace)
		}
		if w.dirty {
			w.dirty = false
			return w, w.refetch()
		}
		return w, nil
	case ui.ExportedMsg:
		if msg.For == w.exportID() {
			w.exp.Done(msg)
			w.scroll()
		}
		return w, nil
	case tea.KeyPressMsg:
		if key.Matches(msg, w.xk.Export) {
			return w, w.export()
		}
		w.key(msg)
		return w, nil
	}
	mine := false
	hubmsg.Each(msg, func(m hub.Msg) {
		if b, ok := m.(hub.SpanBatch); ok {
			for i := range b.Spans {
				if strings.EqualFold(b.Spans[i].TraceID, w.id) {
					mine = true
					return
				}
			}
		}
	})
	if mine {
		return w, w.refetch()
	}
	return w, nil
}

func (w *Waterfall) refetch() tea.Cmd {
	if w.inFlight {
		w.dirty = true
		return nil
	}
	w.inFlight = true
	return fetchOne(w, w.src, w.id)
}

func (w *Waterfall) key(k tea.KeyPressMsg) {
	page := max(1, w.listHeight())
	switch {
	case key.Matches(k, w.km.Down):
		w.cursor++
	case key.Matches(k, w.km.Up):
		w.cursor--
	case key.Matches(k, w.km.PageDown):
		w.cursor += page
	case key.Matches(k, w.km.PageUp):
		w.cursor -= page
	case key.Matches(k, w.km.Top):
		w.cursor = 0
	case key.Matches(k, w.km.Bottom):
		w.cursor = len(w.fl) - 1
	default:
		return
	}
	w.scroll()
}

func (w *Waterfall) scroll() {
	w.cursor = max(0, min(w.cursor, len(w.fl)-1))
	h := max(1, w.listHeight())
	if w.cursor < w.offset {
		w.offset = w.cursor
	} else if w.cursor >= w.offset+h {
		w.offset = w.cursor - h + 1
	}
	w.offset = max(0, min(w.offset, len(w.fl)-h))
}

// The body is: a title line, the last export's lines (if any), the column
// header, the span rows, a rule, and the details of the selected span. The
// details take at least two fifths of the room, and whatever a short tree
// leaves.
func (w *Waterfall) detailHeight() int {
	room := max(0, w.h-3-w.exportHeight())
	return max(3, room*2/5, room-len(w.fl))
}

func (w *Waterfall) listHeight() int { return w.h - 3 - w.exportHeight() - w.detailHeight() }

func (w *Waterfall) exportHeight() int { return len(w.exp.Lines(w.st)) }

// columns gives the widths of the name, service and bar columns.
func (w *Waterfall) columns() (name, svc, bar int) {
	name = max(14, w.w*3/10)
	svc = min(18, max(8, w.w/10))
	bar = w.w - 2 - name - 1 - svc - 1 - durW - 1
	return name, svc, max(0, bar)
}

const durW = 8

// View implements ui.View.
func (w *Waterfall) View() string {
	if w.w <= 0 || w.h <= 0 {
		return ""
	}
	lines := make([]string, 0, w.h)
	lines = append(lines, w.titleLine())
	if w.tr == nil {
		lines = append(lines, "",
			w.st.Tone(styles.ToneWarn).Render(sanitize.Line("trace "+w.id+" is not in memory yet.", w.w)),
			w.st.Tone(styles.ToneMuted).Render(sanitize.Line("Its spans may still be on their way (it fills in when they arrive), or may have left the span ring.", w.w)))
		return strings.Join(fit(lines, w.h), "\n")
	}
	lines = append(lines, w.exp.Lines(w.st)...)
	name, svc, bar := w.columns()
	hdr := "  " + padRight("SPAN", name) + " " + padRight("SERVICE", svc) + " " + padLeft("DURATION", durW) + " " + padRight("TIMELINE", bar)
	lines = append(lines, w.st.TableHeader.Render(ansi.Truncate(hdr, w.w, "")))
	end := min(len(w.fl), w.offset+w.listHeight())
	for i := w.offset; i < end; i++ {
		lines = append(lines, w.row(w.fl[i], i == w.cursor, name, svc, bar))
	}
	for len(lines) < 2+w.exportHeight()+w.listHeight() {
		lines = append(lines, "")
	}
	lines = append(lines, w.st.Tone(styles.ToneMuted).Render(strings.Repeat("─", w.w)))
	lines = append(lines, w.details()...)
	lines = fit(lines, w.h)
	for i, l := range lines {
		if ansi.StringWidth(l) > w.w {
			lines[i] = ansi.Truncate(l, w.w, "")
		}
	}
	return strings.Join(lines, "\n")
}

func (w *Waterfall) titleLine() string {
	t := w.tr
	if t == nil {
		return w.st.Title.Render(sanitize.Line("trace "+w.id, w.w))
	}
	var parts []string
	if t.Root != nil {
		parts = append(parts, t.Root.Span.Service+" "+t.Root.Span.Name)
	}
	parts = append(parts, Duration(t.Duration), plural(t.Spans, "span"), plural(len(t.Services), "service"))
	if len(t.Roots) > 1 {
		parts = append(parts, plural(len(t.Roots)-1, "detached part"))
	}
	style := w.st.Title
	if t.Error {
		parts = append(parts, "error")
		style = w.st.Tone(styles.ToneBad)
	}
	parts = append(parts, "trace "+t.ID)
	return style.Render(sanitize.Line(strings.Join(parts, " · "), w.w))
}

func (w *Waterfall) row(f flat, selected bool, nameW, svcW, barW int) string {
	s := f.n.Span
	indent := strings.Repeat("  ", min(f.depth, nameW/4))
	name := padRight(sanitize.Line(indent+s.Name, nameW), nameW)
	svc := padRight(sanitize.Line(s.Service, svcW), svcW)
	dur := padLeft(Duration(time.Duration(s.DurationNS)), durW)
	barText := w.bar(s, barW)
	plain := selected || w.st.Profile <= colorprofile.NoTTY
	if selected {
		return w.st.Selected.Render("> " + name + " " + svc + " " + dur + " " + barText)
	}
	tone := styles.ToneInfo
	if s.Status == "error" {
		tone = styles.ToneBad
	}
	if plain {
		return "  " + name + " " + svc + " " + dur + " " + barText
	}
	return "  " + name + " " + w.st.Tone(styles.ToneMuted).Render(svc) + " " + dur + " " + w.st.Tone(tone).Render(barText)
}

// bar draws the span's extent within the trace in width cells, with a ◆
// where a resilience event happened.
func (w *Waterfall) bar(s hub.Span, width int) string {
	if width <= 0 {
		return ""
	}
	cells := []rune(strings.Repeat(" ", width))
	total := w.tr.Duration
	pos := func(t time.Time) int {
		if total <= 0 {
			return 0
		}
		return max(0, min(width-1, int(int64(width)*int64(t.Sub(w.tr.Start))/int64(total))))
	}
	from := pos(s.Start)
	n := 1
	if total > 0 {
		n = max(1, int((int64(width)*s.DurationNS+int64(total)-1)/int64(total)))
	}
	for i := from; i < min(width, from+n); i++ {
		cells[i] = '█'
	}
	for _, e := range s.Events {
		if _, _, res := Event(e); res {
			cells[pos(e.Time)] = '◆'
		}
	}
	return string(cells)
}

// details describes the selected span in the lines left below the rule.
func (w *Waterfall) details() []string {
	room := w.detailHeight()
	s, ok := w.Selected()
	if !ok || room <= 0 {
		return nil
	}
	muted := w.st.Tone(styles.ToneMuted)
	var out []string
	add := func(text string, tone styles.Tone) {
		out = append(out, w.st.Tone(tone).Render(sanitize.Line(text, w.w)))
	}
	head := []string{s.Name, "service " + s.Service, "instance " + s.Instance.InstanceID}
	if s.Kind != "" {
		head = append(head, s.Kind)
	}
	add(strings.Join(head, " · "), styles.ToneInfo)
	status := "status " + cmpOr(s.Status, "unset")
	if s.StatusMsg != "" {
		status += ": " + s.StatusMsg
	}
	statusTone := styles.ToneGood
	if s.Status == "error" {
		statusTone = styles.ToneBad
	}
	add(status+" · at +"+Duration(s.Start.Sub(w.tr.Start))+" · took "+Duration(time.Duration(s.DurationNS))+" · span "+s.SpanID, statusTone)
	var plainEvents []string
	for _, e := range s.Events {
		text, tone, res := Event(e)
		line := "+" + Duration(e.Time.Sub(w.tr.Start)) + "  " + text
		if res {
			add(line, tone)
		} else {
			plainEvents = append(plainEvents, line)
		}
	}
	for _, l := range plainEvents {
		out = append(out, muted.Render(sanitize.Line(l, w.w)))
	}
	for _, k := range sortedKeys(s.Attributes) {
		out = append(out, sanitize.Line(k+" = "+s.Attributes[k], w.w))
	}
	if len(out) > room {
		more := len(out) - room + 1
		out = append(out[:room-1], muted.Render(sanitize.Line("… "+plural(more, "more line")+" (a taller window shows them)", w.w)))
	}
	return out
}
