package sanitize

import (
	"fmt"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON returns the JSON text b with every character a terminal could act
// on, or that hides or reorders text, written as a \u escape: C0 controls
// other than tab, LF and CR (which valid JSON holds only as whitespace),
// DEL, C1 controls (U+0080–U+009F), U+2028, U+2029 and the invisible
// formatting characters (bidi controls, zero-width characters, U+FEFF).
// encoding/json writes most of these raw. Invalid UTF-8 becomes \ufffd.
//
// Non-ASCII characters occur in valid JSON only inside strings, so the
// result means exactly what b means. b is returned as is, without
// allocating, when nothing needs escaping.
func JSON(b []byte) []byte {
	i := 0
	for i < len(b) {
		c := b[i]
		if c >= 0x20 && c < 0x7f || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if c >= utf8.RuneSelf && !(r == utf8.RuneError && n <= 1) && !jsonEscape(r) {
			i += n
			continue
		}
		break
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			out = append(out, `\ufffd`...)
		case jsonEscape(r) && r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		case jsonEscape(r) && r != '\t' && r != '\n' && r != '\r':
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// jsonEscape reports the runes JSON writes as \u escapes.
func jsonEscape(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r)
}
