package sessions_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/sessions"
	"github.com/kitbench/kitbench/ui/styles"
)

func TestListOpenReplay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30)
		s := f.m.Render()
		for _, want := range []string{"testdata/books_grpc.kitrec", "2.3 KB", "120.0 KB", "broken.kitrec"} {
			if !strings.Contains(s, want) {
				t.Errorf("list lacks %q:\n%s", want, s)
			}
		}
		f.keys("enter")
		s = f.m.Render()
		for _, want := range []string{"bookstore · 3 exchanges · replay → as recorded", "CreateBook", "NOT_FOUND", "exchange 1 · id 1 · CreateBook", `"title": "Dune"`} {
			if !strings.Contains(s, want) {
				t.Errorf("session lacks %q:\n%s", want, s)
			}
		}
		f.keys("i i r") // book-2
		if len(f.store.replays) != 1 {
			t.Fatalf("%d replays", len(f.store.replays))
		}
		if got := f.store.replays[0]; got.Label != "book-2" || !slices.Equal(got.Specs, []string{"http://127.0.0.1:8002", "grpc://127.0.0.1:9002"}) {
			t.Errorf("target %+v", got)
		}
		if n := f.notice(); n.Text != "replay against book-2: 2 passed, 1 failed" || n.Level != ui.Warn {
			t.Errorf("notice %+v", n)
		}
		f.keys("j")
		s = f.m.Render()
		for _, want := range []string{"2 passed, 1 failed", "pass", "diff", "✗ replay differs (OK, 1.0ms):", `$.title: want "Dune", got "Emma"`} {
			if !strings.Contains(s, want) {
				t.Errorf("replayed session lacks %q:\n%s", want, s)
			}
		}
		f.keys("i") // the gateway is not a target for a bookstore session
		if !strings.Contains(f.m.Render(), "replay → as recorded") {
			t.Errorf("targets should cycle back to as recorded:\n%s", f.m.Render())
		}
		f.keys("esc")
		f.keys("j j enter") // broken.kitrec: not in the fake store
		if n := f.notice(); n.Level != ui.Error || !strings.Contains(n.Text, "broken.kitrec") {
			t.Errorf("an unreadable file should be a notice: %+v", n)
		}
	})
}

func TestRecordingToggleReloadsTheList(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30)
		f.store.files = append(f.store.files, f.store.files[0])
		f.store.files[len(f.store.files)-1].Path = ".kitbench/sessions/dashboard-1.kitrec"
		f.keys("R")
		if !f.rec.on || !strings.Contains(f.m.Render(), "dashboard-1.kitrec") {
			t.Fatalf("R should start recording and list the new file:\n%s", f.m.Render())
		}
		if n := f.notice(); !strings.Contains(n.Text, "recording calls to") {
			t.Errorf("notice %+v", n)
		}
	})
}

func TestUpdateAndViewDoNoIO(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	store := newStore()
	v := sessions.New(&st, keys.Default(), store, &fakeRecorder{})
	v.SetSize(120, 30)
	cmds := 0
	for _, m := range []any{hub.SourceStatus{}, press("u"), press("enter"), press("R"), press("j")} {
		if _, cmd := v.Update(m); cmd != nil {
			cmds++
		}
		_ = v.View()
	}
	if store.ops != 0 {
		t.Fatalf("Update/View called the store %d times", store.ops)
	}
	if cmds == 0 {
		t.Fatal("no work was asked for")
	}
}

// TestGolden pins the list and a replayed session at 80×24 and 160×48.
// Regenerate with: go test ./ui/sessions -run TestGolden -update
func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, s := range []struct{ name, keys string }{
			{"list", ""},
			{"session", "enter"},
			{"replayed", "enter i r j"},
		} {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], s.name), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					f := newFixture(t, colorprofile.NoTTY, size[0], size[1])
					f.keys(s.keys)
					golden.RequireEqual(t, f.m.Render())
				})
			})
		}
	}
}
