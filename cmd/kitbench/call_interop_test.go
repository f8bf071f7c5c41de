package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/interop"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/reflection"
)

// grpc-go's interop client's sizes (interop/test_utils.go).
var (
	interopReqSizes  = []int{27182, 8, 1828, 45904}
	interopRespSizes = []int{31415, 9, 2653, 58979}
)

// interopServer runs grpc-go's interop TestService, a streaming server
// kit did not write, with reflection, on loopback.
func interopServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	testgrpc.RegisterTestServiceServer(s, interop.NewTestServer())
	reflection.Register(s)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ln) }()
	t.Cleanup(func() { s.Stop(); <-done })
	return ln.Addr().String()
}

// payload is a COMPRESSABLE payload of n zero bytes, as the interop
// client sends (type 0, COMPRESSABLE, is proto3 JSON's default).
func payload(n int) string {
	return fmt.Sprintf(`{"body":%q}`, base64.StdEncoding.EncodeToString(make([]byte, n)))
}

// payloadSize checks a reply's payload is COMPRESSABLE and returns its
// size.
func payloadSize(t *testing.T, line string) int {
	t.Helper()
	var reply struct {
		Payload struct {
			Type string `json:"type"`
			Body []byte `json:"body"`
		} `json:"payload"`
	}
	if err := json.Unmarshal([]byte(line), &reply); err != nil || (reply.Payload.Type != "" && reply.Payload.Type != "COMPRESSABLE") {
		t.Fatalf("reply %.80s: %v", line, err)
	}
	return len(reply.Payload.Body)
}

// TestCallInteropStreams makes grpc-go's interop client's three streaming
// cases (DoServerStreaming, DoClientStreaming, DoPingPong, with its
// custom-metadata echo) through kitbench call --target, with the
// messages that client sends, and checks the answers it expects.
func TestCallInteropStreams(t *testing.T) {
	addr := interopServer(t)
	call := func(stdin string, args ...string) []string {
		t.Helper()
		code, out, errOut := kb(t, stdin, append([]string{"call", "--target", addr}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		return outLines(out)
	}

	var params []string
	for _, n := range interopRespSizes {
		params = append(params, fmt.Sprintf(`{"size":%d}`, n))
	}
	got := call("", "grpc.testing.TestService/StreamingOutputCall", "-d", `{"response_type":"COMPRESSABLE","response_parameters":[`+strings.Join(params, ",")+`]}`)
	if len(got) != len(interopRespSizes) {
		t.Fatalf("StreamingOutputCall: %d replies, want %d", len(got), len(interopRespSizes))
	}
	for i, line := range got {
		if n := payloadSize(t, line); n != interopRespSizes[i] {
			t.Errorf("StreamingOutputCall reply %d: %d bytes, want %d", i, n, interopRespSizes[i])
		}
	}

	var in strings.Builder
	sum := 0
	for _, n := range interopReqSizes {
		fmt.Fprintf(&in, "{\"payload\":%s}\n", payload(n))
		sum += n
	}
	got = call(in.String(), "grpc.testing.TestService/StreamingInputCall", "-d", "@-")
	if want := fmt.Sprintf(`{"aggregated_payload_size":%d}`, sum); len(got) != 1 || got[0] != want {
		t.Errorf("StreamingInputCall: %q, want %s", got, want)
	}

	in.Reset()
	for i := range interopReqSizes {
		fmt.Fprintf(&in, "{\"response_type\":\"COMPRESSABLE\",\"response_parameters\":[{\"size\":%d}],\"payload\":%s}\n", interopRespSizes[i], payload(interopReqSizes[i]))
	}
	got = call(in.String(), "grpc.testing.TestService/FullDuplexCall", "-d", "@-", "-o", "json",
		"-H", "x-grpc-test-echo-initial: test_initial_metadata_value", "-H", "x-grpc-test-echo-trailing-bin: "+base64.StdEncoding.EncodeToString([]byte{0xab, 0xab, 0xab}))
	if len(got) != len(interopReqSizes)+1 {
		t.Fatalf("FullDuplexCall: %d lines, want %d replies and the status", len(got), len(interopReqSizes))
	}
	for i, line := range got[:len(interopReqSizes)] {
		var env struct {
			Message int             `json:"message"`
			Body    json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal([]byte(line), &env); err != nil || env.Message != i {
			t.Fatalf("FullDuplexCall line %d: %.80s: %v", i, line, err)
		}
		if n := payloadSize(t, string(env.Body)); n != interopRespSizes[i] {
			t.Errorf("FullDuplexCall reply %d: %d bytes, want %d", i, n, interopRespSizes[i])
		}
	}
	var end struct {
		Status   string              `json:"status"`
		Headers  map[string][]string `json:"headers"`
		Trailers map[string][]string `json:"trailers"`
		Stream   struct{ Sent, Received int }
	}
	if err := json.Unmarshal([]byte(got[len(got)-1]), &end); err != nil || end.Status != "OK" || end.Stream.Sent != 4 || end.Stream.Received != 4 {
		t.Fatalf("FullDuplexCall status %s: %v", got[len(got)-1], err)
	}
	if h := end.Headers["x-grpc-test-echo-initial"]; len(h) != 1 || h[0] != "test_initial_metadata_value" {
		t.Errorf("initial metadata echoed: %q", h)
	}
	if _, ok := end.Trailers["x-grpc-test-echo-trailing-bin"]; !ok {
		t.Errorf("trailing metadata not echoed: %v", end.Trailers)
	}
}
