package main

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/etcdtest"
	"github.com/kitbench/kitbench/internal/workbench"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/etcd"
)

func TestEtcdSource(t *testing.T) {
	addr := etcdtest.Start(t).Addr
	book := fleetBook(t, bookstore.Config{InstanceID: "book-1"})
	conn, err := etcd.NewClient(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r, err := etcd.NewRegistrar(conn, sd.Instance{ID: book.InstanceID, Service: bookstore.ServiceName, Address: book.HTTPAddr,
		Meta: map[string]string{sd.MetaHTTP: book.HTTPAddr, sd.MetaGRPC: book.GRPCAddr, sd.MetaAdmin: "http://" + book.AdminAddr}},
		etcd.RegistrarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Register(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer r.Deregister(context.WithoutCancel(t.Context()))

	code, out, errOut := runArgs(t, "list", "--etcd", addr, "-o", "json")
	var l workbench.Listing
	if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil {
		t.Fatalf("list --etcd: exit %d, %v: %s%s", code, err, out, errOut)
	}
	if l.Source.Source != "etcd at "+addr || len(l.Services) != 1 || l.Services[0].Instances[0].ID != "book-1" ||
		l.Services[0].Instances[0].Introspection != "stream" {
		t.Fatalf("list --etcd: %s", out)
	}
	code, out, errOut = runArgs(t, "call", "--etcd", addr, "bookstore.CreateBook", "-d", `{"book":{"title":"Dune","author":"Herbert","year":1965}}`)
	if code != 0 || !strings.Contains(out, "Dune") {
		t.Fatalf("call --etcd: exit %d: %s%s", code, out, errOut)
	}

	// ETCDCTL_ENDPOINTS is the source when no Consul address is named.
	t.Setenv("CONSUL_HTTP_ADDR", "")
	t.Setenv("ETCDCTL_ENDPOINTS", addr)
	if code, out, errOut := runArgs(t, "describe", "bookstore"); code != 0 || !strings.Contains(out, "book-1") {
		t.Fatalf("describe with ETCDCTL_ENDPOINTS: exit %d: %s%s", code, out, errOut)
	}
}

func TestEtcdUsage(t *testing.T) {
	for _, args := range [][]string{
		{"list", "--etcd", "127.0.0.1:1", "--consul", "127.0.0.1:2"},
		{"list", "--etcd", "127.0.0.1:1", "--target", "127.0.0.1:2"},
		{"call", "--etcd", "127.0.0.1:1", "--consul", "127.0.0.1:2", "bookstore.GetBook"},
		{"demo", "--headless", "--etcd", "127.0.0.1:1", "--registry-addr", "127.0.0.1:2"},
	} {
		if code, _, errOut := runArgs(t, args...); code != 1 || !strings.Contains(errOut, "--etcd") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if code, _, errOut := runArgs(t, "list", "--etcd", addr, "--timeout", "3s"); code != 2 || !strings.Contains(errOut, addr+" (--etcd)") {
		t.Errorf("list --etcd with nothing there: exit %d, %q", code, errOut)
	}
}
