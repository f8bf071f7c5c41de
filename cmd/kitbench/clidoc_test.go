package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated files (docs/cli.md)")

const cliReference = "../../docs/cli.md"

func TestCLIReference(t *testing.T) {
	var buf bytes.Buffer
	writeCLIReference(&buf, newRootCmd(io.Discard, io.Discard))
	if *update {
		if err := os.WriteFile(cliReference, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(cliReference)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./cmd/kitbench -run TestCLIReference -update)", err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("%s is stale: regenerate it with go test ./cmd/kitbench -run TestCLIReference -update", cliReference)
	}
	for _, want := range []string{"## kitbench registry", "## kitbench demo", "--registry-addr"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("reference lacks %q", want)
		}
	}
}
