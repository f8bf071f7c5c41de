package components

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/styles"
)

// KeyMaps joins several key maps into one: short help is the concatenation
// of their short helps, full help the concatenation of their columns. The
// root uses it to show a view's keys followed by the global keys.
type KeyMaps []help.KeyMap

// ShortHelp implements help.KeyMap.
func (ks KeyMaps) ShortHelp() []key.Binding {
	var out []key.Binding
	for _, k := range ks {
		if k != nil {
			out = append(out, k.ShortHelp()...)
		}
	}
	return out
}

// FullHelp implements help.KeyMap.
func (ks KeyMaps) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, k := range ks {
		if k != nil {
			out = append(out, k.FullHelp()...)
		}
	}
	return out
}

func helpModel(st *styles.Styles, width int) help.Model {
	h := help.New()
	h.Styles = st.Help
	h.SetWidth(width)
	return h
}

// ShortHelp renders km's short help on one line of at most width cells.
// When it does not fit, bindings before the last two are dropped (the
// last ones are the global help and quit keys, which must stay visible;
// '?' lists the rest).
func ShortHelp(st *styles.Styles, km help.KeyMap, width int) string {
	if width <= 0 || km == nil {
		return ""
	}
	h := helpModel(st, 0)
	bs := km.ShortHelp()
	line := h.ShortHelpView(bs)
	for ansi.StringWidth(line) > width && len(bs) > 2 {
		bs = append(bs[:len(bs)-3:len(bs)-3], bs[len(bs)-2:]...)
		line = h.ShortHelpView(bs)
	}
	return ansi.Truncate(line, width, "")
}

// HelpView renders the help overlay for km: a title, the full help in
// columns, and how to close it, within width×height cells. Columns that do
// not fit beside each other wrap below; lines beyond height are dropped.
func HelpView(st *styles.Styles, km help.KeyMap, width, height int) string {
	if width <= 0 || height <= 0 || km == nil {
		return ""
	}
	const sep = "    "
	h := helpModel(st, 0)
	lines := []string{st.Title.Render("Keys"), ""}
	var row []string
	rowWidth := 0
	flush := func() {
		if len(row) > 0 {
			lines = append(lines, strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, row...), "\n")...)
			lines = append(lines, "")
		}
		row, rowWidth = nil, 0
	}
	for _, group := range km.FullHelp() {
		col := h.FullHelpView([][]key.Binding{group})
		if col == "" {
			continue
		}
		w := lipgloss.Width(col)
		if len(row) > 0 && rowWidth+len(sep)+w > width-1 {
			flush()
		}
		if len(row) > 0 {
			col = lipgloss.JoinHorizontal(lipgloss.Top, sep, col)
			w += len(sep)
		}
		row = append(row, col)
		rowWidth += w
	}
	flush()
	lines = append(lines, st.Tone(styles.ToneMuted).Render("? or esc closes this help"))
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(" "+l, width, "")
	}
	return strings.Join(lines, "\n")
}
