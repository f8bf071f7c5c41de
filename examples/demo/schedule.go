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

// How the demo's gateway ejects the misbehaving instance. Each Book method
// has its own breaker that opens after 5 failures in a row; the gateway
// ejects an instance only after EjectAfter failures in a row, by which
// time the traffic's mix has sent each read method at least 5 of them
// (in more than 95 % of failing phases), so every cycle shows both: the
// instance's own breakers open, then the gateway ejects it. An ejection
// lasts EjectFor; the instance then serves through recovery and the next
// healthy phase, longer than EjectReset, so the next cycle's ejection is
// again the first and the demo does not settle into the instance being
// out for good.
const (
	EjectAfter = 25
	EjectFor   = 30 * time.Second
	EjectReset = 10 * time.Second
)

// outlierConfig is the gateway's ejection policy in the demo.
func outlierConfig() lb.OutlierConfig {
	return lb.OutlierConfig{Consecutive: EjectAfter, BaseEjection: EjectFor, MaxEjection: 2 * EjectFor, ResetAfter: EjectReset}
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
