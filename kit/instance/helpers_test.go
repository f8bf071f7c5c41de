package instance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/sd/devregistry"
)

// startRegistry runs a dev registry on a free loopback port.
func startRegistry(t *testing.T) string {
	t.Helper()
	ln, err := devregistry.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := devregistry.New(devregistry.Options{})
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Serve(ln) }()
	t.Cleanup(func() { _ = r.Close(); <-done })
	return ln.Addr().String()
}

// entry is what the registry's health API says of one instance.
type entry struct {
	Service struct {
		ID      string
		Address string
		Port    int
		Tags    []string
		Meta    map[string]string
	}
}

// waitService makes blocking queries (bounded by 20 s in all) until the
// passing instances of service satisfy ok, and returns them.
func waitService(t *testing.T, registry, service string, ok func([]entry) bool) []entry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	index := "0"
	for {
		url := fmt.Sprintf("http://%s/v1/health/service/%s?passing&index=%s&wait=5s", registry, service, index)
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("registry never showed what was expected of %s: %v", service, err)
		}
		var es []entry
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(body, &es); err != nil {
			t.Fatalf("registry answered %s: %v", body, err)
		}
		if ok(es) {
			return es
		}
		if i := resp.Header.Get("X-Consul-Index"); i != "" {
			if _, err := strconv.ParseUint(i, 10, 64); err == nil {
				index = i
			}
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}
