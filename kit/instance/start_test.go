package instance_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kitbench/kitbench/kit/instance"
	"github.com/kitbench/kitbench/kit/sd"
)

// rawServer is the smallest transport Serve can run: it accepts and closes
// connections until stopped.
type rawServer struct {
	ln      atomic.Pointer[net.Listener]
	stopped atomic.Bool
}

func (s *rawServer) serve(ln net.Listener) error {
	s.ln.Store(&ln)
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.stopped.Load() {
				return nil
			}
			return err
		}
		c.Close()
	}
}

func (s *rawServer) stop(context.Context) error {
	s.stopped.Store(true)
	if ln := s.ln.Load(); ln != nil {
		return (*ln).Close()
	}
	return nil
}

// passing asks the registry, without waiting, which instances of service
// are passing.
func passing(t *testing.T, registry, service string) []entry {
	t.Helper()
	resp, err := http.Get("http://" + registry + "/v1/health/service/" + service + "?passing")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var es []entry
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &es); err != nil {
		t.Fatalf("registry answered %s: %v", b, err)
	}
	return es
}

// TestStartAndShutdown: Start serves and registers every listener, a
// transport run with Serve as "thrift" included, and returns; Shutdown
// deregisters before the BeforeStop functions run, which run while the
// listeners still serve, and stops everything. The panic policy counts on
// the instance's /metrics.
func TestStartAndShutdown(t *testing.T) {
	registry := startRegistry(t)
	inst, err := instance.New(instance.Config{Service: "startsvc", Registry: registry})
	if err != nil {
		t.Fatal(err)
	}
	httpAddr, err := inst.ServeHTTP("", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("up")) }))
	if err != nil {
		t.Fatal(err)
	}
	raw := &rawServer{}
	thriftAddr, err := inst.Serve("thrift", "", raw.serve, raw.stop)
	if err != nil {
		t.Fatal(err)
	}
	var atStop struct {
		registered int
		served     bool
	}
	inst.BeforeStop(func() {
		atStop.registered = len(passing(t, registry, "startsvc"))
		if resp, err := http.Get("http://" + httpAddr); err == nil {
			resp.Body.Close()
			atStop.served = resp.StatusCode == 200
		}
	})
	if err := inst.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.ServeHTTP("", http.NotFoundHandler()); !errors.Is(err, instance.ErrRunning) {
		t.Errorf("ServeHTTP after Start = %v, want ErrRunning", err)
	}
	es := waitService(t, registry, "startsvc", func(es []entry) bool { return len(es) == 1 })
	if m := es[0].Service.Meta; m[sd.MetaHTTP] != httpAddr || m[sd.MetaThrift] != thriftAddr {
		t.Errorf("registered meta %v, want http %s and thrift %s", m, httpAddr, thriftAddr)
	}
	if tags := strings.Join(es[0].Service.Tags, ","); tags != "http,thrift" {
		t.Errorf("tags %q, want http,thrift", tags)
	}
	if get(t, "http://"+httpAddr) != "up" {
		t.Error("the HTTP listener does not serve after Start")
	}
	_ = inst.PanicPolicy().Recovered(context.Background(), "http", "GET /boom", "value")
	admin := "http://" + inst.AdminAddr()
	if m := get(t, admin+"/metrics"); !strings.Contains(m, `kit_panics_total{endpoint="GET /boom",transport="http"} 1`) {
		t.Errorf("/metrics does not count the panic")
	}
	if !strings.Contains(get(t, admin+"/debug/kit/v1/info"), `"name":"thrift","addr":"`+thriftAddr) {
		t.Error("info does not list the thrift transport")
	}

	if err := inst.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if atStop.registered != 0 || !atStop.served {
		t.Errorf("at BeforeStop: %d instances registered, HTTP served %v; want 0 and true", atStop.registered, atStop.served)
	}
	if _, err := http.Get("http://" + httpAddr); err == nil {
		t.Error("the HTTP listener outlived Shutdown")
	}
	if c, err := net.Dial("tcp", thriftAddr); err == nil {
		c.Close()
		t.Error("the thrift listener outlived Shutdown")
	}
	if err := inst.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

// TestDoneOnListenerFailure: a listener that fails on its own closes Done
// and Err names it.
func TestDoneOnListenerFailure(t *testing.T) {
	inst, err := instance.New(instance.Config{Service: "failsvc"})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if _, err := inst.Serve("custom", "", func(net.Listener) error { return boom }, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if inst.Err() != nil {
		t.Fatalf("Err before Start = %v", inst.Err())
	}
	if err := inst.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	<-inst.Done()
	if err := inst.Err(); !errors.Is(err, boom) || !strings.Contains(err.Error(), "custom listener") {
		t.Errorf("Err = %v, want boom naming the custom listener", err)
	}
	if err := inst.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestStopDuringRegistrationDeregisters: a signal (here, the end of Run's
// context) that arrives while the registration is in flight, after the
// registry took it, still deregisters the instance: it must not stay
// listed until its TTL check expires. A reverse proxy in front of a real
// registry holds the registration's answer back, so that the signal
// arrives at that moment every time.
func TestStopDuringRegistrationDeregisters(t *testing.T) {
	registry := startRegistry(t)
	target, _ := url.Parse("http://" + registry)
	taken, release := make(chan struct{}), make(chan struct{})
	rp := httputil.NewSingleHostReverseProxy(target)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxy := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/v1/agent/service/register") {
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r) // the registry takes it …
			close(taken)
			<-release // … and the answer waits
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = proxy.Serve(ln) }()
	t.Cleanup(func() { _ = proxy.Close() })

	inst, err := instance.New(instance.Config{Service: "heldsvc", Registry: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inst.ServeHTTP("", http.NotFoundHandler()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- inst.Run(ctx) }()
	<-taken
	cancel()
	close(release)
	if err := <-ran; err != nil {
		t.Errorf("Run = %v, want nil: a stop during registration is a stop", err)
	}
	if es := passing(t, registry, "heldsvc"); len(es) != 0 {
		t.Errorf("the registry still lists %d instance(s) after Run returned", len(es))
	}
}
