// Package sanitize turns untrusted text into something safe to draw in one
// terminal cell range. Every string that comes from a service (instance tags
// and metadata, endpoint names, span attributes, error messages, response
// bodies) goes through [Line] before it is rendered.
//
// Line removes every escape sequence (CSI such as "\x1b[2J", OSC such as
// OSC 52 clipboard writes and OSC 8 hyperlinks, DCS, APC, ...), every other
// C0 and C1 control character and the Unicode bidirectional overrides (which
// can make text read differently from what it is), turns tabs and line
// breaks into spaces, repairs invalid UTF-8, caps runs of combining marks,
// and truncates to a display width with an ellipsis, counting wide (CJK,
// emoji) characters as two cells.
//
// # Failure behaviour
//
// Line never fails: hostile input yields harmless, bounded output. Input
// longer than [MaxInput] bytes is cut before it is examined, so a 10 MB tag
// costs no more than a 64 KB one.
//
// # Concurrency
//
// Line is a pure function, safe for concurrent use.
package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// MaxInput is the number of bytes of a string [Line] looks at; the rest is
// dropped (and the result ends with the ellipsis).
const MaxInput = 64 << 10

// Ellipsis is appended to text that was cut to fit.
const Ellipsis = "…"

// maxMarks is how many combining marks may follow one base character.
const maxMarks = 4

// Line returns s made safe to render on one line in at most width cells.
// A width <= 0 means no width limit (the text is still cleaned and capped
// at MaxInput bytes). Plain printable ASCII that fits is returned as is,
// without allocating.
func Line(s string, width int) string {
	if plainASCII(s) {
		if width <= 0 || len(s) <= width {
			return s
		}
		return s[:width-1] + Ellipsis
	}
	cut := len(s) > MaxInput
	if cut {
		s = s[:MaxInput]
	}
	s = clean(s)
	if width <= 0 {
		if cut {
			s += Ellipsis
		}
		return s
	}
	if !cut && ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width-1, "") + Ellipsis
}

// plainASCII reports whether s is only printable ASCII (0x20..0x7e).
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// clean strips escape sequences and unsafe runes; it does not truncate.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	marks := 0
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			b.WriteByte(' ')
			marks = 0
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			// other C0, DEL and C1 controls: dropped
		case isBidiControl(r):
			// dropped: they reorder what the reader sees
		case r == utf8.RuneError:
			b.WriteRune(r)
			marks = 0
		case unicode.In(r, unicode.Mn, unicode.Me):
			if marks < maxMarks {
				b.WriteRune(r)
			}
			marks++
		default:
			b.WriteRune(r)
			marks = 0
		}
	}
	return b.String()
}

// isBidiControl reports the explicit directional formatting characters
// (embeddings, overrides, isolates and marks).
func isBidiControl(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e: // LRE RLE PDF LRO RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI RLI FSI PDI
		return true
	case r == 0x200e || r == 0x200f || r == 0x061c: // LRM RLM ALM
		return true
	}
	return false
}
