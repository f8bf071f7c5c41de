package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestStringsvc1(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", pw); pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := "http://" + strings.TrimSpace(strings.TrimPrefix(line, "http "))
	for _, tc := range []struct {
		path, body string
		status     int
		want       string
	}{
		{"/uppercase", `{"s":"hello"}`, 200, `{"v":"HELLO"}`},
		{"/count", `{"s":"hello"}`, 200, `{"v":5}`},
		{"/uppercase", `{"s":""}`, 400, `empty string`},
		{"/count", `{"s":"x","extra":1}`, 400, ``}, // kit decodes strictly
	} {
		resp, err := http.Post(base+tc.path, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
			t.Errorf("POST %s %s = %d %s, want %d with %s", tc.path, tc.body, resp.StatusCode, b, tc.status, tc.want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

// linked is every package outside the standard library that stringsvc1
// may link. A package added here is a dependency every HTTP-only kit
// service pays for: gRPC, protobuf, Prometheus and OpenTelemetry must
// never be.
var linked = []string{
	"github.com/kitbench/kitbench/examples/stringsvc1",
	"github.com/kitbench/kitbench/kit/endpoint",
	"github.com/kitbench/kitbench/kit/introspect/schema",
	"github.com/kitbench/kitbench/kit/transport",
	"github.com/kitbench/kitbench/kit/transport/http",
}

// TestLinkedPackages: go list -deps of the command names only the
// packages of the allow-list outside the standard library.
func TestLinkedPackages(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	got := strings.Fields(string(out))
	slices.Sort(got)
	if !slices.Equal(got, linked) {
		t.Errorf("stringsvc1 links %d packages outside the standard library, want the %d of the allow-list:\n got %s\nwant %s",
			len(got), len(linked), strings.Join(got, "\n     "), strings.Join(linked, "\n     "))
	}
}
