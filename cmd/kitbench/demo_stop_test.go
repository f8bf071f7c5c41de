package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/demo"
	"github.com/kitbench/kitbench/probes/introspect"
)

// TestDemoStopsPromptlyUnderLoad starts `kitbench demo --headless` with an
// event-stream follower on every instance, keeps both cores busy, and
// sends SIGINT: the demo must exit 0 within 2 s. Open event streams and
// instances stopped one after another used to hold it for seconds.
func TestDemoStopsPromptlyUnderLoad(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	regAddr := ln.Addr().String()
	ln.Close() // the demo starts its own registry here

	cmd := exec.Command(os.Args[0], "demo", "--headless", "--registry-addr", regAddr, "--seed", "7", "-o", "json")
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
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	sc := bufio.NewScanner(stdout)
	var addrs demo.Addresses
	if !sc.Scan() || json.Unmarshal(sc.Bytes(), &addrs) != nil {
		t.Fatalf("first line %q is not the addresses; stderr:\n%s", sc.Text(), stderr.String())
	}
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "ready:") {
		t.Fatalf("want the ready line, got %q; stderr:\n%s", sc.Text(), stderr.String())
	}
	exited := make(chan error, 1)
	go func() { _, _ = io.Copy(io.Discard, stdout); exited <- cmd.Wait() }()

	// A follower on every instance, as the dashboard keeps; each must be
	// streaming before the signal.
	ctx, cancel := context.WithCancel(context.Background())
	var followers sync.WaitGroup
	defer func() { cancel(); followers.Wait() }()
	var streaming atomic.Int32
	for _, in := range addrs.Instances {
		c, err := introspect.New(in.Admin, introspect.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var once sync.Once
		followers.Go(func() {
			_ = c.Follow(ctx, 0, func(u introspect.Update) {
				if u.Kind == introspect.KindStatus && u.Mode == introspect.ModeStream {
					once.Do(func() { streaming.Add(1) })
				}
			})
		})
	}
	for deadline := time.Now().Add(30 * time.Second); streaming.Load() < int32(len(addrs.Instances)); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d followers streaming after 30 s", streaming.Load(), len(addrs.Instances))
		}
	}

	// Keep every core busy until the demo has exited (bounded by the
	// test's own wait below).
	busy := make(chan struct{})
	var spinners sync.WaitGroup
	for range runtime.NumCPU() {
		spinners.Go(func() {
			for x := 0; ; x++ {
				select {
				case <-busy:
					return
				default:
				}
				_ = x * x
			}
		})
	}
	stopSpinning := func() { close(busy); spinners.Wait() }

	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		stopSpinning()
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		took := time.Since(sent)
		stopSpinning()
		if err != nil {
			t.Fatalf("exit after SIGINT: %v\n%s", err, stderr.String())
		}
		if took > 2*time.Second {
			t.Errorf("demo took %v to exit after SIGINT with followers attached, want at most 2 s", took.Round(time.Millisecond))
		}
		t.Logf("exited %v after SIGINT", took.Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		stopSpinning()
		t.Fatalf("demo did not exit within 20 s of SIGINT\n%s", stderr.String())
	}
}
