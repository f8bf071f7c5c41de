package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/demo"
	"github.com/kitbench/kitbench/internal/workbench"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/introspect"
)

// demoProcess is `kitbench demo --headless -o json` running as a process
// of its own, as a user runs it.
type demoProcess struct {
	Addrs  demo.Addresses
	cmd    *exec.Cmd
	stderr bytes.Buffer
	exited chan error
}

// startDemo starts `kitbench demo --headless -o json` with args and the
// registry on a free port, waits for its ready line (the fleet is up),
// and stops it with SIGINT when the test ends.
func startDemo(t *testing.T, args ...string) *demoProcess {
	t.Helper()
	d := &demoProcess{exited: make(chan error, 1)}
	d.cmd = exec.Command(os.Args[0], append([]string{"demo", "--headless", "--registry-addr", "127.0.0.1:0", "-o", "json"}, args...)...)
	d.cmd.Env = append(os.Environ(), "KITBENCH_RUN_MAIN=1")
	d.cmd.Stderr = &d.stderr
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = d.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-d.exited:
		case <-time.After(20 * time.Second):
			_ = d.cmd.Process.Kill()
			<-d.exited
		}
	})
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || json.Unmarshal(sc.Bytes(), &d.Addrs) != nil {
		_ = d.cmd.Process.Kill()
		go func() { d.exited <- d.cmd.Wait() }()
		t.Fatalf("first line %q is not the addresses; stderr:\n%s", sc.Text(), d.stderr.String())
	}
	ready := sc.Scan() && strings.HasPrefix(sc.Text(), "ready:")
	go func() { _, _ = io.Copy(io.Discard, stdout); d.exited <- d.cmd.Wait() }()
	if !ready {
		t.Fatalf("want the ready line, got %q", sc.Text())
	}
	return d
}

// admin returns the admin base URL of the instance id.
func (d *demoProcess) admin(t *testing.T, id string) string {
	t.Helper()
	for _, in := range d.Addrs.Instances {
		if in.ID == id {
			return in.Admin
		}
	}
	t.Fatalf("no instance %s in %+v", id, d.Addrs)
	return ""
}

