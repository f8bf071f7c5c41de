package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// startRecord runs `kitbench record` with args and returns the proxy's
// address, read from its output, and a function that stops it (as
// Ctrl-C would) and returns its exit code and output.
func startRecord(t *testing.T, args ...string) (addr string, stop func() (int, string, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"record"}, args...), &out, &errb) }()
	stop = func() (int, string, string) {
		cancel()
		code := <-done
		return code, out.String(), errb.String()
	}
	addrRE := regexp.MustCompile(`recording gRPC on (127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(out.String()); m != nil {
			return m[1], stop
		}
		if time.Now().After(deadline) {
			code, o, e := stop()
			t.Fatalf("record printed no address (exit %d): %q %q", code, o, e)
		}
	}
}

// TestRecordGRPC records Book calls and a health stream (cancelled by
// its client after one message) through `kitbench record --grpc`, then
// replays the session, the stream included, against a fresh instance.
func TestRecordGRPC(t *testing.T) {
	book := startBook(t)
	file := filepath.Join(t.TempDir(), "g.kitrec")
	proxy, stop := startRecord(t, "--grpc", "--target", book.GRPCAddr, "--out", file, "--service", "bookstore")
	cc, err := grpc.NewClient(proxy, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer cli-grpc-secret")
	books := bookpb.NewBookServiceClient(cc)
	created, err := books.CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "Dune", Author: "Frank Herbert", Year: 1965}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := books.GetBook(ctx, &bookpb.GetBookRequest{Id: created.Id}); err != nil || got.Title != "Dune" {
		t.Fatalf("GetBook: %v %v", got, err)
	}
	if _, err := books.GetBook(ctx, &bookpb.GetBookRequest{Id: "nope"}); status.Code(err) != codes.NotFound {
		t.Fatalf("missing book: %v", err)
	}
	wctx, cancelWatch := context.WithCancel(t.Context())
	watch, err := healthpb.NewHealthClient(cc).Watch(wctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := watch.Recv(); err != nil || u.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Watch: %v %v", u, err)
	}
	cancelWatch()
	if _, err := watch.Recv(); status.Code(err) != codes.Canceled {
		t.Fatalf("Watch after cancel: %v", err)
	}
	cc.Close()

	code, out, errOut := stop()
	if code != 0 || !strings.Contains(out, "recorded 4 exchanges") || !strings.Contains(out, "streaming calls: 1") {
		t.Fatalf("record exit %d: %q %q", code, out, errOut)
	}
	if strings.Contains(errOut, "warning") {
		t.Errorf("unexpected warning: %q", errOut)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("cli-grpc-secret")) {
		t.Error("the token reached the file")
	}
	if !bytes.Contains(raw, []byte(`"title":"Dune"`)) {
		t.Errorf("bodies are not JSON:\n%s", raw)
	}

	fresh := startBook(t)
	code, stdout, stderr := runArgs(t, "replay", file, "--target", "grpc://"+fresh.GRPCAddr, "--ignore", "$.create_time", "--allow-writes")
	if code != 0 || !strings.Contains(stdout, "4 exchanges: 4 passed, 0 failed") {
		t.Fatalf("replay against a fresh instance: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestRecordGRPCNoReflection keeps bodies as bytes, with one warning,
// when the target has no reflection service.
func TestRecordGRPCNoReflection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, plainHealth{})
	served := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(served) }()
	defer func() { srv.Stop(); <-served }()

	file := filepath.Join(t.TempDir(), "b.kitrec")
	proxy, stop := startRecord(t, "--grpc", "--target", ln.Addr().String(), "--out", file, "--duration", "1h")
	cc, err := grpc.NewClient(proxy, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	if _, err := healthpb.NewHealthClient(cc).Check(t.Context(), &healthpb.HealthCheckRequest{Service: "x"}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := stop()
	if code != 0 || !strings.Contains(out, "recorded 1 exchanges") {
		t.Fatalf("record exit %d: %q %q", code, out, errOut)
	}
	if want := "has no server reflection; message bodies are kept as bytes"; strings.Count(errOut, "warning:") != 1 || !strings.Contains(errOut, want) {
		t.Errorf("stderr %q, want one warning %q", errOut, want)
	}
	raw, _ := os.ReadFile(file)
	if !bytes.Contains(raw, []byte(`"base64":`)) {
		t.Errorf("bodies are not kept as bytes:\n%s", raw)
	}
}

// plainHealth answers every Check with SERVING.
type plainHealth struct {
	healthpb.UnimplementedHealthServer
}

func (plainHealth) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// TestRecordGRPCDuration stops by itself after --duration.
func TestRecordGRPCDuration(t *testing.T) {
	book := startBook(t)
	file := filepath.Join(t.TempDir(), "d.kitrec")
	code, out, errOut := runArgs(t, "record", "--grpc", "--target", book.GRPCAddr, "--out", file, "--duration", "50ms")
	if code != 0 || !strings.Contains(out, "recorded 0 exchanges") {
		t.Fatalf("exit %d: %q %q", code, out, errOut)
	}
}

func TestRecordGRPCBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"record", "--grpc", "--target", "http://127.0.0.1:1", "--out", "x"}, "with --grpc, give host:port"},
		{[]string{"record", "--grpc", "--target", "127.0.0.1", "--out", "x"}, "with --grpc, give host:port"},
		{[]string{"record", "--grpc", "--out", "x"}, "--target and --out are required"},
		{[]string{"record", "--grpc", "--target", "127.0.0.1:1", "--out", filepath.Join(t.TempDir(), "x"), "--listen", "nope"}, "choose another --listen"},
	} {
		code, _, stderr := runArgs(t, c.args...)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
}
