package demo

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/etcdtest"
	"github.com/kitbench/kitbench/internal/testutil"
	"go.uber.org/goleak"

	"github.com/kitbench/kitbench/kit/sd/etcd"
)

func registered(t *testing.T, conn *etcd.Conn) []string {
	t.Helper()
	kvs, _, err := conn.List(t.Context(), etcd.DefaultPrefix)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range kvs {
		keys = append(keys, strings.TrimPrefix(kv.Key, etcd.DefaultPrefix))
	}
	return keys
}

func TestFleetOnEtcd(t *testing.T) {
	before := goleak.IgnoreCurrent()
	addr := etcdtest.Start(t).Addr
	f, err := Start(t.Context(), Options{Etcd: addr, RegistryAddr: "127.0.0.1:1", Seed: 1, Rate: -1})
	if err != nil {
		t.Fatal(err)
	}
	if !f.OnEtcd || f.OwnRegistry || f.Registry != addr || !strings.Contains(f.Addresses().String(), "(etcd)") {
		t.Fatalf("fleet: %+v", f.Addresses())
	}
	conn, err := etcd.NewClient(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	want := []string{"bookstore/bookstore-1", "bookstore/bookstore-2", "bookstore/bookstore-3", "gateway/gateway-1"}
	if got := registered(t, conn); !slices.Equal(got, want) {
		t.Fatalf("registered %v, want %v", got, want)
	}
	// The gateway found the Book instances through etcd.
	resp, err := http.Get("http://" + f.Gateway.HTTPAddr + "/v1/books/0000000000000001")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GetBook through the gateway: %v %v", resp, err)
	}
	resp.Body.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := f.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := registered(t, conn); len(got) != 0 {
		t.Fatalf("still registered after Close: %v", got)
	}
	conn.Close()
	http.DefaultClient.CloseIdleConnections()
	testutil.VerifyNone(t, before)
}

func TestFleetOnEtcdThatIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = Start(t.Context(), Options{Etcd: addr, Rate: -1})
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "--etcd") {
		t.Fatalf("err = %v", err)
	}
}
