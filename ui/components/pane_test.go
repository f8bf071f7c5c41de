package components_test

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

func key(s string) tea.KeyPressMsg {
	switch s {
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func books(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "book %03d\n", i+1)
	}
	return b.String()
}

// TestPaneKeys: pgdn/pgup move by a page, G and g to the ends, and the
// last line says how much is below; every frame is exactly the pane's
// size.
func TestPaneKeys(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	p := components.NewPane(&st, keys.Default().Pane)
	p.SetSize(40, 10)
	p.SetText(books(100))
	check := func(what, first, marker string) {
		t.Helper()
		lines := strings.Split(p.View(), "\n")
		if len(lines) != 10 {
			t.Fatalf("%s: %d lines, want 10", what, len(lines))
		}
		for _, l := range lines {
			if ansi.StringWidth(l) > 40 {
				t.Errorf("%s: line too wide: %q", what, l)
			}
		}
		if lines[0] != first || !strings.HasPrefix(lines[9], marker) {
			t.Errorf("%s: first %q, marker %q; want %q, %q…", what, lines[0], lines[9], first, marker)
		}
	}
	check("top", "book 001", "↓ 91 more lines · pgdn/G/end scroll")
	p.Update(key("pgdown"))
	check("pgdn", "book 010", "↓ 82 more lines")
	p.Update(key("j"))
	check("j", "book 011", "↓ 81 more lines")
	p.Update(key("G"))
	check("G", "book 092", "end · lines 92–100 of 100")
	p.Update(key("pgup"))
	check("pgup", "book 083", "↓ 9 more lines")
	p.Update(key("g"))
	check("g", "book 001", "↓ 91 more lines")
	if handled, _ := p.Update(key("x")); handled {
		t.Error("x is not a pane key")
	}
}

// TestPaneFitsWithoutMarker: a short body shows no marker.
func TestPaneFitsWithoutMarker(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	p := components.NewPane(&st, keys.Default().Pane)
	p.SetSize(40, 10)
	p.SetText("{\n  \"id\": \"1\"\n}")
	if v := p.View(); strings.Contains(v, "more") || strings.Contains(v, "lines") || !strings.HasPrefix(v, "{") {
		t.Errorf("view:\n%s", v)
	}
}

// TestPaneWrapsLongLines: an error longer than the width is wrapped, not
// cut, so its end is on screen.
func TestPaneWrapsLongLines(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	p := components.NewPane(&st, keys.Default().Pane)
	p.SetSize(30, 10)
	p.SetText(strings.Repeat("a", 75) + " the end")
	if v := p.View(); !strings.Contains(v, "the end") {
		t.Errorf("the end of a long line is lost:\n%s", v)
	}
}

// TestPaneCopyAndPager: y copies the sanitized body with OSC 52 and says
// so; o asks for the pager with the same text. Escape sequences in the
// body never reach either.
func TestPaneCopyAndPager(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	p := components.NewPane(&st, keys.Default().Pane)
	p.Name = "response"
	p.SetSize(40, 10)
	p.SetText("line one\x1b]52;c;aGk=\x07\nline two\x1b[2J")
	if strings.Contains(p.Text(), "\x1b") {
		t.Fatalf("text keeps an escape: %q", p.Text())
	}
	_, cmd := p.Update(key("y"))
	msgs := flatten(cmd)
	var notice, clip bool
	for _, m := range msgs {
		if n, ok := m.(ui.NoticeMsg); ok && strings.Contains(n.Text, "copied the response (2 lines)") {
			notice = true
		}
		if fmt.Sprintf("%T", m) == "tea.setClipboardMsg" && fmt.Sprint(m) == p.Text() {
			clip = true
		}
	}
	if !notice || !clip {
		t.Errorf("y gave %#v, want a clipboard write of the text and a notice", msgs)
	}
	_, cmd = p.Update(key("o"))
	if m, ok := cmd().(components.PagerMsg); !ok || m.Text != p.Text() || m.Name != "response" {
		t.Errorf("o gave %#v", m)
	}
}

// TestPaneCapsItsText: a body over MaxPaneBytes is cut and says so.
func TestPaneCapsItsText(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	p := components.NewPane(&st, keys.Default().Pane)
	p.SetText(strings.Repeat("x", components.MaxPaneBytes+10))
	if len(p.Text()) > components.MaxPaneBytes+64 || !strings.HasSuffix(p.Text(), "cut at 1024 KiB") {
		t.Errorf("text of %d bytes ends %q", len(p.Text()), p.Text()[len(p.Text())-20:])
	}
}

func flatten(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	m := cmd()
	if b, ok := m.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, flatten(c)...)
		}
		return out
	}
	return []tea.Msg{m}
}

// TestPaneFollow: Follow keeps a pane at the end as text grows, and where
// the user scrolled to otherwise.
func TestPaneFollow(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	p := components.NewPane(&st, keys.Default().Pane)
	p.SetSize(20, 5)
	p.Follow(books(3))
	p.Follow(books(10))
	if p.Below() != 0 || !strings.Contains(p.View(), "book 010") {
		t.Fatalf("at the end, the pane should follow:\n%s", p.View())
	}
	p.Update(key("g"))
	p.Follow(books(12))
	if p.Offset() != 0 || strings.Contains(p.View(), "book 012") {
		t.Fatalf("scrolled to the top, the pane should stay there:\n%s", p.View())
	}
	p.Update(key("G"))
	p.Follow(books(14))
	if !strings.Contains(p.View(), "book 014") {
		t.Fatalf("back at the end, the pane should follow again:\n%s", p.View())
	}
}
