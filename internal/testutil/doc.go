// Package testutil holds the helpers the module's tests share: skipping a
// test whose external tool is missing (NeedTool, MissingTool), checking
// that a test leaves no goroutine behind (NoLeaks, VerifyNone, on
// go.uber.org/goleak), a free loopback address for another process
// (FreeAddr), and a bounded poll (WaitFor). It is imported by test files
// only (and by test-support packages such as internal/etcdtest), and
// imports nothing of the module, so any package's internal tests can use
// it without an import cycle.
//
// # Failure behaviour
//
// NeedTool and MissingTool skip the test when a tool is missing, with a
// message naming the tool and the script that installs it (./.ci/deps.sh,
// which ./test.sh runs); with KITBENCH_REQUIRE_TOOLS=1 (as ./test.sh sets)
// they fail it instead, so CI skips nothing. WaitFor and FreeAddr fail the
// test when their condition or a port cannot be had.
//
// NoLeaks and VerifyNone fail the test (never panic) when goroutines
// outlive it, printing their stacks; they wait a bounded time for
// goroutines that are already ending.
package testutil
