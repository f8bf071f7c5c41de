package testutil

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// leakWait bounds how long VerifyNone waits for goroutines that are
// already ending (a closed connection's reader, a server's last handler).
var leakWait = 10 * time.Second // a variable only so this package's tests can shorten it

// NoLeaks checks, when the test ends, that every goroutine started since
// the call has ended. Call it first in the test: cleanups run last
// registered first, so its check then runs after the cleanups that stop
// the test's servers and clients. opts are goleak options, for example
// goleak.IgnoreTopFunction for a process-wide goroutine a library starts
// once, lazily, and never stops.
//
// The check tells goroutines apart by identity (goleak.IgnoreCurrent), not
// by count, so a goroutine that ends during the test cannot hide one that
// leaks. It cannot tell this test's goroutines from those of a parallel
// test: do not use it in tests that call t.Parallel.
func NoLeaks(tb testing.TB, opts ...goleak.Option) {
	tb.Helper()
	opts = append(opts, goleak.IgnoreCurrent())
	tb.Cleanup(func() { VerifyNone(tb, opts...) })
}

// VerifyNone fails the test if goroutines other than those opts ignore are
// running, after waiting up to 10 s for them to end, and prints their
// stacks.
//
// goleak.VerifyNone itself waits about 0.4 s, which a loaded machine can
// exceed while, say, an HTTP server's connection goroutines exit, and
// goleak v1.3.0 has no option to wait longer; so this polls goleak.Find
// (which already retries for that long on each call) up to the deadline.
func VerifyNone(tb testing.TB, opts ...goleak.Option) {
	tb.Helper()
	deadline := time.Now().Add(leakWait)
	for {
		err := goleak.Find(opts...)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Errorf("goroutines outlived the test (waited %v for them to end): %v", leakWait, err)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
