package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// jaegerBinary finds Jaeger v2 where .ci/deps.sh builds it; without it the
// test is skipped, or fails when KITBENCH_REQUIRE_TOOLS=1 (CI).
func jaegerBinary(t *testing.T) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "..", ".tools", "bin", "jaeger"))
	if err == nil {
		if _, err = os.Stat(path); err == nil {
			return path
		}
	}
	msg := "jaeger (v2, github.com/jaegertracing/jaeger/cmd/jaeger@v1.75.0) not in .tools/bin: run ./.ci/deps.sh"
	if os.Getenv("KITBENCH_REQUIRE_TOOLS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// jaegerConfig keeps traces in memory and binds only 127.0.0.1: an OTLP/HTTP
// receiver and the query API, nothing else.
const jaegerConfig = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      mem:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: mem
    http:
      endpoint: %s
    grpc:
      endpoint: %s
receivers:
  otlp:
    protocols:
      http:
        endpoint: %s
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: mem
`

// TestDemoSpansReachJaeger runs a real Jaeger and `kitbench demo --headless`
// with only OTEL_EXPORTER_OTLP_ENDPOINT set, and finds the fleet's traces
// (bookstore's and the gateway's) in Jaeger's query API.
func TestDemoSpansReachJaeger(t *testing.T) {
	bin := jaegerBinary(t)
	query, queryGRPC, otlp := freePort(t), freePort(t), freePort(t)
	cfg := filepath.Join(t.TempDir(), "jaeger.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, jaegerConfig, query, queryGRPC, otlp), 0o600); err != nil {
		t.Fatal(err)
	}
	var jlog strings.Builder
	jaeger := exec.Command(bin, "--config", cfg)
	jaeger.Stdout, jaeger.Stderr = &jlog, &jlog
	if err := jaeger.Start(); err != nil {
		t.Fatal(err)
	}
	jdone := make(chan struct{})
	go func() { _ = jaeger.Wait(); close(jdone) }()
	defer func() { _ = jaeger.Process.Kill(); <-jdone }()

	demo := exec.Command(os.Args[0], "demo", "--headless", "--registry-addr", freePort(t), "--seed", "7")
	demo.Env = append(os.Environ(), "KITBENCH_RUN_MAIN=1", "OTEL_EXPORTER_OTLP_ENDPOINT=http://"+otlp,
		"OTEL_TRACES_EXPORTER=", "OTEL_SERVICE_NAME=", "OTEL_EXPORTER_OTLP_PROTOCOL=")
	stdout, err := demo.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var derr strings.Builder
	demo.Stderr = &derr
	if err := demo.Start(); err != nil {
		t.Fatal(err)
	}
	ddone := make(chan error, 1)
	go func() { _, _ = io.Copy(io.Discard, bufio.NewReader(stdout)); ddone <- demo.Wait() }()
	defer func() {
		if demo.ProcessState == nil {
			_ = demo.Process.Kill()
		}
	}()

	// The demo's steady traffic is traced; the batch exporter sends every
	// 5 s. Ask Jaeger until both services have traces, for at most 60 s.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	want := map[string]bool{"bookstore": false, "gateway": false}
	for missing := 2; missing > 0; {
		missing = 0
		for svc, seen := range want {
			if !seen {
				want[svc] = tracesIn(ctx, query, svc)
			}
			if !want[svc] {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Jaeger has no traces of %v after 60 s\ndemo stderr:\n%s\njaeger:\n%s", want, derr.String(), jlog.String())
		case <-time.After(time.Second):
		}
	}
	_ = demo.Process.Signal(syscall.SIGINT)
	select {
	case <-ddone:
	case <-time.After(30 * time.Second):
		t.Error("the demo did not stop within 30 s of SIGINT")
	}
}

// tracesIn reports whether Jaeger's query API has a trace of service.
func tracesIn(ctx context.Context, query, service string) bool {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+query+"/api/traces?limit=1&service="+service, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Data []json.RawMessage `json:"data"`
	}
	return resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&body) == nil && len(body.Data) > 0
}
