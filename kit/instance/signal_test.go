package instance_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/instance"
)

// TestMain lets the test binary play the child of TestSIGTERMDeregistersFirst.
func TestMain(m *testing.M) {
	if reg := os.Getenv("KIT_INSTANCE_CHILD_REGISTRY"); reg != "" {
		os.Exit(child(reg))
	}
	os.Exit(m.Run())
}

// child runs one instance until a signal stops it; it prints its HTTP
// address, and exits 0 when Run returns nil.
func child(registry string) int {
	inst, err := instance.New(instance.Config{Service: "drainsvc", Registry: registry, DrainDelay: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	addr, err := inst.ServeHTTP("", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("up")) }))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println(addr)
	if err := inst.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestSIGTERMDeregistersFirst sends SIGTERM to a child process running an
// instance: the instance leaves the registry while its listener still
// serves (for its drain delay), then stops serving and exits 0.
func TestSIGTERMDeregistersFirst(t *testing.T) {
	registry := startRegistry(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KIT_INSTANCE_CHILD_REGISTRY="+registry)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("child: %v; stderr: %s", err, stderr.String())
	}
	addr := strings.TrimSpace(line)
	waitService(t, registry, "drainsvc", func(es []entry) bool { return len(es) == 1 })

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitService(t, registry, "drainsvc", func(es []entry) bool { return len(es) == 0 })
	// Deregistered: the listener must still serve during the drain.
	if body := get(t, "http://"+addr+"/"); body != "up" {
		t.Fatalf("during the drain: %q", body)
	}
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		if err != nil {
			t.Fatalf("child exited with %v; stderr: %s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("child did not exit within 30s of SIGTERM")
	}
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Fatal("the listener outlived the process")
	}
}
