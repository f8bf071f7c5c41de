package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/kit/instance"
	"github.com/kitbench/kitbench/kit/introspect"
)

// TestFaultCommands sets, lists and clears a fault on a Book instance
// through its admin listener, as a developer would.
func TestFaultCommands(t *testing.T) {
	inst := callBook(t, bookstore.Config{Controls: &introspect.ControlPolicy{}})
	admin := "--target=" + inst.AdminAddr
	code, out, errs := runArgs(t, "fault", "set", "bookstore", "GetBook", admin, "--error-rate", "1", "--for", "40s", "-o", "json")
	var rs []workbench.ControlResult
	if err := json.Unmarshal([]byte(out), &rs); code != 0 || err != nil || len(rs) != 1 || len(rs[0].Changes) != 1 {
		t.Fatalf("fault set: exit %d, %s %s", code, out, errs)
	}
	c := rs[0].Changes[0].Control
	if c.Kind != "fault" || c.Target != "GetBook" || c.Fault.ErrorRate != 1 || c.Until.Sub(c.SetAt) != 40*time.Second ||
		!strings.Contains(c.By, "via kitbench") {
		t.Fatalf("control set: %+v", c)
	}
	code, out, _ = runArgs(t, "fault", "list", "bookstore", admin)
	if code != 0 || !strings.Contains(out, "fault GetBook: error rate 1 (503)") || !strings.Contains(out, "left") {
		t.Fatalf("fault list: exit %d\n%s", code, out)
	}
	code, out, _ = runArgs(t, "breaker", "open", "bookstore.ListBooks", admin, "--for", "1m")
	if code != 0 || !strings.Contains(out, "breaker ListBooks forced open") {
		t.Fatalf("breaker open by its last name: exit %d\n%s", code, out)
	}
	code, out, _ = runArgs(t, "limit", "bookstore", admin, "--rate", "5", "--burst", "2")
	if code != 0 || !strings.Contains(out, "limiter bookstore: 5/s burst 2") {
		t.Fatalf("limit: exit %d\n%s", code, out)
	}
	code, out, _ = runArgs(t, "fault", "clear", "bookstore", admin)
	if code != 0 || !strings.Contains(out, "cleared  fault GetBook") {
		t.Fatalf("fault clear: exit %d\n%s", code, out)
	}
	if code, _, errs := runArgs(t, "fault", "set", "bookstore", "Nope", admin, "--error-rate", "1"); code != 1 || !strings.Contains(errs, "GetBook") {
		t.Fatalf("unknown endpoint: exit %d, %s; want 1 listing the endpoints", code, errs)
	}
	if code, _, errs := runArgs(t, "fault", "set", "bookstore", "GetBook", admin, "--error-rate", "1", "--for", "2h"); code != 1 || !strings.Contains(errs, "ttl") {
		t.Fatalf("--for 2h: exit %d, %s; want 1 naming ttl", code, errs)
	}
	if code, _, errs := runArgs(t, "drain", "bookstore", "--consul", "127.0.0.1:1"); code != 1 || !strings.Contains(errs, "one instance") {
		t.Fatalf("drain of a whole service: exit %d, %s", code, errs)
	}
}

func TestControlCommandsExplainRefusals(t *testing.T) {
	off := callBook(t, bookstore.Config{})
	code, _, errs := runArgs(t, "fault", "set", "bookstore", "GetBook", "--target="+off.AdminAddr, "--error-rate", "1")
	if code != 1 || !strings.Contains(errs, "has not enabled controls") {
		t.Fatalf("controls disabled: exit %d, %s", code, errs)
	}

	inst, err := instance.New(instance.Config{Service: "books", AdminToken: "s3cret", Controls: &introspect.ControlPolicy{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Shutdown(context.Background()) })
	inst.Faults().Middleware("GetBook")
	target := "--target=" + inst.AdminAddr()
	code, _, errs = runArgs(t, "fault", "set", "books", "GetBook", target, "--error-rate", "1", "--admin-token", "")
	if code != 1 || !strings.Contains(errs, "needs its admin token") || !strings.Contains(errs, "--admin-token") {
		t.Fatalf("no token: exit %d, %s", code, errs)
	}
	code, _, errs = runArgs(t, "fault", "set", "books", "GetBook", target, "--error-rate", "1", "--admin-token", "s3cret")
	if code != 0 {
		t.Fatalf("with the token: exit %d, %s", code, errs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := inst.Faults().Middleware("GetBook")(func(context.Context, any) (any, error) { return nil, nil })(ctx, nil); err == nil {
		t.Fatal("the fault set with the token is not in force")
	}
}
