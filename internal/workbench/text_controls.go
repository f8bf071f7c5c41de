package workbench

import (
	"fmt"
	"io"
	"strings"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
)

// WriteControls prints the results of a ControlOp, one line per change
// or control in force, each instance's error on a line of its own. Remote
// text is sanitized. now dates the countdowns.
func WriteControls(w io.Writer, rs []ControlResult, now time.Time) error {
	var b strings.Builder
	for _, r := range rs {
		id := cell(r.Instance)
		switch {
		case r.Error != "":
			fmt.Fprintf(&b, "%s  error: %s\n", id, cell(r.Error))
		case r.Controls != nil:
			if !r.Controls.Enabled {
				fmt.Fprintf(&b, "%s  controls disabled\n", id)
			} else if len(r.Controls.Controls) == 0 {
				fmt.Fprintf(&b, "%s  no control in force\n", id)
			}
			for _, c := range r.Controls.Controls {
				fmt.Fprintf(&b, "%s  %s  %s\n", id, cell(hub.ControlSummary(c)), until(c, now))
			}
		case len(r.Changes) == 0:
			fmt.Fprintf(&b, "%s  nothing to do\n", id)
		}
		for _, ch := range r.Changes {
			line := fmt.Sprintf("%s  %s  %s", id, ch.Action, cell(hub.ControlSummary(ch.Control)))
			if ch.Action == wire.ControlSet {
				line += "  " + until(ch.Control, now)
			}
			b.WriteString(line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func until(c wire.Control, now time.Time) string {
	left := c.Until.Sub(now).Round(time.Second)
	s := fmt.Sprintf("until %s (%s left)", c.Until.Local().Format(time.TimeOnly), max(left, 0))
	if c.By != "" {
		s += "  by " + cell(c.By)
	}
	return s
}
