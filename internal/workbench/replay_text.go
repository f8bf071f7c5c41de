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
// (number, pass or FAIL, the exchange, time) in columns that stay aligned
// whatever is written under a row, each difference indented under its
// row, and a summary line. An error several exchanges share (a target
// that refuses every connection) is written once, under the first of
// them, with how many it stopped. Text from the session and the target
// is sanitized (internal/sanitize): one line each, no escape sequence.
func WriteReplay(w io.Writer, rep *recorder.Report) error {
	type row struct{ n, verdict, name, took string }
	rows := make([]row, len(rep.Results))
	width := [3]int{len("#"), len("RESULT"), len("EXCHANGE")}
	errs := map[string]int{}
	for i := range rep.Results {
		r := &rep.Results[i]
		rows[i] = row{strconv.Itoa(r.Index + 1), "pass", sanitize.Line(r.Name, 0), r.Duration.Round(10 * time.Microsecond).String()}
		if !r.OK() {
			rows[i].verdict = "FAIL"
		}
		for c, s := range []string{rows[i].n, rows[i].verdict, rows[i].name} {
			width[c] = max(width[c], utf8.RuneCountInString(s))
		}
		if r.Err != nil {
			errs[sanitize.Line(r.Err.Error(), 0)]++
		}
	}
	pad := func(s string, c int) string { return s + strings.Repeat(" ", width[c]-utf8.RuneCountInString(s)+2) }
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s%sTIME\n", pad("#", 0), pad("RESULT", 1), pad("EXCHANGE", 2))
	indent := strings.Repeat(" ", width[0]+width[1]+4+4)
	for i, rw := range rows {
		fmt.Fprintf(&b, "%s%s%s%s\n", pad(rw.n, 0), pad(rw.verdict, 1), pad(rw.name, 2), rw.took)
		r := &rep.Results[i]
		if r.Err != nil {
			msg := sanitize.Line(r.Err.Error(), 0)
			switch n := errs[msg]; {
			case n > 1:
				fmt.Fprintf(&b, "%s%s (the same for %d exchanges)\n", indent, msg, n)
			case n == 1:
				fmt.Fprintf(&b, "%s%s\n", indent, msg)
			}
			errs[msg] = 0 // said once
		}
		for _, d := range r.Diffs {
			fmt.Fprintf(&b, "%s%s\n", indent, sanitize.Line(d.String(), 0))
		}
	}
	fmt.Fprintf(&b, "%d exchanges: %d passed, %d failed\n", len(rep.Results), rep.Passed, rep.Failed)
	_, err := io.WriteString(w, b.String())
	return err
}
