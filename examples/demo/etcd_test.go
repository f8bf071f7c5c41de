package demo

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/sd/etcd"
)

// startEtcd runs Debian's etcd-server (installed by .ci/deps.sh) on free
// loopback ports with a temporary data directory until the test ends, and
// returns its client address once it answers.
func startEtcd(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatalf("no etcd on PATH (%v): install Debian's etcd-server, as .ci/deps.sh does", err)
	}
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	dir := t.TempDir()
	client, peer := free(), free()
	log, err := os.Create(filepath.Join(dir, "etcd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--name", "kit", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", "http://"+client, "--advertise-client-urls", "http://"+client,
		"--listen-peer-urls", "http://"+peer, "--initial-advertise-peer-urls", "http://"+peer,
		"--initial-cluster", "kit=http://"+peer, "--heartbeat-interval", "50", "--election-timeout", "250",
		"--logger", "zap", "--log-outputs", "stderr")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); log.Close() })
	conn, err := etcd.NewClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := conn.Ping(ctx)
		cancel()
		if err == nil {
			return client
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("etcd did not answer on %s: %v\n%s", client, err, b)
		}
	}
}

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
	before := runtime.NumGoroutine()
	addr := startEtcd(t)
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
	for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
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
