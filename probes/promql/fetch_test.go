package promql_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/probes/promql"
)

// TestFetchNamesTheServerWhenItIsDown asks a port nothing listens on: the
// whole Fetch fails, with an error that names the server and a figure.
func TestFetchNamesTheServerWhenItIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := promql.New(promql.Options{URL: addr, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.Fetch(context.Background(), time.Time{})
	if err == nil || f != nil {
		t.Fatalf("Fetch = %v, %v; want an error", f, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "http://"+addr) || !strings.Contains(msg, "requests query") {
		t.Fatalf("error %q must name the server and the figure", msg)
	}
}
