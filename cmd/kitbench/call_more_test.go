package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	ecpb "google.golang.org/grpc/examples/features/proto/echo"
	hwpb "google.golang.org/grpc/examples/helloworld/helloworld"
	"google.golang.org/grpc/reflection"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/probes/invoke"
)

func callClosedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// callProtoset writes book.proto's descriptors, imports included, as a
// protoset built from the Go descriptors (what protoc
// --descriptor_set_out --include_imports writes).
func callProtoset(t *testing.T) string {
	t.Helper()
	var set descriptorpb.FileDescriptorSet
	for _, fd := range []protoreflect.FileDescriptor{timestamppb.File_google_protobuf_timestamp_proto, bookpb.File_book_proto} {
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	b, err := proto.Marshal(&set)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "book.protoset")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// secondEdition makes an instance answer GetBook with another title.
func secondEdition(method string, next endpoint.Endpoint) endpoint.Endpoint {
	if method != bookstore.MethodGetBook {
		return next
	}
	return func(ctx context.Context, req any) (any, error) {
		resp, err := next(ctx, req)
		if b, ok := resp.(bookstore.Book); ok {
			b.Title += " (2nd ed.)"
			return b, err
		}
		return resp, err
	}
}

func TestCallAll(t *testing.T) {
	reg := callRegistry(t)
	store := bookstore.NewStore()
	for _, id := range []string{"book-a", "book-b", "book-c"} {
		cfg := bookstore.Config{Registry: reg, Service: store, InstanceID: id}
		if id == "book-c" {
			cfg.Middleware = secondEdition
		}
		callBook(t, cfg)
	}
	c := []string{"call", "--consul", reg}
	code, out, errOut := runArgs(t, append(c, "--instance", "book-a", "bookstore.CreateBook", "-d", `{"book":{"title":"Dune","author":"Herbert"}}`)...)
	var book struct{ ID string }
	if code != 0 || json.Unmarshal([]byte(out), &book) != nil {
		t.Fatalf("create: %d %q %q", code, out, errOut)
	}
	get := `{"id":"` + book.ID + `"}`
	for _, extra := range [][]string{nil, {"--http"}} {
		code, out, errOut = runArgs(t, append(append(c, "--all", "bookstore.GetBook", "-d", get), extra...)...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 6 || len(lines) != 4 || !strings.HasPrefix(lines[0], "INSTANCE") ||
			!strings.HasPrefix(lines[1], "book-a") || !strings.HasSuffix(lines[1], "reference") ||
			!strings.HasPrefix(lines[2], "book-b") || !strings.HasSuffix(lines[2], "same") ||
			!strings.HasPrefix(lines[3], "book-c") || !strings.HasSuffix(lines[3], `differs: title: "Dune" ≠ "Dune (2nd ed.)"`) ||
			errOut != "kitbench: 1 of 3 instances of bookstore answered differently\n" {
			t.Errorf("--all %v: exit %d\n%s\n%q", extra, code, out, errOut)
		}
	}
	code, out, errOut = runArgs(t, append(c, "--all", "bookstore.ListBooks", "-o", "json")...)
	var cmp struct {
		Reference string
		Instances []struct {
			Instance string
			Same     bool
			Result   *invoke.Result
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &cmp) != nil || len(cmp.Instances) != 3 || cmp.Reference != "book-a" {
		t.Fatalf("--all -o json: %d %q %q", code, out, errOut)
	}
	for _, in := range cmp.Instances {
		if !in.Same || in.Result == nil || in.Result.Code != 0 || !strings.Contains(string(in.Result.Body), "Dune") {
			t.Errorf("%+v", in)
		}
	}
	code, _, errOut = runArgs(t, append(c, "--all", "bookstore.GetBook", "-d", `{"id":"404"}`)...)
	if code != 64+5 || !strings.Contains(errOut, "every instance of bookstore answered NOT_FOUND") {
		t.Errorf("--all not found: %d %q", code, errOut)
	}
}

// greeter is grpc-go's reflection example server (examples/features/
// reflection/server): Greeter and Echo from the examples' generated code,
// plus server reflection. The example binary listens on every interface,
// which tests here must not, so its few lines of wiring are repeated on a
// loopback port; the services' code and descriptors are grpc-go's.
func greeter(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	hwpb.RegisterGreeterServer(s, hwServer{})
	ecpb.RegisterEchoServer(s, ecServer{})
	reflection.Register(s)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ln) }()
	t.Cleanup(func() { s.Stop(); <-done })
	return ln.Addr().String()
}

type hwServer struct {
	hwpb.UnimplementedGreeterServer
}

func (hwServer) SayHello(_ context.Context, in *hwpb.HelloRequest) (*hwpb.HelloReply, error) {
	return &hwpb.HelloReply{Message: "Hello " + in.Name}, nil
}

type ecServer struct{ ecpb.UnimplementedEchoServer }

func (ecServer) UnaryEcho(_ context.Context, req *ecpb.EchoRequest) (*ecpb.EchoResponse, error) {
	return &ecpb.EchoResponse{Message: req.Message}, nil
}

func TestCallInteropGRPCExamples(t *testing.T) {
	addr := greeter(t)
	base := goleak.IgnoreCurrent()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	reply, err := hwpb.NewGreeterClient(cc).SayHello(t.Context(), &hwpb.HelloRequest{Name: "kit"})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := protojson.Marshal(reply)
	code, out, errOut := runArgs(t, "call", "--target", addr, "helloworld.Greeter.SayHello", "-d", `{"name":"kit"}`)
	if code != 0 || invoke.Diff(want, []byte(out), 0) != nil {
		t.Fatalf("exit %d, got %q, own client %s, stderr %q", code, out, want, errOut)
	}
	echo, err := ecpb.NewEchoClient(cc).UnaryEcho(t.Context(), &ecpb.EchoRequest{Message: "ping"})
	if err != nil {
		t.Fatal(err)
	}
	want, _ = protojson.Marshal(echo)
	if code, out, _ = runArgs(t, "call", "--target", addr, "grpc.examples.echo.Echo/UnaryEcho", "-d", `{"message":"ping"}`); code != 0 || invoke.Diff(want, []byte(out), 0) != nil {
		t.Fatalf("echo: exit %d, got %q, want %s", code, out, want)
	}
	code, _, errOut = runArgs(t, "call", "--target", addr, "helloworld.Greeter.SayHelo")
	if code != 1 || !strings.Contains(errOut, "did you mean SayHello?") {
		t.Fatalf("typo: %d %q", code, errOut)
	}
	code, _, errOut = runArgs(t, "call", "--target", addr, "grpc.examples.echo.Echo/ServerStreamingEcho") // a stream this server leaves out
	if code != 64+12 || !strings.Contains(errOut, "UNIMPLEMENTED") {
		t.Fatalf("streaming: %d %q", code, errOut)
	}
	cc.Close()
	testutil.VerifyNone(t, base)
}

func TestCallLeavesNoGoroutines(t *testing.T) {
	reg := callRegistry(t)
	callBook(t, bookstore.Config{Registry: reg})
	callBook(t, bookstore.Config{Registry: reg})
	base := goleak.IgnoreCurrent()
	for _, args := range [][]string{
		{"bookstore.ListBooks"}, {"bookstore.ListBooks", "--http"}, {"bookstore.ListBooks", "--all"},
		{"bookstore.GetBok"}, {"bookstore.GetBook", "--print-grpcurl"},
	} {
		runArgs(t, append([]string{"call", "--consul", reg}, args...)...)
	}
	testutil.VerifyNone(t, base)
}

func TestDescribeMethod(t *testing.T) {
	reg := callRegistry(t)
	callBook(t, bookstore.Config{Registry: reg})
	describe := func(f callFlags, arg string) (string, error) {
		var out strings.Builder
		f.src.Consul, f.src.Timeout = reg, workbench.DefaultConnectTimeout
		err := describeMethod(t.Context(), &out, &f, arg)
		return out.String(), err
	}
	out, err := describe(callFlags{}, "bookstore.CreateBook")
	for _, want := range []string{
		"bookstore.v1.BookService/CreateBook  (grpc, from bookstore-",
		"request bookstore.v1.CreateBookRequest\n  book  bookstore.v1.Book\n    id          string\n",
		"    createTime  google.protobuf.Timestamp\n",
		"response bookstore.v1.Book\n",
		"template (kitbench call ... -d @file):\n{\n  \"book\": {\n    \"id\": \"\",",
		"rpc CreateBook ( .bookstore.v1.CreateBookRequest ) returns ( .bookstore.v1.Book );",
	} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s%v", want, out, err)
		}
	}
	out, err = describe(callFlags{conn: workbench.ConnectOptions{HTTP: true}}, "bookstore.GetBook")
	if err != nil || !strings.Contains(out, "GET /v1/books/{id}  (http, from") || !strings.Contains(out, "path parameters: id") ||
		!strings.Contains(out, `"id": "0000000000000001"`) {
		t.Errorf("describe --http:\n%s%v", out, err)
	}
	out, err = describe(callFlags{output: "json"}, "bookstore.ListBooks")
	var s invoke.Schema
	if err != nil || json.Unmarshal([]byte(out), &s) != nil || string(s.Template) != `{"pageSize":0,"pageToken":""}` {
		t.Errorf("describe -o json: %s %v", out, err)
	}
	if _, err := describe(callFlags{}, "bookstore.Nope"); err == nil || !strings.Contains(err.Error(), `no such method "Nope"`) {
		t.Errorf("describe a missing method: %v", err)
	}
}
