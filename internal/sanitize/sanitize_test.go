package sanitize_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/internal/sanitize"
)

// unsafe reports the first byte or rune of s that must never reach a
// terminal from remote text, or "" when s is clean. multiline allows LF
// and tab.
func unsafe(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\t'):
		case r < 0x20, r >= 0x7f && r <= 0x9f:
			return fmt.Sprintf("control %U", r)
		case r == 0x2028, r == 0x2029:
			return fmt.Sprintf("line separator %U", r)
		case unicode.Is(unicode.Cf, r):
			return fmt.Sprintf("invisible formatting %U", r)
		}
	}
	return ""
}

func TestLineHostile(t *testing.T) {
	tests := []struct {
		name, in string
		width    int
		want     string // "" means: only check safety and width
	}{
		{"clear screen", "a\x1b[2Jb", 20, "ab"},
		{"SGR colours", "\x1b[31mred\x1b[0m", 20, "red"},
		{"OSC 52 clipboard BEL", "x\x1b]52;c;aGVsbG8=\x07y", 20, "xy"},
		{"OSC 52 clipboard ST", "x\x1b]52;c;aGVsbG8=\x1b\\y", 20, "xy"},
		{"OSC 8 hyperlink", "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", 20, "click"},
		{"unterminated OSC eats the rest", "ok\x1b]0;title", 20, "ok"},
		{"DCS", "a\x1bP1$r\x1b\\b", 20, "ab"},
		{"C0 controls shown", "a\x00b\x07c\x08d\x7fe", 20, "a�b�c�d�e"},
		{"C1 controls shown", "a\u009b31mb\u0090c", 20, "a�31mb�c"},
		{"tab is a space", "a\tb", 20, "a b"},
		{"line breaks shown", "a\nb\r\nc\rd\u0085e\u2028f\vg", 30, "a␤b␤c␤d␤e␤f␤g"},
		{"row spoof", "evil\nbookstore  book-9  passing", 0, "evil␤bookstore  book-9  passing"},
		{"bidi override shown", "abc\u202edef\u2066g\u2069", 20, "abc�def�g�"},
		{"bidi marks shown", "a\u200eb\u200fc\u061cd", 20, "a�b�c�d"},
		{"zero-width shown", "pay\u200bpal\u200c\u200d\u2060\ufeff", 20, "pay�pal����"},
		{"tag characters shown", "a\U000E0041b", 20, "a�b"},
		{"invalid UTF-8 run", "a\xff\xfeb", 20, "a�b"},
		{"raw 8-bit CSI byte", "a\x9b2Jb", 20, "a�2Jb"},
		{"CJK fits", "日本語", 6, "日本語"},
		{"CJK cut on a wide rune", "日本語テキスト", 6, "日本…"},
		{"combining marks kept", "e\u0301te\u0301", 10, "e\u0301te\u0301"},
		{"zalgo capped", "a" + strings.Repeat("\u0301", 1000), 5, "a" + strings.Repeat("\u0301", 4)},
		{"ascii fits", "hello", 5, "hello"},
		{"ascii cut", "hello world", 5, "hell…"},
		{"width one", "hello", 1, "…"},
		{"no limit", "a\x1b[2Jb", 0, "ab"},
		{"empty", "", 10, ""},
		{"10 KB tag", strings.Repeat("tag=\x1b[2J", 1024), 40, ""},
		{"10 KB wide", strings.Repeat("界", 5000), 40, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sanitize.Line(tt.in, tt.width)
			if tt.want != "" && got != tt.want {
				t.Errorf("Line(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
			}
			if u := unsafe(got, false); u != "" {
				t.Errorf("Line(%q) = %q contains %s", tt.in, got, u)
			}
			if w := ansi.StringWidth(got); tt.width > 0 && w > tt.width {
				t.Errorf("Line(%q) width %d > %d", tt.in, w, tt.width)
			}
		})
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"plain\n\ttext":                 "plain\n\ttext",
		"a\r\nb\rc\u2028d":              "a\nb\nc\nd",
		"a\x1b[2J\x1b]52;c;eA==\x07b\n": "ab\n",
		"x\u202ey\u200bz\u009b":         "x�y�z�",
		"\x00\xff":                      "��",
	} {
		got := sanitize.Text(in)
		if got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
		if u := unsafe(got, true); u != "" {
			t.Errorf("Text(%q) = %q contains %s", in, got, u)
		}
	}
}

func TestLineBoundsHugeInput(t *testing.T) {
	in := strings.Repeat("x\x1b[1m", 1<<20) // 5 MB
	got := sanitize.Line(in, 0)
	if len(got) > sanitize.MaxInput+len(sanitize.Ellipsis) {
		t.Fatalf("unbounded output: %d bytes", len(got))
	}
	if !strings.HasSuffix(got, sanitize.Ellipsis) {
		t.Errorf("cut input should end with the ellipsis")
	}
}

func TestPlainDoesNotAllocate(t *testing.T) {
	if allocs := testing.AllocsPerRun(100, func() { _ = sanitize.Line("instance-42.example:8080", 30) }); allocs != 0 {
		t.Errorf("Line of plain ASCII that fits allocated %.0f times", allocs)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = sanitize.Text("line one\n\tline two") }); allocs != 0 {
		t.Errorf("Text of plain ASCII allocated %.0f times", allocs)
	}
	b := []byte(`{"name":"日本","n":1}`)
	if allocs := testing.AllocsPerRun(100, func() { _ = sanitize.JSON(b) }); allocs != 0 {
		t.Errorf("JSON with nothing to escape allocated %.0f times", allocs)
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"\x1b[2J", "\x1b]52;c;eA==\x07", "日本", "a\u0301", "\xff", "\u202e", "a\r\nb", "\u200b"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		width %= 200
		got := sanitize.Line(s, width)
		if u := unsafe(got, false); u != "" {
			t.Fatalf("Line(%q) = %q contains %s", s, got, u)
		}
		if width > 0 && ansi.StringWidth(got) > width {
			t.Fatalf("Line(%q, %d) = %q is %d wide", s, width, got, ansi.StringWidth(got))
		}
		if txt := sanitize.Text(s); unsafe(txt, true) != "" {
			t.Fatalf("Text(%q) = %q contains %s", s, txt, unsafe(txt, true))
		}
	})
}

func BenchmarkLine(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"ascii", "book-7f9c4d-2.internal:8080"},
		{"hostile", "book\x1b]52;c;aGVsbG8=\x07-7f9c\x1b[2J4d\u202e-2"},
		{"cjk", "サービス名-日本語-テキスト-長い"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = sanitize.Line(bc.in, 20)
			}
		})
	}
}

func ExampleLine() {
	fmt.Printf("%q\n", sanitize.Line("db-1\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07 (primary)", 0))
	fmt.Printf("%q\n", sanitize.Line("evil\nbook-2  up", 0))
	fmt.Printf("%q\n", sanitize.Line("a very long instance tag", 10))
	// Output:
	// "db-1 (primary)"
	// "evil␤book-2  up"
	// "a very lo…"
}
