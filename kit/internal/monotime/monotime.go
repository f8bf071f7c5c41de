// Package monotime measures durations from the monotonic clock alone.
//
// time.Now reads both the wall clock and the monotonic clock; a middleware
// that only needs how long a call took pays for the wall clock twice. Now
// reads the monotonic clock only (time.Since on a time that carries a
// monotonic reading), which costs about half of time.Now, and a duration is
// the difference of two readings. Under testing/synctest both clocks are the
// bubble's, so durations stay consistent there too.
package monotime

import "time"

// epoch is the reference every reading is taken against; it carries a
// monotonic reading, so Since on it never looks at the wall clock.
var epoch = time.Now()

// Now returns the monotonic time elapsed since the process started (more
// exactly, since this package was initialised). Only differences of two
// readings mean anything.
func Now() time.Duration { return time.Since(epoch) }

// Of returns the reading that t, a time from time.Now, corresponds to, so
// that a caller that needs a wall-clock time at the end of a call can take
// its duration from the same clock read.
func Of(t time.Time) time.Duration { return t.Sub(epoch) }

// Time returns the current time for code that only compares times and
// takes their differences (a token bucket, a deadline check): its
// monotonic reading is now, and its wall clock is this package's start plus
// the monotonic time elapsed since, so it strays from time.Now's wall clock
// by however much the system clock has been set since. Differences with
// times from time.Now use the monotonic readings and are exact; under
// testing/synctest, where times carry no monotonic reading, its wall clock
// is the bubble's. It costs about two thirds of time.Now (33 ns against
// 47 ns on the machine of docs/performance.md).
func Time() time.Time { return epoch.Add(Now()) }
