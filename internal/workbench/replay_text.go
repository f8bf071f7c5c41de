package workbench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/recorder"
)

// WriteReplay writes `kitbench replay`'s table: one row per exchange
// (number, verdict, the exchange, time) in columns that stay aligned
// whatever is written under a row, what explains a row indented under it,
// and a summary line. The verdict is pass, FAIL, REFUSED (an exchange
// that may change data, not sent: the reason is written under it), skip
// (not sent: --only-safe, or a refused session's safe exchanges) or
// dry-run (with the body it would send). An error or a reason several
// exchanges share (a target that refuses every connection) is written
// once, under the first of them, with how many it stopped. Text from the
// session and the target is sanitized (internal/sanitize): one line
// each, no escape sequence.
func WriteReplay(w io.Writer, rep *recorder.Report) error { return writeReplay(w, rep, false) }

// WriteReplayVerbose is WriteReplay with, under each row, the trace id
// the replayed request carried beside the recorded one, and for a dry run
// the headers that would be sent (redacted as recordings are).
func WriteReplayVerbose(w io.Writer, rep *recorder.Report) error { return writeReplay(w, rep, true) }

func writeReplay(w io.Writer, rep *recorder.Report, verbose bool) error {
	type row struct{ n, verdict, name, took string }
	rows := make([]row, len(rep.Results))
	width := [3]int{len("#"), len("RESULT"), len("EXCHANGE")}
	said := map[string]int{} // how many rows share each note
	for i := range rep.Results {
		r := &rep.Results[i]
		rows[i] = row{strconv.Itoa(r.Index + 1), verdict(r), sanitize.Line(r.Name, 0), r.Duration.Round(10 * time.Microsecond).String()}
		if r.Duration == 0 {
			rows[i].took = "-"
		}
		for c, s := range []string{rows[i].n, rows[i].verdict, rows[i].name} {
			width[c] = max(width[c], utf8.RuneCountInString(s))
		}
		if n := note(r); n != "" {
			said[n]++
		}
	}
	pad := func(s string, c int) string { return s + strings.Repeat(" ", width[c]-utf8.RuneCountInString(s)+2) }
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s%sTIME\n", pad("#", 0), pad("RESULT", 1), pad("EXCHANGE", 2))
	indent := strings.Repeat(" ", width[0]+width[1]+4+4)
	for i, rw := range rows {
		fmt.Fprintf(&b, "%s%s%s%s\n", pad(rw.n, 0), pad(rw.verdict, 1), pad(rw.name, 2), rw.took)
		r := &rep.Results[i]
		if msg := note(r); msg != "" {
			switch n := said[msg]; {
			case n > 1:
				fmt.Fprintf(&b, "%s%s (the same for %d exchanges)\n", indent, msg, n)
			case n == 1:
				fmt.Fprintf(&b, "%s%s\n", indent, msg)
			}
			said[msg] = 0 // said once
		}
		for _, d := range r.Diffs {
			fmt.Fprintf(&b, "%s%s\n", indent, sanitize.Line(d.String(), 0))
		}
		if r.Sent != nil {
			sent(&b, indent, r.Sent, verbose)
		}
		if verbose && (r.TraceID != "" || r.RecordedTraceID != "") {
			fmt.Fprintf(&b, "%strace %s (recorded %s)\n", indent, orDash(sanitize.Line(r.TraceID, 0)), orDash(sanitize.Line(r.RecordedTraceID, 0)))
		}
	}
	fmt.Fprintf(&b, "%d exchanges: %d passed, %d failed", len(rep.Results), rep.Passed, rep.Failed)
	if rep.Skipped > 0 {
		fmt.Fprintf(&b, ", %d not sent", rep.Skipped)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// verdict is a result's RESULT cell.
func verdict(r *recorder.Result) string {
	switch {
	case refused(r):
		return "REFUSED"
	case r.Skipped == dryRun:
		return "dry-run"
	case r.Skipped != "":
		return "skip"
	case !r.OK():
		return "FAIL"
	}
	return "pass"
}

// dryRun is recorder's Result.Skipped on a dry run.
const dryRun = "dry run"

// note is what is written once under a row: why it was refused or
// skipped, or the error that left it without a response.
func note(r *recorder.Result) string {
	switch {
	case refused(r):
		return "may change data: " + sanitize.Line(r.Safety.Why, 0) + "; not sent"
	case r.Skipped != "" && r.Skipped != dryRun:
		return sanitize.Line(r.Skipped, 0)
	case r.Err != nil:
		return sanitize.Line(r.Err.Error(), 0)
	}
	return ""
}

// sent writes what a dry run would send: the body, and with verbose the
// headers, redacted.
func sent(b *strings.Builder, indent string, req *recorder.Request, verbose bool) {
	if verbose {
		h := recorder.DefaultPolicy().Headers(req.Headers)
		var lines strings.Builder
		headers(&lines, "> ", h)
		for l := range strings.Lines(lines.String()) {
			b.WriteString(indent + strings.TrimSuffix(l, "\n") + "\n")
		}
	}
	if req.Body == nil {
		return
	}
	if len(req.Body.JSON) > 0 {
		fmt.Fprintf(b, "%swould send %s\n", indent, sanitize.Line(string(recorder.DefaultPolicy().JSON(req.Body.JSON)), 0))
	} else {
		fmt.Fprintf(b, "%swould send %d bytes (not JSON)\n", indent, max(int64(len(req.Body.Bytes)), req.Body.Size))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
