// Command thriftgen regenerates the bookstore's Thrift Go code from
// book.thrift with the pinned Thrift compiler (Debian's thrift-compiler
// 0.17.0, the version of the github.com/apache/thrift library in go.mod).
// It is what `go generate` runs in examples/bookstore/thriftpb, and what the
// stale-code test runs into a temporary directory.
//
// The compiler's output is passed through gofmt (go/format), so the
// committed code passes the repository's gofmt check; nothing else is
// changed.
//
// Exit status: 0 on success, 3 when the compiler is missing or is not the
// pinned version, 1 on any other failure.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
)

const (
	// wantThrift is the pinned compiler; .ci/deps.sh installs it.
	wantThrift   = "Thrift version 0.17.0"
	installHint  = "run ./.ci/deps.sh from the repository root (installs Debian's thrift-compiler 0.17.0)"
	goOptions    = "go:skip_remote,package_prefix=github.com/kitbench/kitbench/examples/bookstore/thriftpb/"
	goPackage    = "bookthrift" // the IDL's `namespace go`
	exitBadTools = 3
)

// errTools marks a missing or wrongly versioned compiler.
var errTools = errors.New("thriftgen: tools")

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

func run(out string, idls []string) error {
	if len(idls) != 1 {
		return errors.New("thriftgen: want exactly one .thrift file")
	}
	compiler, err := tool()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "thriftgen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(compiler, "--gen", goOptions, "-out", dir, idls[0])
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("thriftgen: %s: %w", compiler, err)
	}
	files, err := filepath.Glob(filepath.Join(dir, goPackage, "*.go"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("thriftgen: %s wrote no Go files", compiler)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		formatted, err := format.Source(src)
		if err != nil {
			return fmt.Errorf("thriftgen: gofmt %s: %w", filepath.Base(f), err)
		}
		if err := os.WriteFile(filepath.Join(out, filepath.Base(f)), formatted, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// tool finds the thrift compiler on PATH and checks its version.
func tool() (string, error) {
	path, err := exec.LookPath("thrift")
	if err != nil {
		return "", fmt.Errorf("%w: thrift not found on PATH; %s", errTools, installHint)
	}
	v, err := exec.Command(path, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%w: %s --version: %v; %s", errTools, path, err, installHint)
	}
	if got := string(bytes.TrimSpace(v)); got != wantThrift {
		return "", fmt.Errorf("%w: %s is %q, want %q; %s", errTools, path, got, wantThrift, installHint)
	}
	return path, nil
}
