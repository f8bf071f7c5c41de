package controls

import (
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/components"
)

// The layout the views that write controls share: a summary line, the
// table, and under it, while one is open, the prompt's form or question.

// Fit gives t what a w×h body leaves after the summary line and p.
func Fit(t *components.Table, p *Prompt, w, h int) {
	t.SetSize(w, max(0, h-1-p.Height(w)))
}

// Render draws a w×h body: summary cut to the width, the table, and p
// while it is open; empty while the body has no size.
func Render(summary string, t *components.Table, p *Prompt, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	out := ansi.Truncate(summary, w, "…") + "\n" + t.View()
	if p.Open() {
		out += "\n" + p.View(w)
	}
	return out
}

// FitMarkers chooses the form of the markers that marker gives items
// (long, or short when asked) and makes column col wide enough to show
// them whole: the long form when the column has the room (taking it from
// the names' spare width), else the short one, taking what it needs from
// the names, which are cut instead. It reports whether the short form is
// the one to draw.
func FitMarkers[K comparable, E any](t *components.Table, col int, items map[K]E, marker func(e E, short bool) string) (short bool) {
	long, brief := 0, 0
	for _, e := range items {
		if m := marker(e, false); m != "" {
			long = max(long, ansi.StringWidth(m))
			brief = max(brief, ansi.StringWidth(marker(e, true)))
		}
	}
	short = long > t.Room(col)
	if short {
		long = brief
	}
	t.SetMinWidth(col, long)
	return short
}
