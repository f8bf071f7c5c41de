package traces

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

func padRight(s string, w int) string {
	if n := w - ansi.StringWidth(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

func padLeft(s string, w int) string {
	if n := w - ansi.StringWidth(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}

// fit cuts lines to at most h.
func fit(lines []string, h int) []string {
	if len(lines) > h {
		return lines[:h]
	}
	return lines
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
