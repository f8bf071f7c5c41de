package gateway_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/kit/introspect"
)

// control sends a control request to a Book instance's admin listener.
func control(t *testing.T, b *book, method, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+b.AdminAddr+introspect.ControlsPath+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
}

func (f *fleet) upstream(id string) bool {
	for _, inst := range f.gw.Upstreams() {
		if inst.ID == id {
			return true
		}
	}
	return false
}

// TestDrainedInstanceLeavesTheBalancer drains a Book instance with a call
// in flight: the gateway stops sending it calls, the call in flight
// finishes, and undraining brings the instance back.
func TestDrainedInstanceLeavesTheBalancer(t *testing.T) {
	f := newFleet(t, nil)
	drained := f.books[2]
	// A slow ListBooks keeps a call in flight while the drain happens.
	control(t, drained, "PUT", "/fault/ListBooks", `{"fault":{"latency":"500ms"}}`)
	inflight := make(chan string, 1)
	go func() {
		resp, err := f.http.Get("http://" + drained.HTTPAddr + "/v1/books")
		if err != nil {
			inflight <- err.Error()
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		inflight <- resp.Status
	}()
	waitFor(t, "the call to reach the drained instance", func() bool { return drained.calls.Load() == 1 })
	control(t, drained, "PUT", "/drain", `{"ttl":"1m"}`)
	control(t, drained, "DELETE", "/fault/ListBooks", "")
	waitFor(t, "the gateway to drop the drained instance", func() bool { return !f.upstream(drained.InstanceID) })
	if got := <-inflight; got != "200 OK" {
		t.Fatalf("the call in flight during the drain: %s", got)
	}
	before := drained.calls.Load()
	for i := range 30 {
		if code := f.listHTTP(t); code != http.StatusOK {
			t.Fatalf("HTTP call %d: %d", i, code)
		}
	}
	if n := drained.calls.Load(); n != before {
		t.Fatalf("the drained instance got %d calls through the gateway", n-before)
	}
	control(t, drained, "DELETE", "/drain", "")
	waitFor(t, "the undrained instance to come back", func() bool { return f.upstream(drained.InstanceID) })
}
