// Package sanitize is kitbench's one sanitizer: every string that comes
// from a service, a registry or a recorded file (instance names, ids, tags
// and metadata, endpoint names, recorded methods and paths, span
// attributes, error messages, response bodies) goes through it before it
// is printed by the CLI or drawn by the dashboard. The dashboard reaches it
// as ui/sanitize; the CLI and the recorder's reports import it directly.
//
// Remote text is hostile. Whatever it holds, the output:
//
//   - carries no escape sequence: CSI ("\x1b[2J"), OSC (OSC 52 clipboard
//     writes, OSC 8 hyperlinks, window titles), DCS, APC, PM and SOS are
//     removed whole, parameters and all;
//   - carries no other C0 or C1 control character and no DEL: each is shown
//     as U+FFFD (�), so the reader sees that something was there;
//   - carries no invisible formatting character (Unicode category Cf): the
//     bidirectional embeddings, overrides, isolates and marks (U+202A–202E,
//     U+2066–2069, U+200E, U+200F, U+061C), the zero-width space, joiners
//     and word joiner (U+200B–200D, U+2060), the byte-order mark (U+FEFF),
//     tag characters and the rest are shown as U+FFFD, so "pay\u200bpal"
//     cannot pass for "paypal" and U+202E cannot make a row read backwards;
//   - on one line ([Line]), shows each line break (LF, CR, CRLF, VT, FF,
//     NEL, U+2028, U+2029) as "␤" and each tab as a space, so a name cannot
//     start a row of its own in a table; as text ([Text]), keeps line breaks
//     as "\n" and tabs;
//   - is valid UTF-8 (invalid bytes become U+FFFD) with at most a few
//     combining marks on one character.
//
// [JSON] does the same for JSON output without changing what the JSON
// means: it escapes, as \u009b and the like, the characters encoding/json
// writes raw (C1 controls, DEL, the invisible formatting characters).
//
// # Failure behaviour
//
// Nothing here fails: hostile input yields harmless output. [Line] looks
// at no more than [MaxInput] bytes, so a 10 MB tag costs no more than a
// 64 KiB one. [Text] and [JSON] keep their input's length (each escaped or
// replaced character is a few bytes); their callers bound what they print.
//
// # Concurrency
//
// Every function is pure and safe for concurrent use.
package sanitize
