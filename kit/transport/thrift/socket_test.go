package thrift_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/transport"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

func frame(payload []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	return append(out, payload...)
}

func TestMalformedInputClosesOnlyThatConnection(t *testing.T) {
	// A binary message header for GetBook whose argument struct is cut off.
	getBegin := []byte{0x80, 0x01, 0x00, 0x01, 0, 0, 0, 7, 'G', 'e', 't', 'B', 'o', 'o', 'k', 0, 0, 0, 1}
	for _, tc := range []struct {
		name, send, want string
	}{
		{"http request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP or another text protocol"},
		{"tls handshake", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "TLS handshake"},
		{"unframed binary message", string(getBegin), "unframed message"},
		{"frame over the limit", string(frame(bytes.Repeat([]byte{0x80}, 2048))), "exceeds the 1024-byte limit"},
		{"empty frame", "\x00\x00\x00\x00\x80", "frame size 0"},
		{"unknown protocol", string(frame([]byte("{\"method\":\"GetBook\"}"))), "neither the binary"},
		{"garbled binary message", string(frame([]byte{0x80, 0x01, 0x00, 0x01, 0xff, 0xff, 0xff, 0xf0, 'x'})), "binary"},
		{"truncated arguments", string(frame(append(getBegin, 0x0c))), "binary"},
		{"garbled compact message", string(frame([]byte{0x82, 0x21, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})), "compact"},
		{"cut header", "\x00\x00", "inside a frame header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.NoLeaks(t)
			log := newErrorLog()
			s := serve(t, newHandler(newShelf()), "", kitthrift.SocketConfig{MaxFrameSize: 1024, ErrorHandler: log.handle})
			get, create := clients(pool(t, s.addr, kitthrift.Compact))
			ctx := context.Background()
			if _, err := create(ctx, book{Title: "Dune"}); err != nil {
				t.Fatal(err)
			}

			bad, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer bad.Close()
			if _, err := io.WriteString(bad, tc.send); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(tc.name, "cut") {
				_ = bad.(*net.TCPConn).CloseWrite()
			}
			err = log.next(t)
			t.Logf("reported: %v", err)
			if !errors.Is(err, kitthrift.ErrMalformed) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), bad.LocalAddr().String()) {
				t.Errorf("reported %q; want ErrMalformed saying %q and naming the peer %s", err, tc.want, bad.LocalAddr())
			}
			// The server hangs up on the bad connection (an exception for
			// the argument struct may come first).
			_ = bad.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.Copy(io.Discard, bad); err != nil && !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("bad connection not closed by the server: %v", err)
			}
			// The good connection still works, and new ones are accepted.
			if _, err := get(ctx, getRequest{ID: "b1"}); err != nil {
				t.Errorf("get on the good connection after malformed input: %v", err)
			}
			other, _ := clients(pool(t, s.addr, kitthrift.Binary))
			if _, err := other(ctx, getRequest{ID: "b1"}); err != nil {
				t.Errorf("get on a new connection after malformed input: %v", err)
			}
		})
	}
}

func TestDeadlineExceeded(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.String(), func(t *testing.T) {
			testutil.NoLeaks(t)
			sh := newShelf()
			s := serve(t, newHandler(sh), "", kitthrift.SocketConfig{})
			get, create := clients(pool(t, s.addr, p))
			if _, err := create(context.Background(), book{Title: "Dune"}); err != nil {
				t.Fatal(err)
			}
			// The handler blocks until released, so the call can only end
			// by the caller's deadline, however long that takes.
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err := get(ctx, getRequest{ID: "slow"})
			if !errors.Is(err, context.DeadlineExceeded) || transport.StatusOf(err) != http.StatusGatewayTimeout {
				t.Fatalf("err = %v (status %d), want deadline exceeded, 504", err, transport.StatusOf(err))
			}
			close(sh.release)
			if _, err := get(context.Background(), getRequest{ID: "b1"}); err != nil {
				t.Errorf("get after a timed-out call: %v", err)
			}
		})
	}
}

func TestCancelledCallerLeavesNoGoroutine(t *testing.T) {
	testutil.NoLeaks(t)
	sh := newShelf()
	s := serve(t, newHandler(sh), "", kitthrift.SocketConfig{})
	get, _ := clients(pool(t, s.addr, kitthrift.Binary))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := get(ctx, getRequest{ID: "slow"})
		errc <- err
	}()
	<-sh.entered // the call is in the server's handler
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) || transport.StatusOf(err) != transport.StatusClientClosedRequest {
		t.Fatalf("err = %v (status %d), want canceled, 499", err, transport.StatusOf(err))
	}
	close(sh.release)
}

