package call

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// leftWidth is the width of the method (or history) list.
func (v *View) leftWidth() int { return max(32, min(48, v.w*3/10)) }

// editorHeight is the number of lines of the request editor.
func (v *View) editorHeight() int { return max(3, (v.h-4)*2/5) }

// View implements ui.View: the list on the left, the request and the
// response on the right.
func (v *View) View() string {
	if v.w <= 0 || v.h <= 0 {
		return ""
	}
	lw := v.leftWidth()
	rw := v.w - lw - 1
	table := v.mtable.View()
	if v.showHistory {
		table = v.htable.View()
	}
	left := strings.Split(table, "\n")
	right := v.right(rw)
	sep := v.st.Tone(styles.ToneMuted).Render("│")
	var b strings.Builder
	for i := range v.h {
		if i > 0 {
			b.WriteByte('\n')
		}
		l := ""
		if i < len(left) {
			l = left[i]
		}
		b.WriteString(l)
		if n := lw - ansi.StringWidth(l); n > 0 {
			b.WriteString(strings.Repeat(" ", n))
		}
		if rw <= 0 {
			continue
		}
		b.WriteString(sep)
		if i < len(right) {
			b.WriteString(ansi.Truncate(right[i], rw, ""))
		}
	}
	return b.String()
}

// right draws the request and response pane, at most v.h lines of w cells.
func (v *View) right(w int) []string {
	if w <= 0 {
		return nil
	}
	muted := v.st.Tone(styles.ToneMuted)
	line := func(s string, tone styles.Tone) string { return v.st.Tone(tone).Render(sanitize.Line(s, w)) }
	out := make([]string, 0, v.h)
	out = append(out, v.titleLine(w))
	edH := v.editorHeight()
	if v.cur.key == "" {
		out = append(out, line("Request", styles.ToneMuted),
			line("Pick a method on the left (/ filters, enter opens it); its example or template fills this editor.", styles.ToneMuted))
		for len(out) < 2+edH {
			out = append(out, "")
		}
	} else {
		hint := "Request · e edits · ctrl+s sends"
		if v.editing {
			hint = "Request · editing: esc stops · ctrl+s sends"
		}
		if len(v.cur.transports) > 0 {
			hint += " · via " + strings.Join(v.cur.transports, ", ")
		}
		out = append(out, line(hint, styles.ToneMuted))
		body := v.ed.view(v.st, w, edH, v.editing)
		out = append(out, body...)
		for range edH - len(body) {
			out = append(out, muted.Render("~"))
		}
	}
	out = append(out, v.responseHead(w)...)
	if (v.last != nil || v.stream != nil) && !v.sending && v.body.Text() != "" {
		out = append(out, strings.Split(v.body.View(), "\n")...)
	}
	if len(out) > v.h {
		out = out[:v.h]
	}
	return out
}

// titleLine names the method and where it goes, with the recording mark.
func (v *View) titleLine(w int) string {
	title := "Call"
	if v.cur.key != "" {
		title = v.cur.key + " → " + v.instanceLabel()
	}
	mark := ""
	if v.rec.On {
		mark = "● REC " + plural(v.rec.Calls, "call")
	}
	room := w
	if mark != "" {
		room = max(0, w-ansi.StringWidth(mark)-1)
	}
	s := v.st.Title.Render(sanitize.Line(title, room))
	if mark != "" && room > 0 {
		pad := w - ansi.StringWidth(sanitize.Line(title, room)) - ansi.StringWidth(mark)
		s += strings.Repeat(" ", max(1, pad)) + v.st.Tone(styles.ToneBad).Render(mark)
	}
	return s
}

func (v *View) instanceLabel() string {
	if v.instance == "" {
		return "balanced"
	}
	for _, in := range v.cat.instances(v.cur.service, v.cur.name) {
		if in.InstanceID == v.instance {
			return in.InstanceID + " (" + in.Address + ")"
		}
	}
	return v.instance + " (gone)"
}

// responseHead is the status of the last call: one or two lines.
func (v *View) responseHead(w int) []string {
	line := func(s string, tone styles.Tone) string { return v.st.Tone(tone).Render(sanitize.Line(s, w)) }
	switch {
	case v.sending:
		return []string{line("Response · calling "+v.cur.key+"…", styles.ToneInfo)}
	case v.streaming():
		return []string{line(v.streamLine(), styles.ToneInfo)}
	case v.err != "":
		return []string{line("✗ "+v.err, styles.ToneBad)}
	case v.last == nil:
		return []string{line("Response · none yet: ctrl+s sends the request", styles.ToneMuted)}
	}
	r := v.last
	head := "✓ " + r.Status
	tone := styles.ToneGood
	if !r.OK {
		head, tone = "✗ "+r.Status, styles.ToneBad
		if r.Message != "" {
			head += ": " + r.Message
		}
		if r.Reason != "" {
			head += " (reason: " + r.Reason + ")"
		}
	}
	head += " · " + latency(r) + " · " + r.Instance
	second := r.Transport + " " + r.Method + " @ " + r.Target
	if r.TraceID != "" {
		second = "trace " + r.TraceID + " (t opens it) · " + second
	}
	if v.stream != nil {
		second = v.streamLine() + " · " + second
	}
	return []string{line(head, tone), line(second, styles.ToneMuted)}
}

func latency(r *Response) string {
	d := r.Latency
	switch {
	case d < 1e6:
		return strconv.FormatInt(int64(d/1e3), 10) + "µs"
	case d < 1e9:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// via names the transports of a method in four cells.
func via(ts []string) string {
	if len(ts) > 1 {
		return "both"
	}
	return strings.Join(ts, "")
}

// pretty indents a JSON body for the editor; other text is kept as is.
func pretty(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}

// prettyLines is pretty split in lines, at most MaxBodyLines of them.
func prettyLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	lines := strings.Split(pretty(b), "\n")
	if len(lines) > MaxBodyLines {
		n := len(lines) - MaxBodyLines
		lines = append(lines[:MaxBodyLines], "… "+strconv.Itoa(n)+" more lines")
	}
	return lines
}
