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

// Newline is what [Line] shows in place of a line break.
const Newline = "␤"

// Hidden is what replaces a control or invisible formatting character.
const Hidden = '\uFFFD'

// maxMarks is how many combining marks may follow one base character.
const maxMarks = 4

// Line returns s made safe to show on one line in at most width cells,
// counting wide (CJK, emoji) characters as two. A width <= 0 means no
// width limit (the text is still cleaned and capped at MaxInput bytes).
// Text cut to fit ends with [Ellipsis]. Plain printable ASCII that fits is
// returned as is, without allocating.
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
	s = clean(s, false)
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

// Text returns s made safe to show as text of several lines (a response
// body, a schema, a stack): as [Line] does, but line breaks are kept (each
// as "\n") and so are tabs, and nothing is cut.
func Text(s string) string {
	if plainText(s) {
		return s
	}
	return clean(s, true)
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

// plainText reports whether s is printable ASCII, tabs and LF only.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t' && c != '\n') || c > 0x7e {
			return false
		}
	}
	return true
}

// clean strips escape sequences and shows unsafe runes harmlessly; it does
// not truncate. multiline keeps line breaks and tabs.
func clean(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, string(Hidden))
	}
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	marks := 0
	prevCR := false
	for _, r := range s {
		cr := prevCR
		prevCR = false
		switch {
		case r == '\n' && cr:
			// the LF of a CRLF: the CR already broke the line
		case r == '\r' || isLineBreak(r):
			prevCR = r == '\r'
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteString(Newline)
			}
			marks = 0
		case r == '\t':
			if multiline {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
			marks = 0
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || unicode.Is(unicode.Cf, r):
			// other C0, DEL, C1 and invisible formatting: shown, not obeyed
			b.WriteRune(Hidden)
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

// isLineBreak reports the characters other than CR that end a line.
func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\v', '\f', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}
