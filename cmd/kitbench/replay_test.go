package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startBook(t *testing.T) *bookstore.Instance {
	t.Helper()
	inst, err := bookstore.Start(bookstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = inst.Shutdown(ctx)
	})
	return inst
}

// TestRecordThenReplay records traffic through `kitbench record`, then
// replays it: against a fresh instance (exit 0), against one whose state
// differs (exit 1, the diff names the field) and against nothing (exit 2).
func TestRecordThenReplay(t *testing.T) {
	book := startBook(t)
	file := filepath.Join(t.TempDir(), "s.kitrec")
	ctx, stop := context.WithCancel(t.Context())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"record", "--target", book.HTTPAddr, "--out", file, "--service", "bookstore"}, &out, &errb)
	}()
	addrRE := regexp.MustCompile(`recording http://(127\.0\.0\.1:\d+)`)
	var proxy string
	for deadline := time.Now().Add(10 * time.Second); proxy == ""; time.Sleep(5 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(out.String()); m != nil {
			proxy = m[1]
		} else if time.Now().After(deadline) {
			stop()
			t.Fatalf("record printed no address: %q %q", out.String(), errb.String())
		}
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	send := func(method, path, body string) {
		req, _ := http.NewRequest(method, "http://"+proxy+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer cli-secret-token")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send("POST", "/v1/books", `{"title":"Dune","author":"Frank Herbert","year":1965}`)
	send("GET", "/v1/books/0000000000000001", "")
	send("GET", "/v1/books", "")
	send("GET", "/v1/books/nope", "")
	client.CloseIdleConnections()
	stop()
	if code := <-done; code != 0 {
		t.Fatalf("record exit %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "recorded 4 exchanges") {
		t.Errorf("record output %q", out.String())
	}
	raw, _ := os.ReadFile(file)
	if bytes.Contains(raw, []byte("cli-secret-token")) {
		t.Error("the token reached the file")
	}

	ign := []string{"--ignore", "$.create_time", "--ignore", "$.books[*].create_time", "--ignore", "$.request_id", "--allow-writes"}
	fresh := startBook(t)
	code, stdout, stderr := runArgs(t, append([]string{"replay", file, "--target", fresh.HTTPAddr}, ign...)...)
	if code != 0 || !strings.Contains(stdout, "4 exchanges: 4 passed, 0 failed") {
		t.Fatalf("replay against a fresh instance: exit %d\n%s%s", code, stdout, stderr)
	}
	// The same instance again: it now holds two books, so the list differs
	// and the new book gets id 2.
	code, stdout, stderr = runArgs(t, append([]string{"replay", file, "--target", fresh.HTTPAddr}, ign...)...)
	if code != 1 || !strings.Contains(stdout, `$.id: want "0000000000000001", got "0000000000000002"`) ||
		!strings.Contains(stdout, "FAIL") || !strings.Contains(stderr, "did not match") {
		t.Fatalf("replay with different state: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runArgs(t, append([]string{"replay", file, "--target", fresh.HTTPAddr, "-o", "json"}, ign...)...)
	var rep struct {
		Passed, Failed int
		Results        []struct {
			OK    bool
			Diffs []struct{ Path, Want, Got string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 1 || rep.Failed == 0 || len(rep.Results) != 4 {
		t.Fatalf("-o json: exit %d, %v\n%s", code, err, stdout)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	code, _, stderr = runArgs(t, "replay", file, "--target", dead, "--allow-writes")
	if code != 2 || !strings.Contains(stderr, "could not be reached") {
		t.Fatalf("replay against nothing: exit %d %q", code, stderr)
	}
}

func TestReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	v9 := filepath.Join(dir, "v9.kitrec")
	if err := os.WriteFile(v9, []byte(`{"format":"kitrec","version":9}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"replay", filepath.Join(dir, "missing.kitrec")}, "no such file"},
		{[]string{"replay", v9}, "version 9"},
		{[]string{"replay", v9, "-o", "yaml"}, "want table or json"},
		{[]string{"record", "--out", "x"}, "--target and --out are required"},
	} {
		code, _, stderr := runArgs(t, c.args...)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
}
