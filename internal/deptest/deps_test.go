package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/kitbench/kitbench/"

// banned lists, for each layer, the parts of the module its packages may
// not depend on, directly or not.
var banned = map[string][]string{
	"kit/":      {"probes/", "ui/", "recorder/", "cmd/", "examples/"},
	"probes/":   {"ui/", "recorder/", "cmd/", "examples/"},
	"recorder/": {"probes/", "ui/", "cmd/"},
	// The workbench is what the CLI and the dashboard both do: it drives
	// probes and recorder, and knows nothing of the views or the commands.
	"internal/workbench/": {"ui/", "cmd/", "examples/"},
}

// noTesting lists the layers whose own packages (and the module's packages
// they pull in) may not import "testing" outside test files. Third-party
// dependencies are theirs to choose.
var noTesting = []string{"kit/", "probes/", "internal/workbench/"}

// list returns, for every package of the layer and every package it
// depends on, its import path and direct imports.
func list(t *testing.T, layer string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "../../"+layer+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", layer, err, out)
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			pkgs[f[0]] = f[1:]
		}
	}
	return pkgs
}

func TestLayers(t *testing.T) {
	for layer, parts := range banned {
		pkgs := list(t, layer)
		own := 0
		for pkg := range pkgs {
			if strings.HasPrefix(pkg+"/", module+layer) {
				own++
			}
			if !strings.HasPrefix(pkg, module) {
				continue
			}
			for _, part := range parts {
				if strings.HasPrefix(pkg, module+part) {
					t.Errorf("%s pulls in %s, which %s may not depend on", layer, pkg, layer)
				}
			}
		}
		if own == 0 {
			t.Fatalf("%s: found %d of its packages; the test is not looking where it should", layer, own)
		}
	}
}

func TestNoTestingInProductCode(t *testing.T) {
	for _, layer := range noTesting {
		for pkg, imports := range list(t, layer) {
			if !strings.HasPrefix(pkg, module) {
				continue
			}
			for _, imp := range imports {
				if imp == "testing" {
					t.Errorf("%s imports testing outside its tests", pkg)
				}
			}
		}
	}
}
