package components_test

import (
	"math"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

func TestSparkline(t *testing.T) {
	tests := []struct {
		in    []float64
		width int
		want  string
	}{
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, 8, "▁▂▃▄▅▆▇█"},
		{[]float64{1, 2}, 4, "  ▄█"},
		{[]float64{9, 9, 0, 7}, 2, "▁█"},                      // newest values kept
		{[]float64{0, 0, 0}, 3, "▁▁▁"},                        // flat zero: bottom
		{[]float64{5, 5}, 2, "██"},                            // flat positive: top (scale starts at 0)
		{[]float64{-1, 1}, 2, "▁█"},                           // negative lowers the floor
		{[]float64{1, math.NaN(), math.Inf(1), 2}, 4, "▄  █"}, // NaN/Inf are gaps
		{nil, 3, "   "},
		{[]float64{1}, 0, ""},
	}
	for _, tt := range tests {
		got := components.Sparkline(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("Sparkline(%v, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		if tt.width > 0 && ansi.StringWidth(got) != tt.width {
			t.Errorf("Sparkline(%v, %d) is %d wide", tt.in, tt.width, ansi.StringWidth(got))
		}
	}
}

func TestStatusLine(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	s := components.StatusLine{Source: "consul 127.0.0.1:8500", Instances: 12, Stale: true, Err: "dial tcp: connection refused\x1b[2J", Right: "/book"}
	for _, w := range []int{1, 20, 80, 160} {
		v := s.View(&st, w)
		if ansi.StringWidth(v) != w || strings.Contains(v, "\n") {
			t.Errorf("w=%d: %q is %d wide", w, v, ansi.StringWidth(v))
		}
		if strings.Contains(v, "\x1b") {
			t.Errorf("escape in status line: %q", v)
		}
	}
	v := s.View(&st, 120)
	order := []string{"STALE · connection refused · dial tcp", "consul 127.0.0.1:8500", "12 instances", "/book"}
	at := -1
	for _, want := range order {
		i := strings.Index(v, want)
		if i < 0 {
			t.Errorf("status %q lacks %q", v, want)
			continue
		}
		if i < at {
			t.Errorf("status %q: %q out of order (errors first, then source, then the rest)", v, want)
		}
		at = i
	}
	s.Notice = "copied"
	if v := s.View(&st, 120); !strings.Contains(v, "refused · dial tcp · copied · consul") {
		t.Errorf("a notice goes after the error and before the source: %q", v)
	}
	s.Retry = "retrying, down for 12s"
	if v := s.View(&st, 80); !strings.HasPrefix(v, " STALE · connection refused · retrying, down for 12s · dial tcp") {
		t.Errorf("the retry goes right after the cause: %q", v)
	}
	s.Retry = ""
	s.Notice, s.NoticeTone = "replay failed", styles.ToneBad
	if v := s.View(&st, 120); !strings.HasPrefix(v, " replay failed · STALE") {
		t.Errorf("an error notice goes first: %q", v)
	}
	if v := (components.StatusLine{Instances: 1}).View(&st, 40); !strings.Contains(v, "1 instance ") {
		t.Errorf("singular: %q", v)
	}
}

func TestTooSmall(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	for _, sz := range [][2]int{{79, 24}, {40, 10}, {10, 2}, {1, 1}} {
		v := components.TooSmall(&st, sz[0], sz[1], 80, 24)
		lines := strings.Split(v, "\n")
		if len(lines) != sz[1] {
			t.Errorf("%v: %d lines", sz, len(lines))
		}
		for _, l := range lines {
			if ansi.StringWidth(l) > sz[0] {
				t.Errorf("%v: line %q too wide", sz, l)
			}
		}
	}
	v := components.TooSmall(&st, 60, 20, 80, 24)
	if !strings.Contains(v, "Terminal too small") || !strings.Contains(v, "60×20, needs 80×24") {
		t.Errorf("message:\n%s", v)
	}
	if components.TooSmall(&st, 0, 10, 80, 24) != "" {
		t.Error("zero width should render nothing")
	}
}

func TestHelpViewFromKeyMap(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	k := keys.Default()
	km := components.KeyMaps{k.Nav, k.Global}
	v := components.HelpView(&st, km, 80, 20)
	for _, want := range []string{"Keys", "↓/j", "down", "s", "sort", ":", "command", "/", "filter (!inverts)", "1-9", "q", "quit", "esc closes"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
	for _, w := range []int{30, 80} {
		for _, l := range strings.Split(components.HelpView(&st, km, w, 5), "\n") {
			if ansi.StringWidth(l) > w {
				t.Errorf("w=%d help line too wide: %q", w, l)
			}
		}
	}
	if n := len(strings.Split(components.HelpView(&st, km, 80, 5), "\n")); n > 5 {
		t.Errorf("help is %d lines in a height of 5", n)
	}
	short := components.ShortHelp(&st, km, 200)
	if !strings.Contains(short, "↓/j down") || !strings.Contains(short, "? help") {
		t.Errorf("short help: %q", short)
	}
}

func TestInputEditingAndCompletion(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	in := components.NewInput(&st, keys.Default().Input, ":")
	in.Candidates = []string{"breakers", "brokers", "instances", "traces"}

	typeText := func(s string) {
		for _, r := range s {
			if ev := in.Update(press(string(r))); ev != components.InputChanged {
				t.Fatalf("typing %q gave %v", r, ev)
			}
		}
	}
	typeText("b")
	if ev := in.Update(press("tab")); ev != components.InputChanged || in.Value() != "br" {
		t.Fatalf("tab on b: %v %q, want the common prefix br", ev, in.Value())
	}
	in.Update(press("tab")) // at the common prefix: cycle
	if in.Value() != "breakers" {
		t.Fatalf("second tab: %q", in.Value())
	}
	in.Update(press("tab"))
	if in.Value() != "brokers" {
		t.Fatalf("third tab: %q", in.Value())
	}
	in.Update(press("ctrl+u"))
	typeText("TR")
	in.Update(press("tab"))
	if in.Value() != "traces" {
		t.Fatalf("case-insensitive completion: %q", in.Value())
	}
	if !strings.Contains(in.View(40), "traces") {
		t.Errorf("view: %q", in.View(40))
	}
	in.Update(press("backspace"))
	if in.Value() != "trace" {
		t.Errorf("backspace: %q", in.Value())
	}
	if in.CursorX(40) != 6 {
		t.Errorf("cursor x %d, want 6", in.CursorX(40))
	}
	in.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
	if ev := in.Update(tea.KeyPressMsg{Code: tea.KeyLeft}); ev != components.InputMoved || in.CursorX(40) != 4 {
		t.Errorf("left: %v x=%d", ev, in.CursorX(40))
	}
	typeText("X")
	if in.Value() != "traXce" {
		t.Errorf("insert mid-line: %q", in.Value())
	}
	in.Update(press("ctrl+w"))
	if in.Value() != "ce" {
		t.Errorf("ctrl+w: %q", in.Value())
	}
	if in.Update(press("enter")) != components.InputAccepted || in.Update(press("esc")) != components.InputCanceled {
		t.Error("enter/esc events")
	}
	in.Update(press("ctrl+u"))
	in.Update(press("z"))
	if strings.Contains(in.View(40), "traces") {
		t.Errorf("no candidate should be hinted for z: %q", in.View(40))
	}
}

func TestInputDropsControlsFromPaste(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	in := components.NewInput(&st, keys.Default().Input, "/")
	in.Update(tea.PasteMsg{Content: "a\x1b[2Jb\x1b]52;c;eA==\x07\nc"})
	if in.Value() != "ab c" {
		t.Errorf("paste: %q", in.Value())
	}
	long := strings.Repeat("x", 500)
	in.SetValue(long)
	v := in.View(30)
	if ansi.StringWidth(v) > 30 || in.CursorX(30) > 29 {
		t.Errorf("long value: width %d cursor %d", ansi.StringWidth(v), in.CursorX(30))
	}
}

func TestFilterParse(t *testing.T) {
	for q, want := range map[string]components.Filter{
		"":      {},
		"!":     {},
		"Book":  {Text: "book"},
		"!BOOK": {Text: "book", Invert: true},
		"!!x":   {Text: "!x", Invert: true},
	} {
		if got := components.ParseFilter(q); got != want {
			t.Errorf("ParseFilter(%q) = %+v, want %+v", q, got, want)
		}
	}
}
