// Package sanitize is the dashboard's door to kitbench's one sanitizer,
// internal/sanitize, which the CLI and the recorder's reports use too, so
// a name looks the same in a view, a table and a report. Every string that
// comes from a service (instance tags and metadata, endpoint names, span
// attributes, error messages, response bodies) goes through [Line] (or
// [Text], for text of several lines) before it is rendered.
//
// Line removes every escape sequence (CSI, OSC such as OSC 52 clipboard
// writes and OSC 8 hyperlinks, DCS, APC, ...); shows every other C0 and C1
// control character and every invisible formatting character (bidi
// overrides and isolates, zero-width characters, the byte-order mark) as
// U+FFFD; shows line breaks as "␤" and tabs as spaces; repairs invalid
// UTF-8; caps runs of combining marks; and truncates to a display width
// with an ellipsis, counting wide (CJK, emoji) characters as two cells.
//
// # Failure behaviour
//
// Nothing here fails: hostile input yields harmless, bounded output. Input
// longer than [MaxInput] bytes is cut before Line examines it, so a 10 MB
// tag costs no more than a 64 KB one.
//
// # Concurrency
//
// Line and Text are pure functions, safe for concurrent use.
package sanitize

import "github.com/kitbench/kitbench/internal/sanitize"

// MaxInput is the number of bytes of a string [Line] looks at; the rest is
// dropped (and the result ends with the ellipsis).
const MaxInput = sanitize.MaxInput

// Ellipsis is appended to text that was cut to fit.
const Ellipsis = sanitize.Ellipsis

// Line returns s made safe to render on one line in at most width cells.
// A width <= 0 means no width limit (the text is still cleaned and capped
// at MaxInput bytes). Plain printable ASCII that fits is returned as is,
// without allocating.
func Line(s string, width int) string { return sanitize.Line(s, width) }

// Text returns s made safe to render as several lines: as Line, but line
// breaks are kept as "\n", tabs are kept, and nothing is cut.
func Text(s string) string { return sanitize.Text(s) }
