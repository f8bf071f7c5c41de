package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/kit/sd"
)

// start runs the service with args and returns its HTTP and admin
// addresses; the test's cleanup stops it and checks Run's error.
func start(t *testing.T, args ...string) (httpAddr, admin string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), pw) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		pw.Close()
	})
	f := strings.Fields(line) // "http ADDR admin ADDR"
	return f[1], f[3]
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func TestStringsvc3(t *testing.T) {
	backend, _ := start(t)
	front, admin := start(t, "-proxy", "http://"+backend)
	for _, tc := range []struct{ url, body, want string }{
		{"http://" + front + "/uppercase", `{"s":"hello"}`, `{"v":"HELLO"}`},
		{"http://" + front + "/count", `{"s":"hello"}`, `{"v":5}`},
	} {
		if code, got := post(t, tc.url, tc.body); code != 200 || got != tc.want {
			t.Errorf("%s: %d %s, want %s", tc.url, code, got, tc.want)
		}
	}
	// The empty string is the backend's 400, passed on through the proxy.
	if code, got := post(t, "http://"+front+"/uppercase", `{"s":""}`); code != 400 || !strings.Contains(got, "empty string") {
		t.Errorf("empty: %d %s", code, got)
	}
	// Strict decoding: go-kit's stringsvc3 ignored unknown fields.
	if code, _ := post(t, "http://"+front+"/count", `{"s":"a","x":1}`); code != 400 {
		t.Errorf("unknown field: %d, want 400", code)
	}
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"stringsvc_chars_total 5", `kit_breaker_state{breaker="uppercase@` + backend + `"} 0`} {
		if !bytes.Contains(m, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestDescribeWithoutExamples: `kitbench describe stringsvc.Uppercase` of
// this HTTP-only service shows the request's fields and a template, though
// no example was written anywhere. (The response's fields need the bare
// endpoint.Typed; behind Observe's middlewares they are not known.)
func TestDescribeWithoutExamples(t *testing.T) {
	_, admin := start(t)
	target := sd.Instance{ID: admin, Service: "stringsvc", Address: admin, Health: sd.HealthPassing}
	inv, err := workbench.Connect(context.Background(), target, workbench.ConnectOptions{Direct: true, HTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	s, err := inv.Describe(context.Background(), "Uppercase")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := workbench.WriteSchema(&out, admin, s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"POST /uppercase", "request Uppercase\n  s  string\n", `"s": ""`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("describe lacks %q:\n%s", want, out.String())
		}
	}
}

// TestFiguresInTheGuide counts the port's lines, and its observability
// delta (the lines of main.go that name the instance helper or
// Prometheus), against the figures docs/from-go-kit.md states.
func TestFiguresInTheGuide(t *testing.T) {
	guide, err := os.ReadFile("../../docs/from-go-kit.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`port\s+is\s+(\d+)\s+lines of Go[\s\S]*?observability delta is (\d+) lines`).FindSubmatch(guide)
	if m == nil {
		t.Fatal("docs/from-go-kit.md no longer states the port's figures")
	}
	total := 0
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		total += bytes.Count(b, []byte("\n"))
	}
	mainGo, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	delta := len(regexp.MustCompile(`(?m)^.*(\binst\.|instance\.New|prometheus\.).*$`).FindAll(mainGo, -1))
	if strconv.Itoa(total) != string(m[1]) || strconv.Itoa(delta) != string(m[2]) {
		t.Errorf("the port is %d lines with an observability delta of %d; the guide says %s and %s", total, delta, m[1], m[2])
	}
	if delta > 10 {
		t.Errorf("observability costs %d lines; the bar is 10", delta)
	}
}
