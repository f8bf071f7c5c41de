package bookthrift_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/testutil"
)

// generated are the files thriftgen writes, which the test compares.
var generated = []string{"GoUnusedProtection__.go", "book-consts.go", "book.go"}

// TestGeneratedCodeIsFresh regenerates the Go code into a temporary
// directory and fails if it differs from the committed files.
func TestGeneratedCodeIsFresh(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go command not found: %v", err)
	}
	out := t.TempDir()
	// Built, not `go run`: go run reports every failure as exit status 1,
	// and exit status 3 is how thriftgen says a tool is missing.
	bin := filepath.Join(t.TempDir(), "thriftgen")
	if msg, err := exec.Command(goCmd, "build", "-o", bin, "./internal/thriftgen").CombinedOutput(); err != nil {
		t.Fatalf("go build ./internal/thriftgen: %v\n%s", err, msg)
	}
	cmd := exec.Command(bin, "-out", out, "book.thrift")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 3 {
			testutil.MissingTool(t, "cannot check the generated code: "+strings.TrimSpace(stderr.String()))
		}
		t.Fatalf("thriftgen: %v\n%s", err, stderr.String())
	}
	for _, name := range generated {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("regenerated %s: %v", name, err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("committed %s: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `go generate` in examples/bookstore/thriftpb and commit the result", name)
		}
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, generated) {
		t.Errorf("thriftgen wrote %v, the test compares %v; update the test", names, generated)
	}
}

// TestLibraryMatchesCompiler checks that go.mod requires the
// github.com/apache/thrift library of the pinned compiler's version
// (thriftgen's wantThrift), so generated code and runtime agree.
func TestLibraryMatchesCompiler(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/apache/thrift").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/apache/thrift: %v", err)
	}
	if got := string(bytes.TrimSpace(out)); got != "v0.17.0" {
		t.Fatalf("go.mod requires github.com/apache/thrift %s; the pinned compiler is 0.17.0: change both together", got)
	}
}
