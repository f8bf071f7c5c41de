package bookpb_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/testutil"
)

// TestGeneratedCodeIsFresh regenerates the Go code into a temporary
// directory and fails if it differs from the committed files.
func TestGeneratedCodeIsFresh(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go command not found: %v", err)
	}
	out := t.TempDir()
	// Built, not `go run`: go run reports every failure as exit status 1,
	// and exit status 3 is how protogen says a tool is missing.
	bin := filepath.Join(t.TempDir(), "protogen")
	if msg, err := exec.Command(goCmd, "build", "-o", bin, "./internal/protogen").CombinedOutput(); err != nil {
		t.Fatalf("go build ./internal/protogen: %v\n%s", err, msg)
	}
	cmd := exec.Command(bin, "-out", out, "book.proto")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 3 {
			testutil.MissingTool(t, "cannot check the generated code: "+strings.TrimSpace(stderr.String()))
		}
		t.Fatalf("protogen: %v\n%s", err, stderr.String())
	}
	for _, name := range []string{"book.pb.go", "book_grpc.pb.go"} {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("regenerated %s: %v", name, err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("committed %s: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `go generate` in examples/bookstore/pb and commit the result", name)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) != 2 {
		t.Errorf("protogen wrote %d files, the test compares 2; update the test", len(entries))
	}
}
