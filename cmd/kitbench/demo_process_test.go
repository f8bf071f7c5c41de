package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/kitbench/kitbench/examples/demo"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd/devregistry"
)

// TestDemoHeadlessProcess runs `kitbench demo --headless` as a process of
// its own and checks it the way a user would: list and call from another
// command, watch the misbehaving instance's ejection open and close on the
// gateway and the fault script's faults in kitbench fault list, then stop
// it with SIGINT.
func TestDemoHeadlessProcess(t *testing.T) {
	// A registry of the test's own, so that deregistration can be checked
	// after the demo has gone.
	reg := devregistry.New(devregistry.Options{})
	ln, err := devregistry.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = reg.Serve(ln) }()
	defer reg.Close()

	cmd := exec.Command(os.Args[0], "demo", "--headless", "--registry-addr", ln.Addr().String(), "--seed", "7", "-o", "json")
	cmd.Env = append(os.Environ(), "KITBENCH_RUN_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	exited := make(chan error, 1)
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()

	sc := bufio.NewScanner(stdout)
	var addrs demo.Addresses
	if !sc.Scan() || json.Unmarshal(sc.Bytes(), &addrs) != nil {
		t.Fatalf("first line %q is not the addresses; stderr:\n%s", sc.Text(), stderr.String())
	}
	if addrs.OwnRegistry || addrs.Registry != ln.Addr().String() {
		t.Fatalf("the demo did not use the running registry: %+v", addrs)
	}
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "ready:") {
		t.Fatalf("want the ready line, got %q", sc.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout); exited <- cmd.Wait() }()
	var gatewayAdmin string
	for _, in := range addrs.Instances {
		if in.Service == "gateway" {
			gatewayAdmin = in.Admin
		}
	}

	// Another command sees the fleet.
	code, out, errOut := runArgs(t, "list", "-o", "json", "--consul", addrs.Registry)
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, errOut)
	}
	for _, want := range []string{`"bookstore-1"`, `"bookstore-2"`, `"bookstore-3"`, `"gateway-1"`} {
		if !strings.Contains(out, want) {
			t.Errorf("list -o json lacks %s:\n%s", want, out)
		}
	}
	code, out, errOut = runArgs(t, "call", "bookstore.GetBook", "-d", `{"id":"0000000000000001"}`, "--consul", addrs.Registry)
	if code != 0 && code != 64+14 { // the misbehaving instance may be chosen while failing
		t.Fatalf("call: exit %d: %s", code, errOut)
	}
	if code == 0 && !strings.Contains(out, "The Go Programming Language") {
		t.Fatalf("call printed %q", out)
	}

	// Within a minute of the schedule's start the misbehaving instance is
	// ejected by the gateway (its breaker opens) and readmitted (closes).
	// While it fails, the fault script's faults are controls in force on
	// it, as kitbench fault list shows them. (A machine too busy to see
	// the first failing phase sees the next one, a cycle later.)
	name := "outlier/bookstore/bookstore-3"
	var opened, closed, faulted bool
	for deadline := started.Add(120 * time.Second); !closed || !faulted; time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("breaker %s: opened=%v closed=%v; script's faults listed: %v; after %v", name, opened, closed, faulted, time.Since(started))
		}
		if !faulted {
			for _, c := range controlsOf(t, addrs.Registry, "bookstore/bookstore-3") {
				faulted = faulted || (c.Kind == introspect.ControlFault && c.Target == "GetBook" && c.Fault.ErrorRate == 1 && c.By == demo.ScriptActor)
			}
		}
		for _, b := range gatewayBreakers(t, gatewayAdmin) {
			if b.Name != name {
				continue
			}
			switch {
			case b.State == introspect.StateOpen:
				opened = true
			case opened && b.State == introspect.StateClosed:
				closed = true
			}
		}
	}
	t.Logf("ejection opened and closed within %v", time.Since(started).Round(time.Second))

	// SIGINT stops everything: the process exits 0 and nothing stays registered.
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGINT: %v\n%s", err, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("demo did not exit within 5 s of SIGINT")
	}
	cfg := api.DefaultConfig()
	cfg.Address = addrs.Registry
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range []string{"bookstore", "gateway"} {
		entries, _, err := c.Health().Service(svc, "", false, nil)
		if err != nil || len(entries) != 0 {
			t.Errorf("%s after exit: %d registered (%v)", svc, len(entries), err)
		}
	}
}

func gatewayBreakers(t *testing.T, admin string) []introspect.Breaker {
	t.Helper()
	resp, err := http.Get(admin + introspect.PathPrefix + "/breakers")
	if err != nil {
		t.Fatalf("gateway breakers: %v", err)
	}
	defer resp.Body.Close()
	var bs []introspect.Breaker
	if err := json.NewDecoder(resp.Body).Decode(&bs); err != nil {
		t.Fatalf("gateway breakers: %v", err)
	}
	return bs
}
