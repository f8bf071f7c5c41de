//go:build unix

package thrift

import (
	"errors"
	"net"
	"os"
	"syscall"
)

// peerGone reports whether the peer of conn has closed or reset the
// connection, without consuming anything: it peeks at the socket without
// blocking. Bytes waiting (a pipelined request) mean the peer is there; no
// bytes and no end of stream mean it is waiting for an answer. A conn that
// is not a socket (net.Pipe in tests) is never reported gone.
func peerGone(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true // the descriptor is already closed
	}
	gone := false
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case rerr == nil:
			gone = n == 0 // end of stream
		case errors.Is(rerr, syscall.EAGAIN), errors.Is(rerr, syscall.EINTR):
		default:
			gone = true // reset, or another socket error
		}
		return true // never wait: this is a check, not a read
	})
	// A read deadline that has passed (a handler running longer than the
	// idle timeout) stops the check before it looks: not a sign of the peer.
	return gone || err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}
