// Package booktest runs Book service instances for the tests of the
// packages that call them (the workbench, the CLI, the probes): started
// with a Config, shut down when the test ends. The Book service's own
// tests use their internal copy, since they cannot import this package.
package booktest

import (
	"context"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
)

// Start runs a Book instance with cfg until the test ends.
func Start(tb testing.TB, cfg bookstore.Config) *bookstore.Instance {
	tb.Helper()
	inst, err := bookstore.Start(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = inst.Shutdown(ctx)
	})
	return inst
}
