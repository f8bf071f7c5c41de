package main

import (
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/sd/devregistry"
)

func TestCompletionOfServicesAndMethods(t *testing.T) {
	reg := devregistry.New(devregistry.Options{})
	ln, err := devregistry.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = reg.Serve(ln) }()
	defer reg.Close()
	inst, err := bookstore.Start(bookstore.Config{Registry: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Shutdown(t.Context())
	addr := ln.Addr().String()

	for _, tc := range []struct {
		args []string
		want []string
		not  string
	}{
		{[]string{"__complete", "call", "--consul", addr, "book"}, []string{"bookstore.", ":6"}, ""},
		{[]string{"__complete", "call", "--consul", addr, "bookstore.Get"}, []string{"bookstore.GetBook", ":4"}, "ListBooks"},
		{[]string{"__complete", "call", "--consul", addr, "bookstore."}, []string{"bookstore.CreateBook", "bookstore.DeleteBook", "bookstore.ListBooks"}, ""},
		{[]string{"__complete", "describe", "--consul", addr, "b"}, []string{"bookstore."}, ""},
		{[]string{"__complete", "call", "--consul", addr, "zzz"}, []string{":6"}, "bookstore"},
	} {
		code, out, errOut := runArgs(t, tc.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w+"\n") {
				t.Errorf("%v: completion lacks %q:\n%s", tc.args[2:], w, out)
			}
		}
		if tc.not != "" && strings.Contains(out, tc.not) {
			t.Errorf("%v: completion offers %q:\n%s", tc.args[2:], tc.not, out)
		}
	}
	// An unreachable registry gives no candidates and an error directive,
	// quickly, instead of hanging the shell.
	code, out, _ := runArgs(t, "__complete", "call", "--consul", "127.0.0.1:1", "b")
	if code != 0 || !strings.Contains(out, ":5") || strings.Contains(out, "bookstore") {
		t.Fatalf("unreachable registry: exit %d:\n%s", code, out)
	}
}
