package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// RequireToolsEnv names the environment variable that turns a missing tool
// from a skip into a failure: ./test.sh sets it to 1, so CI skips nothing.
const RequireToolsEnv = "KITBENCH_REQUIRE_TOOLS"

// Installer names the script that installs every tool the tests use, and
// who runs it.
const Installer = "./.ci/deps.sh installs it (./test.sh runs that script)"

// NeedTool returns the path of the executable name found on PATH. When
// there is none, it ends the test through MissingTool.
func NeedTool(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		MissingTool(tb, name+" is not on PATH")
	}
	return path
}

// MissingTool ends a test that cannot run because a tool is missing: it
// skips the test, or fails it when KITBENCH_REQUIRE_TOOLS=1. why names the
// tool; the message adds the script that installs it.
func MissingTool(tb testing.TB, why string) {
	tb.Helper()
	msg := why + "; " + Installer
	if os.Getenv(RequireToolsEnv) == "1" {
		tb.Fatal(msg + " (" + RequireToolsEnv + "=1: not skipping)")
	}
	tb.Skip(msg)
}
