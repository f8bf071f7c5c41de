package invoke_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
)

// startBook runs a Book instance for the test.
func startBook(t *testing.T, cfg bookstore.Config) *bookstore.Instance {
	t.Helper()
	inst, err := bookstore.Start(cfg)
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

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
