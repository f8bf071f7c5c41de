package dashboard_test

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
)

// screens are the states the goldens pin, as keys pressed after the
// fleet's messages. docs/screens are captured from a real run instead.
var screens = []struct{ name, keys string }{
	{"instances", ""},
	{"instance_detail", "enter"},
	{"breakers", "2"},
	{"breakers_by_error", "2 s s"},
	{"why_did_it_trip", "2 enter"},
	{"limits", "3"},
	{"filter", "2 / b o o k s t o r e - 3 enter"},
	{"help", "2 ?"},
}

// TestGolden pins whole screens at 80×24 and 160×48 with the NoTTY
// profile. Regenerate with: go test ./ui/dashboard -run TestGolden -update
func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, s := range screens {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], s.name), func(t *testing.T) {
				f := newFixture(t, colorprofile.NoTTY, size[0], size[1])
				f.send(demoFleet()...)
				if cmd := f.keys(s.keys); cmd != nil {
					if msg := cmd(); msg != nil {
						f.send(msg) // the push from enter
					}
				}
				golden.RequireEqual(t, f.screen())
			})
		}
	}
}
