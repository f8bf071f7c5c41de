package ui_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// forbidden are imports that would let UI code do I/O or reach a service
// directly. Views get data as messages; probes/hub is allowed for its data
// types only (its constructors belong to cmd/kitbench).
var forbidden = []string{
	"net", "net/http", "net/rpc", "os", "os/exec", "syscall", "io/ioutil",
	"github.com/kitbench/kitbench/probes/",
	"github.com/kitbench/kitbench/recorder",
	"github.com/kitbench/kitbench/internal/workbench",
	"github.com/hashicorp/consul/api",
	"google.golang.org/grpc",
}

var allowed = []string{"github.com/kitbench/kitbench/probes/hub"}

func isForbidden(path string) bool {
	for _, a := range allowed {
		if path == a || strings.HasPrefix(path, a+"/") {
			return false
		}
	}
	for _, f := range forbidden {
		if path == f || (strings.HasSuffix(f, "/") && strings.HasPrefix(path, f)) || strings.HasPrefix(path, f+"/") {
			return true
		}
	}
	return false
}

// TestNoIOImports keeps ui/ free of I/O: no package under ui/ (test files
// and ui/internal test helpers aside) imports the network, the OS or the
// probes. This test also guards the views that will be added later.
func TestNoIOImports(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "internal" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if isForbidden(p) {
				t.Errorf("%s imports %s: the UI does no I/O; take data as messages", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("only %d files checked: is the walk rooted at ui/?", checked)
	}
}

func TestForbiddenMatcher(t *testing.T) {
	for p, want := range map[string]bool{
		"net": true, "net/http": true, "network": false, "os": true, "os/exec": true,
		"github.com/kitbench/kitbench/probes/scrape": true, "github.com/kitbench/kitbench/probes/hub": false,
		"github.com/kitbench/kitbench/kit/introspect": false, "strings": false,
	} {
		if got := isForbidden(p); got != want {
			t.Errorf("isForbidden(%q) = %v, want %v", p, got, want)
		}
	}
}
