// Command protogen regenerates the bookstore's Go code from book.proto with
// the pinned protoc, protoc-gen-go and protoc-gen-go-grpc. It is what
// `go generate` runs in examples/bookstore/pb, and what the stale-code test
// runs into a temporary directory.
//
// The tools are looked up in the repository's .tools/bin (filled by
// .ci/deps.sh) and then on PATH. google/protobuf/timestamp.proto is not read
// from disk (Debian installs it only with libprotobuf-dev): protogen hands
// protoc the descriptor that the Go protobuf runtime already holds.
//
// Exit status: 0 on success, 3 when a tool is missing or is not the pinned
// version, 1 on any other failure.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The pinned versions; .ci/deps.sh installs exactly these.
const (
	wantProtoc   = "libprotoc 3.21.12"
	wantGo       = "protoc-gen-go v1.36.12"
	wantGoGRPC   = "protoc-gen-go-grpc 1.6.2"
	installHint  = "run ./.ci/deps.sh from the repository root (installs Debian's protobuf-compiler 3.21.12, protoc-gen-go v1.36.12 and protoc-gen-go-grpc v1.6.2 into .tools/bin)"
	exitBadTools = 3
)

// errTools marks a missing or wrongly versioned tool.
var errTools = errors.New("protogen: tools")

func main() {
	out := flag.String("out", ".", "directory the generated files are written to")
	flag.Parse()
	if err := run(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, errTools) {
			os.Exit(exitBadTools)
		}
		os.Exit(1)
	}
}

func run(out string, protos []string) error {
	if len(protos) == 0 {
		protos = []string{"book.proto"}
	}
	protoc, err := tool("protoc", wantProtoc)
	if err != nil {
		return err
	}
	genGo, err := tool("protoc-gen-go", wantGo)
	if err != nil {
		return err
	}
	genGRPC, err := tool("protoc-gen-go-grpc", wantGoGRPC)
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "protogen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	wkt := filepath.Join(dir, "wkt.binpb")
	if err := writeWellKnown(wkt); err != nil {
		return err
	}

	args := []string{
		"--descriptor_set_in=" + wkt,
		"--proto_path=.",
		"--plugin=protoc-gen-go=" + genGo,
		"--plugin=protoc-gen-go-grpc=" + genGRPC,
		"--go_out=" + out, "--go_opt=paths=source_relative",
		"--go-grpc_out=" + out, "--go-grpc_opt=paths=source_relative",
	}
	cmd := exec.Command(protoc, append(args, protos...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("protogen: %s: %w", protoc, err)
	}
	return nil
}

// writeWellKnown writes a FileDescriptorSet holding the well-known types
// book.proto imports.
func writeWellKnown(path string) error {
	set := &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{
		protodesc.ToFileDescriptorProto(timestamppb.File_google_protobuf_timestamp_proto),
	}}
	b, err := proto.Marshal(set)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// tool finds name in the repository's .tools/bin or on PATH and checks that
// its --version output starts with want.
func tool(name, want string) (string, error) {
	path := ""
	if bin := toolsDir(); bin != "" {
		if p := filepath.Join(bin, name); isExec(p) {
			path = p
		}
	}
	if path == "" {
		p, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("%w: %s not found in .tools/bin or on PATH; %s", errTools, name, installHint)
		}
		path = p
	}
	v, err := exec.Command(path, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%w: %s --version: %v; %s", errTools, path, err, installHint)
	}
	if got := string(bytes.TrimSpace(v)); !strings.HasPrefix(got, want) {
		return "", fmt.Errorf("%w: %s is %q, want %q; %s", errTools, path, got, want, installHint)
	}
	return path, nil
}

// toolsDir returns the nearest .tools/bin above the working directory, or "".
func toolsDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, ".tools", "bin")
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
