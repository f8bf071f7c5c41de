package main

import (
	"context"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	ecpb "google.golang.org/grpc/examples/features/proto/echo"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
)

// hostileText is what the hostile echo server puts in its answers.
const hostileText = "ok\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\u009b31m\u202edone\u200b\nfake row"

// hostileEcho answers UnaryEcho with its request, plus hostile header
// metadata; a request "fail" gets a status whose message is hostile.
type hostileEcho struct{ ecpb.UnimplementedEchoServer }

func (hostileEcho) UnaryEcho(ctx context.Context, req *ecpb.EchoRequest) (*ecpb.EchoResponse, error) {
	_ = grpc.SetHeader(ctx, metadata.Pairs("x-evil-bin", hostileText))
	if req.Message == "fail" {
		return nil, status.Error(codes.FailedPrecondition, hostileText)
	}
	return &ecpb.EchoResponse{Message: req.Message}, nil
}

func hostileServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	ecpb.RegisterEchoServer(s, hostileEcho{})
	reflection.Register(s)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ln) }()
	t.Cleanup(func() { s.Stop(); <-done })
	return ln.Addr().String()
}

// TestCallHostileAnswers calls a real gRPC server whose body, metadata
// and error message are hostile: neither -v, the body, the error line nor
// -o json prints any of it raw.
func TestCallHostileAnswers(t *testing.T) {
	addr := hostileServer(t)
	const method = "grpc.examples.echo.Echo/UnaryEcho"
	body := `{"message":"` + strings.NewReplacer("\x1b", `\u001b`, "\x07", `\u0007`, "\n", `\n`).Replace(hostileText) + `"}`

	code, out, errOut := runArgs(t, "call", "--target", addr, method, "-d", body, "-v")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	assertClean(t, "call body", out)
	assertClean(t, "call -v", errOut)
	if !strings.Contains(out, `\u009b31m\u202edone\u200b`) {
		t.Errorf("the body should keep the text, escaped:\n%s", out)
	}
	if !strings.Contains(errOut, "x-evil-bin: ") {
		t.Errorf("-v shows no header metadata:\n%s", errOut)
	}

	code, out, _ = runArgs(t, "call", "--target", addr, method, "-d", body, "-o", "json")
	assertClean(t, "call -o json", out)
	if code != 0 || !strings.Contains(out, `\u009b`) || !strings.Contains(out, `\u202e`) {
		t.Errorf("-o json: exit %d\n%s", code, out)
	}

	code, out, errOut = runArgs(t, "call", "--target", addr, method, "-d", `{"message":"fail"}`, "-v")
	if code == 0 || out != "" {
		t.Fatalf("a failed call: exit %d, stdout %q", code, out)
	}
	assertClean(t, "a failed call's stderr", errOut)
	for _, line := range strings.Split(errOut, "\n") {
		if strings.HasPrefix(line, "fake row") {
			t.Errorf("a status message started a line of its own:\n%s", errOut)
		}
	}

	code, out, _ = runArgs(t, "call", "--target", addr, method, "-d", `{"message":"fail"}`, "-o", "json")
	assertClean(t, "a failed call's -o json", out)
	if code == 0 || !strings.Contains(out, `\u009b31m`) {
		t.Errorf("a failed call's -o json: exit %d\n%s", code, out)
	}
}
