package invoke_test

import (
	"net"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/bookstore/booktest"
)

// startBook runs a Book instance for the test.
func startBook(t *testing.T, cfg bookstore.Config) *bookstore.Instance { return booktest.Start(t, cfg) }

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
