package components

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// StatusLine is the bar under the focused view. What matters comes first:
// an error notice, then the source's error (STALE, its cause before the
// context), then other notices, the mode (recording and its file), the
// source and the instance count, and Right last. Text that does not fit
// wraps into further lines (Lines) instead of being cut. The zero value
// shows an empty bar.
type StatusLine struct {
	// Source names the data source ("registry at 127.0.0.1:8500"); empty
	// hides it.
	Source string
	// Instances is the instance count; negative hides it.
	Instances int
	// Stale marks the data as out of date.
	Stale bool
	// Err is the source's last error; empty when healthy. Its cause (the
	// text after the last ": ") is shown first, its context last.
	Err string
	// Retry says how the source is retried; shown after the error's cause.
	Retry string
	// Notice is a transient message, in NoticeTone; a ToneBad notice goes
	// before everything else.
	Notice     string
	NoticeTone styles.Tone
	// Mode is a lasting state worth seeing on every screen (recording
	// calls to a file); empty hides it.
	Mode string
	// Right is shown last (a position, a hint); empty hides it.
	Right string
}

// segment is one part of the line, in one tone.
type segment struct {
	text string
	tone styles.Tone
}

// segments lists the parts in order of importance, sanitized.
func (s StatusLine) segments() []segment {
	var out []segment
	add := func(text string, tone styles.Tone) {
		if text = sanitize.Line(text, 0); text != "" {
			out = append(out, segment{text, tone})
		}
	}
	if s.Notice != "" && s.NoticeTone == styles.ToneBad {
		add(s.Notice, styles.ToneBad)
	}
	cause, context := splitCause(s.Err)
	switch {
	case s.Stale && s.Err != "":
		add("STALE · "+cause, styles.ToneBad)
	case s.Stale:
		add("STALE", styles.ToneBad)
	case s.Err != "":
		add("error: "+cause, styles.ToneBad)
	}
	add(s.Retry, styles.ToneWarn)
	add(context, styles.ToneBad)
	if s.Notice != "" && s.NoticeTone != styles.ToneBad {
		add(s.Notice, s.NoticeTone)
	}
	add(s.Mode, styles.ToneBad)
	add(s.Source, styles.ToneNormal)
	if s.Instances >= 0 {
		n := strconv.Itoa(s.Instances) + " instances"
		if s.Instances == 1 {
			n = "1 instance"
		}
		add(n, styles.ToneNormal)
	}
	add(s.Right, styles.ToneMuted)
	return out
}

// CauseFirst turns a Go error chain ("Get \"http://…\": dial tcp …:
// connect: connection refused") around, so that the cause reads first and
// survives a narrow screen: "connection refused — Get \"http://…\": dial
// tcp …: connect". Text without ": " is returned as is.
func CauseFirst(err string) string {
	cause, context := splitCause(err)
	if context == "" {
		return cause
	}
	return cause + " — " + context
}

// splitCause cuts an error at its last ": " into the cause and the
// context before it; text without one is all cause.
func splitCause(err string) (cause, context string) {
	i := strings.LastIndex(err, ": ")
	if i <= 0 || i+2 >= len(err) {
		return err, ""
	}
	return err[i+2:], err[:i]
}

// View renders the bar on one line of exactly width cells; what does not
// fit is cut (Lines wraps it instead).
func (s StatusLine) View(st *styles.Styles, width int) string {
	return strings.Join(s.Lines(st, width, 1), "\n")
}

// Height is the number of lines Lines gives at width with at most max
// lines: 1 when everything fits on one line.
func (s StatusLine) Height(width, maxLines int) int {
	return len(s.wrap(width, maxLines))
}

// Lines renders the bar in at most max lines of exactly width cells: the
// parts in order of importance, wrapped at spaces; the last line is cut
// with "…" when even max lines are not enough. width or max <= 0 gives
// nothing.
func (s StatusLine) Lines(st *styles.Styles, width, maxLines int) []string {
	lines := s.wrap(width, maxLines)
	out := make([]string, len(lines))
	for i, words := range lines {
		var b strings.Builder
		used := 0
		for j := 0; j < len(words); { // one style per run of words in one tone
			k, run := j, ""
			for ; k < len(words) && words[k].tone == words[j].tone; k++ {
				run += words[k].text
			}
			b.WriteString(st.Tone(words[j].tone).Inherit(st.StatusLine).Render(run))
			used += ansi.StringWidth(run)
			j = k
		}
		b.WriteString(st.StatusLine.Render(strings.Repeat(" ", max(0, width-used))))
		out[i] = ansi.Truncate(b.String(), width, "")
	}
	return out
}

// wrap lays the words of the segments out in lines of width cells, with a
// one-cell margin on each side.
func (s StatusLine) wrap(width, maxLines int) [][]segment {
	if width <= 0 || maxLines <= 0 {
		return nil
	}
	room := max(1, width-2)
	lines := [][]segment{nil}
	used := 0
	put := func(text string, tone styles.Tone) bool {
		w := ansi.StringWidth(text)
		// A word that does not fit moves to the next line, unless it is long
		// (a URL): then it breaks where it is, below.
		if used > 0 && used+w > room && w <= room/3 {
			if len(lines) == maxLines {
				last := lines[len(lines)-1]
				if used < room {
					lines[len(lines)-1] = append(last, segment{ansi.Truncate(text, room-used, "…"), tone})
				} else if n := len(last); n > 0 {
					last[n-1].text = ansi.Truncate(last[n-1].text, ansi.StringWidth(last[n-1].text)-1, "") + "…"
				}
				return false
			}
			lines = append(lines, nil)
			used = 0
			text = strings.TrimLeft(text, " ")
			w = ansi.StringWidth(text)
		}
		for w > room-used { // a word longer than a line breaks where it must
			if len(lines) == maxLines {
				lines[len(lines)-1] = append(lines[len(lines)-1], segment{ansi.Truncate(text, room-used, "…"), tone})
				return false
			}
			lines[len(lines)-1] = append(lines[len(lines)-1], segment{ansi.Cut(text, 0, room-used), tone})
			text = ansi.Cut(text, room-used, w)
			w = ansi.StringWidth(text)
			lines = append(lines, nil)
			used = 0
		}
		lines[len(lines)-1] = append(lines[len(lines)-1], segment{text, tone})
		used += w
		return true
	}
	for i, seg := range s.segments() {
		if i > 0 && !put(" · ", styles.ToneMuted) {
			break
		}
		words := strings.Split(seg.text, " ")
		ok := true
		for j, w := range words {
			if j > 0 {
				w = " " + w
			}
			if ok = put(w, seg.tone); !ok {
				break
			}
		}
		if !ok {
			break
		}
	}
	for i := range lines {
		lines[i] = append([]segment{{" ", styles.ToneNormal}}, lines[i]...)
	}
	return lines
}
