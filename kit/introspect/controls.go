package introspect

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// ControlPolicy is how a Handler serves control writes; see WithControls.
type ControlPolicy struct {
	// AllowNonLoopback admits writes that arrive on a connection to a
	// non-loopback address (an admin listener on 0.0.0.0, reached from
	// another machine). False, the default, refuses them with 403: a
	// control can slow or break the service, and a bearer token
	// (WithBearerToken) is the least a reachable listener needs.
	AllowNonLoopback bool
	// DefaultTTL is a control's TTL when a request gives none; zero means
	// DefaultControlTTL. It is lowered to MaxTTL if above it.
	DefaultTTL time.Duration
	// MaxTTL is the longest TTL accepted; zero, or more than
	// MaxControlTTL, means MaxControlTTL.
	MaxTTL time.Duration
}

// WithControls enables control writes on the handler (they are refused
// with 403 without it): faults, forced breakers, limiter overrides and
// drains, each reverting by itself when its TTL passes. The bearer token,
// when set, is required as for every request.
func WithControls(p ControlPolicy) HandlerOption {
	if p.MaxTTL <= 0 || p.MaxTTL > MaxControlTTL {
		p.MaxTTL = MaxControlTTL
	}
	if p.DefaultTTL <= 0 {
		p.DefaultTTL = DefaultControlTTL
	}
	p.DefaultTTL = min(p.DefaultTTL, p.MaxTTL)
	return func(h *Handler) { h.ctl = &controller{pol: p, active: map[string]*activeControl{}} }
}

// controller holds a Handler's controls in force and their timers.
type controller struct {
	pol ControlPolicy

	write  sync.Mutex // serializes changes: set, clear, expire, close
	mu     sync.Mutex // guards active and closed, for readers too
	active map[string]*activeControl
	closed bool
}

// activeControl is one control in force.
type activeControl struct {
	c     Control
	timer *time.Timer
	undo  func(context.Context)
}

// undoTimeout bounds an undo that does I/O (an undrain registers again).
const undoTimeout = 10 * time.Second

func controlKey(kind, target string) string { return kind + "/" + target }

// list returns the controls in force, sorted by kind and target.
func (c *controller) list() []Control {
	c.mu.Lock()
	out := make([]Control, 0, len(c.active))
	for _, a := range c.active {
		out = append(out, a.c)
	}
	c.mu.Unlock()
	slices.SortFunc(out, func(a, b Control) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Target, b.Target))
	})
	return out
}

// set applies a control to reg and arms its expiry; reset, for a
// breaker, is applied at once and holds nothing.
func (c *controller) set(ctx context.Context, reg *Registry, ctl Control, ttl time.Duration) (ControlChange, error) {
	c.write.Lock()
	defer c.write.Unlock()
	if c.isClosed() {
		return ControlChange{}, ErrClosed
	}
	key := controlKey(ctl.Kind, ctl.Target)
	c.mu.Lock()
	prev := c.active[key]
	c.mu.Unlock()
	undo, err := apply(ctx, reg, ctl, prev != nil)
	if err != nil {
		return ControlChange{}, err
	}
	change := ControlChange{Action: ControlSet, Time: ctl.SetAt, Control: ctl, By: ctl.By, From: ctl.From}
	if prev != nil {
		prev.timer.Stop()
		if undo == nil { // the control kept in force (a drain) keeps its undo
			undo = prev.undo
		}
	}
	if ctl.Kind == ControlBreaker && ctl.Breaker == BreakerReset {
		change.Action = ControlReset
		c.mu.Lock()
		delete(c.active, key)
		c.mu.Unlock()
		reg.Publish(Event{Type: EventControl, Control: &change})
		return change, nil
	}
	a := &activeControl{c: ctl, undo: undo}
	c.mu.Lock()
	c.active[key] = a
	a.timer = time.AfterFunc(ttl, func() { c.expire(reg, key, a) })
	c.mu.Unlock()
	reg.Publish(Event{Type: EventControl, Control: &change})
	return change, nil
}

// clear reverts the control under key, if one is in force.
func (c *controller) clear(reg *Registry, key, by, from string) (ControlChange, bool) {
	c.write.Lock()
	defer c.write.Unlock()
	return c.remove(reg, key, nil, ControlCleared, by, from)
}

// clearAll reverts every control in force.
func (c *controller) clearAll(reg *Registry, by, from string) []ControlChange {
	c.write.Lock()
	defer c.write.Unlock()
	changes := []ControlChange{}
	for _, ctl := range c.list() {
		if ch, ok := c.remove(reg, controlKey(ctl.Kind, ctl.Target), nil, ControlCleared, by, from); ok {
			changes = append(changes, ch)
		}
	}
	return changes
}

// expire is the timer of control a: it reverts a if a is still in force.
func (c *controller) expire(reg *Registry, key string, a *activeControl) {
	c.write.Lock()
	defer c.write.Unlock()
	c.remove(reg, key, a, ControlExpired, "", "")
}

