package traces

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/ui/styles"
)

// Span event names recorded by kit's resilience middlewares (the values of
// kit/tracing's EventBreaker, EventLimiter, EventRetry, EventInstance and
// kit/sd/lb's EventEject; a test keeps them equal). They are protocol
// words: any service that records them gets the same treatment.
const (
	eventBreaker  = "circuitbreaker"
	eventLimiter  = "ratelimit"
	eventRetry    = "retry"
	eventInstance = "lb.instance"
	eventEject    = "lb.eject"
)

// Duration formats d compactly for a cell: 850µs, 12.3ms, 1.25s, 2m03s.
func Duration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < 0:
		return "-" + Duration(-d)
	case d < time.Microsecond:
		return strconv.FormatInt(int64(d), 10) + "ns"
	case d < time.Millisecond:
		return strconv.FormatInt(int64(d/time.Microsecond), 10) + "µs"
	case d < 100*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	case d < time.Second:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	}
	d = d.Round(time.Second)
	return strconv.Itoa(int(d/time.Minute)) + "m" + pad2(int(d%time.Minute/time.Second)) + "s"
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// ShortID is the first 8 characters of a trace or span id.
func ShortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Event describes one span event for people: a resilience event in its own
// words with the tone of its outcome, any other event as its name and
// attributes. resilience reports whether it is one of kit's.
func Event(e wire.SpanEvent) (text string, tone styles.Tone, resilience bool) {
	a := e.Attributes
	switch e.Name {
	case eventBreaker:
		state := a["circuitbreaker.state"]
		text = join("breaker", a["circuitbreaker.name"], state)
		tone = styles.BreakerTone(state)
		if a["circuitbreaker.rejected"] == "true" {
			text += " · rejected the call"
			tone = styles.ToneBad
		}
		return text, tone, true
	case eventLimiter:
		d := a["ratelimit.decision"]
		text = join("limiter", a["ratelimit.name"], d)
		tone = styles.ToneWarn
		switch d {
		case "deny":
			tone = styles.ToneBad
			if ra := a["ratelimit.retry_after"]; ra != "" {
				text += " · retry after " + ra
			}
		case "wait":
			if w := a["ratelimit.wait"]; w != "" {
				text += " " + w
			}
		}
		return text, tone, true
	case eventRetry:
		return join("retry", "attempt", a["retry.attempt"]), styles.ToneWarn, true
	case eventInstance:
		text = join("instance", a["instance.id"], paren(a["instance.address"]))
		if n := a["retry.attempt"]; n != "" && n != "0" {
			text += " · attempt " + n
		}
		return text, styles.ToneInfo, true
	case eventEject:
		text = join("ejected", a["instance.id"], paren(a["instance.address"]))
		if n := a["ejection.count"]; n != "" {
			text += " ×" + n
		}
		if u := a["ejection.until"]; u != "" {
			text += " until " + u
		}
		return text, styles.ToneBad, true
	}
	var b strings.Builder
	b.WriteString(e.Name)
	for _, k := range slices.Sorted(maps.Keys(a)) {
		b.WriteString(" " + k + "=" + a[k])
	}
	return b.String(), styles.ToneNormal, false
}

func join(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}
