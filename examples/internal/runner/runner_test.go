package runner

import (
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
)

func TestGroupReportsTheFirstFailure(t *testing.T) {
	g := NewGroup("svc", slog.New(slog.DiscardHandler))
	g.Go("ok", func() error { return nil })
	if g.Err() != nil {
		t.Fatal("error before any failure")
	}
	boom := errors.New("boom")
	g.Go("http", func() error { return boom })
	<-g.Done()
	g.Go("grpc", func() error { return errors.New("later") })
	g.Wait()
	if err := g.Err(); !errors.Is(err, boom) || !strings.Contains(err.Error(), "http server") {
		t.Fatalf("Err() = %v, want the first failure, named", err)
	}
}

func TestListenNamesTheBusyAddress(t *testing.T) {
	ln, err := Listen("svc", "HTTP", "")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); host != "127.0.0.1" {
		t.Fatalf("default address %s is not loopback", ln.Addr())
	}
	_, err = Listen("svc", "HTTP", ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) || !strings.Contains(err.Error(), "svc: cannot listen for HTTP") {
		t.Fatalf("err = %v", err)
	}
	if id := InstanceID("svc"); !strings.HasPrefix(id, "svc-") || len(id) != len("svc-")+8 || id == InstanceID("svc") {
		t.Fatalf("InstanceID = %q", id)
	}
}
