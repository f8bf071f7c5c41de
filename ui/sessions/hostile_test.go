package sessions_test

import (
	"regexp"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/sessions"
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
				s := &sessions.Session{Path: hostile[0], Service: hostile[1], Unreadable: hostile}
				var diffs []string
				for _, x := range hostile {
					s.Exchanges = append(s.Exchanges, sessions.Exchange{ID: x, Name: x, Service: x, Instance: x, Transport: x,
						Target: x, Status: x, TraceID: x, Error: x, Request: hostile, Response: hostile})
					diffs = append(diffs, "$."+x+": want "+x)
				}
				f.store.files = []sessions.File{{Path: hostile[0]}, {Path: hostile[2]}}
				f.store.sessions[hostile[0]] = s
				f.store.report = func(string, sessions.Target, sessions.Writes) *sessions.Report {
					rep := &sessions.Report{Failed: len(hostile)}
					for i, x := range hostile {
						rep.Results = append(rep.Results, sessions.Result{Index: i, Status: x, Diffs: diffs, Err: x[:i%2]})
					}
					return rep
				}
				f.keys("u")
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
						t.Errorf("%v %dx%d %s: ESC in a NoTTY frame", prof, w, h, step)
					}
					for _, r := range sgr.ReplaceAllString(frame, "") {
						if (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) || r == 0x202e {
							t.Errorf("%v %dx%d %s: control %U reached the frame", prof, w, h, step, r)
							return
						}
					}
				}
				check("list")
				for _, k := range []string{"enter", "r", "j", "j", "G", "i", "k"} {
					f.keys(k)
					check("after " + k)
				}
				if len(f.store.replays) != 1 {
					t.Errorf("%v %dx%d: the hostile session was not replayed", prof, w, h)
				}
			})
		}
	}
}
