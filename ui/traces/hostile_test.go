package traces_test

import (
	"regexp"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/root"
)

var hostile = []string{
	"\x1b[2J\x1b[H", "\x1b]52;c;cm0gLXJmIH4K\x07", "\x1b]8;;https://evil.example\x1b\\x", "\x1bP+q544e\x1b\\",
	"\x9b6n\u009b6n", strings.Repeat("tag=value,", 1024), "\u202eevil\u202c", "line\nbreak\ttab\rcr",
	"日本語のサービス名前がとても長い", "e\u0301" + strings.Repeat("\u0300", 50), "\xff\xfe\xfd",
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// hostileSpans puts hostile text in every remote field: names, services,
// instance ids, status messages, attributes, event names and values, and
// links some spans into a cycle.
func hostileSpans() []hub.Span {
	var out []hub.Span
	for i, h := range hostile {
		k := hub.Key{Service: h, InstanceID: h}
		attrs := map[string]string{h: h, "k": h}
		ev := []wire.SpanEvent{
			{Name: "circuitbreaker", Time: at(float64(i)), Attributes: map[string]string{"circuitbreaker.name": h, "circuitbreaker.state": h, "circuitbreaker.rejected": "true"}},
			{Name: "lb.eject", Time: at(float64(i)), Attributes: map[string]string{"instance.id": h, "instance.address": h, "ejection.until": h}},
			{Name: h, Time: at(-1e6), Attributes: attrs},
		}
		parent := "x" + string(rune('a'+(i+1)%len(hostile)))
		out = append(out, hub.Span{Instance: k, Span: wire.Span{
			TraceID: "77777777777777777777777777777777", SpanID: "x" + string(rune('a'+i)), ParentSpanID: parent,
			Name: h, Service: h, Kind: h, Start: at(float64(i)), DurationNS: int64(i+1) * 1e6,
			Status: "error", StatusMsg: h, Attributes: attrs, Events: ev,
		}})
	}
	return append(out, fleetSpans(3)...)
}

func TestHostileTextNeverReachesTheFrame(t *testing.T) {
	for _, prof := range []colorprofile.Profile{colorprofile.NoTTY, colorprofile.TrueColor} {
		for _, size := range [][2]int{{80, 24}, {97, 31}, {160, 48}, {300, 80}} {
			w, h := size[0], size[1]
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, prof, w, h, hostileSpans())
				f.send(spansArrived(f.src.spans))
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
					rest := frame
					if prof == colorprofile.NoTTY && strings.Contains(frame, "\x1b") {
						t.Errorf("%v %dx%d %s: ESC in a NoTTY frame", prof, w, h, step)
					}
					rest = sgr.ReplaceAllString(rest, "")
					for _, r := range rest {
						if (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) || r == 0x202e {
							t.Errorf("%v %dx%d %s: control %U reached the frame", prof, w, h, step, r)
							return
						}
					}
				}
				check("list")
				for _, k := range []string{"G", "k", "enter", "j", "j", "G", "pgdown", "esc", "s", "/", "7", "enter", "enter", "j"} {
					f.send(press(k))
					check("after " + k)
				}
				if !strings.Contains(f.m.Render(), "TIMELINE") {
					t.Errorf("%v %dx%d: the hostile trace's waterfall was not reached:\n%s", prof, w, h, f.m.Render())
				}
			})
		}
	}
}

var _ = root.MinWidth
