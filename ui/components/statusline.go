package components

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// StatusLine is the bar under the focused view: where the data comes from,
// how many instances, whether it is stale or failing on the left; a
// transient notice or the active filter on the right. The zero value shows
// an empty bar.
type StatusLine struct {
	// Source names the data source ("consul 127.0.0.1:8500"); empty hides it.
	Source string
	// Instances is the instance count; negative hides it.
	Instances int
	// Stale marks the data as out of date.
	Stale bool
	// Err is the source's last error; empty when healthy.
	Err string
	// Notice is a transient message shown on the right, in NoticeTone.
	Notice     string
	NoticeTone styles.Tone
	// Right is shown on the right when there is no notice (the active
	// filter, the cursor position).
	Right string
}

// View renders the bar exactly width cells wide. Every text is sanitized.
// The right side may take what the left leaves free, and at least half the
// width; the left side is cut to what remains, the error goes first.
func (s StatusLine) View(st *styles.Styles, width int) string {
	if width <= 0 {
		return ""
	}
	var left []string
	if s.Source != "" {
		left = append(left, s.Source)
	}
	if s.Instances >= 0 {
		n := strconv.Itoa(s.Instances) + " instances"
		if s.Instances == 1 {
			n = "1 instance"
		}
		left = append(left, n)
	}
	if s.Stale {
		left = append(left, "STALE")
	}
	right, tone := s.Right, styles.ToneNormal
	if s.Notice != "" {
		right, tone = s.Notice, s.NoticeTone
	}
	l := " " + strings.Join(left, " · ")
	if right = fit(right, max(width/2, width-ansi.StringWidth(l)-1)-1); right != "" {
		right += " "
	}
	l = fit(l, width-ansi.StringWidth(right))
	errText := ""
	if s.Err != "" {
		sep := " · "
		if len(left) == 0 {
			sep = ""
		}
		errText = fit(sep+"error: "+s.Err, width-ansi.StringWidth(l)-ansi.StringWidth(right))
	}
	gap := max(0, width-ansi.StringWidth(l)-ansi.StringWidth(errText)-ansi.StringWidth(right))

	var b strings.Builder
	b.WriteString(st.StatusLine.Render(l))
	if errText != "" {
		b.WriteString(st.StatusError.Render(errText))
	}
	b.WriteString(st.StatusLine.Render(strings.Repeat(" ", gap)))
	if right != "" {
		b.WriteString(st.Tone(tone).Inherit(st.StatusLine).Render(right))
	}
	return b.String()
}

// fit sanitizes s into at most w cells; nothing when w <= 0.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return sanitize.Line(s, w)
}
