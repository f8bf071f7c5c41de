package introspect_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/fault"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/introspect"
)

func controlsServer(t *testing.T, opts ...wire.HandlerOption) (string, *fault.Injector) {
	t.Helper()
	reg := wire.NewRegistry(wire.Info{Service: "books", InstanceID: "books-1"})
	inj := fault.New(fault.WithRegistry(reg))
	inj.Middleware("GetBook")
	h := wire.NewHandler(reg, opts...)
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); h.Close() })
	return srv.URL, inj
}

func TestClientControls(t *testing.T) {
	base, _ := controlsServer(t, wire.WithControls(wire.ControlPolicy{}), wire.WithBearerToken("tok"))
	ctx := context.Background()
	c, err := introspect.New(base, introspect.Options{Token: "tok", Actor: "alice via kitbench"})
	if err != nil {
		t.Fatal(err)
	}
	req := wire.ControlRequest{TTL: wire.Duration(time.Minute), Fault: &wire.Fault{ErrorRate: 1}}
	ch, err := c.SetControl(ctx, wire.ControlFault, "GetBook", req)
	if err != nil || ch.Action != wire.ControlSet || ch.By != "alice via kitbench" || ch.Control.Until.Sub(ch.Control.SetAt) != time.Minute {
		t.Fatalf("SetControl: %+v, %v", ch, err)
	}
	l, err := c.Controls(ctx)
	if err != nil || !l.Enabled || len(l.Controls) != 1 || l.FaultEndpoints[0] != "GetBook" {
		t.Fatalf("Controls: %+v, %v", l, err)
	}
	_, err = c.SetControl(ctx, wire.ControlFault, "GetBook", wire.ControlRequest{Fault: &wire.Fault{ErrorRate: 3}})
	var ce *introspect.ControlError
	if !errors.Is(err, introspect.ErrBadControl) || !errors.As(err, &ce) || ce.Body.Param != "fault.error_rate" {
		t.Fatalf("a bad rate: %v, want ErrBadControl naming fault.error_rate", err)
	}
	if _, err := c.SetControl(ctx, wire.ControlFault, "Nope", req); !errors.Is(err, introspect.ErrNoControlTarget) {
		t.Fatalf("unknown endpoint: %v, want ErrNoControlTarget", err)
	}
	if chs, err := c.ClearControls(ctx); err != nil || len(chs) != 1 || chs[0].Action != wire.ControlCleared {
		t.Fatalf("ClearControls: %+v, %v", chs, err)
	}
	if _, err := c.ClearControl(ctx, wire.ControlFault, "GetBook"); !errors.Is(err, introspect.ErrNoControlTarget) {
		t.Fatalf("clearing nothing: %v", err)
	}
	anon, _ := introspect.New(base, introspect.Options{})
	if _, err := anon.SetControl(ctx, wire.ControlFault, "GetBook", req); !errors.Is(err, introspect.ErrUnauthorized) {
		t.Fatalf("no token: %v, want ErrUnauthorized", err)
	}
}

func TestClientControlsDisabled(t *testing.T) {
	base, _ := controlsServer(t)
	c, _ := introspect.New(base, introspect.Options{})
	_, err := c.SetControl(context.Background(), wire.ControlDrain, "", wire.ControlRequest{})
	if !errors.Is(err, introspect.ErrForbidden) {
		t.Fatalf("controls disabled: %v, want ErrForbidden", err)
	}
	if l, err := c.Controls(context.Background()); err != nil || l.Enabled {
		t.Fatalf("Controls on a disabled instance: %+v, %v", l, err)
	}
}
