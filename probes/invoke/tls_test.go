package invoke_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/kitbench/kitbench/internal/testutil"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/invoke"
)

// selfSigned returns a certificate for 127.0.0.1 and the path of its PEM.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kitbench test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}

func TestGRPCTLS(t *testing.T) {
	testutil.NoLeaks(t)
	cert, ca := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}})))
	healthpb.RegisterHealthServer(s, health.NewServer())
	reflection.Register(s)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ln) }()
	defer func() { s.Stop(); <-done }()
	addr := ln.Addr().String()
	for name, opts := range map[string]invoke.TLS{"cacert": {CACert: ca}, "insecure": {Insecure: true}} {
		g, err := invoke.DialGRPC(t.Context(), addr, invoke.GRPCOptions{TLS: opts})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res, err := g.Invoke(t.Context(), invoke.Request{Method: "grpc.health.v1.Health/Check"})
		g.Close()
		if err != nil || string(res.Body) != `{"status":"SERVING"}` {
			t.Fatalf("%s: %+v, %v", name, res, err)
		}
	}
	_, err = invoke.DialGRPC(t.Context(), addr, invoke.GRPCOptions{TLS: invoke.TLS{Enabled: true}})
	if !errors.Is(err, invoke.ErrUnreachable) || !strings.Contains(err.Error(), "TLS handshake") {
		t.Fatalf("unknown CA: %v", err)
	}
	_, err = invoke.DialGRPC(t.Context(), addr, invoke.GRPCOptions{})
	if !errors.Is(err, invoke.ErrUnreachable) {
		t.Fatalf("plaintext to TLS: %v", err)
	}
	if _, err := invoke.DialGRPC(t.Context(), addr, invoke.GRPCOptions{TLS: invoke.TLS{Cert: ca}}); !errors.Is(err, invoke.ErrBadRequest) {
		t.Fatalf("cert without key: %v", err)
	}
}

func TestHTTPTLS(t *testing.T) {
	testutil.NoLeaks(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"hello":"` + r.PathValue("name") + r.URL.Path + `"}`))
	}))
	cert, ca := selfSigned(t)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	routes := []wire.EndpointDoc{{Name: "Hello", Transport: "http", HTTPMethod: "GET", HTTPPath: "/hello/{name...}"}}
	h, err := invoke.NewHTTP(srv.Listener.Addr().String(), routes, invoke.HTTPOptions{TLS: invoke.TLS{CACert: ca}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	res, err := h.Invoke(t.Context(), invoke.Request{Method: "Hello", Body: []byte(`{"name":"a b/c"}`)})
	if err != nil || !res.OK() || !strings.HasPrefix(res.URL, "https://") || string(res.Body) != `{"hello":"/hello/a b/c"}` {
		t.Fatalf("%+v, %v", res, err)
	}
}
