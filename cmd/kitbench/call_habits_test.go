package main

import (
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
)

// TestCallHabits checks the small things a new user and a grpcurl user
// meet first: kitbench call with no method says what to type, describe
// of a gRPC service describes it, a method missing from reflection's
// services is suggested once, a --print-* line needs no ${VAR} set, and
// the root help starts with the demo.
func TestCallHabits(t *testing.T) {
	reg := callRegistry(t)
	inst := callBook(t, bookstore.Config{Registry: reg})

	code, out, errOut := runArgs(t, "call")
	if code != 1 || out != "" || !strings.Contains(errOut, "kitbench: name the method to call: kitbench call SERVICE.METHOD") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("call alone: exit %d, %q, %q", code, out, errOut)
	}

	code, out, errOut = runArgs(t, "describe", "--consul", reg, "bookstore.v1.BookService")
	if code != 0 || !strings.HasPrefix(out, "bookstore.v1.BookService is a service:\nservice BookService {\n") || !strings.Contains(out, "rpc GetBook") {
		t.Errorf("describe a service: exit %d, %q, %q", code, out, errOut)
	}

	code, _, errOut = runArgs(t, "call", "--target", inst.GRPCAddr, "v1.Zzzzzzzzzzzz")
	if code == 0 || strings.Count(errOut, "ServerReflectionInfo") != 1 {
		t.Errorf("the known methods should name ServerReflectionInfo once: exit %d, %q", code, errOut)
	}

	code, out, errOut = runArgs(t, "call", "--target", inst.GRPCAddr, "bookstore.v1.BookService.GetBook",
		"-H", "authorization: Bearer ${KITBENCH_TEST_UNSET_TOKEN}", "--print-grpcurl")
	if code != 0 || !strings.Contains(out, `-H "authorization: Bearer ${KITBENCH_TEST_UNSET_TOKEN}"`) {
		t.Errorf("--print-grpcurl with an unset ${VAR}: exit %d, %q, %q", code, out, errOut)
	}
	if code, _, errOut = runArgs(t, "call", "--target", inst.GRPCAddr, "bookstore.v1.BookService.GetBook",
		"-H", "authorization: Bearer ${KITBENCH_TEST_UNSET_TOKEN}"); code != 1 || !strings.Contains(errOut, "KITBENCH_TEST_UNSET_TOKEN") {
		t.Errorf("a call with an unset ${VAR}: exit %d, %q", code, errOut)
	}

	_, out, _ = runArgs(t, "--help")
	if start, _, _ := strings.Cut(out[strings.Index(out, "Start here:"):], "\n\n"); !strings.Contains(start, "kitbench demo") {
		t.Errorf("Start here omits the demo:\n%s", start)
	}
}
