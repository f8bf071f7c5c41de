package introspect

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"go.uber.org/goleak"
)

func TestAdminAddr(t *testing.T) {
	for in, want := range map[string]string{
		"":               "127.0.0.1:0",
		":9090":          "127.0.0.1:9090",
		"127.0.0.1:0":    "127.0.0.1:0",
		"[::1]:0":        "[::1]:0",
		"0.0.0.0:9090":   "0.0.0.0:9090", // explicit wildcard: the caller's choice
		"localhost:9090": "localhost:9090",
	} {
		got, err := adminAddr(in)
		if err != nil || got != want {
			t.Errorf("adminAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"9090", "host", "a:b:c"} {
		if _, err := adminAddr(bad); !errors.Is(err, ErrAdminAddr) {
			t.Errorf("adminAddr(%q): %v, want ErrAdminAddr", bad, err)
		}
	}
	if _, err := ListenAdmin("", nil); !errors.Is(err, ErrAdminAddr) {
		t.Errorf("nil handler: %v", err)
	}
}

func TestListenAdminLoopbackByDefault(t *testing.T) {
	baseline := goleak.IgnoreCurrent()
	for _, addr := range []string{"", ":0"} {
		s, err := ListenAdmin(addr, NewHandler(fixedRegistry()))
		if err != nil {
			t.Fatal(err)
		}
		host, port, _ := net.SplitHostPort(s.Addr())
		if host != "127.0.0.1" || port == "0" {
			t.Errorf("ListenAdmin(%q) bound %s, want 127.0.0.1 and a real port", addr, s.Addr())
		}
		resp, err := http.Get("http://" + s.Addr() + PathPrefix + "/info")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("info: %d", resp.StatusCode)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	testutil.VerifyNone(t, baseline)
}

func TestListenAdminBusyPort(t *testing.T) {
	s, err := ListenAdmin("", NewHandler(NewRegistry(Info{})))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s2, err := ListenAdmin(s.Addr(), NewHandler(NewRegistry(Info{}))); err == nil {
		s2.Close()
		t.Fatal("a second listener on a busy port should fail")
	}
}

// Shutdown ends /events streams (they never go idle by themselves) and
// returns once every connection is done; nothing is left running.
func TestAdminShutdownEndsStreams(t *testing.T) {
	baseline := goleak.IgnoreCurrent()
	reg := NewRegistry(Info{})
	h := NewHandler(reg)
	s, err := ListenAdmin("", h)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http://" + s.Addr() + PathPrefix + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if _, err := readFrame(r); err != nil {
		t.Fatal(err)
	}
	reg.Publish(fixedEvents()[1])
	if _, e := readEvent(t, r); e.Type != EventLimiter {
		t.Fatalf("event %+v", e)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for {
		if _, err := readFrame(r); err != nil {
			break // the stream has ended
		}
	}
	if _, err := http.Get("http://" + s.Addr() + PathPrefix + "/info"); err == nil {
		t.Error("the listener still answers after Shutdown")
	}
	resp.Body.Close()
	tr.CloseIdleConnections()
	_ = h.Close()
	testutil.VerifyNone(t, baseline)
}

func TestAdminServerTimeouts(t *testing.T) {
	s, err := ListenAdmin("", NewHandler(NewRegistry(Info{})))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.srv.ReadHeaderTimeout <= 0 || s.srv.ReadTimeout <= 0 || s.srv.IdleTimeout <= 0 ||
		s.srv.WriteTimeout <= 0 || s.srv.MaxHeaderBytes <= 0 {
		t.Errorf("unsafe server settings: %+v", s.srv)
	}
}
