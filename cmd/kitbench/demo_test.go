package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/demo"
)

func TestDemoHeadlessPrintsAddressesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var stderr strings.Builder
	go func() {
		done <- run(ctx, []string{"demo", "--headless", "--registry-addr", "127.0.0.1:0", "--seed", "3", "-o", "json"}, pw, &stderr)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatalf("no output; stderr: %s", stderr.String())
	}
	var addrs demo.Addresses
	if err := json.Unmarshal(sc.Bytes(), &addrs); err != nil {
		t.Fatalf("first line %q: %v", sc.Text(), err)
	}
	if len(addrs.Instances) != 4 || !addrs.OwnRegistry {
		t.Fatalf("addresses: %+v", addrs)
	}
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "ready:") {
		t.Fatalf("second line %q, want the ready line", sc.Text())
	}
	resp, err := http.Get("http://" + addrs.Instances[3].HTTP + "/v1/books")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("gateway: %v %v", resp, err)
	}
	resp.Body.Close()
	go io.Copy(io.Discard, pr)
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d; stderr: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("demo did not stop after cancellation")
	}
}

func TestDemoRejectsBadOutput(t *testing.T) {
	if code, _, errOut := runArgs(t, "demo", "--headless", "-o", "yaml"); code != 1 || !strings.Contains(errOut, "yaml") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
