package sanitize_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/sanitize"
)

// unsafe reports the first byte or rune of s that must never reach a
// terminal from remote text, or "" when s is clean.
func unsafe(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		switch {
		case r < 0x20, r >= 0x7f && r <= 0x9f:
			return fmt.Sprintf("control %U", r)
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
			return fmt.Sprintf("bidi %U", r)
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
		{"C0 controls", "a\x00b\x07c\x08d\x7fe", 20, "abcde"},
		{"C1 controls", "a\u009b31mb\u0085c", 20, "a31mbc"},
		{"tabs and newlines", "a\tb\nc\r\nd", 20, "a b c  d"},
		{"bidi override", "abc\u202edef\u2066g\u2069", 20, "abcdefg"},
		{"invalid UTF-8", "a\xff\xfeb", 20, "a\uFFFDb"},
		{"raw 8-bit CSI byte", "a\x9b2Jb", 20, "a\uFFFD2Jb"},
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
			if u := unsafe(got); u != "" {
				t.Errorf("Line(%q) = %q contains %s", tt.in, got, u)
			}
			if strings.Contains(got, "\x1b") {
				t.Errorf("Line(%q) = %q contains ESC", tt.in, got)
			}
			if w := ansi.StringWidth(got); tt.width > 0 && w > tt.width {
				t.Errorf("Line(%q) width %d > %d", tt.in, w, tt.width)
			}
		})
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

func TestLinePlainASCIIDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() { _ = sanitize.Line("instance-42.example:8080", 30) })
	if allocs != 0 {
		t.Errorf("plain ASCII that fits allocated %.0f times", allocs)
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"\x1b[2J", "\x1b]52;c;eA==\x07", "日本", "a\u0301", "\xff", "\u202e"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		width %= 200
		got := sanitize.Line(s, width)
		if u := unsafe(got); u != "" {
			t.Fatalf("Line(%q) = %q contains %s", s, got, u)
		}
		if width > 0 && ansi.StringWidth(got) > width {
			t.Fatalf("Line(%q, %d) = %q is %d wide", s, width, got, ansi.StringWidth(got))
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
	fmt.Printf("%q\n", sanitize.Line("a very long instance tag", 10))
	// Output:
	// "db-1 (primary)"
	// "a very lo…"
}
