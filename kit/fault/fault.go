package fault

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
)

// ErrInjected is matched (errors.Is) by every error an injected fault
// returns, aborts included.
var ErrInjected = errors.New("fault: injected")

// Option configures an Injector.
type Option func(*Injector)

// WithRegistry registers the Injector with reg, so that the admin
// handler's fault controls can target its endpoints. Nil (the default)
// registers nowhere; SetFault still works.
func WithRegistry(reg *introspect.Registry) Option {
	return func(i *Injector) { i.reg = reg }
}

// WithSeed makes the Injector's rate decisions a fixed pseudo-random
// sequence, for tests that count injected errors. Without it they come
// from math/rand/v2's unseeded source.
func WithSeed(seed uint64) Option {
	return func(i *Injector) { i.rng = rand.New(rand.NewPCG(seed, seed)) }
}

// Injector holds the faults of one service's endpoints and injects them
// through the middlewares it returns. Make one with New.
type Injector struct {
	reg *introspect.Registry

	mu    sync.Mutex
	slots map[string]*slot
	rng   *rand.Rand // nil: the global source; guarded by rngMu
	rngMu sync.Mutex
}

// slot is one endpoint's current fault; nil when none.
type slot struct {
	name string
	cur  atomic.Pointer[introspect.Fault]
}

// New returns an Injector with no fault set.
func New(opts ...Option) *Injector {
	i := &Injector{slots: map[string]*slot{}}
	for _, o := range opts {
		if o != nil {
			o(i)
		}
	}
	if i.reg != nil {
		i.reg.AddFaults(i)
	}
	return i
}

// slot returns name's slot, creating it.
func (i *Injector) slot(name string) *slot {
	i.mu.Lock()
	defer i.mu.Unlock()
	s := i.slots[name]
	if s == nil {
		s = &slot{name: name}
		i.slots[name] = s
	}
	return s
}

// Middleware returns the middleware injecting the faults set on the
// endpoint name. Wrapping several endpoints with one name shares their
// faults.
func (i *Injector) Middleware(name string) endpoint.Middleware {
	s := i.slot(name)
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			if f := s.cur.Load(); f != nil {
				if err := i.inject(ctx, s.name, f); err != nil {
					return nil, err
				}
			}
			return next(ctx, request)
		}
	}
}

// FaultEndpoints returns the names of the endpoints the Injector wraps,
// sorted. It implements introspect.FaultTarget.
func (i *Injector) FaultEndpoints() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make([]string, 0, len(i.slots))
	for name := range i.slots {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// SetFault injects f into the calls of endpoint name from now on, until
// ClearFault or another SetFault. A name no middleware of the Injector
// wraps is an error wrapping introspect.ErrNoTarget; an invalid f one
// from f.Validate.
func (i *Injector) SetFault(name string, f introspect.Fault) error {
	if err := f.Validate(); err != nil {
		return err
	}
	i.mu.Lock()
	s := i.slots[name]
	i.mu.Unlock()
	if s == nil {
		return fmt.Errorf("%w: no endpoint %q is wrapped by this fault injector", introspect.ErrNoTarget, name)
	}
	s.cur.Store(&f)
	return nil
}

// ClearFault stops injecting faults into endpoint name.
func (i *Injector) ClearFault(name string) {
	i.mu.Lock()
	s := i.slots[name]
	i.mu.Unlock()
	if s != nil {
		s.cur.Store(nil)
	}
}

// inject applies f to one call (or one stream message): the delay, then
// an abort or an error if the dice say so.
func (i *Injector) inject(ctx context.Context, name string, f *introspect.Fault) error {
	if d := i.delay(f); d > 0 {
		event(ctx, name, "latency", attribute.String("fault.delay", d.String()))
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	if f.AbortRate > 0 && i.float() < f.AbortRate {
		event(ctx, name, "abort")
		return &injectedError{name: name, status: 503, abort: true}
	}
	if f.ErrorRate > 0 && i.float() < f.ErrorRate {
		status := f.ErrorStatus
		if status == 0 {
			status = 503
		}
		event(ctx, name, "error", attribute.Int("fault.status", status))
		return &injectedError{name: name, status: status}
	}
	return nil
}

// delay is the latency to inject: Latency, or uniform up to LatencyMax.
func (i *Injector) delay(f *introspect.Fault) time.Duration {
	lo, hi := time.Duration(f.Latency), time.Duration(f.LatencyMax)
	if hi > lo {
		return lo + time.Duration(i.float()*float64(hi-lo))
	}
	return lo
}

func (i *Injector) float() float64 {
	if i.rng == nil {
		return rand.Float64()
	}
	i.rngMu.Lock()
	defer i.rngMu.Unlock()
	return i.rng.Float64()
}

// event marks the span in ctx with an injected fault of kind.
func event(ctx context.Context, name, kind string, attrs ...attribute.KeyValue) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		attrs = append(attrs, attribute.String("fault.endpoint", name), attribute.String("fault.kind", kind))
		span.AddEvent("fault", trace.WithAttributes(attrs...))
	}
}

// injectedError is the error of an injected error or abort.
type injectedError struct {
	name   string
	status int
	abort  bool
}

func (e *injectedError) Error() string {
	if e.abort {
		return fmt.Sprintf("fault: injected abort on %s", e.name)
	}
	return fmt.Sprintf("fault: injected error %d on %s", e.status, e.name)
}

// Unwrap makes errors.Is match ErrInjected, and transport.ErrAbort for an
// abort.
func (e *injectedError) Unwrap() []error {
	if e.abort {
		return []error{ErrInjected, transport.ErrAbort}
	}
	return []error{ErrInjected}
}

// StatusCode is the status the fault asked for.
func (e *injectedError) StatusCode() int { return e.status }

// ErrorReason is transport.ReasonFaultInjected.
func (e *injectedError) ErrorReason() string { return transport.ReasonFaultInjected }
