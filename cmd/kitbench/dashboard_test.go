package main

import (
	"strings"
	"testing"
)

// The dashboard itself is tested end to end in a real terminal against
// `kitbench demo` (ui/dashboard's TestDashboardOnTheDemoInTmux, which
// builds this command). Here: what happens without a terminal, and the
// flags.
func TestDashboardNeedsATerminal(t *testing.T) {
	for _, args := range [][]string{nil, {"dashboard"}, {"--consul", "127.0.0.1:1"}, {"dashboard", "--target", "127.0.0.1:1"}} {
		code, out, errOut := runArgs(t, args...)
		if code != 1 || out != "" || !strings.Contains(errOut, "needs a terminal") || !strings.Contains(errOut, "kitbench list -o json") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

func TestDashboardFlags(t *testing.T) {
	for _, args := range [][]string{
		{"dashboard", "--consul", "a:1", "--target", "b:2"},
		{"dashboard", "--etcd", "a:1", "--consul", "b:2"},
		{"--etcd", "a:1", "--target", "b:2"},
	} {
		code, _, errOut := runArgs(t, args...)
		if code != 1 || !strings.Contains(errOut, "choose different sources") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	for _, args := range [][]string{{"dashboard", "extra"}, {"dashboard", "--bogus"}, {"nope"}} {
		if code, _, errOut := runArgs(t, args...); code != 1 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	code, out, _ := runArgs(t, "--help")
	if code != 0 || !strings.Contains(out, "--consul") || !strings.Contains(out, "--etcd") || !strings.Contains(out, "dashboard") {
		t.Errorf("kitbench --help should show the dashboard and its flags: exit %d\n%s", code, out)
	}
}
