package call_test

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/call"
)

var hostile = []string{
	"\x1b[2J\x1b[H", "\x1b]52;c;cm0gLXJmIH4K\x07", "\x1b]8;;https://evil.example\x1b\\x", "\x1bP+q544e\x1b\\",
	"\x9b6n\u009b6n", strings.Repeat("tag=value,", 1024), "\u202eevil\u202c", "line\nbreak\ttab\rcr",
	"日本語のサービス名前がとても長い", "e\u0301" + strings.Repeat("\u0300", 50), "\xff\xfe\xfd",
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

func TestHostileTextNeverReachesTheFrame(t *testing.T) {
	for _, prof := range []colorprofile.Profile{colorprofile.NoTTY, colorprofile.TrueColor} {
		for _, size := range [][2]int{{80, 24}, {97, 31}, {160, 48}} {
			w, h := size[0], size[1]
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, prof, w, h)
				for i, s := range hostile {
					ex, _ := json.Marshal(map[string]string{s: s})
					f.send(hub.InstanceUpdate{Instance: instance(s, s+strconv.Itoa(i), s, s,
						wire.EndpointDoc{Name: s, Transport: s, RequestExample: ex},
						wire.EndpointDoc{Name: "Raw" + strconv.Itoa(i), Transport: "http", RequestExample: json.RawMessage(s)})})
				}
				body, _ := json.Marshal(hostile)
				f.caller.answer = func(r call.Request) (call.Response, error) {
					return call.Response{Instance: hostile[0], Status: hostile[1], Message: hostile[5], Transport: hostile[2],
						Method: hostile[3], Target: hostile[4], TraceID: hostile[6], Body: append(body, hostile[0]...)}, nil
				}
				check := func(step string) {
					frame := f.m.Render()
					lines := strings.Split(frame, "\n")
					if len(lines) != h {
						t.Errorf("%v %dx%d %s: %d lines", prof, w, h, step, len(lines))
					}
					for i, l := range lines {
						if lw := ansi.StringWidth(l); lw > w {
							t.Errorf("%v %dx%d %s: line %d is %d wide", prof, w, h, step, i, lw)
						}
					}
					if prof == colorprofile.NoTTY && strings.Contains(frame, "\x1b") {
						t.Errorf("%v %dx%d %s: ESC in a NoTTY frame: %q", prof, w, h, step, frame)
					}
					for _, r := range sgr.ReplaceAllString(frame, "") {
						if (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) || r == 0x202e {
							t.Errorf("%v %dx%d %s: control %U reached the frame", prof, w, h, step, r)
							return
						}
					}
				}
				check("list")
				steps := []tea.Msg{press("G"), press("enter"), tea.PasteMsg{Content: strings.Join(hostile, "")}, press("esc"),
					press("i"), press("ctrl+s"), press("k"), press("enter"), press("esc"), press("ctrl+s"), press("h")}
				for i, m := range steps {
					f.send(m)
					check("step " + strconv.Itoa(i))
				}
				if len(f.caller.calls) == 0 {
					t.Errorf("%v %dx%d: the hostile methods were never called", prof, w, h)
				}
			})
		}
	}
}
