package components

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/styles"
)

// TooSmall renders, centred in width×height cells, a message saying the
// terminal is smaller than minWidth×minHeight and what to do. Every line
// fits the width, however small; width or height <= 0 gives "".
func TooSmall(st *styles.Styles, width, height, minWidth, minHeight int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	msg := []string{
		st.Title.Render("Terminal too small"),
		fmt.Sprintf("%d×%d, needs %d×%d", width, height, minWidth, minHeight),
		st.Tone(styles.ToneMuted).Render("enlarge the window, or press q to quit"),
	}
	if len(msg) > height {
		msg = msg[:height]
	}
	top := (height - len(msg)) / 2
	lines := make([]string, 0, height)
	for range top {
		lines = append(lines, "")
	}
	for _, m := range msg {
		m = ansi.Truncate(m, width, "")
		left := max(0, (width-ansi.StringWidth(m))/2)
		lines = append(lines, strings.Repeat(" ", left)+m)
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
