package instance_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/instance"
	"github.com/kitbench/kitbench/kit/introspect"
)

func control(t *testing.T, inst *instance.Instance, method, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+inst.AdminAddr()+introspect.ControlsPath+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestDrainDeregistersWhileCallsFinish drains a registered instance with
// a call in flight: the instance leaves the registry, the call finishes,
// new calls are still served, and undraining registers it again.
func TestDrainDeregistersWhileCallsFinish(t *testing.T) {
	registry := startRegistry(t)
	inst, err := instance.New(instance.Config{Service: "drainsvc", Registry: registry, Controls: &introspect.ControlPolicy{}})
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}, 1), make(chan struct{})
	addr, err := inst.ServeHTTP("", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			entered <- struct{}{}
			<-release
		}
		_, _ = io.WriteString(w, "served")
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- inst.Run(ctx) }()
	defer func() { cancel(); <-ran }()
	waitService(t, registry, "drainsvc", func(es []entry) bool { return len(es) == 1 })

	inflight := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			inflight <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		inflight <- string(b)
	}()
	<-entered
	// The registry lists the instance a moment before Run's registration
	// call returns; until then a drain is refused (404, "Start has not
	// registered it"), so ask until it is taken.
	st := control(t, inst, "PUT", "/drain", `{"ttl":"1m"}`)
	for deadline := time.Now().Add(10 * time.Second); st == 404 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		st = control(t, inst, "PUT", "/drain", `{"ttl":"1m"}`)
	}
	if st != 200 {
		t.Fatalf("drain: HTTP %d", st)
	}
	waitService(t, registry, "drainsvc", func(es []entry) bool { return len(es) == 0 })
	close(release)
	select {
	case got := <-inflight:
		if got != "served" {
			t.Fatalf("the call in flight got %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call in flight never finished")
	}
	if got := get(t, "http://"+addr+"/"); got != "served" {
		t.Fatalf("a drained instance stopped serving: %q", got)
	}
	if st := control(t, inst, "DELETE", "/drain", ""); st != 200 {
		t.Fatalf("undrain: HTTP %d", st)
	}
	waitService(t, registry, "drainsvc", func(es []entry) bool { return len(es) == 1 })
}

func TestControlsRefusedOnAWideAdminAddress(t *testing.T) {
	_, err := instance.New(instance.Config{Service: "s", AdminAddr: "0.0.0.0:0", Controls: &introspect.ControlPolicy{}})
	if !errors.Is(err, instance.ErrConfig) {
		t.Fatalf("controls on 0.0.0.0: %v, want ErrConfig", err)
	}
	inst, err := instance.New(instance.Config{Service: "s", Controls: &introspect.ControlPolicy{}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = inst.Shutdown(context.Background()) }()
	if st := control(t, inst, "PUT", "/drain", `{}`); st != http.StatusNotFound {
		t.Fatalf("drain before Start: HTTP %d, want a refusal", st)
	}
}

// TestUndrainAfterShutdownRegistersNothing: once Shutdown has left the
// registry, an undrain (a drain control's TTL running out, say) is refused
// instead of listing a stopped instance again.
func TestUndrainAfterShutdownRegistersNothing(t *testing.T) {
	registry := startRegistry(t)
	inst, err := instance.New(instance.Config{Service: "stoppedsvc", Registry: registry, Controls: &introspect.ControlPolicy{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitService(t, registry, "stoppedsvc", func(es []entry) bool { return len(es) == 1 })
	if err := inst.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := inst.Undrain(context.Background()); !errors.Is(err, instance.ErrNotRegistered) {
		t.Errorf("Undrain after Shutdown: %v, want ErrNotRegistered", err)
	}
	waitService(t, registry, "stoppedsvc", func(es []entry) bool { return len(es) == 0 })
}
