package dashboard_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

var hostile = []string{
	"\x1b[2J\x1b[H",                       // clear screen, home
	"\x1b]52;c;cm0gLXJmIH4K\x07",          // OSC 52: write the clipboard
	"\x1b]8;;https://evil.example\x1b\\x", // OSC 8 hyperlink
	"\x9b6n\u009b6n",                      // 8-bit CSI
	strings.Repeat("tag=value,", 1024),    // 10 KB tag
	"\u202eevil\u202c",                    // bidi override
	"line\nbreak\ttab\rcr",                // layout breakers
	"日本語のサービス名前がとても長い",                    // wide runes
	"\xff\xfe\xfd",                        // invalid UTF-8
}

// hostileFleet puts every hostile string in every remote field a view
// draws: names, ids, addresses, tags, versions, routes, errors, trace ids.
func hostileFleet() []tea.Msg {
	var msgs []tea.Msg
	msgs = append(msgs, hub.SourceStatus{Source: hostile[0] + "registry", Err: hostile[1] + hostile[4], Stale: true, Ready: true, Instances: len(hostile)})
	for i, h := range hostile {
		k := hub.Key{Service: h, InstanceID: fmt.Sprint(i) + h}
		in := hub.Instance{Key: k, Address: h, Tags: []string{h, h}, Meta: map[string]string{h: h}, Health: h,
			State: hub.State(h), Stale: i%2 == 0, Admin: h, Intro: hub.Introspection(h), Err: h,
			Info: &wire.Info{Service: h, Version: h, Transports: []wire.Transport{{Name: h, Addr: h}},
				Endpoints: []wire.EndpointDoc{{Name: h, Transport: h, HTTPMethod: h, HTTPPath: h, GRPCMethod: h}}}}
		tr := wire.BreakerTransition{Name: h, From: h, To: wire.StateOpen, Time: t0, Counts: wire.BreakerCounts{Requests: 3},
			Failures: []wire.BreakerFailure{{Time: t0, Error: h, TraceID: h}, {Time: t0, Error: h}}}
		msgs = append(msgs,
			hub.InstanceUpdate{Instance: in},
			hub.BreakerUpdate{Key: k, Breaker: wire.Breaker{Name: h, State: wire.StateOpen, Settings: wire.BreakerSettings{Policy: h}}, Transition: &tr},
			hub.LimiterUpdate{Key: k, Limiter: wire.Limiter{Name: h, Mode: h, Rejected: uint64(i)}},
			hub.Problem{Key: k, Err: h},
		)
		m := metricsOf(k, 1, 0.5, time.Millisecond)
		m.Stats.Endpoints[0].Endpoint, m.Stats.Endpoints[0].Transport = h, h
		msgs = append(msgs, m)
	}
	return append(msgs, ui.TickMsg{Now: t0}, ui.TickMsg{Now: t0.Add(time.Second)}, ui.NoticeMsg{Text: hostile[2]})
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// TestHostileTextNeverReachesTheTerminal drives every view with hostile
// remote text at several sizes and profiles and checks every frame: the
// window's height, no line wider than the window, no escape sequence but
// the styles' own SGR (none with NoTTY), no control character.
func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	steps := []string{"", "enter", "esc", "2", "enter", "j", "enter", "esc", "s", "3", "s", "/ e v i l enter", "1 j j enter"}
	for _, prof := range []colorprofile.Profile{colorprofile.NoTTY, colorprofile.ANSI256} {
		for _, size := range [][2]int{{80, 24}, {120, 40}, {160, 48}, {300, 80}} {
			w, h := size[0], size[1]
			f := newFixture(t, prof, w, h)
			f.send(hostileFleet()...)
			for _, step := range steps {
				if cmd := f.keys(step); cmd != nil {
					if msg := cmd(); msg != nil {
						if _, ok := msg.(ui.PushMsg); ok {
							f.send(msg)
						}
					}
				}
				frame := f.screen()
				where := fmt.Sprintf("%v %dx%d after %q", prof, w, h, step)
				lines := strings.Split(frame, "\n")
				if len(lines) != h {
					t.Errorf("%s: %d lines", where, len(lines))
				}
				for i, l := range lines {
					if lw := ansi.StringWidth(l); lw > w {
						t.Errorf("%s: line %d is %d wide", where, i, lw)
					}
				}
				rest := frame
				if prof == colorprofile.NoTTY && strings.Contains(frame, "\x1b") {
					t.Errorf("%s: ESC in a NoTTY frame", where)
				}
				rest = sgr.ReplaceAllString(frame, "")
				for _, r := range rest {
					if (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) || r == 0x202e {
						t.Errorf("%s: control %U reached the frame", where, r)
						break
					}
				}
			}
		}
	}
}
