package components

import (
	"math"
	"strings"
)

var bars = [...]rune{'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'}

// Sparkline draws the last width values of series as a line of block
// characters (▁ lowest … █ highest), exactly width cells wide; a shorter
// series is padded with spaces on the left, so the newest value is always
// the rightmost cell. The scale runs from min(0, smallest) to the largest
// value shown; a flat series draws at the bottom (all zero) or top.
// NaN and ±Inf values draw as a space. width <= 0 gives "".
func Sparkline(series []float64, width int) string {
	return SparklineTo(series, width, math.Inf(-1))
}

// SparklineTo is Sparkline on a scale that reaches at least top, so that
// several rows drawn with the same top share one scale (a row's bars are
// comparable with the next row's). A value above top raises the scale as
// in Sparkline; math.Inf(-1) gives Sparkline's own scale.
func SparklineTo(series []float64, width int, top float64) string {
	if width <= 0 {
		return ""
	}
	if len(series) > width {
		series = series[len(series)-width:]
	}
	lo, hi := 0.0, top
	if math.IsNaN(hi) {
		hi = math.Inf(-1)
	}
	for _, v := range series {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	var b strings.Builder
	b.Grow(width * 3)
	for range width - len(series) {
		b.WriteByte(' ')
	}
	for _, v := range series {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			b.WriteByte(' ')
		case hi <= lo:
			b.WriteRune(bars[0])
		default:
			i := int((v - lo) / (hi - lo) * float64(len(bars)-1))
			b.WriteRune(bars[max(0, min(i, len(bars)-1))])
		}
	}
	return b.String()
}
