// Package registrytest runs kit's dev registry for tests: on a loopback
// address, stopped when the test ends, with a consul/api client for it. It
// is the one copy of what the tests of discovery, the hub, the workbench
// and the CLI all need.
package registrytest

import (
	"testing"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/kit/sd/devregistry"
)

// Start serves a dev registry on addr ("127.0.0.1:0" for a free port)
// until the test ends, and returns it and its address.
func Start(tb testing.TB, addr string) (*devregistry.Registry, string) {
	tb.Helper()
	reg := devregistry.New(devregistry.Options{})
	ln, err := devregistry.Listen(addr)
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = reg.Serve(ln) }()
	tb.Cleanup(func() { reg.Close(); <-done })
	return reg, ln.Addr().String()
}

// Client returns a consul/api client for the registry at addr; its idle
// connections close when the test ends, so leak checks see none.
func Client(tb testing.TB, addr string) *api.Client {
	tb.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = addr
	c, err := api.NewClient(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cfg.Transport.CloseIdleConnections)
	return c
}
