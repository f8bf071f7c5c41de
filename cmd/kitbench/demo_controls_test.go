package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
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

// breakerState reads the state of the breaker name on the instance at
// admin through introspection; "" when it has no such breaker (yet).
func breakerState(t *testing.T, admin, name string) string {
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
			return b.State
		}
	}
	return ""
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

// driveUntil sends GetBook calls through the gateway, about 20 a second
// (half the gateway's limit), until cond holds, and fails the test after
// within. cond is checked every fifth call.
func driveUntil(t *testing.T, gatewayHTTP, what string, within time.Duration, cond func() bool) {
	t.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(within)
	for n := 0; ; n++ {
		if n%5 == 0 && cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v (%d calls)", what, within, n)
		}
		if resp, err := client.Get("http://" + gatewayHTTP + "/v1/books/0000000000000001"); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDemoQuietFaultTripsAndHeals runs `kitbench demo --quiet` with no
// generated traffic (the test calls GetBook through the gateway itself:
// the demo's mix of other methods would keep the instance's run of
// failures from reaching the gateway's ejection) and does what the issue
// says a developer does: `kitbench fault set bookstore/bookstore-2
// GetBook --error-rate 1 --for 40s` opens bookstore-2's GetBook breaker
// and makes the gateway eject bookstore-2; `kitbench fault clear` heals
// it: once the ejection ends, calls reach bookstore-2 again and its
// breaker closes. Then the same on bookstore-1 with a fault that ends by
// its TTL. Each wait is bounded and generous; an ejection lasts
// demo.EjectFor (30 s), so the test takes about a minute and a half.
func TestDemoQuietFaultTripsAndHeals(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for two ejections of demo.EjectFor to end")
	}
	d := startDemo(t, "--quiet", "--rate", "0")
	reg, gateway := d.Addrs.Registry, ""
	for _, in := range d.Addrs.Instances {
		if in.Service == "gateway" {
			gateway = in.HTTP
		}
		if strings.Contains(in.Note, "misbehaves") {
			t.Fatalf("a quiet demo has a misbehaving instance: %+v", in)
		}
	}
	for _, id := range []string{"bookstore-1", "bookstore-2", "bookstore-3"} {
		if cs := controlsOf(t, reg, "bookstore/"+id); len(cs) != 0 {
			t.Fatalf("a quiet demo set controls on %s: %+v", id, cs)
		}
	}

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
		driveUntil(t, gateway, id+"'s GetBook breaker open and the gateway's ejection of it", 25*time.Second, func() bool {
			opened = opened || breakerState(t, d.admin(t, id), "GetBook") == wire.StateOpen
			return opened && breakerState(t, d.admin(t, "gateway-1"), "outlier/bookstore/"+id) == wire.StateOpen
		})
	}
	heal := func(id string) {
		t.Helper()
		// The ejection ends by itself after demo.EjectFor; calls then
		// reach the instance again, and its breaker's trial closes it.
		driveUntil(t, gateway, "the end of "+id+"'s ejection and its GetBook breaker closed", demo.EjectFor+30*time.Second, func() bool {
			return breakerState(t, d.admin(t, "gateway-1"), "outlier/bookstore/"+id) == wire.StateClosed &&
				breakerState(t, d.admin(t, id), "GetBook") == wire.StateClosed
		})
	}

	// Cleared by hand.
	trip("bookstore-2", 40*time.Second)
	code, out, errs := runArgs(t, "fault", "clear", "bookstore/bookstore-2", "GetBook", "--consul", reg)
	if code != 0 || !strings.Contains(out, "cleared  fault GetBook") {
		t.Fatalf("fault clear: exit %d\n%s%s", code, out, errs)
	}
	if cs := controlsOf(t, reg, "bookstore/bookstore-2"); len(cs) != 0 {
		t.Fatalf("controls after fault clear: %+v", cs)
	}
	heal("bookstore-2")

	// Expired by its TTL: long enough to trip on a busy machine, shorter
	// than the ejection it causes.
	const ttl = 20 * time.Second
	trip("bookstore-1", ttl)
	driveUntil(t, gateway, "bookstore-1's fault to expire", ttl+10*time.Second, func() bool {
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
