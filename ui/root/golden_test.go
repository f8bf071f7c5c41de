package root_test

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/kitbench/kitbench/ui/root"
)

// TestGolden pins whole screens at 80×24 and 160×48 with the NoTTY profile
// (plain text). Regenerate with: go test ./ui/root -run TestGolden -update
func TestGolden(t *testing.T) {
	states := []struct {
		name string
		keys string
	}{
		{"table", "j j j"},
		{"sorted", "s s"},
		{"filter", "/ c l o s e d"},
		{"command", ": b"},
		{"help", "?"},
		{"drilldown", "j enter"},
		{"second_tab", "2 G"},
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, s := range states {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], s.name), func(t *testing.T) {
				f := newFixture(t, colorprofile.NoTTY, size[0], size[1], root.Options{})
				f.send(statusFor(fleetRows(60)))
				f.send(received(fleetRows(60)))
				if cmd := f.keys(s.keys); cmd != nil {
					f.send(cmd()) // e.g. the push from enter
				}
				golden.RequireEqual(t, f.m.Render())
			})
		}
	}
	t.Run("too_small/60x20", func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 60, 20, root.Options{})
		golden.RequireEqual(t, f.m.Render())
	})
}
