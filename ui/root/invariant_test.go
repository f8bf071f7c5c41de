package root_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/root"
	"github.com/kitbench/kitbench/ui/styles"
)

var hostile = []string{
	"\x1b[2J\x1b[H",                          // clear screen, home
	"\x1b]52;c;cm0gLXJmIH4K\x07",             // OSC 52: write the clipboard
	"\x1b]8;;https://evil.example\x1b\\x",    // OSC 8 hyperlink
	"\x1bP+q544e\x1b\\",                      // DCS query
	"\x9b6n\u009b6n",                         // 8-bit CSI, raw and as a rune
	strings.Repeat("tag=value,", 1024),       // 10 KB tag
	"\u202eevil\u202c",                       // bidi override
	"line\nbreak\ttab\rcr",                   // layout breakers
	"日本語のサービス名前がとても長い",                       // wide runes
	"e\u0301" + strings.Repeat("\u0300", 50), // combining pile
	"\xff\xfe\xfd",                           // invalid UTF-8
}

func hostileRows() rowsMsg {
	var rows rowsMsg
	for i, h := range hostile {
		rows = append(rows, components.Row{Key: fmt.Sprint(i), Cells: components.Texts(h, h, h, h, h)})
	}
	return rows
}

// sgr matches the Select Graphic Rendition sequences the styles produce.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// TestEveryFrameFitsAndIsClean drives the root through its modes with
// hostile remote text and checks every frame: exactly height lines, none
// wider than the window, no escape sequence but the styles' own SGR (none
// at all with the NoTTY profile), no control character.
func TestEveryFrameFitsAndIsClean(t *testing.T) {
	for _, prof := range []colorprofile.Profile{colorprofile.NoTTY, colorprofile.ASCII, colorprofile.TrueColor} {
		for _, size := range [][2]int{{80, 24}, {81, 25}, {120, 40}, {160, 48}, {300, 80}, {40, 10}, {1, 1}} {
			w, h := size[0], size[1]
			f := newFixture(t, prof, w, h, root.Options{})
			f.send(received(hostileRows()))
			f.send(ui.StatusMsg{Source: hostile[0] + "consul", Instances: 3, Err: hostile[1] + hostile[5]})
			f.send(ui.NoticeMsg{Text: hostile[2]})
			check := func(step string) {
				frame := f.m.Render()
				lines := strings.Split(frame, "\n")
				if w >= root.MinWidth && h >= root.MinHeight && len(lines) != h {
					t.Errorf("%v %dx%d %s: %d lines", prof, w, h, step, len(lines))
				}
				if len(lines) > h {
					t.Errorf("%v %dx%d %s: %d lines > height", prof, w, h, step, len(lines))
				}
				for i, l := range lines {
					if lw := ansi.StringWidth(l); lw > w {
						t.Errorf("%v %dx%d %s: line %d is %d wide: %q", prof, w, h, step, i, lw, l)
					}
				}
				rest := frame
				if prof == colorprofile.NoTTY {
					if strings.Contains(frame, "\x1b") {
						t.Errorf("%v %dx%d %s: ESC in a NoTTY frame", prof, w, h, step)
					}
				} else {
					rest = sgr.ReplaceAllString(frame, "")
				}
				for _, r := range rest {
					if (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) || r == 0x202e {
						t.Errorf("%v %dx%d %s: control %U reached the frame", prof, w, h, step, r)
						break
					}
				}
			}
			check("table")
			for _, k := range []string{"j", "s", "/", "!", "e", "enter", ":", "t", "tab", "esc", "?", "?", "G"} {
				f.send(press(k))
				check("after " + k)
			}
			if cmd := f.send(press("enter")); cmd != nil {
				f.send(cmd())
				check("drilled")
			}
		}
	}
}

// TestUpdateAndViewDoNoWork checks that Update and Render of the root start
// nothing behind the program's back: handling keys returns no command but
// the view's own, and rendering twice gives the same frame.
func TestUpdateAndViewDoNoWork(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 120, 40, root.Options{})
	f.send(received(fleetRows(100)))
	for _, k := range []string{"j", "k", "G", "g", "s", "tab", "1", "?", "?", "/", "x", "esc"} {
		if cmd := f.send(press(k)); cmd != nil {
			t.Errorf("key %q returned a command %T", k, cmd())
		}
	}
	if a, b := f.m.Render(), f.m.Render(); a != b {
		t.Error("Render is not a pure function of the model")
	}
}

func statusFor(rows rowsMsg) tea.Msg {
	return ui.StatusMsg{Source: "devregistry 127.0.0.1:8500", Instances: len(rows)}
}

func BenchmarkKeypress(b *testing.B) {
	for _, n := range []int{50, 5000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			f := newFixture(b, colorprofile.TrueColor, 160, 48, root.Options{})
			f.send(received(fleetRows(n)))
			down, up := press("j"), press("k")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i%100 < 50 {
					f.send(down)
				} else {
					f.send(up)
				}
				i++
			}
		})
	}
}

func BenchmarkView(b *testing.B) {
	for _, prof := range []colorprofile.Profile{colorprofile.NoTTY, colorprofile.TrueColor} {
		b.Run("rows=1000/profile="+prof.String(), func(b *testing.B) {
			f := newFixture(b, prof, 160, 48, root.Options{})
			f.send(statusFor(fleetRows(1000)))
			f.send(received(fleetRows(1000)))
			f.keys("j j")
			b.ReportAllocs()
			for b.Loop() {
				_ = f.m.View()
			}
		})
	}
}

var _ = styles.ToneBad
