package sanitize_test

import (
	"fmt"
	"testing"

	"github.com/kitbench/kitbench/ui/sanitize"
)

// The rules are tested in internal/sanitize; this checks the dashboard
// gets the same ones.
func TestSameAsTheCLI(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"a\x1b[2Jb", 0, "ab"},
		{"evil\nrow\u202e", 0, "evil␤row�"},
		{"pay\u200bpal\u009b", 0, "pay�pal�"},
		{"long instance name", 5, "long…"},
	}
	for _, tt := range tests {
		if got := sanitize.Line(tt.in, tt.width); got != tt.want {
			t.Errorf("Line(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
	if got := sanitize.Text("a\r\nb\x1b[1m"); got != "a\nb" {
		t.Errorf("Text = %q", got)
	}
}

func ExampleLine() {
	fmt.Printf("%q\n", sanitize.Line("db-1\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07 (primary)", 0))
	fmt.Printf("%q\n", sanitize.Line("a very long instance tag", 10))
	// Output:
	// "db-1 (primary)"
	// "a very lo…"
}
