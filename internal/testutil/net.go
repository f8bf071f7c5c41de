package testutil

import (
	"net"
	"testing"
)

// FreeAddr returns a 127.0.0.1 host:port that was free a moment ago, for a
// program the test starts in another process (which must be given its
// address). Another process may take the port before it is used; in-process
// servers should listen on 127.0.0.1:0 instead.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("no free loopback port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
