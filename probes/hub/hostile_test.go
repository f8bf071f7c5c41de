package hub_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"go.uber.org/goleak"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
)

func staticHub(t *testing.T, targets ...string) *hub.Hub {
	t.Helper()
	h, err := hub.New(hub.Options{Discovery: discovery.Options{Targets: targets}, ScrapeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h.WaitSettled(ctx); err != nil {
		t.Fatal(err)
	}
	return h
}

func only(t *testing.T, h *hub.Hub) hub.InstanceState {
	t.Helper()
	s := h.Snapshot()
	if len(s.Instances) != 1 {
		t.Fatalf("%d instances", len(s.Instances))
	}
	return s.Instances[0]
}

func TestHostileAdmins(t *testing.T) {
	cases := []struct {
		name      string
		handler   http.HandlerFunc
		state     hub.State
		intro     hub.Introspection
		errSubstr string
	}{
		{"garbage", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, "\x1b[31m{{{ not json")
		}, hub.StateDown, hub.IntroNone, "not protocol JSON"},
		{"protocol v2", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"protocol":2,"service":"future"}`)
		}, hub.StateUp, hub.IntroProtocol, "speaks protocol v2"},
		{"not kit", http.NotFound, hub.StateUp, hub.IntroProtocol, "not a kit admin listener"},
		{"huge", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			chunk := strings.Repeat("[", 1<<16)
			for range 200 {
				if _, err := fmt.Fprint(w, chunk); err != nil {
					return
				}
			}
		}, hub.StateDown, hub.IntroNone, "too large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			in := only(t, staticHub(t, srv.URL))
			if in.State != tc.state || in.Intro != tc.intro || !strings.Contains(in.Err, tc.errSubstr) {
				t.Fatalf("instance %s/%q/%q, want %s/%q with %q", in.State, in.Intro, in.Err, tc.state, tc.intro, tc.errSubstr)
			}
		})
	}
}

func TestInstanceWithoutAdmin(t *testing.T) {
	addr, client := registry(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	if err := client.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: "legacy-1", Name: "legacy", Address: "127.0.0.1", Port: port,
		Check: &api.AgentServiceCheck{TTL: "30s", Status: api.HealthPassing},
	}); err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(hub.Options{Discovery: discovery.Options{Consul: addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h.WaitSettled(ctx); err != nil {
		t.Fatal(err)
	}
	in := only(t, h)
	if in.State != hub.StateUp || in.Intro != hub.IntroNoAdmin || in.Err != "" {
		t.Fatalf("instance %+v", in.Instance)
	}
	sub := h.Subscribe(0)
	defer sub.Close()
	ln.Close()
	next(t, sub, "down", instanceIs(in.Key, hub.StateDown))
}

func TestHubCloseLeaksNothing(t *testing.T) {
	addr, _ := registry(t)
	book(t, "book-leak", addr, nil)
	runtime.GC()
	base := goleak.IgnoreCurrent()
	for i := range 100 {
		h, err := hub.New(hub.Options{Discovery: discovery.Options{Consul: addr}, ScrapeInterval: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 { // now and then, let the probes get going first
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			if err := h.WaitSettled(ctx); err != nil {
				t.Fatal(err)
			}
			cancel()
		}
		sub := h.Subscribe(0)
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := sub.Next(context.Background()); err != nil && err != hub.ErrClosed {
			t.Fatal(err)
		}
	}
	testutil.VerifyNone(t, base)
}
