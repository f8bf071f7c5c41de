package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kitbench/kitbench/kit/sd/lb"
)

// Phase is what the misbehaving instance does at a moment: the fault
// script (script.go) sets each phase's faults on it through its fault
// controls when the phase starts.
type Phase int

// The phases of the schedule, in the order they come.
const (
	Healthy Phase = iota
	Slow
	Failing
	Recovering
)

func (p Phase) String() string {
	return [...]string{"healthy", "slow", "failing", "recovering"}[p]
}

// SlowDelay is how long the misbehaving instance's reads take while slow:
// the latency of the slow phase's fault controls.
const SlowDelay = 300 * time.Millisecond

// How the demo's gateway ejects an instance. It judges each instance by
// two rules (kit/sd/lb's Outlier): EjectRatio, a share of failed calls of
// at least 20 % over the last EjectWindow once EjectMinRequests calls have
// been made there, and EjectAfter failures in a row.
//
// The ratio is the rule that ejects an instance when a single method
// fails — `kitbench fault set bookstore/bookstore-2 GetBook --error-rate 1`
// — whose failures the other methods' successes keep interrupting:
// GetBook is about 35 % of an instance's calls, and under the traffic's
// mix the gateway ejects it in about 17 s (95 % within 23 s, in a seeded
// simulation). 404s are client errors, not failures: healthy instances
// never come near the ratio.
//
// Each Book method of an instance has its own breaker that opens after 5
// failures in a row. When the scripted misbehaving instance starts
// failing every call, the rules leave time for its GetBook and ListBooks
// breakers to open before the gateway ejects it, in 96.8 % of 2000
// simulated cycles (TestBreakersOpenBeforeTheEjection), so every cycle
// but a few shows both: the instance's own breakers open, then the
// gateway ejects it. The two aims pull apart — an earlier ejection of a
// single failing method means an earlier one of a failing instance too
// (both grow with EjectRatio × EjectWindow) — and these values are the
// balance: a 30 s window ejects the single method in about 14 s, but
// leaves the breakers open first in only 90 % of cycles.
//
// An ejection lasts EjectFor; the instance then serves through recovery
// and the next healthy phase, longer than EjectReset, so the next cycle's
// ejection is again the first and the demo does not settle into the
// instance being out for good.
const (
	EjectRatio       = 0.2
	EjectMinRequests = 20
	EjectWindow      = 35 * time.Second
	EjectAfter       = 40
	EjectFor         = 30 * time.Second
	EjectReset       = 10 * time.Second
)

// outlierConfig is the gateway's ejection policy in the demo.
func outlierConfig() lb.OutlierConfig {
	return lb.OutlierConfig{
		Consecutive: EjectAfter, FailureRatio: EjectRatio, MinRequests: EjectMinRequests, Window: EjectWindow,
		BaseEjection: EjectFor, MaxEjection: 2 * EjectFor, ResetAfter: EjectReset,
	}
}

// Schedule is the misbehaving instance's cycle: each phase lasts its
// duration, then the cycle starts again. The demo's fault script follows
// it. The zero value is always healthy.
type Schedule struct {
	Start     time.Time
	Durations [4]time.Duration // per Phase
}

// NewSchedule draws phase lengths from seed: healthy 10–14 s, slow 5–7 s,
// failing 10–13 s, recovering 15–20 s, so a breaker opens about 20 s in
// and closes again within a minute of the start.
func NewSchedule(start time.Time, seed int64) Schedule {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(seed)>>32^0x6b6974))
	between := func(lo, hi int) time.Duration { return time.Duration(lo+r.IntN(hi-lo+1)) * time.Second }
	return Schedule{Start: start, Durations: [4]time.Duration{
		between(10, 14), between(5, 7), between(10, 13), between(15, 20),
	}}
}

// At returns the phase at t, and when it ends.
func (s Schedule) At(t time.Time) (Phase, time.Time) {
	var cycle time.Duration
	for _, d := range s.Durations {
		cycle += d
	}
	if cycle <= 0 || t.Before(s.Start) {
		return Healthy, t.Add(time.Hour)
	}
	into := t.Sub(s.Start) % cycle
	cycleStart := t.Add(-into)
	var end time.Duration
	for p, d := range s.Durations {
		end += d
		if into < end {
			return Phase(p), cycleStart.Add(end)
		}
	}
	return Healthy, cycleStart.Add(cycle)
}

// String describes the schedule, for the demo's start-up message.
func (s Schedule) String() string {
	d := s.Durations
	return fmt.Sprintf("healthy %v, slow %v, failing %v, recovering %v, repeating", d[0], d[1], d[2], d[3])
}