// breakerOf reads the breaker name on the instance at admin through
// introspection; ok is false when it has no such breaker (yet).
func breakerOf(t *testing.T, admin, name string) (b wire.Breaker, ok bool) {
	t.Helper()
	c, err := introspect.New(admin, introspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := c.Breakers(t.Context())
	if err != nil {
		t.Fatalf("breakers of %s: %v", admin, err)
	}
	for _, b := range bs {
		if b.Name == name {
			return b, true
		}
	}
	return wire.Breaker{}, false
}

// breakerState is the state of the breaker name on the instance at admin;
// "" when it has no such breaker (yet).
func breakerState(t *testing.T, admin, name string) string {
	t.Helper()
	b, _ := breakerOf(t, admin, name)
	return b.State
}

// controlsOf runs `kitbench fault list TARGET -o json` and returns the
// controls in force on its one instance.
func controlsOf(t *testing.T, registry, target string) []wire.Control {
	t.Helper()
	code, out, errs := runArgs(t, "fault", "list", target, "--consul", registry, "-o", "json")
	var rs []workbench.ControlResult
	if err := json.Unmarshal([]byte(out), &rs); code != 0 || err != nil || len(rs) != 1 || rs[0].Controls == nil {
		t.Fatalf("fault list %s: exit %d, %v\n%s%s", target, code, err, out, errs)
	}
	return rs[0].Controls.Controls
}

// waitUntil checks cond four times a second until it holds, and fails
// the test after within.
func waitUntil(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestDemoQuietFaultTripsAndHeals runs `kitbench demo --quiet` with its
// usual traffic and does what the issue says a developer does: `kitbench
// fault set bookstore/bookstore-2 GetBook --error-rate 1 --for 40s` opens
// bookstore-2's GetBook breaker and makes the gateway eject bookstore-2 —
// by its failure ratio, since the traffic's other methods keep succeeding
// there and break every run of failures (demo.EjectRatio); `kitbench fault
// clear` heals it: once the ejection ends, calls reach bookstore-2 again
// and its breaker closes. Then the same on bookstore-1 with a fault that
// ends by its TTL. Each wait is bounded and generous (the simulation in
// examples/demo ejects within about 25 s); an ejection lasts
// demo.EjectFor (30 s), so the test takes three to four minutes.
func TestDemoQuietFaultTripsAndHeals(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for two ejections of demo.EjectFor to end")
	}
	d := startDemo(t, "--quiet")
	reg := d.Addrs.Registry
	for _, in := range d.Addrs.Instances {
		if strings.Contains(in.Note, "misbehaves") {
			t.Fatalf("a quiet demo has a misbehaving instance: %+v", in)
		}
	}
	for _, id := range []string{"bookstore-1", "bookstore-2", "bookstore-3"} {
		if cs := controlsOf(t, reg, "bookstore/"+id); len(cs) != 0 {
			t.Fatalf("a quiet demo set controls on %s: %+v", id, cs)
		}
	}
	gateway := d.admin(t, "gateway-1")

	trip := func(id string, ttl time.Duration) {
		t.Helper()
		target := "bookstore/" + id
		code, out, errs := runArgs(t, "fault", "set", target, "GetBook", "--error-rate", "1", "--for", ttl.String(), "--consul", reg)
		if code != 0 || !strings.Contains(out, "fault GetBook: error rate 1 (503)") {
			t.Fatalf("fault set %s: exit %d\n%s%s", target, code, out, errs)
		}
		cs := controlsOf(t, reg, target)
		if len(cs) != 1 || cs[0].Target != "GetBook" || cs[0].Until.Sub(cs[0].SetAt) != ttl {
			t.Fatalf("fault list %s: %+v, want the GetBook fault for %v", target, cs, ttl)
		}
		var opened bool
		var ejection wire.Breaker
		waitUntil(t, id+"'s GetBook breaker open and the gateway's ejection of it", 90*time.Second, func() bool {
			opened = opened || breakerState(t, d.admin(t, id), "GetBook") == wire.StateOpen
			ejection, _ = breakerOf(t, gateway, "outlier/bookstore/"+id)
			return opened && ejection.State == wire.StateOpen
		})
		if ejection.Settings.Policy != "ratio" || ejection.Counts.Requests < demo.EjectMinRequests ||
			ejection.ErrorRatio < demo.EjectRatio || ejection.Counts.Successes == 0 {
			t.Fatalf("ejection %+v: want one by the failure ratio, among successes", ejection)
		}
	}
	heal := func(id string) {
		t.Helper()
		// The ejection ends by itself after demo.EjectFor (twice that if
		// the instance was ejected again while its fault lasted); calls
		// then reach the instance again, and its breaker's trial closes it.
		waitUntil(t, "the end of "+id+"'s ejection and its GetBook breaker closed", 2*demo.EjectFor+60*time.Second, func() bool {
			return breakerState(t, gateway, "outlier/bookstore/"+id) == wire.StateClosed &&
				breakerState(t, d.admin(t, id), "GetBook") == wire.StateClosed
		})
	}

	// The command, cleared by hand.
	trip("bookstore-2", 40*time.Second)
	code, out, errs := runArgs(t, "fault", "clear", "bookstore/bookstore-2", "GetBook", "--consul", reg)
	if code != 0 || !strings.Contains(out, "cleared  fault GetBook") {
		t.Fatalf("fault clear: exit %d\n%s%s", code, out, errs)
	}
	if cs := controlsOf(t, reg, "bookstore/bookstore-2"); len(cs) != 0 {
		t.Fatalf("controls after fault clear: %+v", cs)
	}
	heal("bookstore-2")

	// Expired by its TTL: long enough to trip on a busy machine; the
	// instance may be ejected again before it expires.
	const ttl = 60 * time.Second
	trip("bookstore-1", ttl)
	waitUntil(t, "bookstore-1's fault to expire", ttl+30*time.Second, func() bool {
		return len(controlsOf(t, reg, "bookstore/bookstore-1")) == 0
	})
	heal("bookstore-1")
}

// TestDemoQuietRefusesSeed: --seed fixes the fault script's schedule,
// which --quiet does not run.
func TestDemoQuietRefusesSeed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"demo", "--headless", "--quiet", "--seed", "3"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "--quiet") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}
