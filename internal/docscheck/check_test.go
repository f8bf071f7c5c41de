package docscheck

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakePackage writes one Go file into a temporary directory and parses it.
func fakePackage(t *testing.T, src string) *pkgNames {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p_test.go"), []byte("package p\n\nfunc OnlyInTests() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := loadPackage(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const fakeSrc = `package p

import "time"

const Answer = 42

var ErrX = error(nil)

type Thing struct {
	Name string
	time.Duration // embedded: members not checked
}

type Box[T any] struct{ Value T }

func (b *Box[T]) Open() T { return b.Value }

type Shape interface{ Area() float64 }

type Plain struct{ Size int }

func (Plain) Grow() {}

func New() *Plain { return nil }
`

func TestIdentProblems(t *testing.T) {
	pkgs := map[string]*pkgNames{"p": fakePackage(t, fakeSrc)}
	for _, tc := range []struct {
		text string
		bad  int
	}{
		{"`p.New()` returns a `*p.Plain`; `p.Answer` and `p.ErrX`.", 0},
		{"call p.Box.Open, p.Shape.Area, p.Plain.Grow and read p.Plain.Size", 0},
		{"p.Thing.Seconds is promoted from an embedded type", 0},
		{"end of a sentence in p.Plain. Then more", 0},
		{"x.p.Missing is a selector on x, not the package", 0},
		{"other.Missing is another package", 0},
		{"p.Missing does not exist", 1},
		{"p.OnlyInTests is declared in a test file only", 1},
		{"p.Plain.Shrink is not a method", 1},
		{"p.Box.Close and p.Shape.Perimeter", 2},
	} {
		got := identProblems("f.md", tc.text, pkgs)
		if len(got) != tc.bad {
			t.Errorf("%q: got %d problems %q, want %d", tc.text, len(got), got, tc.bad)
		}
	}
}

func TestParseMarkdown(t *testing.T) {
	md := parseMarkdown("# Title\n\nSee [a](a.md) and `[b](b.md)`.\n\n```go\n[c](c.md)\n## not a heading\n```\n\n## Second `one`\n#hashtag\n[ref]: docs/x.md\n")
	targets, lines := md.links()
	if !slices.Equal(targets, []string{"a.md", "docs/x.md"}) || !slices.Equal(lines, []int{3, 12}) {
		t.Errorf("links = %q at %v, want a.md at 3 and docs/x.md at 12", targets, lines)
	}
	if !slices.Equal(md.headings, []string{"Title", "Second `one`"}) {
		t.Errorf("headings = %q", md.headings)
	}
	if len(md.blocks) != 1 || md.blocks[0].lang != "go" || md.blocks[0].line != 5 || len(md.blocks[0].lines) != 2 {
		t.Errorf("blocks = %+v", md.blocks)
	}
}

func TestSlugs(t *testing.T) {
	md := parseMarkdown("## kit/transport/http\n## The error vocabulary\n## `kitbench call`\n## Step 3: HTTP (JSON)\n## Step 3: HTTP (JSON)\n")
	got := md.slugs()
	for _, want := range []string{"kittransporthttp", "the-error-vocabulary", "kitbench-call", "step-3-http-json", "step-3-http-json-1"} {
		if !got[want] {
			t.Errorf("no anchor %q in %v", want, got)
		}
	}
}

func TestLinkProblems(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("docs/other.md", "# Other\n## Part two\n")
	write("README.md", "")
	text := strings.Join([]string{
		"[ok](other.md) [ok](other.md#part-two) [ok](#here) [ok](../README.md) [ok](../docs/)",
		"[web](https://example.com/x.md) [mail](mailto:a@b.c)",
		"[bad](missing.md) [bad](other.md#part-three) [bad](#nowhere)",
		"## Here",
	}, "\n")
	write("docs/guide.md", text)
	got := linkProblems(root, "docs/guide.md", parseMarkdown(text))
	if len(got) != 3 {
		t.Fatalf("got %d problems, want 3:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, want := range []string{"missing.md does not exist", "no heading with anchor #part-three", "no heading with anchor #nowhere"} {
		if !strings.Contains(got[i], want) {
			t.Errorf("problem %d = %q, want it to say %q", i, got[i], want)
		}
	}
}

func TestExcerptProblems(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "src.go"), []byte("package x\n\nfunc F() {\n\treturn\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := "```go\n// src.go\nfunc F() {\n    return\n// …\n}\n```\n\n```go\n// src.go\nfunc G() {}\n```\n\n```go\nfunc H() {} // no source named: not checked\n```\n\n```go\n// gone.go\n```\n"
	got := excerptProblems(root, "t.md", parseMarkdown(text))
	if len(got) != 2 || !strings.Contains(got[0], "t.md:11: excerpt line not in src.go: func G() {}") || !strings.Contains(got[1], "gone.go") {
		t.Errorf("got %q, want func G() at t.md:11 and the missing gone.go", got)
	}
}

func TestGuideSections(t *testing.T) {
	md := parseMarkdown("## kit/endpoint\n## `kit/sd`\n## kit/transport: the error vocabulary\n## kit/sdk\n")
	got := guideSections([]string{"kit/sd", "kit/endpoint", "kit/transport", "kit/lb"}, md)
	if !slices.Equal(got, []string{"kit/lb"}) {
		t.Errorf("missing = %q, want [kit/lb]", got)
	}
}
