package introspect

import (
	"context"
	"errors"
	"slices"
)

// What controls act on: the fault injectors, breakers, limiters and drainer
// a service registers, and how the Registry finds them by name.

// ErrNoTarget is wrapped by the error for a control whose target (an
// endpoint, breaker or limiter) the instance does not have; the handler
// answers it with 404.
var ErrNoTarget = errors.New("introspect: no such control target")

// FaultTarget is implemented by kit/fault's Injector: the endpoints it
// wraps, and the faults injected into them.
type FaultTarget interface {
	// FaultEndpoints returns the names of the endpoints it wraps.
	FaultEndpoints() []string
	// SetFault injects f into endpoint's calls until ClearFault; an
	// endpoint it does not wrap is an error wrapping ErrNoTarget.
	SetFault(endpoint string, f Fault) error
	// ClearFault stops injecting faults into endpoint.
	ClearFault(endpoint string)
}

// BreakerController is implemented by kit/circuitbreaker's Breaker: a
// breaker a breaker control can steer.
type BreakerController interface {
	BreakerSource
	// ForceState holds the breaker in state (StateOpen or StateClosed)
	// until Unforce or Reset.
	ForceState(state string) error
	// Unforce ends a forced state; the breaker resumes its own policy.
	Unforce()
	// Reset returns the breaker to closed with empty counts, ending a
	// forced state.
	Reset()
}

// LimiterController is implemented by kit/ratelimit's Limiter: a limiter
// whose rate and burst a limiter control can override.
type LimiterController interface {
	LimiterSource
	// OverrideLimit replaces the rate and burst (zero burst keeps it)
	// until RestoreLimit.
	OverrideLimit(rate float64, burst int) error
	// RestoreLimit returns to the configured rate and burst.
	RestoreLimit()
}

// Drainer takes an instance out of discovery and puts it back, while it
// goes on serving: kit/instance's Instance is one.
type Drainer interface {
	// Drain deregisters the instance; calls in flight, and those that
	// still arrive, are served.
	Drain(ctx context.Context) error
	// Undrain registers it again.
	Undrain(ctx context.Context) error
}

// RegistrarDrainer makes a registrar (an sd.Registrar: kit/sd/consul's
// Registrar, say) a Drainer: Drain deregisters, Undrain registers again.
func RegistrarDrainer(r interface {
	Register(ctx context.Context) error
	Deregister(ctx context.Context) error
}) Drainer {
	return registrarDrainer{r}
}

type registrarDrainer struct {
	r interface {
		Register(ctx context.Context) error
		Deregister(ctx context.Context) error
	}
}

func (d registrarDrainer) Drain(ctx context.Context) error   { return d.r.Deregister(ctx) }
func (d registrarDrainer) Undrain(ctx context.Context) error { return d.r.Register(ctx) }

// AddFaults registers a fault injector, whose endpoints fault controls
// can then target.
func (r *Registry) AddFaults(f FaultTarget) {
	r.mu.Lock()
	r.targets.faults = append(r.targets.faults, f)
	r.mu.Unlock()
}

// SetDrainer sets what a drain control drains (at most one; nil removes
// it). Without one, a drain is refused with 404.
func (r *Registry) SetDrainer(d Drainer) {
	r.mu.Lock()
	r.targets.drain = d
	r.mu.Unlock()
}

// controlTargets are what the Registry's controls act on, besides its
// breakers and limiters.
type controlTargets struct {
	faults []FaultTarget
	drain  Drainer
}

func (r *Registry) faultTarget(endpoint string) FaultTarget {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, t := range r.targets.faults {
		if slices.Contains(t.FaultEndpoints(), endpoint) {
			return t
		}
	}
	return nil
}

func (r *Registry) breakerController(name string) BreakerController {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, b := range r.breakers {
		if bc, ok := b.(BreakerController); ok && b.BreakerInfo().Name == name {
			return bc
		}
	}
	return nil
}

func (r *Registry) limiterController(name string) LimiterController {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, l := range r.limiters {
		if lc, ok := l.(LimiterController); ok && l.LimiterInfo().Name == name {
			return lc
		}
	}
	return nil
}

func (r *Registry) drainer() Drainer {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.targets.drain
}

// controlTargetsList fills what list can be controlled into l.
func (r *Registry) controlTargetsList(l *ControlList) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	l.FaultEndpoints, l.Breakers, l.Limiters = []string{}, []string{}, []string{}
	for _, t := range r.targets.faults {
		l.FaultEndpoints = append(l.FaultEndpoints, t.FaultEndpoints()...)
	}
	for _, b := range r.breakers {
		if _, ok := b.(BreakerController); ok {
			l.Breakers = append(l.Breakers, b.BreakerInfo().Name)
		}
	}
	for _, x := range r.limiters {
		if _, ok := x.(LimiterController); ok {
			l.Limiters = append(l.Limiters, x.LimiterInfo().Name)
		}
	}
	slices.Sort(l.FaultEndpoints)
	slices.Sort(l.Breakers)
	slices.Sort(l.Limiters)
	l.Drain = r.targets.drain != nil
}
