package instance

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/kitbench/kitbench/kit/fault"
	"github.com/kitbench/kitbench/kit/introspect"
)

// ErrNotRegistered is wrapped by Drain's and Undrain's error for an
// instance that Start (or Run) has not registered (no Config.Registry,
// before Start, or once Shutdown has begun); the error matches
// introspect.ErrNoTarget too, so a drain control answers 404.
var ErrNotRegistered = errors.New("instance: not registered")

// Faults is the instance's fault injector (kit/fault), registered with its
// introspection: wrap each endpoint innermost with Faults().Middleware(name)
// (streams with StreamMiddleware), and with Config.Controls set, the
// workbench can inject faults into it. Without Config.Controls nothing
// can set a fault, and the middleware costs an atomic load per call.
func (inst *Instance) Faults() *fault.Injector { return inst.faults }

// Drain deregisters the instance from its registry while it goes on
// serving: calls in flight finish, callers that still know its address
// are answered, and the admin listener stays, until Undrain or the
// shutdown. It implements introspect.Drainer, for drain controls.
func (inst *Instance) Drain(ctx context.Context) error {
	inst.drainMu.Lock()
	defer inst.drainMu.Unlock()
	r, err := inst.registered()
	if err != nil {
		return err
	}
	if err := r.Deregister(ctx); err != nil {
		return fmt.Errorf("instance %s: drain: %w", inst.id, err)
	}
	inst.log.Info("drained: deregistered, still serving", "id", inst.id)
	return nil
}

// Undrain registers a drained instance again. After Shutdown has begun
// it registers nothing and returns an error matching ErrNotRegistered.
func (inst *Instance) Undrain(ctx context.Context) error {
	inst.drainMu.Lock()
	defer inst.drainMu.Unlock()
	r, err := inst.registered()
	if err != nil {
		return err
	}
	if err := r.Register(ctx); err != nil {
		return fmt.Errorf("instance %s: undrain: %w", inst.id, err)
	}
	inst.log.Info("undrained: registered again", "id", inst.id)
	return nil
}

func (inst *Instance) registered() (interface {
	Register(context.Context) error
	Deregister(context.Context) error
}, error) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.registrar == nil {
		return nil, fmt.Errorf("%w: instance %s has no registration to drain (Config.Registry is empty, or Start has not registered it, or it is shutting down) (%w)", ErrNotRegistered, inst.id, introspect.ErrNoTarget)
	}
	return inst.registrar, nil
}

// controlsAllowed refuses controls on an admin address that is not
// loopback, unless the policy allows it.
func controlsAllowed(addr string, p introspect.ControlPolicy) error {
	if p.AllowNonLoopback || addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "localhost" {
		return nil // ListenAdmin reports a bad address; no host means 127.0.0.1
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: Controls on the non-loopback admin address %s: listen on 127.0.0.1, or set Controls.AllowNonLoopback (with AdminToken)", ErrConfig, addr)
}

var _ introspect.Drainer = (*Instance)(nil)
