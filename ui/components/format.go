package components

import (
	"math"
	"strconv"
	"time"
)

// Rate formats a per-second rate compactly: "0", "0.4/s", "12/s", "3.2k/s".
// NaN, infinities and negative rates give "-".
func Rate(perSecond float64) string {
	switch {
	case math.IsNaN(perSecond) || math.IsInf(perSecond, 0) || perSecond < 0:
		return "-"
	case perSecond == 0:
		return "0"
	}
	return compact(perSecond) + "/s"
}

// Count formats a counter compactly: "7", "1234", "12.3k", "4.5M".
func Count(n uint64) string {
	if n < 10_000 {
		return strconv.FormatUint(n, 10)
	}
	return compact(float64(n))
}

// compact writes v with at most one decimal and a k/M/G suffix.
func compact(v float64) string {
	suffix := ""
	for _, s := range []string{"k", "M", "G"} {
		if v < 1000 {
			break
		}
		v, suffix = v/1000, s
	}
	if v < 10 && v != math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 1, 64) + suffix
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + suffix
}

// Percent formats a ratio (0..1) as a percentage: "0%", "2.5%", "60%",
// "100%". NaN and negative ratios give "-".
func Percent(ratio float64) string {
	if math.IsNaN(ratio) || ratio < 0 || math.IsInf(ratio, 0) {
		return "-"
	}
	p := ratio * 100
	if p > 0 && p < 10 {
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(math.Round(p), 'f', 0, 64) + "%"
}

// Latency formats a duration for a latency column with two or three
// significant digits: "850µs", "12ms", "1.25s"; zero gives "-".
func Latency(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return strconv.FormatInt(d.Microseconds(), 10) + "µs"
	case d < 10*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
}

// Age formats how long ago something happened, in its largest whole unit:
// "0s", "45s", "12m", "3h", "2d". A zero since or now gives "-".
func Age(now, since time.Time) string {
	if now.IsZero() || since.IsZero() {
		return "-"
	}
	d := max(0, now.Sub(since))
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

// History is a bounded series of samples for a Sparkline: Add appends,
// dropping the oldest once Cap samples are held. The zero value holds
// nothing; build one with NewHistory.
type History struct {
	buf  []float64
	next int
	full bool
}

// NewHistory returns an empty history of at most n samples (n < 1 means 1).
func NewHistory(n int) History { return History{buf: make([]float64, max(1, n))} }

// Add appends v, dropping the oldest sample when full.
func (h *History) Add(v float64) {
	if len(h.buf) == 0 {
		return
	}
	h.buf[h.next] = v
	h.next++
	if h.next == len(h.buf) {
		h.next, h.full = 0, true
	}
}

// Len is the number of samples held.
func (h *History) Len() int {
	if h.full {
		return len(h.buf)
	}
	return h.next
}

// Values appends the samples, oldest first, to dst and returns it.
func (h *History) Values(dst []float64) []float64 {
	if h.full {
		dst = append(dst, h.buf[h.next:]...)
	}
	return append(dst, h.buf[:h.next]...)
}
