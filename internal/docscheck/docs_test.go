package docscheck

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// repoRoot returns the directory holding go.mod, above the test's own.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// docFiles returns README.md and docs/*.md, relative to root.
func docFiles(t *testing.T, root string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"README.md"}
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out
}

func readMarkdown(t *testing.T, root, path string) (string, mdFile) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b), parseMarkdown(string(b))
}

func loadKit(t *testing.T, root string) map[string]*pkgNames {
	t.Helper()
	pkgs := map[string]*pkgNames{}
	for alias, dir := range kitImports {
		p, err := loadPackage(filepath.Join(root, dir))
		if err != nil {
			t.Fatalf("%s (%s): %v", alias, dir, err)
		}
		pkgs[alias] = p
	}
	return pkgs
}

func report(t *testing.T, what string, problems []string) {
	t.Helper()
	if len(problems) == 0 {
		return
	}
	t.Errorf("%s: %d problem(s):\n\t%s", what, len(problems), strings.Join(problems, "\n\t"))
}

// TestKitIdentifiersExist fails when the guide or the tutorial names a kit
// identifier (endpoint.Typed, kithttp.NewRouter, sd.Instance.Meta, …) that
// the package does not declare.
func TestKitIdentifiersExist(t *testing.T) {
	root := repoRoot(t)
	pkgs := loadKit(t, root)
	for _, f := range []string{"docs/guide.md", "docs/tutorial.md", "docs/from-go-kit.md"} {
		text, _ := readMarkdown(t, root, f)
		if n := len(identRE.FindAllString(text, -1)); n < 50 {
			t.Errorf("%s: only %d pkg.Name references found; is the file the guide it should be?", f, n)
		}
		report(t, f, identProblems(f, text, pkgs))
	}
}

// TestRelativeLinksResolve fails when a relative link in README.md or
// docs/*.md names a file that does not exist, or a heading that is not
// there.
func TestRelativeLinksResolve(t *testing.T) {
	root := repoRoot(t)
	for _, f := range docFiles(t, root) {
		if _, err := os.Stat(filepath.Join(root, f)); os.IsNotExist(err) && f == "README.md" {
			t.Errorf("README.md is missing")
			continue
		}
		_, md := readMarkdown(t, root, f)
		report(t, f, linkProblems(root, f, md))
	}
}

// TestExcerptsQuoteTheirSource fails when a Go code block that names its
// source file ("// examples/bookstore/http.go") no longer matches it.
func TestExcerptsQuoteTheirSource(t *testing.T) {
	root := repoRoot(t)
	quoted := 0
	for _, f := range docFiles(t, root) {
		_, md := readMarkdown(t, root, f)
		report(t, f, excerptProblems(root, f, md))
		for _, b := range md.blocks {
			if b.lang == "go" && len(b.lines) > 0 && strings.HasPrefix(strings.TrimSpace(b.lines[0]), "// examples/") {
				quoted++
			}
		}
	}
	if quoted < 5 {
		t.Errorf("only %d excerpts of examples/ found in the docs; the tutorial quotes more", quoted)
	}
}

// TestGuideCoversEveryKitPackage fails when a package under kit/ has no
// "## kit/…" section in docs/guide.md.
func TestGuideCoversEveryKitPackage(t *testing.T) {
	root := repoRoot(t)
	var dirs []string
	err := filepath.WalkDir(filepath.Join(root, "kit"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), "internal")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		dirs = append(dirs, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(dirs)
	dirs = compact(dirs)
	if len(dirs) < len(kitImports) {
		t.Fatalf("found %d kit packages, want at least %d: %v", len(dirs), len(kitImports), dirs)
	}
	_, md := readMarkdown(t, root, "docs/guide.md")
	if missing := guideSections(dirs, md); len(missing) > 0 {
		t.Errorf("docs/guide.md has no section for %v: add a \"## kit/…\" section (what it is for, main API, defaults, failure behaviour), and its import name to kitImports in internal/docscheck/check.go", missing)
	}
}

func compact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
