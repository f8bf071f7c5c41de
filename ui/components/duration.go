package components

import "time"

// Duration formats a span of time for reading, rounded to what a reader
// can use: whole seconds from a second up ("1m0s", "2m30s"), milliseconds
// below ("250ms"), microseconds below a millisecond. A clock read a few
// nanoseconds off ("59.999960761s") reads as the minute it was meant to
// be. Negative durations format as their absolute value with a "-".
func Duration(d time.Duration) string {
	if d < 0 {
		return "-" + Duration(-d)
	}
	switch {
	case d >= time.Second-time.Millisecond/2:
		return d.Round(time.Second).String()
	case d >= time.Millisecond:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// Countdown formats the time left until until, at now, in whole seconds
// rounded up ("1m40s left"); "ending" once it has passed, "-" when until
// is zero.
func Countdown(now, until time.Time) string {
	if until.IsZero() {
		return "-"
	}
	left := until.Sub(now)
	if left <= 0 {
		return "ending"
	}
	return (left + time.Second - 1).Truncate(time.Second).String() + " left"
}

// Quantile formats a latency quantile as a histogram resolves it (as
// scrape.EndpointStats.Resolved gives it): under means the histogram only
// knows the quantile is below d, which reads "<500µs".
func Quantile(d time.Duration, under bool) string {
	if under && d > 0 {
		return "<" + Latency(d)
	}
	return Latency(d)
}