func TestServerRestartRecoversThroughBalancer(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.String(), func(t *testing.T) {
			testutil.NoLeaks(t)
			sh := newShelf()
			h := newHandler(sh)
			s := serve(t, h, "", kitthrift.SocketConfig{})
			factory := func(inst sd.Instance) (endpoint.Endpoint, io.Closer, error) {
				pl := kitthrift.NewPool(inst.Address, kitthrift.PoolConfig{Protocol: p})
				get, _ := clients(pl)
				return get, pl, nil
			}
			insts, err := sd.StaticInstances("books", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			e := sd.NewEndpointer(sd.FixedInstancer(insts), factory)
			defer e.Close()
			if err := e.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			get := lb.Retry(3, time.Second, lb.NewRoundRobin(e))
			ctx := context.Background()
			if _, err := sh.create(ctx, book{Title: "Dune"}); err != nil {
				t.Fatal(err)
			}
			for range 4 { // fill the pool with idle connections
				if _, err := get(ctx, getRequest{ID: "b1"}); err != nil {
					t.Fatalf("before restart: %v", err)
				}
			}

			s.stop()
			_, err = get(ctx, getRequest{ID: "b1"})
			if transport.StatusOf(err) != http.StatusServiceUnavailable {
				t.Fatalf("while down: %v (status %d), want 503", err, transport.StatusOf(err))
			}

			serve(t, h, s.addr, kitthrift.SocketConfig{}) // same address, like a restarted process
			got, err := get(ctx, getRequest{ID: "b1"})
			if err != nil || got.(book).Title != "Dune" {
				t.Fatalf("after restart: %+v, %v", got, err)
			}
		})
	}
}

func TestShutdownFinishesInFlightCalls(t *testing.T) {
	testutil.NoLeaks(t)
	sh := newShelf()
	s := serve(t, newHandler(sh), "", kitthrift.SocketConfig{})
	get, create := clients(pool(t, s.addr, kitthrift.Binary))
	ctx := context.Background()
	if _, err := create(ctx, book{Title: "Dune"}); err != nil {
		t.Fatal(err)
	}
	idle, err := net.Dial("tcp", s.addr) // an idle connection
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	errc := make(chan error, 1)
	go func() {
		_, err := get(ctx, getRequest{ID: "slow"})
		errc <- err
	}()
	<-sh.entered
	shut := make(chan error, 1)
	go func() { shut <- s.srv.Shutdown(context.Background()) }()
	// The idle connection is closed while the call is still in flight.
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, idle); err != nil {
		t.Fatalf("idle connection not closed by Shutdown: %v", err)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) before the in-flight call finished", err)
	default:
	}
	close(sh.release)
	if err := <-errc; err == nil || transport.StatusOf(err) != http.StatusNotFound {
		// "slow" is not on the shelf: the call completes with NotFound.
		t.Errorf("in-flight call: %v, want its answer (404)", err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-s.done; !errors.Is(err, kitthrift.ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
	s.done = nil
}

// A client that hangs up while its call runs cancels the handler's
// context: the generated processor's connectivity check asks the
// connection, which looks at the socket. Nothing is answered, and nothing
// is reported as an error of the server.
func TestClientHangingUpCancelsTheHandler(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.String(), func(t *testing.T) {
			testutil.NoLeaks(t)
			sh := newShelf()
			handled := make(chan error, 1)
			h := newHandler(sh, kitthrift.ServerFinalizer(func(_ context.Context, err error) {
				handled <- err
			}))
			log := newErrorLog()
			s := serve(t, h, "", kitthrift.SocketConfig{ErrorHandler: log.handle})
			get, _ := clients(pool(t, s.addr, p))
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, err := get(ctx, getRequest{ID: "slow"})
				errc <- err
			}()
			<-sh.entered
			cancel() // the client closes its connection
			<-errc
			select {
			case err := <-handled:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("the handler ended with %v, want its context cancelled", err)
				}
			case <-time.After(10 * time.Second): // bounded: without the check it never ends
				close(sh.release)
				t.Fatal("the handler still runs after its client hung up")
			}
			log.mu.Lock()
			defer log.mu.Unlock()
			if len(log.errs) != 0 {
				t.Errorf("the server reported %v", log.errs)
			}
		})
	}
}
