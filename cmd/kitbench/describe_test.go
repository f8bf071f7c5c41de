package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/probes/hub"
)

func TestDescribe(t *testing.T) {
	addr, c := fleetRegistry(t)
	b := fleetBook(t, bookstore.Config{Registry: addr, InstanceID: "book-1"})
	fleetHostile(t, c)
	for range 3 {
		resp, err := http.Get("http://" + b.HTTPAddr + "/v1/books")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	code, out, errOut := runArgs(t, "describe", "bookstore", "--consul", addr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"SERVICE bookstore  (1 instance)", "book-1", "stream",
		"GetBook", "GET /v1/books/{id}", "/bookstore.v1.BookService/GetBook", "grpc",
		"BREAKER", "closed", "LIMITER", "bookstore"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
	t.Logf("describe bookstore:\n%s", out)
	if !strings.Contains(out, "/s") {
		t.Errorf("describe shows no rate:\n%s", out)
	}

	code, out, _ = runArgs(t, "describe", "bookstore", "--consul", addr, "-o", "json")
	var d struct {
		Service   string              `json:"service"`
		Instances []hub.InstanceState `json:"instances"`
	}
	if err := json.Unmarshal([]byte(out), &d); code != 0 || err != nil || d.Service != "bookstore" || len(d.Instances) != 1 ||
		d.Instances[0].Info == nil || len(d.Instances[0].Breakers) == 0 {
		t.Fatalf("exit %d, %v: %+v\n%s", code, err, d, out)
	}

	code, out, _ = runArgs(t, "describe", "evil", "--consul", addr)
	noEscapes(t, "describe evil", out)
	if code != 0 || !strings.Contains(out, "evil--1") || !strings.Contains(out, "bad admin address") {
		t.Fatalf("exit %d:\n%s", code, out)
	}

	code, _, errOut = runArgs(t, "describe", "nope", "--consul", addr)
	if code != 2 || !strings.Contains(errOut, `no service "nope"`) || !strings.Contains(errOut, "known services: bookstore, evil") {
		t.Fatalf("exit %d, %q", code, errOut)
	}
}
