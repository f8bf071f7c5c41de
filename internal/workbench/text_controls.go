package workbench

import (
	"fmt"
	"io"
	"strings"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
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
				fmt.Fprintf(&b, "%s  %s  %s\n", id, ControlSummary(c), until(c, now))
			}
		case len(r.Changes) == 0:
			fmt.Fprintf(&b, "%s  nothing to do\n", id)
		}
		for _, ch := range r.Changes {
			line := fmt.Sprintf("%s  %s  %s", id, ch.Action, ControlSummary(ch.Control))
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

// ControlSummary is one control in a few words: "fault GetBook: latency
// 200ms, error rate 0.5 (503)", "breaker bookstore.GetBook forced open",
// "limiter bookstore: 5/s burst 2", "drain".
func ControlSummary(c wire.Control) string {
	t := cell(c.Target)
	switch c.Kind {
	case wire.ControlFault:
		if c.Fault == nil {
			return "fault " + t
		}
		return "fault " + t + ": " + FaultSummary(*c.Fault)
	case wire.ControlBreaker:
		if c.Breaker == wire.BreakerReset {
			return "breaker " + t + " reset"
		}
		return "breaker " + t + " forced " + cell(c.Breaker)
	case wire.ControlLimiter:
		if c.Limit == nil {
			return "limiter " + t
		}
		s := fmt.Sprintf("limiter %s: %g/s", t, c.Limit.Rate)
		if c.Limit.Burst > 0 {
			s += fmt.Sprintf(" burst %d", c.Limit.Burst)
		}
		return s
	case wire.ControlDrain:
		return "drain"
	}
	return cell(c.Kind) + " " + t
}

// FaultSummary lists what f injects.
func FaultSummary(f wire.Fault) string {
	var parts []string
	switch lo, hi := time.Duration(f.Latency), time.Duration(f.LatencyMax); {
	case hi > lo:
		parts = append(parts, fmt.Sprintf("latency %s–%s", lo, hi))
	case lo > 0:
		parts = append(parts, "latency "+lo.String())
	}
	if f.ErrorRate > 0 {
		status := f.ErrorStatus
		if status == 0 {
			status = 503
		}
		parts = append(parts, fmt.Sprintf("error rate %g (%d)", f.ErrorRate, status))
	}
	if f.AbortRate > 0 {
		parts = append(parts, fmt.Sprintf("abort rate %g", f.AbortRate))
	}
	if f.StreamAfter > 0 {
		parts = append(parts, fmt.Sprintf("streams after %d messages", f.StreamAfter))
	}
	return strings.Join(parts, ", ")
}