// remove reverts the control under key (only if it is want, when want is
// set) and publishes the change. c.write is held.
func (c *controller) remove(reg *Registry, key string, want *activeControl, action, by, from string) (ControlChange, bool) {
	c.mu.Lock()
	a := c.active[key]
	if a == nil || (want != nil && a != want) || c.closed {
		c.mu.Unlock()
		return ControlChange{}, false
	}
	delete(c.active, key)
	c.mu.Unlock()
	a.timer.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), undoTimeout)
	a.undo(ctx)
	cancel()
	change := ControlChange{Action: action, Time: time.Now(), Control: a.c, By: by, From: from}
	reg.Publish(Event{Type: EventControl, Control: &change})
	return change, true
}

func (c *controller) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// close stops every timer and reverts every control in force but a
// drain: an instance whose admin handler closes is leaving its registry
// anyway, and must not register again on its way out.
func (c *controller) close() {
	c.write.Lock()
	defer c.write.Unlock()
	c.mu.Lock()
	active := c.active
	c.active, c.closed = map[string]*activeControl{}, true
	c.mu.Unlock()
	for _, a := range active {
		a.timer.Stop()
		if a.c.Kind != ControlDrain {
			a.undo(context.Background())
		}
	}
}

// apply makes ctl take effect on reg's components and returns how to
// revert it. kept says a control of the same kind and target is in force;
// a drain then does nothing more and returns a nil undo.
func apply(ctx context.Context, reg *Registry, ctl Control, kept bool) (func(context.Context), error) {
	switch ctl.Kind {
	case ControlFault:
		t := reg.faultTarget(ctl.Target)
		if t == nil {
			return nil, fmt.Errorf("%w: no endpoint %q is wrapped by a fault injector", ErrNoTarget, ctl.Target)
		}
		if err := t.SetFault(ctl.Target, *ctl.Fault); err != nil {
			return nil, err
		}
		return func(context.Context) { t.ClearFault(ctl.Target) }, nil
	case ControlBreaker:
		b := reg.breakerController(ctl.Target)
		if b == nil {
			return nil, fmt.Errorf("%w: no breaker %q that can be steered", ErrNoTarget, ctl.Target)
		}
		if ctl.Breaker == BreakerReset {
			b.Reset()
			return nil, nil
		}
		if err := b.ForceState(ctl.Breaker); err != nil {
			return nil, err
		}
		return func(context.Context) { b.Unforce() }, nil
	case ControlLimiter:
		l := reg.limiterController(ctl.Target)
		if l == nil {
			return nil, fmt.Errorf("%w: no limiter %q that can be steered", ErrNoTarget, ctl.Target)
		}
		if err := l.OverrideLimit(ctl.Limit.Rate, ctl.Limit.Burst); err != nil {
			return nil, err
		}
		return func(context.Context) { l.RestoreLimit() }, nil
	case ControlDrain:
		d := reg.drainer()
		if d == nil {
			return nil, fmt.Errorf("%w: this instance cannot be drained (it has no Drainer)", ErrNoTarget)
		}
		if kept {
			return nil, nil
		}
		if err := d.Drain(ctx); err != nil {
			return nil, err
		}
		return func(ctx context.Context) { _ = d.Undrain(ctx) }, nil
	}
	return nil, fmt.Errorf("%w: no control kind %q", ErrNoTarget, ctl.Kind)
}

// Validate reports the first problem of f, naming its field: a rate
// outside 0–1, a negative or inverted latency, a status outside 400–599,
// a negative StreamAfter, or nothing to inject at all.
func (f Fault) Validate() error {
	if field, msg := f.problem(); field != "" {
		return fmt.Errorf("%s: %s", field, msg)
	}
	return nil
}

func (f Fault) problem() (field, msg string) {
	switch {
	case f.Latency < 0:
		return "fault.latency", "must not be negative"
	case f.LatencyMax != 0 && f.LatencyMax < f.Latency:
		return "fault.latency_max", "must not be below latency"
	case f.LatencyMax > Duration(MaxControlTTL) || f.Latency > Duration(MaxControlTTL):
		return "fault.latency", "must be at most an hour"
	case math.IsNaN(f.ErrorRate) || f.ErrorRate < 0 || f.ErrorRate > 1:
		return "fault.error_rate", "must be between 0 and 1"
	case f.ErrorStatus != 0 && (f.ErrorStatus < 400 || f.ErrorStatus > 599):
		return "fault.error_status", "must be an HTTP error status, 400 to 599"
	case math.IsNaN(f.AbortRate) || f.AbortRate < 0 || f.AbortRate > 1:
		return "fault.abort_rate", "must be between 0 and 1"
	case f.StreamAfter < 0:
		return "fault.stream_after", "must not be negative"
	case f.Latency == 0 && f.LatencyMax == 0 && f.ErrorRate == 0 && f.AbortRate == 0:
		return "fault", "injects nothing: give latency, error_rate or abort_rate"
	}
	return "", ""
}
