package main

import (
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/bookstore/booktest"
	"github.com/kitbench/kitbench/internal/testutil/registrytest"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/kit/sd"
)

// fleetRegistry runs a dev registry on a free loopback port.
func fleetRegistry(t *testing.T) (string, *api.Client) {
	t.Helper()
	_, addr := registrytest.Start(t, "127.0.0.1:0")
	return addr, registrytest.Client(t, addr)
}

// fleetBook runs a Book instance for the test.
func fleetBook(t *testing.T, cfg bookstore.Config) *bookstore.Instance { return booktest.Start(t, cfg) }

// fleetHostile registers an instance whose id, tags and admin answer carry
// terminal escape sequences.
func fleetHostile(t *testing.T, c *api.Client) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	if err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: "evil-\x1b[2J\x1b]0;pwned\x07-1", Name: "evil", Address: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		Tags:  []string{"\x1b[31mred\x1b[0m", "bell\x07"},
		Meta:  map[string]string{sd.MetaAdmin: "http://127.0.0.1:1/\x1b[5m"},
		Check: &api.AgentServiceCheck{TTL: "30s", Status: api.HealthPassing},
	}); err != nil {
		t.Fatal(err)
	}
}

func noEscapes(t *testing.T, what, s string) {
	t.Helper()
	for _, r := range s {
		if r < 0x20 && r != '\n' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Fatalf("%s carries control character %U:\n%q", what, r, s)
		}
	}
}

func TestListUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, args := range [][]string{{"list", "--consul", addr}, {"describe", "bookstore", "--consul", addr}} {
		code, out, errOut := runArgs(t, args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 ||
			!strings.Contains(errOut, "cannot reach the registry at "+addr+" (--consul)") ||
			!strings.Contains(errOut, workbench.StartAFleet) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	t.Setenv("CONSUL_HTTP_ADDR", addr)
	if code, _, errOut := runArgs(t, "list"); code != 2 || !strings.Contains(errOut, addr+" (CONSUL_HTTP_ADDR)") {
		t.Errorf("CONSUL_HTTP_ADDR: exit %d, %q", code, errOut)
	}
}

func TestListUsage(t *testing.T) {
	for _, args := range [][]string{{"list", "-o", "yaml"}, {"list", "extra"}, {"list", "--consul", "x:1", "--target", "y:1"}, {"describe"}, {"list", "--target", "no-port"}} {
		if code, _, errOut := runArgs(t, args...); code != 1 || !strings.HasPrefix(errOut, "kitbench: ") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
}

func TestList(t *testing.T) {
	addr, c := fleetRegistry(t)
	fleetBook(t, bookstore.Config{Registry: addr, InstanceID: "book-1"})
	fleetHostile(t, c)

	code, out, errOut := runArgs(t, "list", "--consul", addr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	noEscapes(t, "list output", out)
	for _, want := range []string{"source: registry at " + addr, "SERVICE", "bookstore", "book-1", "passing", "up", "stream",
		"evil--1", "down", "bad admin address"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runArgs(t, "list", "--consul", addr, "-o", "json")
	var l workbench.Listing
	if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if len(l.Services) != 2 || l.Services[0].Name != "bookstore" || l.Services[0].Instances[0].Introspection != "stream" ||
		l.Services[1].Instances[0].ID != "evil-\x1b[2J\x1b]0;pwned\x07-1" || !strings.Contains(out, `\u001b[2J`) {
		t.Fatalf("json %+v\n%s", l, out)
	}
}

func TestListTargets(t *testing.T) {
	b := fleetBook(t, bookstore.Config{InstanceID: "book-t"})
	code, out, errOut := runArgs(t, "list", "--target", b.AdminAddr)
	if code != 0 || !strings.Contains(out, "source: static targets") || !strings.Contains(out, "bookstore") ||
		!strings.Contains(out, b.AdminAddr) || !strings.Contains(out, "stream") {
		t.Fatalf("exit %d, stderr %q:\n%s", code, errOut, out)
	}
}
