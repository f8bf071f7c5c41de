package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
)

// reflectionServer runs grpc-go's own health service with server
// reflection, the equivalent of grpc-go's reflection example server (its
// helloworld is not a dependency of this module): a gRPC server that is
// not kit's. It returns the address.
func reflectionServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("helloworld.Greeter", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s, hs)
	reflection.Register(s)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ln) }()
	t.Cleanup(func() { s.Stop(); <-done })
	return ln.Addr().String()
}

// writeProtoset writes the Book service's descriptors and their imports
// as a FileDescriptorSet, what protoc --descriptor_set_out
// --include_imports writes.
func writeProtoset(t *testing.T) string {
	t.Helper()
	var set descriptorpb.FileDescriptorSet
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		for i := range fd.Imports().Len() {
			add(fd.Imports().Get(i).FileDescriptor)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	add(bookpb.File_book_proto)
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

// TestGrpcurlCommandLines runs 20 grpcurl command lines — grpcurl's
// README and its everyday use — after `kitbench call`, against the Book
// service and against a gRPC server that is not kit's. Each works, with
// grpcurl's output (the same text for list and describe, the same JSON
// for a call, the same exit status for an error), or refuses in one line
// that gives kitbench's spelling. With grpcurl on PATH, each line that
// works is also run through grpcurl and the outputs compared.
func TestGrpcurlCommandLines(t *testing.T) {
	store := bookstore.NewStore()
	dune, err := store.CreateBook(context.Background(), bookstore.Book{Title: "Dune", Author: "Frank Herbert", Year: 1965})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateBook(context.Background(), bookstore.Book{Title: "Emma", Author: "Jane Austen", Year: 1815}); err != nil {
		t.Fatal(err)
	}
	book := callBook(t, bookstore.Config{Service: store}).GRPCAddr
	other := reflectionServer(t)
	protoset := writeProtoset(t)
	pbDir, err := filepath.Abs("../../examples/bookstore/pb")
	if err != nil {
		t.Fatal(err)
	}
	getDune := `{"id":"` + dune.ID + `"}`
	const get, list = "bookstore.v1.BookService/GetBook", "bookstore.v1.BookService/ListBooks"

	grpcurl, lookErr := exec.LookPath("grpcurl")
	if lookErr != nil {
		if os.Getenv("KITBENCH_REQUIRE_TOOLS") == "1" {
			t.Fatal("grpcurl is not on PATH: .ci/deps.sh installs it into .tools/bin")
		}
		t.Log("grpcurl is not on PATH: kitbench's answers are checked, not compared with grpcurl's (.ci/deps.sh installs it)")
	}

	for _, tc := range []struct {
		name  string
		args  []string // after "grpcurl"
		stdin string
		want  string // a piece of kitbench's output
		hint  string // the one-line refusal, when kitbench refuses
		code  int    // the exit status
	}{
		{name: "list", args: []string{"-plaintext", book, "list"}, want: "bookstore.v1.BookService\n"},
		{name: "list service", args: []string{"-plaintext", book, "list", "bookstore.v1.BookService"}, want: "bookstore.v1.BookService.GetBook\n"},
		{name: "describe service", args: []string{"-plaintext", book, "describe", "bookstore.v1.BookService"}, want: "bookstore.v1.BookService is a service:\n"},
		{name: "describe method", args: []string{"-plaintext", book, "describe", "bookstore.v1.BookService.GetBook"}, want: "is a method:"},
		{name: "describe message", args: []string{"-plaintext", book, "describe", ".bookstore.v1.Book"}, want: "bookstore.v1.Book is a message:"},
		{name: "call", args: []string{"-plaintext", "-d", getDune, book, get}, want: `"createTime"`},
		{name: "call dotted", args: []string{"-plaintext", "-d", getDune, book, "bookstore.v1.BookService.GetBook"}, want: `"Dune"`},
		{name: "header", args: []string{"-plaintext", "-H", "x-request-id: abc", "-d", `{"page_size":1}`, book, list}, want: `"nextPageToken"`},
		{name: "max-time", args: []string{"-plaintext", "-max-time", "5", "-d", getDune, book, get}, want: `"Dune"`},
		{name: "connect-timeout", args: []string{"-plaintext", "-connect-timeout", "2.5", book, list}, want: `"Emma"`},
		{name: "stdin", args: []string{"-plaintext", "-d", "@", book, get}, stdin: getDune, want: `"Dune"`},
		{name: "format json", args: []string{"-plaintext", "-format", "json", "-d", getDune, book, get}, want: `"Dune"`},
		{name: "proto files", args: []string{"-plaintext", "-import-path", pbDir, "-proto", "book.proto", "-d", getDune, book, get}, want: `"Dune"`},
		{name: "protoset", args: []string{"-plaintext", "-protoset", protoset, "-d", getDune, book, get}, want: `"Dune"`},
		{name: "protoset offline", args: []string{"-protoset", protoset, "list"}, want: "bookstore.v1.BookService\n"},
		{name: "not found", args: []string{"-plaintext", "-d", `{"id":"ffff"}`, book, get}, code: 69},
		{name: "other server list", args: []string{"-plaintext", other, "list"}, want: "grpc.health.v1.Health\n"},
		{name: "other server call", args: []string{"-plaintext", "-d", `{"service":"helloworld.Greeter"}`, other, "grpc.health.v1.Health/Check"}, want: `"SERVING"`},
		{name: "other server describe", args: []string{"-plaintext", other, "describe", "grpc.health.v1.HealthCheckRequest"}, want: "is a message:"},
		{name: "emit-defaults", args: []string{"-plaintext", "-emit-defaults", book, list}, hint: "grpcurl's -emit-defaults: kitbench prints the fields the server set", code: 1},
		{name: "format text", args: []string{"-plaintext", "-format", "text", "-d", getDune, book, get}, hint: "kitbench prints JSON only: drop -format", code: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := kb(t, tc.stdin, append([]string{"call"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q, stderr %q", code, tc.code, out, errOut)
			}
			if tc.hint != "" {
				if out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.hint) {
					t.Fatalf("want one line saying %q; got stdout %q, stderr %q", tc.hint, out, errOut)
				}
				return
			}
			if !strings.Contains(out, tc.want) {
				t.Fatalf("stdout %q lacks %q (stderr %q)", out, tc.want, errOut)
			}
			if lookErr != nil {
				return
			}
			gOut, gCode := runGrpcurl(t, grpcurl, tc.stdin, tc.args)
			if gCode != code {
				t.Fatalf("grpcurl exits %d, kitbench %d", gCode, code)
			}
			if kj, gj := compactJSON(out), compactJSON(gOut); kj != nil || gj != nil {
				if !bytes.Equal(kj, gj) {
					t.Fatalf("kitbench answers\n%s\ngrpcurl\n%s", kj, gj)
				}
			} else if out != gOut {
				t.Fatalf("kitbench prints\n%s\ngrpcurl\n%s", out, gOut)
			}
		})
	}
}

// runGrpcurl runs the grpcurl binary with args and returns its stdout
// and exit status.
func runGrpcurl(t *testing.T, bin, stdin string, args []string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	}
	t.Fatalf("grpcurl: %v\n%s", err, errOut.String())
	return "", 0
}

// compactJSON is s as compact JSON, nil when s is not one JSON value.
func compactJSON(s string) []byte {
	var buf bytes.Buffer
	if strings.TrimSpace(s) == "" || json.Compact(&buf, []byte(s)) != nil {
		return nil
	}
	return buf.Bytes()
}
