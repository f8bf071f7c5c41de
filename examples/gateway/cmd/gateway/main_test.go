package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/gateway"
)

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
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

func TestServesUntilCancelled(t *testing.T) {
	book, err := bookstore.Start(bookstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = book.Shutdown(context.Background()) }()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	gws := make(chan *gateway.Instance, 1)
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"-http-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-registry", "",
			"-target", book.GRPCAddr}, &stderr, func(g *gateway.Instance) { gws <- g })
	}()
	var gw *gateway.Instance
	select {
	case gw = <-gws:
	case c := <-code:
		t.Fatalf("exited with %d: %s", c, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("the gateway did not start")
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http://" + gw.HTTPAddr + "/v1/books")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("call through the gateway: %s", resp.Status)
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("exit code %d: %s", c, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the gateway did not stop")
	}
	if out := stderr.String(); !strings.Contains(out, "gateway listening") || !strings.Contains(out, "gateway shutting down") {
		t.Fatalf("log:\n%s", out)
	}
}

func TestBadInvocations(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		code    int
		mention string
	}{
		{[]string{"-nope"}, 2, "-nope"},
		{[]string{"extra"}, 2, "extra"},
		{[]string{"-registry", ""}, 1, "Targets"},
		{[]string{"-registry", "", "-target", "127.0.0.1:1", "-upstream", "thrift"}, 1, "thrift"},
	} {
		var stderr syncBuffer
		if c := run(context.Background(), tc.args, &stderr, nil); c != tc.code || !strings.Contains(stderr.String(), tc.mention) {
			t.Errorf("%q: exit %d, want %d, output %q should mention %q", tc.args, c, tc.code, stderr.String(), tc.mention)
		}
	}
}
