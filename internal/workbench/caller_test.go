package workbench

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

func TestCallerMovesOnFromUnreachableInstances(t *testing.T) {
	inst := book(t, bookstore.Config{})
	ctx := context.Background()
	var skipped []string
	c := NewCaller(CallerOptions{Skipped: func(in sd.Instance, err error) {
		if !errors.Is(err, invoke.ErrUnreachable) {
			t.Errorf("skipped %s for %v, which is not unreachable", in.ID, err)
		}
		skipped = append(skipped, in.ID)
	}})
	defer c.Close()

	req := invoke.Request{Method: "bookstore.CreateBook", Body: []byte(`{"book":{"title":"Dune","author":"Frank Herbert"}}`)}
	got, err := c.Call(ctx, "bookstore", []sd.Instance{gone(t, "gone-1"), registered(inst), gone(t, "gone-2")}, req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Instance.ID != inst.InstanceID || got.Service != "bookstore" || got.Request.Method != req.Method ||
		!got.Result.OK() || got.Result.Transport != invoke.GRPC || !strings.Contains(string(got.Result.Body), "Dune") {
		t.Fatalf("call %+v, result %+v", got, got.Result)
	}
	if strings.Join(skipped, ",") != "gone-1" {
		t.Errorf("skipped %v, want only gone-1", skipped)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(got.Result.Body, &created); err != nil || created.ID == "" {
		t.Fatalf("created %s: %v", got.Result.Body, err)
	}

	// An instance that publishes no gRPC address is called over HTTP.
	got, err = c.Call(ctx, "bookstore", []sd.Instance{httpOnly(inst)}, invoke.Request{Method: "bookstore.GetBook", Body: []byte(`{"id":"` + created.ID + `"}`)})
	if err != nil || got.Result.Transport != invoke.HTTP || !strings.Contains(string(got.Result.Body), "Frank Herbert") {
		t.Fatalf("HTTP call: %+v %v", got, err)
	}

	// An error status is an answer, not a reason to move on.
	got, err = c.Call(ctx, "bookstore", []sd.Instance{registered(inst), gone(t, "gone-3")}, invoke.Request{Method: "bookstore.GetBook", Body: []byte(`{"id":"nope"}`)})
	if err != nil || got.Result.OK() || got.Result.Status != "NOT_FOUND" {
		t.Errorf("a missing book: %+v %v", got, err)
	}
	// A bad request is refused at once: the next instance would refuse it too.
	skipped = nil
	if _, err := c.Call(ctx, "bookstore", []sd.Instance{registered(inst), gone(t, "gone-4")}, invoke.Request{Method: "bookstore.GetBook", Body: []byte(`{"id":`)}); !errors.Is(err, invoke.ErrBadJSON) || len(skipped) != 0 {
		t.Errorf("bad JSON: %v (skipped %v)", err, skipped)
	}
}

func TestCallerReportsEveryFailure(t *testing.T) {
	ctx := context.Background()
	c := NewCaller(CallerOptions{})
	defer c.Close()
	req := invoke.Request{Method: "bookstore.GetBook"}

	_, err := c.Call(ctx, "bookstore", []sd.Instance{gone(t, "gone-1"), gone(t, "gone-2")}, req)
	if !errors.Is(err, invoke.ErrUnreachable) || !strings.HasPrefix(err.Error(), "no instance of bookstore is reachable: ") ||
		strings.Count(err.Error(), "unreachable") != 2 {
		t.Errorf("two unreachable: %v", err)
	}
	// One candidate: its own error, which says what it is.
	_, err = c.Call(ctx, "bookstore", []sd.Instance{gone(t, "gone-1")}, req)
	if !errors.Is(err, invoke.ErrUnreachable) || strings.Contains(err.Error(), "no instance of") {
		t.Errorf("one unreachable: %v", err)
	}
	_, err = c.Call(ctx, "bookstore", nil, req)
	if !errors.Is(err, ErrNoCandidates) || err.Error() != "no instance of bookstore offers GetBook" {
		t.Errorf("no candidates: %v", err)
	}
	// A candidate that cannot be connected to for another reason stops a
	// call, and is passed over by Describe.
	thrift := sd.Instance{ID: "thrift-1", Meta: map[string]string{sd.MetaThrift: "127.0.0.1:1"}}
	if _, err := c.Call(ctx, "bookstore", []sd.Instance{thrift, gone(t, "gone-2")}, req); err == nil || !strings.Contains(err.Error(), "serves Thrift only") {
		t.Errorf("thrift-only instance: %v", err)
	}
}

func TestCallerKeepsConnections(t *testing.T) {
	inst := book(t, bookstore.Config{})
	ctx := context.Background()
	c := NewCaller(CallerOptions{Keep: true})
	in := registered(inst)
	for range 3 {
		if _, err := c.Call(ctx, "bookstore", []sd.Instance{in}, invoke.Request{Method: "bookstore.ListBooks"}); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	kept := len(c.conns)
	c.mu.Unlock()
	if kept != 1 {
		t.Errorf("%d connections kept for one instance, want 1", kept)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if len(c.conns) != 0 {
		t.Errorf("Close left %d connections", len(c.conns))
	}
}

func TestCallerDescribe(t *testing.T) {
	inst := book(t, bookstore.Config{})
	ctx := context.Background()
	c := NewCaller(CallerOptions{})
	thrift := sd.Instance{ID: "thrift-1", Meta: map[string]string{sd.MetaThrift: "127.0.0.1:1"}}
	s, from, err := c.Describe(ctx, "bookstore", []sd.Instance{thrift, gone(t, "gone-1"), registered(inst)}, "bookstore.CreateBook")
	if err != nil || from.ID != inst.InstanceID || !json.Valid(s.Template) || !strings.Contains(string(s.Template), "title") {
		t.Fatalf("describe: %+v from %s: %v", s, from.ID, err)
	}
	if _, _, err := c.Describe(ctx, "bookstore", []sd.Instance{registered(inst), gone(t, "gone-2")}, "bookstore.Nope"); !errors.Is(err, invoke.ErrNoMethod) {
		t.Errorf("unknown method: %v", err)
	}
	_, _, err = c.Describe(ctx, "bookstore", []sd.Instance{thrift, gone(t, "gone-3")}, "bookstore.GetBook")
	if !errors.Is(err, invoke.ErrUnreachable) || !strings.Contains(err.Error(), "serves Thrift only") {
		t.Errorf("nothing to describe with: %v", err)
	}
}

func TestCallerAllCompares(t *testing.T) {
	store := bookstore.NewStore()
	a := book(t, bookstore.Config{Service: store, InstanceID: "book-a"})
	b := book(t, bookstore.Config{Service: store, InstanceID: "book-b", Middleware: func(method string, next endpoint.Endpoint) endpoint.Endpoint {
		if method != bookstore.MethodListBooks {
			return next
		}
		return func(context.Context, any) (any, error) { return bookstore.ListBooksResponse{}, nil }
	}})
	ctx := context.Background()
	c := NewCaller(CallerOptions{})
	if _, err := c.Call(ctx, "bookstore", []sd.Instance{registered(a)}, invoke.Request{Method: "bookstore.CreateBook", Body: []byte(`{"book":{"title":"Emma","author":"Jane Austen"}}`)}); err != nil {
		t.Fatal(err)
	}
	outs, calls, ref, err := c.All(ctx, "bookstore", []sd.Instance{gone(t, "book-c"), registered(b), registered(a)}, invoke.Request{Method: "bookstore.ListBooks"})
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 3 || outs[0].Instance != "book-a" || outs[1].Instance != "book-b" || outs[2].Instance != "book-c" {
		t.Fatalf("outcomes %+v", outs)
	}
	if !errors.Is(outs[2].Err, invoke.ErrUnreachable) || len(calls) != 2 || calls[0].Instance.ID != "book-a" {
		t.Errorf("unreachable %v; calls %d", outs[2].Err, len(calls))
	}
	if outs[0].Same == outs[1].Same || outs[ref].Result == nil {
		t.Errorf("one of two answers differs: %+v (reference %d)", outs, ref)
	}
	if _, _, _, err := c.All(ctx, "bookstore", []sd.Instance{registered(a)}, invoke.Request{Method: "bookstore.GetBook", Body: []byte(`[`)}); !errors.Is(err, invoke.ErrBadJSON) {
		t.Errorf("bad JSON: %v", err)
	}
}
