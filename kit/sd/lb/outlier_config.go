package lb

import (
	"context"
	"time"
)

// Reasons an Outlier ejects an instance for (Ejection.Reason).
const (
	// ReasonConsecutive: OutlierConfig.Consecutive failures in a row.
	ReasonConsecutive = "consecutive"
	// ReasonFailureRatio: a share of failures of at least
	// OutlierConfig.FailureRatio over its Window.
	ReasonFailureRatio = "failure_ratio"
)

// OutlierConfig configures outlier ejection. The zero value gives Envoy's
// defaults: 5 consecutive failures eject an instance for 30 s times the
// number of times it has been ejected, capped at 300 s, and at most 10 % of
// the instances (at least one) are ejected at once. An instance that then
// serves well for 300 s starts again from 30 s. FailureRatio adds Envoy's
// failure-percentage rule beside it; it is off by default.
type OutlierConfig struct {
	// Consecutive is how many failures in a row (sd.Stats.Failures) eject an
	// instance; zero means 5.
	Consecutive int
	// FailureRatio, if above zero, also ejects an instance whose share of
	// failed calls over the last Window reaches it, once at least
	// MinRequests calls to it have ended in that window (Envoy's
	// failure_percentage_threshold and request_volume). It is the rule for
	// an instance that fails often but not always — one method of several
	// failing — whose successes keep resetting the Consecutive run. What
	// counts is what sd.Stats counts: failures are transport.Failure
	// outcomes, client errors are successes, and the caller's own
	// cancellations and deadlines are neither failures nor calls. Zero (or
	// less, or NaN) means off; above 1 means 1, every call failed.
	FailureRatio float64
	// MinRequests is the fewest calls in the window for FailureRatio to
	// judge an instance, so that a few unlucky calls to a quiet instance do
	// not eject it; zero (or less) means 20.
	MinRequests int
	// Window is how far back FailureRatio looks; zero means 10 s, and less
	// than a second means a second. The window moves in steps of a quarter
	// of its length: the calls judged are those of the last Window at
	// most, never older, and, while calls keep coming, of the last three
	// quarters of it at least. Calls made before an instance's last
	// ejection never count towards its next.
	Window time.Duration
	// BaseEjection is the first ejection's length; the k-th lasts k times
	// as long. Zero means 30 s.
	BaseEjection time.Duration
	// MaxEjection caps an ejection's length: however often an instance is
	// ejected, it is out for at most this long at a time. Zero means 300 s.
	MaxEjection time.Duration
	// ResetAfter is how long an instance must stay in service after its
	// last ejection ended, succeeding at least once, for its next
	// ejection to count as its first again (BaseEjection long). Zero means
	// MaxEjection. A fleet whose instances misbehave in short, repeated
	// episodes sets it below the healthy stretch between episodes, so the
	// back-off does not grow without end.
	ResetAfter time.Duration
	// MaxPercent is the largest share of instances ejected at once; zero
	// means 10. One instance may always be ejected.
	MaxPercent int
	// Now tells the time; nil means time.Now.
	Now func() time.Time
	// Notify, if not nil, receives each ejection. Sends never block: an
	// ejection that finds the channel full is dropped (Ejected still shows
	// it).
	Notify chan<- Ejection
	// OnEject, if not nil, is called after each ejection with the context
	// of the call whose pick ejected the instance (context.Background()
	// for Pick). It runs on that caller's goroutine, outside the Outlier's
	// lock, so it must be quick: count, publish, log. Nil means no call.
	OnEject func(ctx context.Context, e Ejection)
}

// Ejection describes one ejected instance and why it was ejected.
type Ejection struct {
	ID      string
	Address string
	Until   time.Time // when the instance returns to service
	Count   int       // times it has been ejected, this one included
	// Reason is the rule that ejected it: ReasonConsecutive or
	// ReasonFailureRatio.
	Reason string
	// Failures and Requests are the calls the rule judged: for
	// ReasonConsecutive the run of failures in a row (sd.Stats.Failures at
	// the ejection, Consecutive or more), every one of them failed, so
	// Requests equals Failures; for ReasonFailureRatio the calls that ended
	// in the window (at least MinRequests) and the failures among them.
	Failures, Requests int
}

// Ratio is the share of the judged calls that failed: Failures/Requests,
// 1 for a consecutive ejection, 0 when Requests is zero.
func (e Ejection) Ratio() float64 {
	if e.Requests <= 0 {
		return 0
	}
	return float64(e.Failures) / float64(e.Requests)
}
