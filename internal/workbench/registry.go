package workbench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kitbench/kitbench/kit/sd/devregistry"
)

// RegistryStopTimeout bounds a dev registry's shutdown after its context
// ends.
const RegistryStopTimeout = 5 * time.Second

// ServeRegistry serves a dev registry on addr until ctx ends, calling
// ready with the address it listens on once it does. An address in use
// gives an error that asks whether Consul or another registry is running
// there; the registry failing while it serves, or not stopping within
// RegistryStopTimeout, is an error too. A ctx that ends at once stops it
// cleanly.
func ServeRegistry(ctx context.Context, addr string, ready func(listen string)) error {
	ln, err := devregistry.Listen(addr)
	if errors.Is(err, devregistry.ErrAddrInUse) {
		return fmt.Errorf("%s is in use — is Consul or another kitbench registry running? use --addr", addr)
	}
	if err != nil {
		return fmt.Errorf("cannot listen on %q: %w", addr, err)
	}
	reg := devregistry.New(devregistry.Options{Addr: addr})
	served := make(chan error, 1)
	go func() { served <- reg.Serve(ln) }()
	ready(ln.Addr().String())
	select {
	case err := <-served:
		return fmt.Errorf("registry stopped: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RegistryStopTimeout)
	defer cancel()
	err = reg.Shutdown(sctx)
	// Serve's error once Shutdown has begun says only that it stopped, or
	// that it had not started yet (ctx ended at once): either way the
	// registry is stopped, as asked.
	<-served
	if err != nil {
		return fmt.Errorf("stopping the registry: %w", err)
	}
	return nil
}
