package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
)

// grpcurlBinary finds grpcurl v1.9.4: .tools/bin (./.ci/deps.sh installs it
// there), else it is built from the module cache (go.mod requires the same
// version).
func grpcurlBinary(b *testing.B, dir string) string {
	b.Helper()
	if p, err := filepath.Abs("../../.tools/bin/grpcurl"); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return buildBinary(b, dir, "grpcurl", "github.com/fullstorydev/grpcurl/cmd/grpcurl")
}

func buildBinary(b *testing.B, dir, name, pkg string) string {
	b.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
	return out
}

// BenchmarkCallProcess runs a whole process per call — start, connect,
// read descriptors by server reflection, call, print, exit — against a
// local Book instance over gRPC: kitbench call (impl=kit) and grpcurl
// (impl=grpcurl) making the same call.
func BenchmarkCallProcess(b *testing.B) {
	dir := b.TempDir()
	kit := buildBinary(b, dir, "kitbench", "github.com/kitbench/kitbench/cmd/kitbench")
	grpcurl := grpcurlBinary(b, dir)
	inst, err := bookstore.Start(bookstore.Config{RateLimit: 1e6, Burst: 1e6})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = inst.Shutdown(ctx)
	}()
	id := createBook(b, kit, inst.GRPCAddr)
	body := `{"id":"` + id + `"}`
	for _, impl := range []struct {
		name string
		args []string
	}{
		{"kit", []string{kit, "call", "--target", inst.GRPCAddr, "bookstore.v1.BookService.GetBook", "-d", body}},
		{"grpcurl", []string{grpcurl, "-plaintext", "-d", body, inst.GRPCAddr, "bookstore.v1.BookService/GetBook"}},
	} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := exec.Command(impl.args[0], impl.args[1:]...).Output()
				if err != nil || !strings.Contains(string(out), "Dune") {
					b.Fatalf("%s: %v: %s", impl.name, err, out)
				}
			}
		})
	}
}

func createBook(b *testing.B, kit, addr string) string {
	b.Helper()
	out, err := exec.Command(kit, "call", "--target", addr, "bookstore.v1.BookService.CreateBook",
		"-d", `{"book":{"title":"Dune","author":"Frank Herbert","year":1965}}`).Output()
	var book struct{ ID string }
	if err != nil || json.Unmarshal(out, &book) != nil || book.ID == "" {
		b.Fatalf("create: %v %s", err, out)
	}
	return book.ID
}
